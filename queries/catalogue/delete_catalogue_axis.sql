-- Empties the axis table before the catalogue is reloaded: the CSV files of data/catalogue/ are the reference.
-- One row deleted per row of axis (the table is emptied).
-- Returns no rows. No parameters.
DELETE FROM axis;
