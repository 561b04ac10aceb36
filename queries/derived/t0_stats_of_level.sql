-- The position statistics of a level as this user may read them (derived tables, access view of 012).
-- One row per (comparison set, indicator, period) with reg NULL, and one per région. Parameters: $level, $codes.
SELECT * EXCLUDE (level, is_public)
FROM visible_derived_t0_stats
WHERE level = $level AND list_contains($codes, indicator)
ORDER BY indicator, period, reg NULLS FIRST;
