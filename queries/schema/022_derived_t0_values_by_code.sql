-- The derived positioned values a second time, stored in territory order (issue 16). derived_t0_values is stored in
-- indicator order, for the reads of one indicator over a level (a ranking, a distribution, a map: ×30, an EPCI
-- indicator 61 → 6 ms); this copy serves the reads of one territory and its peers (a T0 table made from the
-- positions, its series, the years a territory has a value), which would otherwise scan the whole level. Written by
-- the same publication step from the same frame (levier.views.t0.derive_t0), so both always hold the same rows.
-- One row per (level, comparison set, territory, indicator, period), as derived_t0_values.
CREATE TABLE derived_t0_values_by_code (
    level TEXT NOT NULL,
    cset TEXT,
    code TEXT NOT NULL,
    indicator TEXT NOT NULL,
    period INTEGER NOT NULL,
    value DOUBLE,
    missing_reason TEXT,
    is_demo BOOLEAN,
    derived BOOLEAN,
    unranked_reason TEXT,
    perimeter_note TEXT,
    quality_warning TEXT,
    raw_value DOUBLE,
    rank_basis TEXT,
    rank_unit TEXT,
    censored BOOLEAN,
    rank BIGINT,
    n_ranked BIGINT,
    quartile BIGINT,
    reg_median DOUBLE,
    n_reg BIGINT,
    nat_median DOUBLE,
    is_public BOOLEAN NOT NULL
);

CREATE VIEW visible_derived_t0_values_by_code AS
SELECT * FROM derived_t0_values_by_code WHERE levier_sees_derived(is_public);
