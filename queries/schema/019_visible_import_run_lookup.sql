-- visible_import_run (005_access.sql) read without the rights test when there is none to do (issue 16: every view a
-- lookup), as 018 did for visible_fact. 005's definition is kept under the name visible_import_run_checked;
-- visible_import_run now gives a user who reads every territory (levier_all) the import runs as they are, and anyone
-- else 005's rows. DuckDB folds the session variables before planning, so only one of the two branches runs. Before,
-- 005's `levier_all OR id IN (every fact's import) OR …` scanned every fact, funding and variant row for each read,
-- even for a user who reads them all: 54 ms at ×30 (6.4 million facts), 3.5 ms now, on every read of the
-- declarations in force (Indicateurs, the quality score). Same rows for every user
-- (tests/unit/store/test_access_layer.py compares the two).
ALTER VIEW visible_import_run RENAME TO visible_import_run_checked;

CREATE VIEW visible_import_run AS
SELECT *
FROM import_run
WHERE coalesce(getvariable('levier_all'), false)
UNION ALL
SELECT *
FROM visible_import_run_checked
WHERE NOT coalesce(getvariable('levier_all'), false);
