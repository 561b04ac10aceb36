-- Indicators an import can match, with what validation needs (programme, unit, ratio parts, plausibility rules).
-- One row per indicator. No parameters.
SELECT code, label, aliases, programme, unit, numerator, denominator,
       whole_number, max_per_inhabitant, max_value, max_growth, growth_severity
FROM indicator;
