-- The shape of a database version, compared before and after it is written out and reopened, before publication.
-- One row: tables, columns (over every table of the database; views left out, binding them all is slow). No parameters.
SELECT count(*) AS tables, coalesce(sum(column_count), 0) AS columns FROM duckdb_tables();
