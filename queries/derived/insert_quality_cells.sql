-- Writes the completeness cells computed by the publication step (levier.views.qualite.build_derived).
-- One row inserted per (territory, expected indicator, year). `incoming`: the cells frame. No parameters.
INSERT INTO derived_quality_cells
SELECT territory_code, territory_name, programme, indicator, period, due_on, returned, value, missing_reason,
       first_submitted_on, is_public
FROM incoming;
