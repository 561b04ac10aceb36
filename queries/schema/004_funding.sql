-- Funding of contracted actions (lever effect): State and own euros per territory, programme, action and year, as
-- planned (prévu), committed (engagé) and spent (consommé); credits re-allocated between actions; whether each
-- action is new or a reinforcement; and the contracts themselves (CDPPE waves), all append-only with import_id like
-- fact: a later import of the same key supersedes the earlier row, which stays in the history.
-- Codes are TEXT; years INTEGER; amounts in euros (DOUBLE, NULL when the stage is not known yet).

CREATE TABLE funding (
    import_id       BIGINT NOT NULL,
    territory_level TEXT NOT NULL,      -- 'departement' | 'epci' (métropole)
    territory_code  TEXT NOT NULL,
    programme       TEXT NOT NULL,      -- CALPAE | CDPPE | PACTE
    axis            TEXT,
    action          TEXT NOT NULL,      -- code from the action catalogue
    year            INTEGER NOT NULL,
    funder          TEXT NOT NULL,      -- etat | etat_budget | etat_fir | etat_ondam (CDPPE lines) | departement
    planned         DOUBLE,             -- prévu
    committed       DOUBLE,             -- engagé
    spent           DOUBLE,             -- consommé
    comment         TEXT,
    source_sheet    TEXT,
    source_row      INTEGER,
    recorded_at     TIMESTAMP NOT NULL,
    is_demo         BOOLEAN NOT NULL DEFAULT false
);

CREATE VIEW current_funding AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, programme, action, year, funder ORDER BY import_id DESC
    ) AS rn
    FROM funding
)
WHERE rn = 1;

-- Credits moved by the commissaire from one action to another during a year (crédits reventilés).
CREATE TABLE reallocation (
    import_id       BIGINT NOT NULL,
    territory_level TEXT NOT NULL,
    territory_code  TEXT NOT NULL,
    programme       TEXT NOT NULL,
    year            INTEGER NOT NULL,
    from_action     TEXT NOT NULL,
    to_action       TEXT NOT NULL,
    funder          TEXT NOT NULL,
    amount          DOUBLE NOT NULL,
    reason          TEXT,
    source_sheet    TEXT,
    source_row      INTEGER,
    recorded_at     TIMESTAMP NOT NULL,
    is_demo         BOOLEAN NOT NULL DEFAULT false
);

CREATE VIEW current_reallocation AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, programme, year, from_action, to_action, funder
        ORDER BY import_id DESC
    ) AS rn
    FROM reallocation
)
WHERE rn = 1;

-- What the territory declares about each funded action: a new measure or the reinforcement of an existing one.
CREATE TABLE action_flag (
    import_id       BIGINT NOT NULL,
    territory_level TEXT NOT NULL,
    territory_code  TEXT NOT NULL,
    programme       TEXT NOT NULL,
    action          TEXT NOT NULL,
    nature          TEXT NOT NULL,      -- 'nouvelle' (mesure nouvelle) | 'renforcement'
    source_sheet    TEXT,
    source_row      INTEGER,
    recorded_at     TIMESTAMP NOT NULL,
    is_demo         BOOLEAN NOT NULL DEFAULT false
);

CREATE VIEW current_action_flag AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, programme, action ORDER BY import_id DESC
    ) AS rn
    FROM action_flag
)
WHERE rn = 1;

-- Contracts and the year each was signed: the CDPPE waves (2020, 2021, 2022) drive the evaluation, and the demo
-- returns and the demo funding read the same rows.
CREATE TABLE contract (
    import_id       BIGINT NOT NULL,
    territory_level TEXT NOT NULL,
    territory_code  TEXT NOT NULL,
    programme       TEXT NOT NULL,
    signed_year     INTEGER NOT NULL,
    wave            INTEGER,            -- 1, 2, 3… in order of the signing years
    wave_source     TEXT NOT NULL,      -- 'liste publique' | 'complété par le générateur' | what the file says
    source_row      INTEGER,
    recorded_at     TIMESTAMP NOT NULL,
    is_demo         BOOLEAN NOT NULL DEFAULT false
);

CREATE VIEW current_contract AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, programme ORDER BY import_id DESC
    ) AS rn
    FROM contract
)
WHERE rn = 1;
