-- Empties the programme table before the catalogue is reloaded: the CSV files of data/catalogue/ are the reference.
-- One row deleted per row of programme (the table is emptied).
-- Returns no rows. No parameters.
DELETE FROM programme;
