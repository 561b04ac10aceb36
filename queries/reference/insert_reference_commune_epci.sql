-- Stores which EPCI each commune belongs to, per EPCI-list vintage.
-- One row per (vintage, commune) of `incoming`. No parameters.
INSERT INTO commune_epci BY NAME SELECT * FROM incoming;
