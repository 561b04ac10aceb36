-- Empties derived_quality_frames before the publication step refills it (levier.store.derived.clear_derived).
-- One row per part of the quality report is removed (all of them). No parameters.
DELETE FROM derived_quality_frames;
