-- Current typed-in values (not derived ratios) of the programmes territories report on (due_date set; public
-- statistics are not checked), with what the consistency checks need from the catalogue.
-- One row per (territory, indicator, year) holding a number. No parameters.
SELECT c.territory_level, c.territory_code, c.indicator, c.period, c.value, c.import_id,
       i.programme, i.unit, i.kind
FROM current_fact c
JOIN indicator i ON i.code = c.indicator
JOIN programme p ON p.code = i.programme
WHERE c.measure = 'valeur' AND c.value IS NOT NULL AND i.numerator IS NULL AND i.denominator IS NULL
  AND p.due_date IS NOT NULL
ORDER BY c.territory_level, c.territory_code, c.indicator, c.period;
