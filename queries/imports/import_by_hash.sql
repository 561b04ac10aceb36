-- Finds a successful earlier import of the same file content.
-- One row per matching import. Parameters: $hash (SHA-256 hex of the file).
SELECT id, file_name, finished_at FROM import_run
WHERE content_hash = $hash AND status = 'importé'
ORDER BY id;
