-- Départements the demo generator writes returns for, with their population (latest vintage).
-- One row per département. No parameters.
SELECT code, arg_max(name, vintage) AS name, arg_max(population, vintage) AS population
FROM territory
WHERE level = 'departement'
GROUP BY code
ORDER BY code;
