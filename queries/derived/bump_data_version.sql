-- A write transaction begins: the data version moves on, so derived tables computed before it are no longer read.
-- One row (data_state) is changed. No parameters.
UPDATE data_state SET version = version + 1;
