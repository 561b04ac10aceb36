-- Current contracts of one programme (signing year, wave and where the wave comes from) for a territory level.
-- One row per territory. Parameters: $programme, $level ('departement' | 'epci').
SELECT territory_code AS code, programme, signed_year, wave, wave_source, is_demo
FROM current_contract
WHERE programme = $programme AND territory_level = $level
ORDER BY code;
