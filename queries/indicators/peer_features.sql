-- Profile features of a level for peer groups: for each requested indicator, the values of its latest period that
-- has any value at this level (one vintage per feature, never a mix of years across territories).
-- One row per (territory, indicator). Parameters: $level ('departement' | 'epci'), $codes (list of indicator codes).
-- The current values are read once, the latest period taken over them (a second scan to find it doubled the read).
WITH v AS (
    SELECT territory_code AS code, indicator, period, value
    FROM current_value
    WHERE territory_level = $level AND value IS NOT NULL AND list_contains($codes, indicator)
)
SELECT code, indicator, period, value
FROM v
QUALIFY period = max(period) OVER (PARTITION BY indicator)
ORDER BY indicator, code;
