-- Every import run the current user reads, twice: through visible_import_run as the database defines it now, and
-- through 005_access.sql's definition (kept as visible_import_run_checked by 019: the rights test runs for every
-- user). Rows that differ are returned, with `way` saying which definition alone gave them: none when the two agree.
-- One row per differing import run. No parameters.
SELECT 'now' AS way, * FROM (SELECT * FROM visible_import_run EXCEPT ALL SELECT * FROM visible_import_run_checked)
UNION ALL
SELECT '005' AS way, * FROM (SELECT * FROM visible_import_run_checked EXCEPT ALL SELECT * FROM visible_import_run);
