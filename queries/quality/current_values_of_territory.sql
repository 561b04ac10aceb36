-- Current stored values of some indicators for one territory: the public series its declared figures are held
-- against (a département's T0 page reads its own rows, not every territory's).
-- One row per (level, indicator, period). Parameters: $codes (list of indicator codes), $territory (territory code).
SELECT territory_level, territory_code, indicator, period, value
FROM current_fact
WHERE measure = 'valeur' AND value IS NOT NULL AND list_contains($codes, indicator) AND territory_code = $territory;
