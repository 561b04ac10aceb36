-- Empties the derived T0 tables (the publication step refills them).
-- Removes every row of derived_t0_tables (one row per territory of a level and T0 year). No parameters.
DELETE FROM derived_t0_tables;
