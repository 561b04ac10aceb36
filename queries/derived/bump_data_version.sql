-- A write transaction begins: the data version moves on, so derived tables computed before it are no longer read.
-- Changes the one row of data_state. No parameters.
UPDATE data_state SET version = version + 1;
