-- Empties the reference boundaries before a full reload (the reference loader owns this table).
-- One row deleted per row of territory_geometry (the table is emptied).
-- Affects every row of territory_geometry. No parameters.
DELETE FROM territory_geometry;
