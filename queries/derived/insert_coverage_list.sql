-- Writes the derived facts per service list computed by levier.views.services.build_derived (frame `incoming`).
-- One row per service type. No parameters.
INSERT INTO derived_coverage_list
SELECT service_type, source, placed, unplaced, communes, approx_communes, seconds, is_public
FROM incoming;
