-- The territories a région's commissaire follows: its départements, then the EPCI holding a contract (the métropoles,
-- and any EPCI with a contract the user may read) whose principal département lies in the région; latest vintages.
-- One row per territory. Parameters: $reg (région code).
WITH deps AS (
    SELECT code, name, dep, reg, nature, population
    FROM territory
    WHERE level = 'departement' AND reg = $reg
      AND vintage = (SELECT max(vintage) FROM territory WHERE level = 'departement')
), epcis AS (
    SELECT e.code, e.name, e.dep, d.reg, e.nature, e.population
    FROM territory e
    JOIN deps d ON d.code = e.dep
    WHERE e.level = 'epci'
      AND e.vintage = (SELECT max(vintage) FROM territory WHERE level = 'epci')
      AND (e.nature IN ('METRO', 'MET69')
           OR e.code IN (SELECT territory_code FROM current_contract WHERE territory_level = 'epci'))
)
SELECT 'departement' AS level, code, name, dep, reg, nature, population FROM deps
UNION ALL
SELECT 'epci' AS level, code, name, dep, reg, nature, population FROM epcis
ORDER BY level, dep, code;
