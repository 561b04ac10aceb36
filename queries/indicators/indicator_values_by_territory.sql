-- Values of one indicator for one period for every territory of a level (latest vintage), territories without a
-- value included with a NULL value and the reason (s, nd, … or 'absent'), so rankings, maps and tables list them
-- as missing rather than drop them silently. For a contract indicator, only the territories whose contract data the
-- user reads are listed (005_access.sql): another territory is not "absent", it is outside the user's rights.
-- One row per territory. Parameters: $indicator (code), $period (integer year), $level ('departement' | 'epci').
SELECT t.code, t.name, t.dep, d.name AS dep_name, t.reg, r.name AS reg_name, t.nature, t.population, t.zone,
       t.vintage, v.value,
       CASE WHEN v.value IS NULL THEN coalesce(v.missing_reason, 'absent') END AS missing_reason,
       coalesce(v.is_demo, false) AS is_demo
FROM territory AS t
LEFT JOIN territory AS d
       ON d.level = 'departement' AND d.code = t.dep
      AND d.vintage = (SELECT max(vintage) FROM territory WHERE level = 'departement')
LEFT JOIN territory AS r
       ON r.level = 'region' AND r.code = t.reg
      AND r.vintage = (SELECT max(vintage) FROM territory WHERE level = 'region')
LEFT JOIN current_value AS v
       ON v.territory_level = t.level AND v.territory_code = t.code
      AND v.indicator = $indicator AND v.period = $period
WHERE t.level = $level
  AND t.vintage = (SELECT max(vintage) FROM territory WHERE level = $level)
  AND (levier_sees(t.level, t.code) OR $indicator IN (SELECT code FROM indicator WHERE programme = 'STAT'))
ORDER BY t.code;
