-- Every recorded version of the sensitive counts (catalogue flag `sensitive` on a typed-in count of persons or
-- cases), with the territory's département and région: the input of the small-count rule (levier/disclosure.py).
-- Read by the data layer with every territory visible, since it decides what a user may not see; never shown.
-- One row per fact version. No parameters.
SELECT f.import_id, f.territory_level, f.territory_code, f.indicator, f.period, f.measure, f.value,
       coalesce(t.dep, CASE WHEN f.territory_level = 'departement' THEN f.territory_code END) AS dep,
       t.reg,
       f.is_current
FROM fact f
JOIN indicator i ON i.code = f.indicator
LEFT JOIN (
    SELECT level, code, arg_max(dep, vintage) AS dep, arg_max(reg, vintage) AS reg
    FROM territory
    GROUP BY level, code
) t ON t.level = f.territory_level AND t.code = f.territory_code
WHERE i.sensitive AND i.unit IN ('personnes', 'nombre') AND i.numerator IS NULL AND f.value IS NOT NULL;
