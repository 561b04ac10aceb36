-- Profile features of a level for peer groups: for each requested indicator, the values of its latest period that
-- has any value at this level (one vintage per feature, never a mix of years across territories).
-- One row per (territory, indicator). Parameters: $level ('departement' | 'epci'), $codes (list of indicator codes).
WITH latest AS (
    SELECT indicator, max(period) AS period
    FROM current_value
    WHERE territory_level = $level AND value IS NOT NULL AND list_contains($codes, indicator)
    GROUP BY indicator
)
SELECT v.territory_code AS code, v.indicator, v.period, v.value
FROM current_value AS v
JOIN latest AS l ON l.indicator = v.indicator AND l.period = v.period
WHERE v.territory_level = $level AND v.value IS NOT NULL
ORDER BY v.indicator, v.territory_code;
