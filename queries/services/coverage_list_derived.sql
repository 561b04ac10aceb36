-- The derived facts of one service list, and whether its coverage was derived at a distance (a standard one).
-- One row, or none when the list was not derived. Parameters: $service_type (text), $distance_km (double).
SELECT l.source, l.placed, l.unplaced, l.communes, l.approx_communes, l.seconds,
       EXISTS (SELECT 1 FROM visible_derived_coverage AS c
               WHERE c.service_type = $service_type AND c.distance_km = $distance_km) AS has_distance
FROM visible_derived_coverage_list AS l
WHERE l.service_type = $service_type;
