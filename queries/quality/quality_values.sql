-- Current typed-in values (not derived ratios) of the programmes territories report on (due_date set; public
-- statistics are not checked; monthly series neither: their periods are months, not years), with what the consistency
-- checks need from the catalogue; optionally restricted to one level and some indicators (what the gating of a ranking needs, without checking the whole database).
-- One row per (territory, indicator, year) holding a number. Parameters: $level ('departement' | 'epci', or NULL
-- for every level), $codes (list of indicator codes, or NULL for every indicator), $territory (one territory's code,
-- or NULL for every territory: a territory's page reads its own rows).
SELECT c.territory_level, c.territory_code, c.indicator, c.period, c.value, c.import_id,
       i.programme, i.unit, i.kind
FROM current_fact c
JOIN indicator i ON i.code = c.indicator
JOIN programme p ON p.code = i.programme
WHERE c.measure = 'valeur' AND c.value IS NOT NULL AND i.numerator IS NULL AND i.denominator IS NULL
  AND p.due_date IS NOT NULL AND i.periodicity <> 'mensuelle'
  AND (CAST($level AS TEXT) IS NULL OR c.territory_level = $level)
  AND (CAST($codes AS TEXT[]) IS NULL OR list_contains($codes, c.indicator))
  AND (CAST($territory AS TEXT) IS NULL OR c.territory_code = $territory)
ORDER BY c.territory_level, c.territory_code, c.indicator, c.period;
