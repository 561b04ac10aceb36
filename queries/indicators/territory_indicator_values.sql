-- Every current value (all indicators, all periods) of one territory: which indicators a T0 table can show.
-- One row per (indicator, period). Parameters: $level ('departement' | 'epci'), $code (territory code).
SELECT indicator, period, value, missing_reason, is_demo, derived
FROM current_value
WHERE territory_level = $level AND territory_code = $code
ORDER BY indicator, period;
