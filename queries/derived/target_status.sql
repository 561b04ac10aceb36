-- The target tracking of one territory for a T0 year and a comparison year, read in its window: a year before the
-- window reads as its first key, a year after it as its last, a comparison year before T0 as T0 (no later value).
-- One row per indicator with a target. Parameters: $level, $code (territory), $t0 (T0 year), $current (comparison year).
WITH w AS (
    SELECT min(t0_key) AS lo, max(t0_key) AS hi
    FROM visible_derived_target_status
    WHERE level = $level AND code = $code
)
SELECT s.*
FROM visible_derived_target_status s, w
WHERE s.level = $level AND s.code = $code
  AND s.t0_key = least(greatest($t0, w.lo), w.hi)
  AND s.to_key = least(greatest(greatest($current, $t0), w.lo), w.hi)
ORDER BY s.indicator;
