-- What an import changes, read inside its own transaction (a simulation rolls it back): each fact the import
-- wrote beside the value it replaces (none when the key is new), with the names a person reads.
-- One row per fact written by the import. Parameters: $import_id.
WITH previous AS (
    SELECT territory_level, territory_code, indicator, period, measure, value, missing_reason, comment
    FROM fact
    SEMI JOIN (SELECT territory_level, territory_code, indicator, period, measure FROM fact WHERE import_id = $import_id)
        USING (territory_level, territory_code, indicator, period, measure)
    WHERE import_id < $import_id
    QUALIFY row_number() OVER (
        PARTITION BY territory_level, territory_code, indicator, period, measure ORDER BY import_id DESC
    ) = 1
),
names AS (
    SELECT level, code, arg_max(name, vintage) AS name
    FROM territory
    GROUP BY level, code
)
SELECT n.territory_level, n.territory_code, t.name AS territory_name, n.indicator, i.label AS indicator_label,
       i.unit, n.period, n.measure,
       p.value AS old_value, p.missing_reason AS old_missing_reason, p.comment AS old_comment,
       n.value AS new_value, n.missing_reason AS new_missing_reason, n.comment AS new_comment,
       p.measure IS NULL AS is_new
FROM fact AS n
LEFT JOIN previous AS p
  ON p.territory_level = n.territory_level AND p.territory_code = n.territory_code
 AND p.indicator = n.indicator AND p.period = n.period AND p.measure = n.measure
LEFT JOIN names AS t ON t.level = n.territory_level AND t.code = n.territory_code
LEFT JOIN indicator AS i ON i.code = n.indicator
WHERE n.import_id = $import_id
ORDER BY n.territory_code, n.indicator, n.period, n.measure;
