-- Test only: the indicator rules as a database upgraded by migration 006 has them before its catalogue is stored
-- again (columns present, every rule empty).
-- One row updated per indicator. No parameters.
UPDATE indicator SET whole_number = false, max_per_inhabitant = NULL, max_value = NULL, max_growth = NULL,
    growth_severity = NULL;
