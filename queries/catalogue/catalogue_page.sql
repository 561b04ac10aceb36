-- The indicator catalogue as the "Indicateurs et définitions" page shows it: every field of the catalogue with its
-- programme, axis and action labels, and what data exists (years, territories and values with a current number).
-- Ratios count through current_value, which derives them from their numerator and denominator; a monthly series
-- (current_monthly_value, period YYYYMM) counts its months and lists the years they fall in.
-- One row per indicator, in catalogue order (programmes by first year, then the catalogue files' order).
-- No parameters.
WITH coverage AS (
    SELECT indicator,
           list(DISTINCT period ORDER BY period) AS periods,
           count(DISTINCT territory_code) FILTER (WHERE territory_level = 'departement') AS n_departements,
           count(DISTINCT territory_code) FILTER (WHERE territory_level = 'epci') AS n_epci,
           count(*) AS n_values
    FROM (
        SELECT territory_level, territory_code, indicator, period, value FROM current_value
        UNION ALL
        SELECT territory_level, territory_code, indicator, period // 100, value FROM current_monthly_value
    )
    WHERE value IS NOT NULL
    GROUP BY indicator
)
SELECT i.code, i.label, i.programme, p.label AS programme_label, i.axis, a.label AS axis_label,
       i.action, ac.label AS action_label, i.kind, i.unit, i.direction, i.numerator, i.denominator,
       i.periodicity, i.source, i.definition, i.sensitive, i.aliases, i.territory,
       coalesce(c.periods, []) AS periods, coalesce(c.n_departements, 0) AS n_departements,
       coalesce(c.n_epci, 0) AS n_epci, coalesce(c.n_values, 0) AS n_values
FROM indicator AS i
LEFT JOIN programme AS p ON p.code = i.programme
LEFT JOIN axis AS a ON a.programme = i.programme AND a.code = i.axis
LEFT JOIN action AS ac ON ac.programme = i.programme AND ac.code = i.action
LEFT JOIN coverage AS c ON c.indicator = i.code
ORDER BY p.first_year, i.programme, i.rowid;
