-- Stores the reference boundaries as WKB (WGS84), read back with shapely so DuckDB needs no spatial extension.
-- One row per (level, code, vintage) of `incoming`. No parameters.
INSERT INTO territory_geometry BY NAME SELECT * FROM incoming;
