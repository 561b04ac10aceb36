-- Every fact the current user reads, twice: through visible_fact as the database defines it now, and through
-- 005_access.sql's definition (kept as visible_fact_checked by 018: the masked-key join and the rights test run for
-- every user). Rows that differ are returned, with `way` saying which definition alone gave them: none when the two
-- agree.
-- One row per differing fact version. No parameters.
SELECT 'now' AS way, * FROM (SELECT * FROM visible_fact EXCEPT ALL SELECT * FROM visible_fact_checked)
UNION ALL
SELECT '005' AS way, * FROM (SELECT * FROM visible_fact_checked EXCEPT ALL SELECT * FROM visible_fact);
