-- Empties the indicator table before the catalogue is reloaded: the CSV files of data/catalogue/ are the reference.
-- One row deleted per row of indicator (the table is emptied).
-- Returns no rows. No parameters.
DELETE FROM indicator;
