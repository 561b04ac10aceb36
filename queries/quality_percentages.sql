-- Percentages outside 0–100 among current values, typed in or derived from a numerator and a denominator.
-- One row per (territory, indicator, year) at fault. No parameters.
SELECT v.territory_level, v.territory_code, v.indicator, v.period, v.value, v.derived, i.numerator, i.denominator
FROM current_value v
JOIN indicator i ON i.code = v.indicator
WHERE i.unit = '%' AND (v.value > 100 OR v.value < 0)
ORDER BY v.territory_code, v.indicator, v.period;
