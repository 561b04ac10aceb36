-- Writes what data exists per indicator, year and level, computed by the publication step
-- (levier.views.indicateurs.build_derived).
-- One row inserted per (indicator, year, level). `incoming`: the coverage frame. No parameters.
INSERT INTO derived_indicator_coverage
SELECT indicator, period, territory_level, n_with_value, n_declared_missing, is_public FROM incoming;
