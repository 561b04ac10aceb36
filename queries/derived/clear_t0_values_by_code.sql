-- Empties the territory-ordered copy of the derived positioned values before the publication step refills it.
-- One row per stored positioned value is removed (all of them). No parameters.
DELETE FROM derived_t0_values_by_code;
