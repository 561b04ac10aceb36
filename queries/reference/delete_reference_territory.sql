-- Empties the reference territories before a full reload (the reference loader owns this table).
-- One row deleted per row of territory (the table is emptied).
-- Affects every row of territory. No parameters.
DELETE FROM territory;
