-- Writes the derived places and mean distances per territory computed by levier.views.services.build_derived
-- (frame `incoming`).
-- One row per service type × level × territory. No parameters.
INSERT INTO derived_coverage_place
SELECT service_type, level, code, places, mean_distance_km, is_public
FROM incoming
ORDER BY service_type, level, code;
