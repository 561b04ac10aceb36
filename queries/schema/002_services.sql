-- Service locations imported from lists (France services, France Travail agencies, any list in the Levier format),
-- used for the coverage indicator ("part de la population à moins de X km d'un lieu"). Append-only: a newer import
-- of the same service type supersedes the older one (queries/service_points.sql reads the latest import_id).
-- Codes are TEXT; lon/lat are WGS84 and NULL when the row has no usable position (the reason is in the import's
-- warnings).

CREATE TABLE service_point (
    service_type    TEXT NOT NULL,     -- france_services | agence_france_travail | the list's own type
    name            TEXT,
    source_ref      TEXT,              -- the row's id in its source (id_fs, REFERENCE_PE, …)
    address         TEXT,
    postcode        TEXT,
    city            TEXT,              -- the commune name as the source writes it
    commune         TEXT,              -- COG 2026 commune code (arrondissements and old codes resolved)
    dep             TEXT,              -- département (or COM code: 975, 977, 978, …)
    epci            TEXT,              -- SIREN of the EPCI, NULL for the island communes and the COM
    lon             DOUBLE,
    lat             DOUBLE,
    location_method TEXT NOT NULL,     -- coordonnées | commune (point approché) | aucune
    source_row      INTEGER,           -- row in the imported file, as a spreadsheet shows it
    source          TEXT NOT NULL,     -- citation shown under maps
    import_id       BIGINT NOT NULL,   -- import_run.id
    is_demo         BOOLEAN NOT NULL DEFAULT false
);
