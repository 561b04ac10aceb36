-- The quality findings from the derived table: every part of the quality report, its schema row first.
-- One row per row of a part (and one schema row per part, row_no -1). No parameters.
SELECT part, row_no, payload
FROM visible_derived_quality_findings
ORDER BY part, row_no;
