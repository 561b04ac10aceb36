-- What a user's rights let through the derived quality tables (migration 014): every visible row's table and territory.
-- One row per visible row. No parameters.
SELECT 'quality_gates' AS derived_table, territory_code, is_public FROM visible_derived_quality_gates
UNION ALL
SELECT 'quality_cells', territory_code, is_public FROM visible_derived_quality_cells
UNION ALL
SELECT 'quality_findings', territory_code, is_public FROM visible_derived_quality_findings;
