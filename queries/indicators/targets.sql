-- Targets (measure 'cible') of one territory: the latest-dated one per indicator is the final target, earlier ones
-- are milestones.
-- One row per (indicator, target year). Parameters: $level ('departement' | 'epci'), $code (territory code).
SELECT indicator, period AS target_year, value AS target_value, missing_reason, comment, is_demo
FROM current_fact
WHERE territory_level = $level AND territory_code = $code AND measure = 'cible'
ORDER BY indicator, period;
