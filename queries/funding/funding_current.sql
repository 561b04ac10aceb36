-- Current funding of one programme for every territory of a level: the lever page's national base.
-- One row per (territory, action, year, funder). Parameters: $programme, $level ('departement' | 'epci').
SELECT territory_code AS code, programme, axis, action, year, funder, planned, committed, spent, is_demo, import_id
FROM current_funding
WHERE programme = $programme AND territory_level = $level
ORDER BY code, action, year, funder;
