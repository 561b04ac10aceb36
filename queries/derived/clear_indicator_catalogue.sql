-- Empties derived_indicator_catalogue before the publication step refills it (levier.store.derived.replace_derived).
-- Deletes every row. No parameters.
DELETE FROM derived_indicator_catalogue;
