-- Stores the positioned values a second time, in territory order (migration 022), from the same `incoming` frame
-- as insert_t0_values.sql.
-- One row per (level, territory, indicator, period). No parameters.
-- A page reads one territory's rows and its peers' (t0_values_of_territories, t0_peer_values,
-- territory_periods_with_value), which then lie in a few row groups rather than across the level.
INSERT INTO derived_t0_values_by_code
SELECT level, cset, code, indicator, period, value, missing_reason, is_demo, derived, unranked_reason, perimeter_note,
       quality_warning, raw_value, rank_basis, rank_unit, censored, rank, n_ranked, quartile, reg_median, n_reg,
       nat_median, is_public
FROM incoming
ORDER BY level, code, indicator, period;
