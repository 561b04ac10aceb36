-- Writes the derived coverage computed by levier.views.services.build_derived (frame `incoming`), in the order the
-- lookups filter on (service type, distance), so that DuckDB skips the other row groups.
-- One row per service type × level × territory × distance. No parameters.
INSERT INTO derived_coverage
SELECT service_type, level, code, distance_km, population, population_covered, share, communes, communes_covered,
       approx_points, is_public
FROM incoming
ORDER BY service_type, distance_km, level, code;
