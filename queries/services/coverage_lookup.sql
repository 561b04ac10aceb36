-- The derived coverage of one service type within one standard distance, every territory of every level, with the
-- places and the mean distance to the nearest place (the Services page and `levier export couverture`).
-- One row per level × territory (population NULL for a territory with places but no commune).
-- Parameters: $service_type (text), $distance_km (double, one of the standard distances).
SELECT p.level, p.code, c.population, c.population_covered, c.share, c.communes, c.communes_covered,
       c.approx_points, p.places, p.mean_distance_km
FROM visible_derived_coverage_place AS p
LEFT JOIN visible_derived_coverage AS c
       ON c.service_type = p.service_type AND c.level = p.level AND c.code = p.code
      AND c.distance_km = $distance_km
WHERE p.service_type = $service_type
ORDER BY p.level, p.code;
