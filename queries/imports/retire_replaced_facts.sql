-- Marks the facts an import has just replaced as no longer current (fact.is_current, 016_current_flag.sql): every
-- earlier row of a key (territory_level, territory_code, indicator, period, measure) the import wrote a row for.
-- Run right after insert_changed_facts.sql in the same transaction (levier.store.db.Writer.insert_facts).
-- One row per fact retired. Parameters: $import_id.
UPDATE fact SET is_current = false
FROM (
    SELECT territory_level, territory_code, indicator, period, measure
    FROM fact
    WHERE import_id = $import_id
) AS written
WHERE fact.is_current AND fact.import_id < $import_id
  AND fact.territory_level = written.territory_level AND fact.territory_code = written.territory_code
  AND fact.indicator = written.indicator AND fact.period = written.period AND fact.measure = written.measure;
