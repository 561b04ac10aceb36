-- The derived target tracking of every territory of a level for one programme, a T0 year and a comparison year, each
-- territory read in its own window exactly as target_status.sql reads one (a year before the window reads as its
-- first key, a year after it as its last, a comparison year before T0 as T0).
-- One row per (territory, indicator with a target), the columns the page reads (views.france.TRACKING_COLUMNS: not
-- the labels and milestone lists, which made the rows to sort several times wider). Parameters: $level
-- ('departement' | 'epci'), $programme, $t0 (T0 year), $current (comparison year).
WITH w AS (
    SELECT code, min(t0_key) AS lo, max(t0_key) AS hi
    FROM visible_derived_target_status
    WHERE level = $level
    GROUP BY code
)
SELECT s.code, s.indicator, s.t0_value, s.target_period, s.target_value, s.current_period, s.current_value,
       s.expected, s.attainment, s.status, s.status_reason
FROM visible_derived_target_status s
JOIN w ON w.code = s.code
WHERE s.level = $level AND s.programme = $programme
  AND s.t0_key = least(greatest($t0, w.lo), w.hi)
  AND s.to_key = least(greatest(greatest($current, $t0), w.lo), w.hi)
ORDER BY s.code, s.indicator;
