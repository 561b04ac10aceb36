-- Writes the derived target statuses (levier.views.mi_parcours.derived_tables) from `incoming`.
-- One row per (level, territory, indicator, t0_key, to_key). No parameters.
INSERT INTO derived_target_status
SELECT level, code, indicator, programme, t0_key, to_key, label, unit, direction, t0_value, target_period,
       target_value, milestones, milestone_years, milestone_values, current_period, current_value, expected,
       attainment, status, status_reason, is_public
FROM incoming
ORDER BY level, code, t0_key, to_key, indicator;
