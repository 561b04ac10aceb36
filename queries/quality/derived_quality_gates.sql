-- The ranking gates of one level from the derived table (what levier.views.gating.load_gates computes live).
-- One row per value in doubt (territory, indicator, year). Parameters: $level, $codes (list of indicator codes, or
-- NULL for every indicator).
SELECT territory_level, territory_code, indicator, period, severity, checks, reason, source_indicator
FROM visible_derived_quality_gates
WHERE territory_level = $level AND (CAST($codes AS TEXT[]) IS NULL OR list_contains($codes, indicator))
ORDER BY territory_level, territory_code, indicator, period;
