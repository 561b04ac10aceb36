-- Empties derived_quality_cells before the publication step refills it (levier.store.derived.replace_derived).
-- One row per derived row deleted (nothing returned). No parameters.
DELETE FROM derived_quality_cells;
