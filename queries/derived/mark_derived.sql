-- The derived tables written in this transaction are those of its data version.
-- One row (data_state) is changed. No parameters.
UPDATE data_state SET derived_for = version;
