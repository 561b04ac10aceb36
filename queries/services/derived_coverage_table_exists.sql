-- Whether the database has the derived coverage tables yet (a database older than migration 015 has none).
-- One row: n (0 or 1). No parameters.
SELECT count(*) AS n FROM duckdb_views() WHERE view_name = 'visible_derived_coverage_list';
