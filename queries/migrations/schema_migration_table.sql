-- Creates the table that records applied schema migrations (run before any migration).
-- One row per applied migration file of queries/schema/. No parameters.
CREATE TABLE IF NOT EXISTS schema_migration (
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
