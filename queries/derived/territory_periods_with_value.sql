-- The indicators and years one territory has a value for, read from the derived positioned values (the territory-
-- ordered copy; raw_value is the published value): the same pairs as its current values holding a number, without
-- deriving every ratio.
-- One row per (indicator, period). Parameters: $level ('departement' | 'epci'), $code (territory code).
SELECT indicator, period
FROM visible_derived_t0_values_by_code
WHERE level = $level AND code = $code AND raw_value IS NOT NULL
ORDER BY indicator, period;
