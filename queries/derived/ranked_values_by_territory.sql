-- One indicator and period of a level as ranked at publication, for a user the derived tables serve: each stored
-- row of that period, then the indicator's first stored row in (territory, period) order (is_basis), whose ranked
-- basis and unit a territory without a row takes. No row at all: nothing stored for the indicator at this level.
-- The caller lists the level's territories around these rows (views.common.ranked_values_by_territory), as
-- indicator_values_by_territory.sql lists them before ranking_values ranks them.
-- One row per stored (territory) of the period, plus one. Parameters: $indicator (code), $period (integer year),
-- $level ('departement' | 'epci').
WITH stored AS (
    SELECT code, period, is_demo, value, missing_reason, unranked_reason, perimeter_note, quality_warning, raw_value,
           rank_basis, rank_unit, censored
    FROM visible_derived_t0_values
    WHERE level = $level AND indicator = $indicator
)
SELECT * EXCLUDE (period), false AS is_basis FROM stored WHERE period = $period
UNION ALL
(SELECT * EXCLUDE (period), true AS is_basis FROM stored ORDER BY code, period LIMIT 1);
