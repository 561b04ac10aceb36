-- Stores the positioned values computed by the publication step (levier.views.t0.derive_t0), read from `incoming`.
-- One row per (level, territory, indicator, period). No parameters.
-- Stored in indicator order: a ranking, a distribution or a map reads one indicator over a level, whose rows then lie
-- in a row group or two that DuckDB reads alone. The reads of one territory go to derived_t0_values_by_code.
INSERT INTO derived_t0_values
SELECT level, cset, code, indicator, period, value, missing_reason, is_demo, derived, unranked_reason, perimeter_note,
       quality_warning, raw_value, rank_basis, rank_unit, censored, rank, n_ranked, quartile, reg_median, n_reg,
       nat_median, is_public
FROM incoming
ORDER BY level, indicator, period, code;
