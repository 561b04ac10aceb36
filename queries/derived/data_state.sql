-- The data version and the version the derived tables were computed for (equal: the derived tables are current).
-- One row: version, derived_for. No parameters.
SELECT version, derived_for FROM data_state;
