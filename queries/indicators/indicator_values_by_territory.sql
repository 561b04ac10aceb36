-- Values of one indicator for one period for every territory of a level (latest vintage), territories without a
-- value included with a NULL value and the reason (s, nd, … or 'absent'), so rankings, maps and tables list them
-- as missing rather than drop them silently. For a contract indicator, only the territories whose contract data the
-- user reads are listed (005_access.sql): another territory is not "absent", it is outside the user's rights.
-- One row per territory. Parameters: $indicator (code), $period (integer year), $level ('departement' | 'epci').
-- The latest vintages are found once and the level's territories, départements and régions read from them (the
-- former subqueries per join made DuckDB cross every territory, communes included, before filtering).
WITH latest AS (
    SELECT level, max(vintage) AS vintage FROM territory GROUP BY level
), current_territory AS (
    SELECT t.* FROM territory AS t JOIN latest AS l ON l.level = t.level AND l.vintage = t.vintage
    WHERE t.level IN ($level, 'departement', 'region')
), v AS (
    SELECT territory_code, value, missing_reason, is_demo
    FROM current_value
    WHERE territory_level = $level AND indicator = $indicator AND period = $period
)
SELECT t.code, t.name, t.dep, d.name AS dep_name, t.reg, r.name AS reg_name, t.nature, t.population, t.zone,
       t.vintage, v.value,
       CASE WHEN v.value IS NULL THEN coalesce(v.missing_reason, 'absent') END AS missing_reason,
       coalesce(v.is_demo, false) AS is_demo
FROM current_territory AS t
LEFT JOIN current_territory AS d ON d.level = 'departement' AND d.code = t.dep
LEFT JOIN current_territory AS r ON r.level = 'region' AND r.code = t.reg
LEFT JOIN v ON v.territory_code = t.code
WHERE t.level = $level
  AND (levier_sees(t.level, t.code) OR $indicator IN (SELECT code FROM indicator WHERE programme = 'STAT'))
ORDER BY t.code;
