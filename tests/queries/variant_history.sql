-- Every definition variant a territory ever declared, newest first, with the import that brought it and whether
-- it is still in force (a later declaration for the same indicator and start year replaces the whole earlier one).
-- One row per declared code. Parameters: $territory (territory code).
SELECT v.indicator, v.period_from, v.variant, v.variant_label, v.is_reference, v.description, v.import_id,
       r.file_name, r.imported_by, v.recorded_at, v.source_sheet, v.source_row,
       v.import_id = max(v.import_id) OVER (
           PARTITION BY v.territory_level, v.territory_code, v.indicator, coalesce(v.period_from, 0)
       ) AS in_force
FROM visible_definition_variant v
LEFT JOIN visible_import_run r ON r.id = v.import_id
WHERE v.territory_code = $territory
ORDER BY v.import_id DESC, v.indicator, v.variant;
