-- Lists the schema migrations already applied.
-- One row per migration. No parameters.
SELECT version, name, applied_at FROM schema_migration ORDER BY version;
