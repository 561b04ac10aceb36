-- The lists of service locations in force (the latest import of each service type), with the file they came from,
-- for the service-offer page.
-- One row per service type. No parameters.
SELECT p.service_type,
       count(*) AS points,
       count(p.lon) AS placed,
       count(DISTINCT p.epci) AS epci,
       any_value(p.source) AS source,
       p.import_id,
       any_value(r.file_name) AS file_name,
       any_value(r.finished_at) AS imported_at,
       bool_or(p.is_demo) AS is_demo
FROM service_point AS p
LEFT JOIN import_run AS r ON r.id = p.import_id
WHERE p.import_id = (SELECT max(import_id) FROM service_point AS q WHERE q.service_type = p.service_type)
GROUP BY p.service_type, p.import_id
ORDER BY p.service_type;
