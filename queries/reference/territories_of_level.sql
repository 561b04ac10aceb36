-- Territories of one level at the latest vintage loaded for that level, with their région's name: the population
-- every ranking, median and peer group is computed over.
-- One row per territory. Parameters: $level ('departement' | 'epci').
SELECT t.code, t.name, t.dep, t.reg, r.name AS reg_name, t.nature, t.population, t.zone, t.vintage
FROM territory AS t
LEFT JOIN territory AS r
       ON r.level = 'region' AND r.code = t.reg
      AND r.vintage = (SELECT max(vintage) FROM territory WHERE level = 'region')
WHERE t.level = $level
  AND t.vintage = (SELECT max(vintage) FROM territory WHERE level = $level)
ORDER BY t.code;
