-- Indicators an import can match, with what validation needs (programme, unit, ratio parts).
-- One row per indicator. No parameters.
SELECT code, label, aliases, programme, unit, numerator, denominator
FROM indicator;
