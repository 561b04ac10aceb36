-- The derived values of one indicator for every territory of a level, raw and ranked (comparison set `cmp_group`).
-- One row per (territory, period). Parameters: $level ('departement' | 'epci'), $indicator (indicator code).
SELECT code, cmp_group, indicator, period, value, missing_reason, is_demo, derived, rank_value, rank_reason,
       rank_basis, rank_unit
FROM visible_derived_midterm_value
WHERE level = $level AND indicator = $indicator
ORDER BY indicator, code, period;
