-- Current funding of one programme for some territories of a level (a région's départements or métropoles), read
-- through the access view current_funding (a territory outside the user's rights brings no row).
-- One row per (territory, action, year, funder). Parameters: $programme, $level ('departement' | 'epci'), $codes.
SELECT territory_code AS code, programme, axis, action, year, funder, planned, committed, spent, is_demo
FROM current_funding
WHERE programme = $programme AND territory_level = $level AND list_contains($codes, territory_code)
ORDER BY code, action, year, funder;
