-- How many values were replaced by later imports (the history kept of superseded values).
-- One row. No parameters.
SELECT count(*) AS replaced_values, count(DISTINCT replaced_by_import) AS replacing_imports FROM fact_history;
