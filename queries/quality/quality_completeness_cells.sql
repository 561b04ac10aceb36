-- Completeness of the annual returns: every (territory, expected indicator, year) of the programmes that expect a
-- return (due_date set), with the current value if any and the first date it was submitted as that year's return.
-- Expected = typed-in yearly indicators of the national grid (not derived ratios, not a contract's own indicators).
-- One row per (territory, indicator, year). Parameters: $programme (code, or NULL for every programme),
-- $level ('departement' or 'epci').
WITH terr AS (
    SELECT code, arg_max(name, vintage) AS name
    FROM territory
    WHERE level = $level AND (level = 'departement' OR nature IN ('METRO', 'MET69')) AND levier_sees(level, code)
    GROUP BY code
), expected AS (
    SELECT i.code AS indicator, i.programme, p.first_year, p.last_year, p.due_date
    FROM indicator i
    JOIN programme p ON p.code = i.programme
    WHERE i.numerator IS NULL AND i.denominator IS NULL AND i.territory IS NULL AND p.due_date IS NOT NULL
      AND i.periodicity <> 'mensuelle'
      AND (CAST($programme AS TEXT) IS NULL OR i.programme = $programme)
), years AS (
    SELECT e.indicator, e.programme, e.due_date, y.period
    FROM expected e, LATERAL (SELECT unnest(range(e.first_year, e.last_year + 1)) AS period) y
), dated AS (
    -- Rows of one file sharing one transmission date (a grid covering several years) are the return of their last
    -- year; the earlier columns only recall values already returned, so that date says nothing of their lateness.
    SELECT f.territory_code, f.indicator, f.period, f.submitted_on,
           max(f.period) OVER (PARTITION BY f.import_id, f.territory_code, i.programme, f.submitted_on) AS file_last_period
    FROM visible_fact f
    JOIN indicator i ON i.code = f.indicator
    WHERE f.measure = 'valeur' AND f.territory_level = $level
), sent AS (
    SELECT territory_code, indicator, period, min(submitted_on) FILTER (WHERE period = file_last_period) AS first_submitted_on
    FROM dated
    GROUP BY territory_code, indicator, period
)
SELECT t.code AS territory_code, t.name AS territory_name, y.programme, y.indicator, y.period,
       CAST(strptime(CAST(y.period + 1 AS TEXT) || '-' || y.due_date, '%Y-%m-%d') AS DATE) AS due_on,
       c.indicator IS NOT NULL AS returned, c.value, c.missing_reason, s.first_submitted_on
FROM terr t
CROSS JOIN years y
LEFT JOIN current_fact c
       ON c.territory_level = $level AND c.territory_code = t.code AND c.indicator = y.indicator
      AND c.period = y.period AND c.measure = 'valeur'
LEFT JOIN sent s
       ON s.territory_code = t.code AND s.indicator = y.indicator AND s.period = y.period
ORDER BY t.code, y.programme, y.period, y.indicator;
