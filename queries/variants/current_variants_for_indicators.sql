-- Declarations of definition variants in force for some indicators (an indicator and, for a ratio, its parts).
-- One row per declared code. Parameters: $codes (list of indicator codes).
SELECT v.territory_level, v.territory_code, v.indicator, v.dimension, v.variant, v.variant_label, v.is_reference,
       v.description, v.period_from, v.import_id, r.file_name, v.recorded_at
FROM current_definition_variant v
LEFT JOIN visible_import_run r ON r.id = v.import_id
WHERE list_contains($codes, v.indicator)
ORDER BY v.territory_code, v.indicator, v.period_from NULLS FIRST, v.variant;
