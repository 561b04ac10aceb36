-- Current typed-in values (not derived ratios) with what the consistency checks need from the catalogue.
-- One row per (territory, indicator, year) holding a number. No parameters.
SELECT c.territory_level, c.territory_code, c.indicator, c.period, c.value, c.import_id,
       i.programme, i.unit, i.kind
FROM current_fact c
JOIN indicator i ON i.code = c.indicator
WHERE c.measure = 'valeur' AND c.value IS NOT NULL AND i.numerator IS NULL AND i.denominator IS NULL
ORDER BY c.territory_level, c.territory_code, c.indicator, c.period;
