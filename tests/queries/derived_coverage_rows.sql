-- Test only: what a user reads of the three derived coverage tables, per table and publicness.
-- One row per table × is_public: rows, territories. No parameters.
SELECT 'coverage' AS table_name, is_public, count(*) AS rows, count(DISTINCT level || code) AS territories
FROM visible_derived_coverage GROUP BY is_public
UNION ALL
SELECT 'coverage_place', is_public, count(*), count(DISTINCT level || code) FROM visible_derived_coverage_place
GROUP BY is_public
UNION ALL
SELECT 'coverage_list', is_public, count(*), count(DISTINCT service_type) FROM visible_derived_coverage_list
GROUP BY is_public
ORDER BY table_name, is_public;
