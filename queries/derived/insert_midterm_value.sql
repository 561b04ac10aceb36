-- Writes the derived values of the Mi-parcours page (levier.views.mi_parcours.derived_tables) from `incoming`.
-- One row per (level, territory, indicator, period). No parameters.
INSERT INTO derived_midterm_value
SELECT level, code, cmp_group, indicator, period, value, missing_reason, is_demo, derived, gate_reason,
       quality_warning, rank_value, rank_reason, rank_basis, rank_unit, is_public
FROM incoming
ORDER BY level, indicator, code, period;
