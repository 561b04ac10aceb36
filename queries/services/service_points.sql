-- The service points of the latest import of one service type (an older import of the same type is superseded).
-- One row per point. Parameters: $service_type (text).
SELECT service_type, name, source_ref, address, postcode, city, commune, dep, epci, lon, lat,
       location_method, source_row, source, import_id, is_demo
FROM service_point
WHERE service_type = $service_type
  AND import_id = (SELECT max(import_id) FROM service_point WHERE service_type = $service_type)
ORDER BY source_row;
