-- The stored current values an import checks its own values against (a numerator against its stored total, a
-- value against the previous year's), for the indicators and years it names only.
-- One row per (territory, indicator, period) with a value. Parameters: $codes (indicator codes), $periods (years).
-- Read from `fact` by the importer (an administrator, who reads everything): the current_fact view would rank every
-- stored version of every indicator first (a national file's growth check read 156,000 rows it did not need).
SELECT territory_level, territory_code, indicator, period, value
FROM (
    SELECT territory_level, territory_code, indicator, period, measure, value
    FROM fact
    WHERE measure = 'valeur' AND list_contains($codes, indicator) AND list_contains($periods, period)
    QUALIFY row_number() OVER (
        PARTITION BY territory_level, territory_code, indicator, period, measure ORDER BY import_id DESC
    ) = 1
)
WHERE value IS NOT NULL;
