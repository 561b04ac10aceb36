-- The quality checks' typed-in values (as quality_values.sql) restricted to some indicators of one level: what the
-- gating of a ranking needs, without checking every indicator of the database.
-- One row per (territory, indicator, year) holding a number. Parameters: $level ('departement' | 'epci'),
-- $codes (list of indicator codes).
SELECT c.territory_level, c.territory_code, c.indicator, c.period, c.value, c.import_id,
       i.programme, i.unit, i.kind
FROM current_fact c
JOIN indicator i ON i.code = c.indicator
JOIN programme p ON p.code = i.programme
WHERE c.measure = 'valeur' AND c.value IS NOT NULL AND i.numerator IS NULL AND i.denominator IS NULL
  AND p.due_date IS NOT NULL AND c.territory_level = $level AND list_contains($codes, c.indicator)
ORDER BY c.territory_level, c.territory_code, c.indicator, c.period;
