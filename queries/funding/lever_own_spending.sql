-- The départements' own spending on the contracts' fields (DREES series, €), with the catalogue's producer and
-- source table: the real own money of the Effet levier page. Départements only (never a collectivité such as 69D).
-- One row per (département, indicator, period) with a value. Parameters: $codes (list of indicator codes).
SELECT v.territory_code AS code, v.indicator, v.period, v.value, v.is_demo,
       i.label, i.source, i.source_table
FROM current_value AS v
LEFT JOIN indicator AS i ON i.code = v.indicator
WHERE v.territory_level = 'departement' AND list_contains($codes, v.indicator) AND v.value IS NOT NULL
ORDER BY v.indicator, code, v.period;
