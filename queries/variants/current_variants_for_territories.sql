-- Declarations of definition variants in force for some territories, to skip re-declarations that change nothing.
-- One row per declared code. Parameters: $codes (list of territory codes).
SELECT territory_level, territory_code, indicator, period_from, variant, description, import_id
FROM current_definition_variant
WHERE list_contains($codes, territory_code);
