-- What data exists for one indicator, year by year, from the derived table (as indicator_coverage_by_year.sql).
-- One row per (year, level). Parameters: $code (indicator code).
SELECT period, territory_level, n_with_value, n_declared_missing
FROM visible_derived_indicator_coverage
WHERE indicator = $code
ORDER BY period, territory_level;
