-- Derived quality frames (issue 16): every part of the stored quality report (each check's rows and keys, the
-- score's counts, the declared vs independent comparison, the public statistics) and the completeness cells, each as
-- one Arrow IPC stream (levier.store.frames), so that the report a user who reads everything opens is read as a
-- dozen rows instead of 190,000 rows of JSON (×30) made into frames again. derived_quality_findings keeps its rows
-- keyed by territory for the lookups of one territory (the independent sources of a T0 page).
-- One row per part. No row is public: every part is computed from the territories' returns.
CREATE TABLE derived_quality_frames (
    part      TEXT NOT NULL,
    meta      TEXT NOT NULL,
    frame     BLOB NOT NULL,
    is_public BOOLEAN NOT NULL
);

CREATE VIEW visible_derived_quality_frames AS SELECT * FROM derived_quality_frames WHERE levier_sees_derived(is_public);
