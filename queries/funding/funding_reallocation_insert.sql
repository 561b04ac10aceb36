-- Appends the incoming re-allocations (crédits reventilés) that are new or whose amount or reason changed.
-- One row inserted per new or changed incoming re-allocation.
-- `incoming` has the reallocation columns but import_id/recorded_at/is_demo. Returns the number of rows inserted.
-- Parameters: $import_id, $recorded_at, $is_demo.
INSERT INTO reallocation BY NAME
SELECT i.*, $import_id AS import_id, $recorded_at AS recorded_at, $is_demo AS is_demo
FROM incoming i
LEFT JOIN current_reallocation c
  ON c.territory_level = i.territory_level AND c.territory_code = i.territory_code AND c.programme = i.programme
 AND c.year = i.year AND c.from_action = i.from_action AND c.to_action = i.to_action AND c.funder = i.funder
WHERE c.amount IS NULL
   OR c.amount IS DISTINCT FROM i.amount
   OR c.reason IS DISTINCT FROM i.reason;
