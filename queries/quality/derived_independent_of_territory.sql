-- The declared vs independent comparisons of one département as the publication step stored them (the
-- 'independent' part of derived_quality_findings): its schema row, then the territory's rows in stored order.
-- One row per comparison of the territory, and the part's schema row (row_no -1). Parameters: $territory.
SELECT part, row_no, payload
FROM visible_derived_quality_findings
WHERE part = 'independent' AND (row_no = -1 OR territory_code = $territory)
ORDER BY row_no;
