-- The target tracking of several territories, each for its own T0 year and comparison year, read in its window as
-- target_status.sql reads one territory's. One row per (territory, indicator with a target).
-- Parameters: $level, $codes (territories), $t0s and $currents (their T0 and comparison years, in the order of $codes).
WITH asked AS (
    SELECT unnest($codes) AS code, unnest($t0s) AS t0, unnest($currents) AS current
), w AS (
    SELECT s.code, min(s.t0_key) AS lo, max(s.t0_key) AS hi
    FROM visible_derived_target_status s
    WHERE s.level = $level AND list_contains($codes, s.code)
    GROUP BY s.code
)
SELECT s.*
FROM visible_derived_target_status s
JOIN asked a ON a.code = s.code
JOIN w ON w.code = s.code
WHERE s.level = $level
  AND s.t0_key = least(greatest(a.t0, w.lo), w.hi)
  AND s.to_key = least(greatest(greatest(a.current, a.t0), w.lo), w.hi)
ORDER BY s.code, s.indicator;
