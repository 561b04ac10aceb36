-- The stored current values an import checks its own values against (a numerator against its stored total, a
-- value against the previous year's), for the indicators and years it names only.
-- One row per (territory, indicator, period) with a value. Parameters: $codes (indicator codes), $periods (years).
-- Read from `fact` by the importer (an administrator, who reads everything), current rows only (fact.is_current):
-- the current_fact view would build the masking key of every stored row first.
SELECT territory_level, territory_code, indicator, period, value
FROM fact
WHERE is_current AND measure = 'valeur' AND list_contains($codes, indicator) AND list_contains($periods, period)
  AND value IS NOT NULL;
