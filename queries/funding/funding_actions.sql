-- The action catalogue with its axis labels: what a funding file may name, and how the lever page labels actions.
-- One row per action, in catalogue order. No parameters.
SELECT a.programme, a.axis, x.label AS axis_label, a.code, a.label, a.territory
FROM action AS a
LEFT JOIN axis AS x ON x.programme = a.programme AND x.code = a.axis
ORDER BY a.programme, a.rowid;
