-- Result indicators an evaluation can use: national-grid indicators of kind 'résultat' (CALPAE, CDPPE, PACTE) with
-- département values, their first and last years and how many départements have a value.
-- One row per indicator. No parameters.
SELECT i.code, i.label, i.programme, i.unit, i.direction, i.source,
       min(v.period) AS first_year, max(v.period) AS last_year, count(DISTINCT v.territory_code) AS territories
FROM indicator AS i
JOIN current_value AS v
  ON v.indicator = i.code AND v.territory_level = 'departement' AND v.value IS NOT NULL
WHERE i.kind = 'résultat' AND i.territory IS NULL AND i.programme <> 'STAT'
GROUP BY i.code, i.label, i.programme, i.unit, i.direction, i.source
ORDER BY i.programme DESC, i.code;
