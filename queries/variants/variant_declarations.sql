-- Every declaration of a definition variant in force, with the file that brought it (the page's overview and the
-- quality score's share of comparable values).
-- One row per declared code. No parameters.
SELECT v.territory_level, v.territory_code, v.indicator, v.dimension, v.variant, v.variant_label, v.is_reference,
       v.description, v.period_from, v.import_id, r.file_name, v.recorded_at, v.is_demo
FROM current_definition_variant v
LEFT JOIN visible_import_run r ON r.id = v.import_id
ORDER BY v.territory_code, v.indicator, v.period_from NULLS FIRST, v.variant;
