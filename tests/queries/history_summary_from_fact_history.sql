-- The home page's history counts as fact_history (005_access.sql) gives them: every replaced version the user reads,
-- and the imports that replaced them. Compared with queries/imports/history_summary.sql by the tests.
-- One row. No parameters.
SELECT count(*) AS replaced_values, count(DISTINCT replaced_by_import) AS replacing_imports FROM fact_history;
