-- Every target (measure 'cible') of every territory of a level: what the derived target statuses are computed from.
-- One row per (territory, indicator, target year). Parameters: $level ('departement' | 'epci').
SELECT territory_code AS code, indicator, period AS target_year, value AS target_value
FROM current_fact
WHERE territory_level = $level AND measure = 'cible'
ORDER BY code, indicator, period;
