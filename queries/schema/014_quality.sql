-- Derived quality tables (issue 16): the quality checks run once per data version by the publication step
-- (levier.views.derived.refresh), read by lookup. Every row says whether it was computed from public statistics alone
-- (`is_public`); the visible_* views let anyone else read only those (macro levier_sees_derived of 011).

-- The ranking gates: every value a check puts in doubt (typed in, or a ratio derived from one), per level, with its
-- severity and French reason (levier.analysis.gating.gates), what levier.views.gating.gate_values applies.
CREATE TABLE derived_quality_gates (
    territory_level TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    indicator TEXT NOT NULL,
    period BIGINT NOT NULL,
    severity TEXT NOT NULL,
    checks TEXT NOT NULL,
    reason TEXT NOT NULL,
    source_indicator TEXT,
    is_public BOOLEAN NOT NULL
);
CREATE VIEW visible_derived_quality_gates AS
SELECT * FROM derived_quality_gates WHERE levier_sees_derived(is_public);

-- The completeness cells of the annual returns (queries/quality/quality_completeness_cells.sql, départements):
-- what the Qualité page's matrices, corrections and score read; statuses depend on the day and are computed on view.
CREATE TABLE derived_quality_cells (
    territory_code TEXT NOT NULL,
    territory_name TEXT,
    programme TEXT NOT NULL,
    indicator TEXT NOT NULL,
    period BIGINT NOT NULL,
    due_on DATE,
    returned BOOLEAN,
    value DOUBLE,
    missing_reason TEXT,
    first_submitted_on DATE,
    is_public BOOLEAN NOT NULL
);
CREATE VIEW visible_derived_quality_cells AS
SELECT * FROM derived_quality_cells WHERE levier_sees_derived(is_public);

-- The quality findings as the Qualité page shows them: for each part of the report (a check's rows, the values it
-- puts in doubt, the score's counts, the declared vs independent comparison), one row per row of that part, keyed
-- by territory, indicator and year where it has them, its French columns in `payload` (a JSON list, in the order
-- and with the types of the part's schema row, row_no -1).
CREATE TABLE derived_quality_findings (
    part TEXT NOT NULL,
    row_no BIGINT NOT NULL,
    territory_level TEXT,
    territory_code TEXT,
    indicator TEXT,
    period BIGINT,
    severity TEXT,
    payload TEXT NOT NULL,
    is_public BOOLEAN NOT NULL
);
CREATE VIEW visible_derived_quality_findings AS
SELECT * FROM derived_quality_findings WHERE levier_sees_derived(is_public);

-- What data exists per indicator (the Indicateurs page): its years, territories and values with a current number
-- (queries/catalogue/catalogue_page.sql), and per year and level the territories with a number or a cell declared
-- missing (queries/indicators/indicator_coverage_by_year.sql). Public when the indicator is a public statistic.
CREATE TABLE derived_indicator_catalogue (
    indicator TEXT NOT NULL,
    periods BIGINT[],
    n_departements BIGINT NOT NULL,
    n_epci BIGINT NOT NULL,
    n_values BIGINT NOT NULL,
    is_public BOOLEAN NOT NULL
);
CREATE VIEW visible_derived_indicator_catalogue AS
SELECT * FROM derived_indicator_catalogue WHERE levier_sees_derived(is_public);
CREATE TABLE derived_indicator_coverage (
    indicator TEXT NOT NULL,
    period BIGINT NOT NULL,
    territory_level TEXT NOT NULL,
    n_with_value BIGINT NOT NULL,
    n_declared_missing BIGINT NOT NULL,
    is_public BOOLEAN NOT NULL
);
CREATE VIEW visible_derived_indicator_coverage AS
SELECT * FROM derived_indicator_coverage WHERE levier_sees_derived(is_public);
