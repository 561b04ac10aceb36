-- Stores the service points of one import (`incoming` shaped by levier.services.to_table).
-- One row per point of `incoming`. No parameters.
INSERT INTO service_point BY NAME SELECT * FROM incoming;
