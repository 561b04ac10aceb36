-- Current stored values of some indicators, to check a file's numerators against stored denominators.
-- One row per (territory, indicator, period). Parameters: $codes (list of indicator codes).
SELECT territory_level, territory_code, indicator, period, value
FROM current_fact
WHERE measure = 'valeur' AND value IS NOT NULL AND list_contains($codes, indicator);
