-- Writes what data exists per indicator, computed by the publication step (levier.views.indicateurs.build_derived).
-- One row inserted per indicator with data. `incoming`: the coverage frame. No parameters.
INSERT INTO derived_indicator_catalogue
SELECT indicator, periods, n_departements, n_epci, n_values, is_public FROM incoming;
