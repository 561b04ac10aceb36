-- The import journal counts every error and warning of a file, in total and per rule, while its JSON lists keep
-- only the first 1,000 (levier.ingest.report.FINDINGS_KEPT): `levier imports` and the home page read the counts,
-- never a rejected file's whole list. Rows journaled before this migration get their counts from their lists.

ALTER TABLE import_run ADD COLUMN error_count BIGINT DEFAULT 0;    -- every error, not only the ones listed
ALTER TABLE import_run ADD COLUMN warning_count BIGINT DEFAULT 0;
ALTER TABLE import_run ADD COLUMN error_rules TEXT;                -- JSON object {rule: count}, most frequent first
ALTER TABLE import_run ADD COLUMN warning_rules TEXT;

UPDATE import_run
SET error_count = coalesce(json_array_length(errors), 0),
    warning_count = coalesce(json_array_length(warnings), 0);
