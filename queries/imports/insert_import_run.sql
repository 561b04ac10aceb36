-- Records one import attempt in the journal and returns its id.
-- One row returned (id). Parameters: every column of import_run but id.
INSERT INTO import_run (file_name, content_hash, kind, file_format, rows_read, rows_accepted, rows_changed,
                        status, started_at, finished_at, imported_by, is_demo, message, errors, warnings)
VALUES ($file_name, $content_hash, $kind, $file_format, $rows_read, $rows_accepted, $rows_changed,
        $status, $started_at, $finished_at, $imported_by, $is_demo, $message, $errors, $warnings)
RETURNING id;
