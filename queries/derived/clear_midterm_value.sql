-- Empties the derived values of the Mi-parcours page before they are written again for the current data version.
-- Changes derived_midterm_value. No parameters.
DELETE FROM derived_midterm_value;
