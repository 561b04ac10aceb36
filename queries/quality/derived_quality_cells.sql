-- The completeness cells of the départements' annual returns from the derived table (as quality_completeness_cells).
-- One row per (territory, expected indicator, year). No parameters.
SELECT territory_code, territory_name, programme, indicator, period, due_on, returned, value, missing_reason,
       first_submitted_on
FROM visible_derived_quality_cells
ORDER BY territory_code, programme, period, indicator;
