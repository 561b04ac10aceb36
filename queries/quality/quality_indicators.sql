-- The indicator catalogue as the quality checks and the definition variants need it.
-- One row per indicator. No parameters.
SELECT code, label, programme, kind, unit, numerator, denominator, territory
FROM indicator
ORDER BY code;
