-- The derived values of one territory (all indicators, all periods), as TERRITORY_INDICATOR_VALUES reads them live.
-- One row per (indicator, period). Parameters: $level ('departement' | 'epci'), $code (territory code).
SELECT indicator, period, value, missing_reason, is_demo, derived
FROM visible_derived_midterm_value
WHERE level = $level AND code = $code
ORDER BY indicator, period;
