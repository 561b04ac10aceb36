-- Current re-allocations (crédits reventilés) of one programme for every territory of a level.
-- One row per (territory, year, origin action, destination action, funder). Parameters: $programme, $level.
SELECT territory_code AS code, programme, year, from_action, to_action, funder, amount, reason
FROM current_reallocation
WHERE programme = $programme AND territory_level = $level
ORDER BY code, year, from_action, to_action;
