-- Empties the axis table before the catalogue is reloaded: the CSV files of data/catalogue/ are the reference.
-- Returns no rows. No parameters.
DELETE FROM axis;
