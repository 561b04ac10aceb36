-- Empties the reference boundaries before a full reload (the reference loader owns this table).
-- Affects every row of territory_geometry. No parameters.
DELETE FROM territory_geometry;
