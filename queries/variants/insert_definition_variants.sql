-- Appends declared definition variants (the rows of `incoming`, already validated and limited to declarations
-- that differ from the one in force); earlier declarations stay in the table as history.
-- One row inserted per row of incoming. Parameters: $import_id, $recorded_at, $is_demo.
INSERT INTO definition_variant BY NAME
SELECT i.*, $import_id AS import_id, $recorded_at AS recorded_at, $is_demo AS is_demo
FROM incoming i;
