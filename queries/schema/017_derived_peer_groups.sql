-- Derived peer groups (issue 16): each département's peers as the T0 page forms them (levier.views.common
-- .peer_group_of, the default profile features and k), computed once per data version by the publication step
-- (levier.views.common.derive_peer_groups), so that the pages that only need the peers' codes (Mi-parcours, Comparer)
-- read one row instead of the level's profiles.
-- One row per territory of the level, its peers nearest first (an empty list when no group could be formed).
-- The profiles are public statistics (programme STAT) and the population: `is_public` is true when every feature is.
CREATE TABLE derived_peer_group (
    level     TEXT NOT NULL,
    code      TEXT NOT NULL,
    peers     TEXT[] NOT NULL,
    is_public BOOLEAN NOT NULL
);

CREATE VIEW visible_derived_peer_group AS SELECT * FROM derived_peer_group WHERE levier_sees_derived(is_public);
