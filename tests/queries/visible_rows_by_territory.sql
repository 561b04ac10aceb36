-- What the current user's rights let them read: contract rows per source and territory, through the same views
-- every page reads (005_access.sql), and how many values the small-count rule hides. Lets an administrator (and
-- the tests) check an access configuration against the data rather than against the code.
-- One row per (source, territory). No parameters.
SELECT 'valeurs' AS source, territory_level, territory_code, count(*) AS rows,
       count(*) FILTER (WHERE missing_reason = 's' AND value IS NULL) AS secret
FROM visible_fact
WHERE indicator NOT IN (SELECT code FROM indicator WHERE programme = 'STAT')
GROUP BY territory_level, territory_code
UNION ALL
SELECT 'valeurs courantes et taux', territory_level, territory_code, count(*), count(*) FILTER (WHERE missing_reason = 's')
FROM current_value
WHERE indicator NOT IN (SELECT code FROM indicator WHERE programme = 'STAT')
GROUP BY territory_level, territory_code
UNION ALL
SELECT 'historique', territory_level, territory_code, count(*), count(*) FILTER (WHERE missing_reason = 's')
FROM fact_history
WHERE indicator NOT IN (SELECT code FROM indicator WHERE programme = 'STAT')
GROUP BY territory_level, territory_code
UNION ALL
SELECT 'financements', territory_level, territory_code, count(*), 0 FROM current_funding GROUP BY ALL
UNION ALL
SELECT 'reventilations', territory_level, territory_code, count(*), 0 FROM current_reallocation GROUP BY ALL
UNION ALL
SELECT 'nature des actions', territory_level, territory_code, count(*), 0 FROM current_action_flag GROUP BY ALL
UNION ALL
SELECT 'contrats', territory_level, territory_code, count(*), 0 FROM current_contract GROUP BY ALL
UNION ALL
SELECT 'variantes de définition', territory_level, territory_code, count(*), 0
FROM visible_definition_variant GROUP BY ALL
ORDER BY source, territory_level, territory_code;
