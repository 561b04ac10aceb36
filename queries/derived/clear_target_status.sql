-- Empties the derived target statuses before they are written again for the current data version.
-- Changes derived_target_status. No parameters.
DELETE FROM derived_target_status;
