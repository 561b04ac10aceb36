-- Initial schema: reference geography, indicator catalogue, import journal, append-only facts with history.
-- Codes (département, commune, SIREN) are TEXT everywhere; years are INTEGER.

CREATE TABLE territory (
    level      TEXT NOT NULL,        -- 'region' | 'departement' | 'epci' | 'commune'
    code       TEXT NOT NULL,        -- INSEE code or SIREN, as text
    vintage    INTEGER NOT NULL,     -- geography vintage (COG year, EPCI list year)
    name       TEXT NOT NULL,
    dep        TEXT,                 -- département of a commune, dep_principal of an EPCI, itself for a département
    reg        TEXT,                 -- région code
    nature     TEXT,                 -- EPCI nature: CC, CA, CU, METRO, MET69
    population BIGINT,               -- population municipale in force for the vintage
    zone       TEXT                  -- metro | drom | com
);

CREATE TABLE commune_epci (
    vintage INTEGER NOT NULL,
    commune TEXT NOT NULL,
    epci    TEXT NOT NULL
);

CREATE TABLE territory_geometry (
    level    TEXT NOT NULL,
    code     TEXT NOT NULL,
    vintage  INTEGER NOT NULL,
    geometry BLOB NOT NULL,          -- WKB in WGS84, read back by shapely without DuckDB extensions
    source   TEXT NOT NULL
);

CREATE TABLE programme (
    code        TEXT NOT NULL,       -- CALPAE | CDPPE | PACTE | STAT
    label       TEXT NOT NULL,
    first_year  INTEGER NOT NULL,
    last_year   INTEGER NOT NULL,
    due_date    TEXT,                -- MM-DD of the following year when the annual return is due
    description TEXT
);

CREATE TABLE axis (
    programme TEXT NOT NULL,
    code      TEXT NOT NULL,
    label     TEXT NOT NULL
);

CREATE TABLE action (
    programme  TEXT NOT NULL,
    axis       TEXT,
    code       TEXT NOT NULL,
    label      TEXT NOT NULL,
    territory  TEXT                  -- NULL for the national grid, a dep code or SIREN for a contract's own action
);

CREATE TABLE indicator (
    code        TEXT NOT NULL,
    label       TEXT NOT NULL,
    programme   TEXT NOT NULL,
    axis        TEXT,
    action      TEXT,
    kind        TEXT NOT NULL,       -- moyens | réalisation | résultat | contexte
    unit        TEXT NOT NULL,       -- personnes | nombre | % | € | jours | minutes | ratio
    direction   TEXT,                -- hausse | baisse | NULL when neither is better
    numerator   TEXT,                -- for derived ratios: code of the numerator
    denominator TEXT,                -- for derived ratios: code of the denominator
    periodicity TEXT NOT NULL,
    source      TEXT NOT NULL,
    definition  TEXT NOT NULL,
    sensitive   BOOLEAN NOT NULL DEFAULT false,
    aliases     TEXT,                -- '|'-separated labels as départements write them, matched after normalising
    territory   TEXT                 -- NULL for the national grid, else the contract that defined it
);

CREATE SEQUENCE import_run_id START 1;

CREATE TABLE import_run (
    id            BIGINT NOT NULL DEFAULT nextval('import_run_id'),
    file_name     TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    kind          TEXT NOT NULL,     -- retours | reference | catalogue | ...
    file_format   TEXT,              -- long | grille | ...
    rows_read     BIGINT NOT NULL DEFAULT 0,
    rows_accepted BIGINT NOT NULL DEFAULT 0,
    rows_changed  BIGINT NOT NULL DEFAULT 0,
    status        TEXT NOT NULL,     -- importé | rejeté | déjà importé
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP NOT NULL,
    imported_by   TEXT NOT NULL,
    is_demo       BOOLEAN NOT NULL DEFAULT false,
    message       TEXT,
    errors        TEXT,              -- JSON list of {fichier, feuille, ligne, colonne, message}
    warnings      TEXT               -- JSON list, same shape
);

-- Append-only: a newer import for the same key supersedes, never overwrites.
CREATE TABLE fact (
    import_id        BIGINT NOT NULL,
    territory_level  TEXT NOT NULL,  -- 'departement' | 'epci'
    territory_code   TEXT NOT NULL,
    indicator        TEXT NOT NULL,
    period           INTEGER NOT NULL,
    measure          TEXT NOT NULL,  -- 'valeur' | 'cible'
    value            DOUBLE,
    missing_reason   TEXT,           -- s | nd | nc | so when the value is declared missing
    comment          TEXT,
    submitted_on     DATE,
    source_sheet     TEXT,
    source_row       INTEGER,
    recorded_at      TIMESTAMP NOT NULL,
    is_demo          BOOLEAN NOT NULL DEFAULT false
);

CREATE VIEW current_fact AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, indicator, period, measure
        ORDER BY import_id DESC
    ) AS rn
    FROM fact
)
WHERE rn = 1;

CREATE VIEW fact_history AS
SELECT f.* EXCLUDE (rn), nxt.import_id AS replaced_by_import, nxt.recorded_at AS replaced_at
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, indicator, period, measure
        ORDER BY import_id DESC
    ) AS rn,
    lead(import_id) OVER (
        PARTITION BY territory_level, territory_code, indicator, period, measure ORDER BY import_id
    ) AS next_import
    FROM fact
) f
JOIN fact nxt
  ON nxt.import_id = f.next_import
 AND nxt.territory_level = f.territory_level AND nxt.territory_code = f.territory_code
 AND nxt.indicator = f.indicator AND nxt.period = f.period AND nxt.measure = f.measure
WHERE f.rn > 1;

-- Ratios are derived from their numerator and denominator, never typed in.
CREATE VIEW current_value AS
SELECT territory_level, territory_code, indicator, period, value, missing_reason, is_demo, import_id, false AS derived
FROM current_fact
WHERE measure = 'valeur'
UNION ALL
SELECT n.territory_level, n.territory_code, i.code, n.period,
       CASE WHEN d.value > 0 THEN 100.0 * n.value / d.value END AS value,
       CASE WHEN n.value IS NULL OR d.value IS NULL THEN coalesce(n.missing_reason, d.missing_reason, 'nd')
            WHEN d.value = 0 THEN 'so' END AS missing_reason,
       n.is_demo OR d.is_demo, greatest(n.import_id, d.import_id), true
FROM indicator i
JOIN current_fact n ON n.indicator = i.numerator AND n.measure = 'valeur'
JOIN current_fact d ON d.indicator = i.denominator AND d.measure = 'valeur'
     AND d.territory_level = n.territory_level AND d.territory_code = n.territory_code AND d.period = n.period
WHERE i.numerator IS NOT NULL AND i.denominator IS NOT NULL;
