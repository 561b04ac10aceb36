-- Derived T0 tables (issue 16): each département's T0 table at the T0 year its page opens on, its peers' median
-- taken over the T0 page's group, as numbers and as the French text the page shows (levier.views.t0
-- .derive_t0_tables), so that the page of a user who reads everything reads one row instead of laying out its
-- 1,700 indicators again. Each frame is an Arrow IPC stream (levier.store.frames).
-- One row per (level, territory, T0 year). No row is public: a table holds contract figures and a peers' median
-- over every value stored, so only a user who reads everything unmasked reads it (levier_sees_derived).
CREATE TABLE derived_t0_tables (
    level     TEXT NOT NULL,
    code      TEXT NOT NULL,
    t0_year   INTEGER NOT NULL,
    peers     TEXT[] NOT NULL,
    numbers   BLOB NOT NULL,
    text      BLOB NOT NULL,
    is_public BOOLEAN NOT NULL
);

CREATE VIEW visible_derived_t0_tables AS SELECT * FROM derived_t0_tables WHERE levier_sees_derived(is_public);
