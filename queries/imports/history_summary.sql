-- How many values were replaced by later imports (the history kept of superseded values), and by how many imports:
-- the same counts as fact_history (005_access.sql) for every user, read from the facts whose key has a replaced
-- version only (fact.is_current, 016) instead of numbering every stored version of every fact (0.1–0.2 s on the
-- demo, on the first page every visitor opens after a publication).
-- One row. No parameters.
WITH replaced_keys AS (
    SELECT DISTINCT territory_level, territory_code, indicator, period, measure
    FROM fact
    WHERE NOT is_current
), versions AS (
    SELECT lead(f.import_id) OVER (
               PARTITION BY f.territory_level, f.territory_code, f.indicator, f.period, f.measure ORDER BY f.import_id
           ) AS next_import
    FROM visible_fact AS f
    SEMI JOIN replaced_keys AS k
      ON k.territory_level = f.territory_level AND k.territory_code = f.territory_code AND k.indicator = f.indicator
     AND k.period = f.period AND k.measure = f.measure
)
SELECT count(next_import) AS replaced_values, count(DISTINCT next_import) AS replacing_imports FROM versions;
