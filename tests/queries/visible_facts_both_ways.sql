-- Every fact the current user reads, twice: through visible_fact as the database defines it now, and through its
-- first definition (005_access.sql: the masked-key join and the rights test run for every user). Rows that differ
-- are returned, with `way` saying which definition alone gave them: none when the two agree.
-- One row per differing fact version. No parameters.
WITH by_005 AS (
    SELECT f.* REPLACE (
            CASE WHEN m.k IS NULL THEN f.value END AS value,
            CASE WHEN m.k IS NULL THEN f.missing_reason ELSE 's' END AS missing_reason,
            CASE WHEN m.k IS NULL THEN f.comment END AS comment
        )
    FROM fact f
    LEFT JOIN (SELECT DISTINCT unnest(getvariable('levier_masked')) AS k) m
           ON m.k = CAST(f.import_id AS TEXT) || '|' || f.territory_level || '|' || f.territory_code || '|'
                   || f.indicator || '|' || CAST(f.period AS TEXT) || '|' || f.measure
    WHERE levier_sees(f.territory_level, f.territory_code)
       OR f.indicator IN (SELECT code FROM indicator WHERE programme = 'STAT')
), now AS (
    SELECT * FROM visible_fact
)
SELECT 'now' AS way, * FROM (SELECT * FROM now EXCEPT ALL SELECT * FROM by_005)
UNION ALL
SELECT '005' AS way, * FROM (SELECT * FROM by_005 EXCEPT ALL SELECT * FROM now);
