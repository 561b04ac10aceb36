-- The positioned values of a few territories of a level as this user may read them (territory-ordered copy, access
-- view of 022): a territory's page reads its own rows and its peers', not the level's.
-- One row per (territory, indicator, period). Parameters: $level ('departement' | 'epci'), $territories (territory
-- codes), $codes (indicator codes, or NULL for every indicator).
SELECT * EXCLUDE (level, is_public)
FROM visible_derived_t0_values_by_code
WHERE level = $level AND list_contains($territories, code)
  AND (CAST($codes AS TEXT[]) IS NULL OR list_contains($codes, indicator))
ORDER BY indicator, code, period;
