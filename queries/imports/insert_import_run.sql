-- Records one import attempt in the journal and returns its id.
-- One row returned (id). Parameters: every column of import_run but id ($errors and $warnings: the first 1,000,
-- $error_count/$warning_count: all of them, $error_rules/$warning_rules: JSON counts per rule).
INSERT INTO import_run (file_name, content_hash, kind, file_format, rows_read, rows_accepted, rows_changed,
                        status, started_at, finished_at, imported_by, is_demo, message, errors, warnings,
                        error_count, warning_count, error_rules, warning_rules)
VALUES ($file_name, $content_hash, $kind, $file_format, $rows_read, $rows_accepted, $rows_changed,
        $status, $started_at, $finished_at, $imported_by, $is_demo, $message, $errors, $warnings,
        $error_count, $warning_count, $error_rules, $warning_rules)
RETURNING id;
