-- Row-level access and small-count masking, enforced in the database's own views so that no query can forget it.
-- Every cursor Levier reads through carries three session variables (levier/store/db.py, set once per cursor):
--   levier_all    BOOLEAN   the user reads every territory's contract data
--   levier_codes  TEXT[]    otherwise: the département codes and EPCI SIRENs whose contract data they read
--   levier_masked TEXT[]    fact versions hidden by the small-count rule ('import_id|level|code|indicator|period|measure')
-- Unset variables are NULL, and NULL sees nothing: a connection that forgets to set them reads public statistics
-- only (deny by default). Public statistics (programme STAT) are visible to everyone.
-- Contract tables keep their names for the writers; readers use the visible_* and current_* views below.

CREATE MACRO levier_sees(lvl, code) AS
    coalesce(getvariable('levier_all'), false)
    OR coalesce(list_contains(getvariable('levier_codes'), code), false);

-- Every recorded version of every value the user may read, masked values blanked with the reason 's' (secret).
CREATE VIEW visible_fact AS
SELECT f.* REPLACE (
        CASE WHEN m.k IS NULL THEN f.value END AS value,
        CASE WHEN m.k IS NULL THEN f.missing_reason ELSE 's' END AS missing_reason,
        CASE WHEN m.k IS NULL THEN f.comment END AS comment
    )
FROM fact f
LEFT JOIN (SELECT DISTINCT unnest(getvariable('levier_masked')) AS k) m
       ON m.k = CAST(f.import_id AS TEXT) || '|' || f.territory_level || '|' || f.territory_code || '|'
               || f.indicator || '|' || CAST(f.period AS TEXT) || '|' || f.measure
WHERE levier_sees(f.territory_level, f.territory_code)
   OR f.indicator IN (SELECT code FROM indicator WHERE programme = 'STAT');

CREATE OR REPLACE VIEW current_fact AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, indicator, period, measure
        ORDER BY import_id DESC
    ) AS rn
    FROM visible_fact
)
WHERE rn = 1;

CREATE OR REPLACE VIEW fact_history AS
SELECT f.* EXCLUDE (rn), nxt.import_id AS replaced_by_import, nxt.recorded_at AS replaced_at
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, indicator, period, measure
        ORDER BY import_id DESC
    ) AS rn,
    lead(import_id) OVER (
        PARTITION BY territory_level, territory_code, indicator, period, measure ORDER BY import_id
    ) AS next_import
    FROM visible_fact
) f
JOIN visible_fact nxt
  ON nxt.import_id = f.next_import
 AND nxt.territory_level = f.territory_level AND nxt.territory_code = f.territory_code
 AND nxt.indicator = f.indicator AND nxt.period = f.period AND nxt.measure = f.measure
WHERE f.rn > 1;

-- Unchanged from 001, re-created over the masked current_fact: a ratio whose part is secret is secret ('s').
CREATE OR REPLACE VIEW current_value AS
SELECT territory_level, territory_code, indicator, period, value, missing_reason, is_demo, import_id, false AS derived
FROM current_fact
WHERE measure = 'valeur'
UNION ALL
SELECT n.territory_level, n.territory_code, i.code, n.period,
       CASE WHEN d.value > 0 THEN 100.0 * n.value / d.value END AS value,
       CASE WHEN n.missing_reason = 's' OR d.missing_reason = 's' THEN 's'
            WHEN n.value IS NULL OR d.value IS NULL THEN coalesce(n.missing_reason, d.missing_reason, 'nd')
            WHEN d.value = 0 THEN 'so' END AS missing_reason,
       n.is_demo OR d.is_demo, greatest(n.import_id, d.import_id), true
FROM indicator i
JOIN current_fact n ON n.indicator = i.numerator AND n.measure = 'valeur'
JOIN current_fact d ON d.indicator = i.denominator AND d.measure = 'valeur'
     AND d.territory_level = n.territory_level AND d.territory_code = n.territory_code AND d.period = n.period
WHERE i.numerator IS NOT NULL AND i.denominator IS NOT NULL;

CREATE VIEW visible_definition_variant AS
SELECT * FROM definition_variant WHERE levier_sees(territory_level, territory_code);

CREATE OR REPLACE VIEW current_definition_variant AS
SELECT * EXCLUDE (latest_import)
FROM (
    SELECT *, max(import_id) OVER (
        PARTITION BY territory_level, territory_code, indicator, coalesce(period_from, 0)
    ) AS latest_import
    FROM visible_definition_variant
)
WHERE import_id = latest_import;

CREATE OR REPLACE VIEW current_funding AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, programme, action, year, funder ORDER BY import_id DESC
    ) AS rn
    FROM funding
    WHERE levier_sees(territory_level, territory_code)
)
WHERE rn = 1;

CREATE OR REPLACE VIEW current_reallocation AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, programme, year, from_action, to_action, funder
        ORDER BY import_id DESC
    ) AS rn
    FROM reallocation
    WHERE levier_sees(territory_level, territory_code)
)
WHERE rn = 1;

CREATE OR REPLACE VIEW current_action_flag AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, programme, action ORDER BY import_id DESC
    ) AS rn
    FROM action_flag
    WHERE levier_sees(territory_level, territory_code)
)
WHERE rn = 1;

CREATE OR REPLACE VIEW current_contract AS
SELECT * EXCLUDE (rn)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY territory_level, territory_code, programme ORDER BY import_id DESC
    ) AS rn
    FROM contract
    WHERE levier_sees(territory_level, territory_code)
)
WHERE rn = 1;

-- The journal: whole for users who read every territory; otherwise only the imports that brought rows they may
-- read (a rejected file's error list can quote any territory's figures, so it stays with the former).
CREATE VIEW visible_import_run AS
SELECT r.*
FROM import_run r
WHERE coalesce(getvariable('levier_all'), false)
   OR r.id IN (SELECT import_id FROM fact WHERE levier_sees(territory_level, territory_code))
   OR r.id IN (SELECT import_id FROM funding WHERE levier_sees(territory_level, territory_code))
   OR r.id IN (SELECT import_id FROM definition_variant WHERE levier_sees(territory_level, territory_code))
   OR (r.kind IN ('référence', 'statistique publique', 'lieux de service') AND r.status = 'importé');
