-- What data exists per indicator, as catalogue_page.sql counts it (years, territories and values with a current
-- number; ratios through current_value; a monthly series by the years its months fall in), with whether the
-- indicator is a public statistic: what the publication step stores in derived_indicator_catalogue.
-- One row per indicator with a current number. No parameters.
SELECT c.indicator,
       list(DISTINCT c.period ORDER BY c.period) AS periods,
       count(DISTINCT c.territory_code) FILTER (WHERE c.territory_level = 'departement') AS n_departements,
       count(DISTINCT c.territory_code) FILTER (WHERE c.territory_level = 'epci') AS n_epci,
       count(*) AS n_values,
       coalesce(any_value(i.programme) = 'STAT', false) AS is_public
FROM (
    SELECT territory_level, territory_code, indicator, period, value FROM current_value
    UNION ALL
    SELECT territory_level, territory_code, indicator, period // 100, value FROM current_monthly_value
) c
LEFT JOIN indicator i ON i.code = c.indicator
WHERE c.value IS NOT NULL
GROUP BY c.indicator
ORDER BY c.indicator;
