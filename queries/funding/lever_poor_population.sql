-- Persons in tax households (STAT-NBPERS) and poverty rate at 60 % (STAT-TP60) of every département, every year:
-- poor population = persons × rate, the denominator of the euros per poor inhabitant.
-- One row per (département, indicator, period). No parameters.
SELECT territory_code AS code, indicator, period, value
FROM current_value
WHERE territory_level = 'departement' AND indicator IN ('STAT-NBPERS', 'STAT-TP60') AND value IS NOT NULL
ORDER BY code, indicator, period;
