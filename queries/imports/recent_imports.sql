-- The import journal, newest first.
-- One row per import attempt. Parameters: $limit (maximum number of rows).
SELECT id, file_name, kind, file_format, status, rows_read, rows_accepted, rows_changed,
       finished_at, imported_by, is_demo, message, errors, warnings, content_hash,
       error_count, warning_count, error_rules, warning_rules
FROM visible_import_run
ORDER BY id DESC
LIMIT $limit;
