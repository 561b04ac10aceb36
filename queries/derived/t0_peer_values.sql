-- The rankable values of a few territories of a level as this user may read them (territory-ordered copy, access view
-- of 022): a T0 page's peers, whose values make only the peers' median. A value enters medians when it exists and no
-- reason keeps it out (positions.rankable_mask), so the other rows and columns are not read.
-- One row per (territory, indicator, period) with a rankable value, in no particular order (a median does not depend on
-- it). Parameters: $level ('departement' | 'epci'), $territories (territory codes), $codes (indicator codes, or NULL
-- for every indicator).
SELECT code, indicator, period, value
FROM visible_derived_t0_values_by_code
WHERE level = $level AND list_contains($territories, code) AND value IS NOT NULL AND unranked_reason IS NULL
  AND (CAST($codes AS TEXT[]) IS NULL OR list_contains($codes, indicator));
