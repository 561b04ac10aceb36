-- The positioned values of a level as this user may read them (derived tables, access view of 012).
-- One row per (territory, indicator, period). Parameters: $level ('departement' | 'epci'), $codes (indicator codes).
SELECT * EXCLUDE (level, is_public)
FROM visible_derived_t0_values
WHERE level = $level AND list_contains($codes, indicator)
ORDER BY indicator, code, period;
