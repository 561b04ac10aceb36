-- The position statistics of some comparison sets of a level as this user may read them (derived tables, access
-- view of 012): the national rows of the sets and the regional rows of the régions asked, not every région's.
-- One row per (comparison set, indicator, period) with reg NULL, and one per région asked. Parameters: $level,
-- $csets (comparison sets: '*' for départements, the EPCI's nature), $regs (région codes), $codes (indicator
-- codes, or NULL for every indicator).
SELECT * EXCLUDE (level, is_public)
FROM visible_derived_t0_stats
WHERE level = $level AND list_contains($csets, cset) AND (reg IS NULL OR list_contains($regs, reg))
  AND (CAST($codes AS TEXT[]) IS NULL OR list_contains($codes, indicator))
ORDER BY indicator, period, reg NULLS FIRST;
