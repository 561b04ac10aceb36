-- Stores the reference territories read from the COG/EPCI files.
-- One row per (level, code, vintage) of `incoming`. No parameters.
INSERT INTO territory BY NAME SELECT * FROM incoming;
