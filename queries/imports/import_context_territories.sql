-- Territories that may send indicator returns: every département and every métropole (EPCI METRO / MET69).
-- One row per (level, code), from the latest vintage present. No parameters.
SELECT level, code, arg_max(name, vintage) AS name
FROM territory
WHERE level = 'departement' OR (level = 'epci' AND nature IN ('METRO', 'MET69'))
GROUP BY level, code;
