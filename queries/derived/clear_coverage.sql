-- Empties the derived coverage per territory and distance (the publication step refills it).
-- Removes every row of derived_coverage (one row per service type × level × territory × distance). No parameters.
DELETE FROM derived_coverage;
