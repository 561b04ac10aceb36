-- The axes of every programme of the national catalogue, with their labels, in the catalogue's order.
-- One row per (programme, axis). No parameters.
SELECT programme, code, label
FROM axis
ORDER BY programme, rowid;
