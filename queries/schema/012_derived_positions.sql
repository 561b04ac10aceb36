-- Derived positions (issue 16): every current value of a level as every ranking reads it (views.common.ranking_values)
-- with its rank, quartile and the regional and national medians of its comparison set, and per set, indicator and
-- period what a territory without a value there is told. Written by the publication step (levier.views.t0.derive_t0).
CREATE TABLE derived_t0_values (
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

CREATE TABLE derived_t0_stats (
    level TEXT NOT NULL,
    cset TEXT,
    indicator TEXT NOT NULL,
    period INTEGER NOT NULL,
    reg TEXT,
    n_ranked BIGINT,
    n_values BIGINT,
    nat_median DOUBLE,
    rank_basis TEXT,
    rank_unit TEXT,
    reg_median DOUBLE,
    n_reg BIGINT,
    is_public BOOLEAN NOT NULL
);

CREATE VIEW visible_derived_t0_values AS SELECT * FROM derived_t0_values WHERE levier_sees_derived(is_public);
CREATE VIEW visible_derived_t0_stats AS SELECT * FROM derived_t0_stats WHERE levier_sees_derived(is_public);
