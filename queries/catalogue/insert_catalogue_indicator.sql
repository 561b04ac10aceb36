-- Loads the indicators of the catalogue from the DataFrame registered as `incoming` (same column names as the table).
-- One row inserted per row of incoming. No parameters.
INSERT INTO indicator BY NAME SELECT * FROM incoming;
