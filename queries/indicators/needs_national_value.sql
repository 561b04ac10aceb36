-- The national value of an indicator for a year when one is stored (territory level 'france', as INSEE publishes
-- it), which the panorama prefers to the median of the départements.
-- At most one row (value). Parameters: $indicator (code), $period (integer year).
SELECT value
FROM current_value
WHERE territory_level = 'france' AND indicator = $indicator AND period = $period AND value IS NOT NULL
LIMIT 1;
