-- Territories of one level at the latest vintage loaded for that level, with their département's and région's
-- names: the population every ranking, median and peer group is computed over.
-- One row per territory. Parameters: $level ('departement' | 'epci').
-- The level's, the départements' and the régions' rows are read once, their latest vintages taken from them (a
-- subquery per vintage made DuckDB cross every territory, communes included, with the régions before filtering).
WITH t AS (
    SELECT * FROM territory WHERE level IN ($level, 'departement', 'region')
), latest AS (
    SELECT level, max(vintage) AS vintage FROM t GROUP BY level
), current_territory AS (
    SELECT t.* FROM t JOIN latest AS l ON l.level = t.level AND l.vintage = t.vintage
)
SELECT a.code, a.name, a.dep, d.name AS dep_name, a.reg, r.name AS reg_name, a.nature, a.population, a.zone,
       a.vintage
FROM current_territory AS a
LEFT JOIN current_territory AS d ON d.level = 'departement' AND d.code = a.dep
LEFT JOIN current_territory AS r ON r.level = 'region' AND r.code = a.reg
WHERE a.level = $level
ORDER BY a.code;
