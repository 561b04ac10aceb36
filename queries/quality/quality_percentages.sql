-- Percentages outside 0–100 among current values, typed in or derived from a numerator and a denominator, in the
-- programmes territories report on (public statistics such as the share of taxes may be negative by design).
-- One row per (territory, indicator, year) at fault. Parameters: $codes (list of indicator codes to check, or NULL
-- for every indicator).
SELECT v.territory_level, v.territory_code, v.indicator, v.period, v.value, v.derived, i.numerator, i.denominator
FROM current_value v
JOIN indicator i ON i.code = v.indicator
JOIN programme p ON p.code = i.programme
WHERE i.unit = '%' AND (v.value > 100 OR v.value < 0) AND p.due_date IS NOT NULL
  AND (CAST($codes AS TEXT[]) IS NULL OR list_contains($codes, v.indicator))
ORDER BY v.territory_code, v.indicator, v.period;
