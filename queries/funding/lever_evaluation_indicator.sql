-- One result indicator an evaluation can use (as lever_evaluation_indicators, for one code): its label, programme,
-- unit and source, its first and last years with a département value and how many départements have one.
-- One row per indicator (none when it is not such an indicator). Parameters: $code (indicator code).
SELECT i.code, i.label, i.programme, i.unit, i.direction, i.source,
       min(v.period) AS first_year, max(v.period) AS last_year, count(DISTINCT v.territory_code) AS territories
FROM indicator AS i
JOIN current_value AS v
  ON v.indicator = i.code AND v.territory_level = 'departement' AND v.value IS NOT NULL
WHERE i.code = $code AND i.kind = 'résultat' AND i.territory IS NULL AND i.programme <> 'STAT'
GROUP BY i.code, i.label, i.programme, i.unit, i.direction, i.source;
