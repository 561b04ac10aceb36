-- Which indicators of each level hold a current value marked provisional (fact.comment = 'provisoire',
-- levier.core.periods.PROVISIONAL_COMMENT): a property of the data version, read once per version, so that a series
-- whose indicators hold none is not looked up in every current value (provisional_values.sql reads the marks
-- themselves, with the user's rights, for the indicators listed here).
-- One row per (level, indicator). No parameters.
SELECT DISTINCT territory_level, indicator
FROM fact
WHERE is_current AND measure = 'valeur' AND comment = 'provisoire'
ORDER BY territory_level, indicator;
