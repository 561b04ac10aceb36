-- Every current value (all indicators, all periods) of every territory of a level, declared-missing ones included:
-- what the derived values of the Mi-parcours page are computed from.
-- One row per (territory, indicator, period). Parameters: $level ('departement' | 'epci').
SELECT territory_code AS code, indicator, period, value, missing_reason, is_demo, derived
FROM current_value
WHERE territory_level = $level
ORDER BY indicator, code, period;
