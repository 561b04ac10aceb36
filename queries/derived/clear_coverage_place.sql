-- Empties the derived places and mean distances per territory (the publication step refills it).
-- Removes every row of derived_coverage_place (one row per service type × level × territory). No parameters.
DELETE FROM derived_coverage_place;
