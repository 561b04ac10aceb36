-- The service types available for the coverage page, from the latest import of each type.
-- One row per service type, with its point counts and source. No parameters.
SELECT service_type,
       count(*) AS points,
       count(lon) AS placed,
       count(DISTINCT epci) AS epci,
       any_value(source) AS source,
       max(import_id) AS import_id,
       bool_or(is_demo) AS is_demo
FROM service_point p
WHERE import_id = (SELECT max(import_id) FROM service_point q WHERE q.service_type = p.service_type)
GROUP BY service_type
ORDER BY service_type;
