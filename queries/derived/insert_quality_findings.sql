-- Writes the quality findings computed by the publication step (levier.views.qualite.build_derived).
-- One row inserted per row of a part of the quality report (and one schema row per part). `incoming`: the findings
-- frame. No parameters.
INSERT INTO derived_quality_findings
SELECT part, row_no, territory_level, territory_code, indicator, period, severity, payload, is_public
FROM incoming;
