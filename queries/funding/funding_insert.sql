-- Appends the incoming funding rows that are new or differ from the current row of the same key (territory,
-- One row inserted per new or changed incoming funding row.
-- programme, action, year, funder); unchanged rows are skipped, so the history only holds real replacements.
-- `incoming` has the funding columns but import_id/recorded_at/is_demo. Returns the number of rows inserted.
-- Parameters: $import_id, $recorded_at, $is_demo.
INSERT INTO funding BY NAME
SELECT i.*, $import_id AS import_id, $recorded_at AS recorded_at, $is_demo AS is_demo
FROM incoming i
LEFT JOIN current_funding c
  ON c.territory_level = i.territory_level AND c.territory_code = i.territory_code AND c.programme = i.programme
 AND c.action = i.action AND c.year = i.year AND c.funder = i.funder
WHERE c.action IS NULL
   OR c.planned IS DISTINCT FROM i.planned
   OR c.committed IS DISTINCT FROM i.committed
   OR c.spent IS DISTINCT FROM i.spent
   OR c.comment IS DISTINCT FROM i.comment;
