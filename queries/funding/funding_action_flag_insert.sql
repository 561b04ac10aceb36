-- Appends the incoming action natures (nouvelle | renforcement) that are new or changed for their action.
-- One row inserted per new or changed incoming action nature.
-- `incoming` has the action_flag columns but import_id/recorded_at/is_demo. Returns the number of rows inserted.
-- Parameters: $import_id, $recorded_at, $is_demo.
INSERT INTO action_flag BY NAME
SELECT i.*, $import_id AS import_id, $recorded_at AS recorded_at, $is_demo AS is_demo
FROM incoming i
LEFT JOIN current_action_flag c
  ON c.territory_level = i.territory_level AND c.territory_code = i.territory_code AND c.programme = i.programme
 AND c.action = i.action
WHERE c.nature IS NULL OR c.nature IS DISTINCT FROM i.nature;
