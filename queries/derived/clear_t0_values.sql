-- Empties the derived positioned values before the publication step refills them.
-- One row per stored positioned value is removed (all of them). No parameters.
DELETE FROM derived_t0_values;
