-- Derived tables of the Mi-parcours page (issue 16, item 1): computed once per data version by the publication step
-- (levier.views.mi_parcours.derived_tables through levier.views.derived.refresh), read by lookup.
--
-- derived_midterm_value: every current value of the département and EPCI levels (as current_value shows it), with
-- what the page's national computations add to it: the quality gate of the value (error-level reason, warning), and
-- the ranked figure of its comparison set (a count as its rate, levier.views.common.ranking_values) with its reason.
-- derived_target_status: the target tracking of every indicator with a target of every territory (T0 value, final
-- target and milestones, current value, expected value, attainment rate, status and reason) for every pair (T0 year
-- `t0_key`, comparison year `to_key`) of the territory's window; a year outside the window reads as its edge (see
-- levier.analysis.trajectories).
CREATE TABLE derived_midterm_value (
    level           TEXT NOT NULL,
    code            TEXT NOT NULL,
    cmp_group       TEXT NOT NULL,   -- the comparison set: '' for départements, the EPCI nature group otherwise
    indicator       TEXT NOT NULL,
    period          INTEGER NOT NULL,
    value           DOUBLE,
    missing_reason  TEXT,
    is_demo         BOOLEAN,
    derived         BOOLEAN,
    gate_reason     TEXT,            -- error-level quality finding on the value (kept out of trajectories)
    quality_warning TEXT,            -- warning-level finding (status kept, reason shown)
    rank_value      DOUBLE,          -- the ranked figure within the comparison set
    rank_reason     TEXT,            -- why the value is shown but not ranked
    rank_basis      TEXT,
    rank_unit       TEXT,
    is_public       BOOLEAN NOT NULL
);

CREATE TABLE derived_target_status (
    level            TEXT NOT NULL,
    code             TEXT NOT NULL,
    indicator        TEXT NOT NULL,
    programme        TEXT,
    t0_key           INTEGER NOT NULL,
    to_key           INTEGER NOT NULL,
    label            TEXT,
    unit             TEXT,
    direction        TEXT,
    t0_value         DOUBLE,
    target_period    INTEGER,
    target_value     DOUBLE,
    milestones       INTEGER NOT NULL,
    milestone_years  INTEGER[],
    milestone_values DOUBLE[],
    current_period   INTEGER,
    current_value    DOUBLE,
    expected         DOUBLE,
    attainment       DOUBLE,
    status           TEXT NOT NULL,
    status_reason    TEXT,
    is_public        BOOLEAN NOT NULL
);

CREATE VIEW visible_derived_midterm_value AS
SELECT * FROM derived_midterm_value WHERE levier_sees_derived(is_public);

CREATE VIEW visible_derived_target_status AS
SELECT * FROM derived_target_status WHERE levier_sees_derived(is_public);
