-- Appends the incoming facts that are new or differ from the current value; unchanged ones are skipped,
-- so the history only holds real replacements. `incoming` has the fact columns but import_id/recorded_at/is_demo.
-- One row inserted per new or changed incoming fact. Returns the number of rows inserted.
-- Parameters: $import_id, $recorded_at, $is_demo.
-- The current value is taken from `fact` itself (the writer compares with everything stored, whoever may read
-- it), for the incoming indicators only and on the compared columns only: the current_fact view would build the
-- masking key of every row. The rows it replaces are then marked by retire_replaced_facts.sql (Writer.insert_facts).
INSERT INTO fact BY NAME
SELECT i.*, $import_id AS import_id, $recorded_at AS recorded_at, $is_demo AS is_demo
FROM incoming i
LEFT JOIN (
    SELECT territory_level, territory_code, indicator, period, measure, value, missing_reason, comment
    FROM fact
    WHERE is_current AND indicator IN (SELECT DISTINCT indicator FROM incoming)
) c
  ON c.territory_level = i.territory_level AND c.territory_code = i.territory_code
 AND c.indicator = i.indicator AND c.period = i.period AND c.measure = i.measure
WHERE c.indicator IS NULL
   OR c.value IS DISTINCT FROM i.value
   OR c.missing_reason IS DISTINCT FROM i.missing_reason
   OR c.comment IS DISTINCT FROM i.comment;
