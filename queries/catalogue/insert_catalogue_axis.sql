-- Loads the axes of the catalogue from the DataFrame registered as `incoming` (same column names as the table).
-- One row inserted per row of incoming. No parameters.
INSERT INTO axis BY NAME SELECT * FROM incoming;
