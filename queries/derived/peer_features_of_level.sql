-- Profile features of a level for peer groups, from the positioned values stored at publication: for each requested
-- indicator, the published values of its latest period that has any value at this level (indicators/peer_features.sql
-- over the current values, without deriving every ratio of the level first).
-- One row per (territory, indicator). Parameters: $level ('departement' | 'epci'), $codes (list of indicator codes).
SELECT code, indicator, period, raw_value AS value
FROM visible_derived_t0_values
WHERE level = $level AND raw_value IS NOT NULL AND list_contains($codes, indicator)
QUALIFY period = max(period) OVER (PARTITION BY indicator)
ORDER BY indicator, code;
