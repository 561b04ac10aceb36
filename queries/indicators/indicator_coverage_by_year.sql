-- What data exists for one indicator, year by year: territories with a current number, and those whose cell
-- declares the value missing (s, nd, nc, so), per level. Ratios are derived through current_value.
-- One row per (year, level). Parameters: $code (indicator code).
SELECT period, territory_level,
       count(DISTINCT territory_code) FILTER (WHERE value IS NOT NULL) AS n_with_value,
       count(DISTINCT territory_code) FILTER (WHERE value IS NULL) AS n_declared_missing
FROM current_value
WHERE indicator = $code
GROUP BY period, territory_level
ORDER BY period, territory_level;
