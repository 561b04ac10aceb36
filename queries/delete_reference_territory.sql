-- Empties the reference territories before a full reload (the reference loader owns this table).
-- Affects every row of territory. No parameters.
DELETE FROM territory;
