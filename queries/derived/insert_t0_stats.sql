-- Stores the position statistics computed by the publication step (levier.views.t0.derive_t0), read from `incoming`.
-- One row per (level, comparison set, indicator, period) with reg NULL, and one per région. No parameters.
INSERT INTO derived_t0_stats
SELECT level, cset, indicator, period, reg, n_ranked, n_values, nat_median, rank_basis, rank_unit, reg_median, n_reg,
       is_public
FROM incoming;
