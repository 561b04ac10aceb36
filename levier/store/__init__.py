"""The one door to DuckDB: connections, migrations, the query registry, the single writer path."""
