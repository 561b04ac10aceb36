-- What data exists for every indicator, year by year (as indicator_coverage_by_year.sql for one), with whether the
-- indicator is a public statistic: what the publication step stores in derived_indicator_coverage.
-- One row per (indicator, year, level). No parameters.
SELECT v.indicator, v.period, v.territory_level,
       count(DISTINCT v.territory_code) FILTER (WHERE v.value IS NOT NULL) AS n_with_value,
       count(DISTINCT v.territory_code) FILTER (WHERE v.value IS NULL) AS n_declared_missing,
       coalesce(any_value(i.programme) = 'STAT', false) AS is_public
FROM current_value v
LEFT JOIN indicator i ON i.code = v.indicator
GROUP BY v.indicator, v.period, v.territory_level
ORDER BY v.indicator, v.period, v.territory_level;
