-- Stores the positioned values computed by the publication step (levier.views.t0.derive_t0), read from `incoming`.
-- One row per (level, territory, indicator, period). No parameters.
-- Stored in territory order: a page reads one territory's rows and its peers' (t0_values_of_territories,
-- t0_peer_values), which then lie in a few row groups that DuckDB reads alone rather than scanning the level.
INSERT INTO derived_t0_values
SELECT level, cset, code, indicator, period, value, missing_reason, is_demo, derived, unranked_reason, perimeter_note,
       quality_warning, raw_value, rank_basis, rank_unit, censored, rank, n_ranked, quartile, reg_median, n_reg,
       nat_median, is_public
FROM incoming
ORDER BY level, code, indicator, period;
