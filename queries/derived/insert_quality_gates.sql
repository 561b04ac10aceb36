-- Writes the ranking gates computed by the publication step (levier.views.gating.build_derived).
-- One row inserted per value in doubt (territory, indicator, year). `incoming`: the gates frame. No parameters.
INSERT INTO derived_quality_gates
SELECT territory_level, territory_code, indicator, period, severity, checks, reason, source_indicator, is_public
FROM incoming;
