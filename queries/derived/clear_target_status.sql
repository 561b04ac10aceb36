-- Empties the derived target statuses before they are written again for the current data version.
-- Deletes every row (one row per level, territory, indicator, T0 key, comparison key). No parameters.
DELETE FROM derived_target_status;
