-- Appends the incoming contracts whose signing year, wave or wave source is new or changed.
-- One row inserted per new or changed incoming contract.
-- `incoming` has the contract columns but import_id/recorded_at/is_demo. Returns the number of rows inserted.
-- Parameters: $import_id, $recorded_at, $is_demo.
INSERT INTO contract BY NAME
SELECT i.*, $import_id AS import_id, $recorded_at AS recorded_at, $is_demo AS is_demo
FROM incoming i
LEFT JOIN current_contract c
  ON c.territory_level = i.territory_level AND c.territory_code = i.territory_code AND c.programme = i.programme
WHERE c.signed_year IS NULL
   OR c.signed_year IS DISTINCT FROM i.signed_year
   OR c.wave IS DISTINCT FROM i.wave
   OR c.wave_source IS DISTINCT FROM i.wave_source;
