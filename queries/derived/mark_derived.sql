-- The derived tables written in this transaction are those of its data version.
-- Changes the one row of data_state. No parameters.
UPDATE data_state SET derived_for = version;
