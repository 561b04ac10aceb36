-- Records that a migration file was applied.
-- One row inserted per applied migration file.
-- Parameters: $version (integer), $name (file stem).
INSERT INTO schema_migration (version, name) VALUES ($version, $name);
