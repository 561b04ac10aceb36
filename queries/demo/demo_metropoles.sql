-- Métropoles (EPCI METRO / MET69) the demo generator writes Pacte returns for (latest vintage).
-- One row per métropole. No parameters.
SELECT code, arg_max(name, vintage) AS name, arg_max(population, vintage) AS population, arg_max(dep, vintage) AS dep
FROM territory
WHERE level = 'epci' AND nature IN ('METRO', 'MET69')
GROUP BY code
ORDER BY code;
