-- Territories offered by the shared selector: régions, départements and EPCI of the latest vintage of each level.
-- One row per territory, with its région and (for an EPCI) its principal département. No parameters.
SELECT t.level, t.code, t.name, t.reg, t.dep, t.nature, t.population
FROM territory t
JOIN (SELECT level, max(vintage) AS vintage FROM territory GROUP BY level) v
  ON v.level = t.level AND v.vintage = t.vintage
WHERE t.level IN ('region', 'departement', 'epci')
ORDER BY t.level, t.code;
