-- Appends the incoming facts that are new or differ from the current value; unchanged ones are skipped,
-- One row inserted per new or changed incoming fact.
-- so the history only holds real replacements. `incoming` has the fact columns but import_id/recorded_at/is_demo.
-- Returns the number of rows inserted. Parameters: $import_id, $recorded_at, $is_demo.
INSERT INTO fact BY NAME
SELECT i.*, $import_id AS import_id, $recorded_at AS recorded_at, $is_demo AS is_demo
FROM incoming i
LEFT JOIN current_fact c
  ON c.territory_level = i.territory_level AND c.territory_code = i.territory_code
 AND c.indicator = i.indicator AND c.period = i.period AND c.measure = i.measure
WHERE c.indicator IS NULL
   OR c.value IS DISTINCT FROM i.value
   OR c.missing_reason IS DISTINCT FROM i.missing_reason
   OR c.comment IS DISTINCT FROM i.comment;
