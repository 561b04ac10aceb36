-- Definition variants: how each territory actually computes an indicator (RSA orientation deadline, age at which
-- a sortie sèche is counted, visits or persons…), declared by the territory and kept as data with its history.
-- The reference list of known variants per indicator is shipped in data/catalogue/variantes.csv, not stored here.

-- Append-only, like fact: one row per declared variant code. All rows of one import for the same
-- (territory, indicator, period_from) form one declaration; a later declaration for that key replaces it whole.
CREATE TABLE definition_variant (
    import_id       BIGINT NOT NULL,
    territory_level TEXT NOT NULL,      -- 'departement' | 'epci'
    territory_code  TEXT NOT NULL,
    indicator       TEXT NOT NULL,      -- code of a typed-in indicator (ratios inherit from their parts)
    dimension       TEXT,               -- what the variant is about (délai, point de départ…); NULL for REF and AUTRE
    variant         TEXT NOT NULL,      -- code from variantes.csv (REF, J15, J45, VISITES, 17ANS, FINCJM…) or AUTRE
    variant_label   TEXT NOT NULL,
    is_reference    BOOLEAN NOT NULL,   -- the code is the reference definition (or its value on one dimension)
    description     TEXT,               -- the territory's own words
    period_from     INTEGER,            -- first year the declaration applies to; NULL = every year
    source_sheet    TEXT,
    source_row      INTEGER,
    recorded_at     TIMESTAMP NOT NULL,
    is_demo         BOOLEAN NOT NULL DEFAULT false
);

-- The declarations in force: for each (territory, indicator, period_from) the rows of the latest import.
CREATE VIEW current_definition_variant AS
SELECT * EXCLUDE (latest_import)
FROM (
    SELECT *, max(import_id) OVER (
        PARTITION BY territory_level, territory_code, indicator, coalesce(period_from, 0)
    ) AS latest_import
    FROM definition_variant
)
WHERE import_id = latest_import;
