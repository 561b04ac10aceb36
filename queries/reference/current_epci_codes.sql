-- SIREN codes of the EPCI in the latest EPCI vintage loaded, to match statistics published in older geographies.
-- One row per EPCI. No parameters.
SELECT code FROM territory
WHERE level = 'epci' AND vintage = (SELECT max(vintage) FROM territory WHERE level = 'epci');
