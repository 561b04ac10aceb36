-- Empties the derived facts per service list (the publication step refills it).
-- Removes every row of derived_coverage_list (one row per service type). No parameters.
DELETE FROM derived_coverage_list;
