-- Derived service coverage (issue 16): the share of the population within each standard distance of a service place,
-- per territory, computed once per data version by the publication step (levier.views.services.build_derived) from
-- public inputs only (the service lists, the INSEE communes and their points): every row is `is_public`.
-- derived_coverage: one row per service type × level ('france' | 'region' | 'departement' | 'epci') × territory code
-- × distance (km, the Services page's slider: 1 to 60), for the territories that have communes.
CREATE TABLE derived_coverage (
    service_type       TEXT NOT NULL,
    level              TEXT NOT NULL,
    code               TEXT NOT NULL,     -- 'FR' for France
    distance_km        DOUBLE NOT NULL,
    population         BIGINT NOT NULL,   -- population municipale of the territory's communes
    population_covered BIGINT NOT NULL,   -- of communes within distance_km of a place (straight line)
    share              DOUBLE,            -- 100 × covered / population (NULL without population)
    communes           BIGINT NOT NULL,
    communes_covered   BIGINT NOT NULL,
    approx_points      BIGINT NOT NULL,   -- communes measured from their EPCI's (département's) point
    is_public          BOOLEAN NOT NULL
);

-- derived_coverage_place: what does not depend on the distance, one row per service type × level × territory code
-- (territories with communes or with places): places of the type in the territory, and the population-weighted mean
-- distance to the nearest place (NULL when a commune of the territory has no place in its zone).
CREATE TABLE derived_coverage_place (
    service_type     TEXT NOT NULL,
    level            TEXT NOT NULL,
    code             TEXT NOT NULL,
    places           BIGINT NOT NULL,
    mean_distance_km DOUBLE,
    is_public        BOOLEAN NOT NULL
);

-- derived_coverage_list: one row per service type: the list's source line, its places with and without a position,
-- the communes measured (and those from a fallback point), and the seconds the distances took to compute.
CREATE TABLE derived_coverage_list (
    service_type    TEXT NOT NULL,
    source          TEXT NOT NULL,
    placed          BIGINT NOT NULL,
    unplaced        BIGINT NOT NULL,
    communes        BIGINT NOT NULL,
    approx_communes BIGINT NOT NULL,
    seconds         DOUBLE NOT NULL,
    is_public       BOOLEAN NOT NULL
);

CREATE VIEW visible_derived_coverage AS SELECT * FROM derived_coverage WHERE levier_sees_derived(is_public);
CREATE VIEW visible_derived_coverage_place AS SELECT * FROM derived_coverage_place WHERE levier_sees_derived(is_public);
CREATE VIEW visible_derived_coverage_list AS SELECT * FROM derived_coverage_list WHERE levier_sees_derived(is_public);
