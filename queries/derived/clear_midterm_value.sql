-- Empties the derived values of the Mi-parcours page before they are written again for the current data version.
-- Deletes every row (one row per level, territory, indicator, period). No parameters.
DELETE FROM derived_midterm_value;
