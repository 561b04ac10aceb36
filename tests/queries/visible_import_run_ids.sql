-- The import runs the current user reads (visible_import_run).
-- One row per import run. No parameters.
SELECT id FROM visible_import_run ORDER BY id;
