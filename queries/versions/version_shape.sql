-- The shape of a database version, compared before and after it is written out and reopened, before publication.
-- One row: tables, columns (counts over the whole database). No parameters.
SELECT (SELECT count(*) FROM duckdb_tables()) AS tables, (SELECT count(*) FROM duckdb_columns()) AS columns;
