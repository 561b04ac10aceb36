-- Current values (typed-in and derived) of some indicators for every territory of a level, every period.
-- One row per (territory, indicator, period) with a value. Parameters: $level, $codes (list of indicator codes).
SELECT territory_code AS code, indicator, period, value
FROM current_value
WHERE territory_level = $level AND list_contains($codes, indicator) AND value IS NOT NULL
ORDER BY indicator, code, period;
