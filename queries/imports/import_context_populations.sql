-- Population of each territory that may send returns, for the per-inhabitant plausibility bounds of an import.
-- One row per (level, code) with a known population, from the latest vintage holding one. No parameters.
SELECT level, code, arg_max(population, vintage) AS population, max(vintage) AS vintage
FROM territory
WHERE population IS NOT NULL
  AND (level = 'departement' OR (level = 'epci' AND nature IN ('METRO', 'MET69')))
GROUP BY level, code;
