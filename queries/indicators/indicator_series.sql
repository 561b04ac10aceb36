-- Every current value (all periods) of some indicators for every territory of a level, declared-missing ones
-- included (value NULL, missing_reason set).
-- One row per (territory, indicator, period). Parameters: $level ('departement' | 'epci'), $codes (list of indicator codes).
SELECT territory_code AS code, indicator, period, value, missing_reason, is_demo, derived
FROM current_value
WHERE territory_level = $level AND list_contains($codes, indicator)
ORDER BY indicator, code, period;
