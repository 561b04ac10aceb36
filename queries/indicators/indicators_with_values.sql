-- Indicators that have at least one current value at a level, with the years available, for page selectors.
-- One row per indicator. Parameters: $level ('departement' | 'epci'), $programmes (list; empty = all programmes).
SELECT i.code, i.label, i.programme, i.unit, i.direction, i.kind,
       list(DISTINCT v.period ORDER BY v.period) AS periods,
       max(v.period) AS last_period
FROM indicator i
JOIN current_value v ON v.indicator = i.code AND v.territory_level = $level AND v.value IS NOT NULL
WHERE len($programmes) = 0 OR list_contains($programmes, i.programme)
GROUP BY i.code, i.label, i.programme, i.unit, i.direction, i.kind
ORDER BY i.programme, i.code;
