-- Indicators that have at least one current value at a level, with the years available, for page selectors: read
-- from the derived positioned values (a value there is the published one, raw_value), not from every fact.
-- The same rows as indicators/indicators_with_values.sql once the derived tables are current for this user.
-- One row per indicator. Parameters: $level ('departement' | 'epci'), $programmes (list; empty = all programmes).
SELECT i.code, i.label, i.programme, i.unit, i.direction, i.kind,
       list(DISTINCT v.period ORDER BY v.period) AS periods,
       max(v.period) AS last_period
FROM indicator i
JOIN visible_derived_t0_values v ON v.indicator = i.code AND v.level = $level AND v.raw_value IS NOT NULL
WHERE len($programmes) = 0 OR list_contains($programmes, i.programme)
GROUP BY i.code, i.label, i.programme, i.unit, i.direction, i.kind
ORDER BY i.programme, i.code;
