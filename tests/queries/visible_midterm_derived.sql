-- What a user reads through the Mi-parcours derived tables (leak tests): table, territory, indicator, programme.
-- One row per derived row the user may read. No parameters.
SELECT 'midterm_value' AS derived_table, v.level, v.code, v.indicator, i.programme
FROM visible_derived_midterm_value v
LEFT JOIN indicator i ON i.code = v.indicator
UNION ALL
SELECT 'target_status' AS derived_table, s.level, s.code, s.indicator, i.programme
FROM visible_derived_target_status s
LEFT JOIN indicator i ON i.code = s.indicator;
