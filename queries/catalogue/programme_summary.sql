-- What each programme holds: catalogue indicators, years with values, territories that sent values (yearly values:
-- current_value without derived ratios, so that a monthly period YYYYMM is never read as a year).
-- One row per programme of the catalogue. No parameters.
SELECT p.code AS programme, p.label, p.first_year, p.last_year,
       (SELECT count(*) FROM indicator i WHERE i.programme = p.code) AS indicators,
       count(DISTINCT v.territory_code) AS territories_with_values,
       count(v.indicator) AS current_values,
       min(v.period) AS first_period,
       max(v.period) AS last_period,
       count(DISTINCT v.territory_code) FILTER (WHERE v.territory_level = 'departement') AS departements_with_values
FROM programme p
LEFT JOIN indicator i ON i.programme = p.code
LEFT JOIN current_value v ON v.indicator = i.code AND NOT v.derived
GROUP BY ALL
ORDER BY p.first_year, p.code;
