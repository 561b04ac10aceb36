-- Records that a migration file was applied.
-- Parameters: $version (integer), $name (file stem).
INSERT INTO schema_migration (version, name) VALUES ($version, $name);
