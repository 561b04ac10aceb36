-- Whether the database has its data_state table yet (a database older than migration 011 has none).
-- One row: n (0 or 1). No parameters.
SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'data_state';
