-- The data version and the derived tables computed for it (issue 16: derive once per data version, serve by lookup).
-- data_state holds one row: `version` is raised by every write transaction (levier/store/db.py), `derived_for` is
-- the version the derived tables were computed from; they are read only while the two are equal.
CREATE TABLE data_state (version BIGINT NOT NULL, derived_for BIGINT);
INSERT INTO data_state VALUES (0, NULL);

-- Who reads a derived row: computed from everything stored, a derived row is readable whole by a user who reads every
-- territory's contract data with no small count masked, and by everyone when it comes from public statistics alone
-- (`is_public`); anyone else is served by the views' live computation from the rows they may read (005_access.sql).
CREATE MACRO levier_sees_derived(is_public) AS
    coalesce(is_public, false)
    OR (coalesce(getvariable('levier_all'), false) AND coalesce(len(getvariable('levier_masked')), 0) = 0);
