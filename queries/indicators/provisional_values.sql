-- The current values a producer marks provisional (fact.comment = $provisional) among some indicators of a level:
-- the series charts draw them hollow and say « provisoire ».
-- One row per (territory, indicator, period). Parameters: $level ('departement' | 'epci'), $codes (list of indicator
-- codes), $provisional (levier.core.periods.PROVISIONAL_COMMENT).
SELECT territory_code AS code, indicator, period
FROM current_fact
WHERE measure = 'valeur' AND territory_level = $level AND list_contains($codes, indicator) AND comment = $provisional
ORDER BY indicator, code, period;
