-- Which version of each fact is current, kept by the writer (issue 16: every view a lookup): `fact.is_current` is
-- true on the latest import's row of each (territory_level, territory_code, indicator, period, measure), false on the
-- rows it replaced (queries/imports/retire_replaced_facts.sql runs after every insert, in the same transaction).
-- current_fact then reads the current rows by a filter instead of ranking every stored version of every fact on
-- every query (0.2 to 0.4 s a query on the demo, growing with the history and with the data).
ALTER TABLE fact ADD COLUMN is_current BOOLEAN DEFAULT true;

UPDATE fact SET is_current = false
FROM (
    SELECT import_id, territory_level, territory_code, indicator, period, measure
    FROM fact
    QUALIFY row_number() OVER (
        PARTITION BY territory_level, territory_code, indicator, period, measure ORDER BY import_id DESC
    ) > 1
) AS replaced
WHERE fact.import_id = replaced.import_id AND fact.territory_level = replaced.territory_level
  AND fact.territory_code = replaced.territory_code AND fact.indicator = replaced.indicator
  AND fact.period = replaced.period AND fact.measure = replaced.measure;

-- Same rows and columns as 005's definition (the latest version of each fact the user may read, masked values
-- blanked): a user who may read a fact reads its current version, and masking applies to that version's key.
CREATE OR REPLACE VIEW current_fact AS
SELECT * EXCLUDE (is_current)
FROM visible_fact
WHERE is_current;
