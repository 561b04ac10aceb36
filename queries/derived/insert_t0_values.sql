-- Stores the positioned values computed by the publication step (levier.views.t0.derive_t0), read from `incoming`.
-- One row per (level, territory, indicator, period). No parameters.
INSERT INTO derived_t0_values
SELECT level, cset, code, indicator, period, value, missing_reason, is_demo, derived, unranked_reason, perimeter_note,
       quality_warning, raw_value, rank_basis, rank_unit, censored, rank, n_ranked, quartile, reg_median, n_reg,
       nat_median, is_public
FROM incoming;
