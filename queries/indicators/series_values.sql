-- Every current value (all periods) of some indicators for every territory of a level, with the producer's
-- provisional mark (fact.comment = $provisional) — the territory series and the per-year medians are read from it.
-- One row per (territory, indicator, period). Parameters: $level ('departement' | 'epci'), $codes (list of indicator
-- codes), $provisional (the comment that marks a provisional figure, levier.core.periods.PROVISIONAL_COMMENT).
WITH provisional AS (
    SELECT territory_code, indicator, period
    FROM current_fact
    WHERE measure = 'valeur' AND territory_level = $level AND list_contains($codes, indicator)
      AND comment = $provisional
)
SELECT v.territory_code AS code, v.indicator, v.period, v.value, v.missing_reason, v.is_demo, v.derived,
       p.indicator IS NOT NULL AS provisional
FROM current_value v
LEFT JOIN provisional p
  ON p.territory_code = v.territory_code AND p.indicator = v.indicator AND p.period = v.period AND NOT v.derived
WHERE v.territory_level = $level AND list_contains($codes, v.indicator)
ORDER BY v.indicator, v.territory_code, v.period;
