-- What a user's rights let through the derived tables of the quality slice (migration 014): every visible row's table
-- and territory (none for the per-indicator coverage, nor for a part of the report stored whole).
-- One row per visible row. No parameters.
SELECT 'quality_gates' AS derived_table, territory_code, is_public FROM visible_derived_quality_gates
UNION ALL
SELECT 'quality_cells', territory_code, is_public FROM visible_derived_quality_cells
UNION ALL
SELECT 'quality_findings', territory_code, is_public FROM visible_derived_quality_findings
UNION ALL
SELECT 'quality_frames', NULL, is_public FROM visible_derived_quality_frames
UNION ALL
SELECT 'indicator_catalogue', NULL, is_public FROM visible_derived_indicator_catalogue
UNION ALL
SELECT 'indicator_coverage', NULL, is_public FROM visible_derived_indicator_coverage;
