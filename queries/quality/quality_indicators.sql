-- The indicator catalogue as the quality checks and the definition variants need it.
-- One row per indicator. No parameters.
SELECT code, label, programme, kind, unit, numerator, denominator, territory, independent_source,
       independent_tolerance
FROM indicator
ORDER BY code;
