"""Services page data served from the derived coverage tables (levier.views.services.build_derived): the same
figures as the live computation for Isère, Guyane and Lozère at every standard distance, the live computation when
the tables cannot serve (a distance off the slider, data changed since), and what each user reads of them."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from levier.analysis import coverage as cov
from levier.rights.scope import Role, Scope
from levier.store.db import Database
from levier.views import panorama, services
from levier.views.selection import Selection, load_options
from tests.queries import ProbeQuery

DEPS = ("38", "973", "48")
TYPES = ("france_services", "agence_france_travail")


@pytest.fixture(scope="module")
def demo(demo_db_path) -> Database:
    return Database(demo_db_path)


@pytest.fixture(scope="module")
def points():
    return services.commune_points()


@pytest.fixture(scope="module")
def areas(demo) -> dict[str, panorama.MapArea]:
    options = load_options(demo)
    found = {dep: panorama.map_area(Selection(dep=dep), options) for dep in DEPS}
    found["France"] = panorama.map_area(Selection(), options)
    found["Auvergne-Rhône-Alpes"] = panorama.map_area(Selection(reg="84"), options)
    return found


def _assert_same_view(derived: services.CoverageView, live: services.CoverageView) -> None:
    assert derived.precomputed and not live.precomputed
    pd.testing.assert_frame_equal(derived.epci, live.epci, check_exact=True)
    pd.testing.assert_frame_equal(derived.departements, live.departements, check_exact=True)
    assert derived.in_view == live.in_view and derived.france == live.france
    for field in ("label", "source", "points", "unplaced", "communes", "approx_communes", "distance_km"):
        assert getattr(derived, field) == getattr(live, field), field
    # What the user reads: the tables the page shows, identical.
    pd.testing.assert_frame_equal(services.coverage_epci_table(derived), services.coverage_epci_table(live))
    pd.testing.assert_frame_equal(services.coverage_departement_table(derived),
                                  services.coverage_departement_table(live))


@pytest.mark.parametrize("service_type", TYPES)
def test_derived_views_and_exports_equal_the_live_computation(demo, areas, points, service_type):
    for km in (1, 5, 20, 37, 60):
        for area in areas.values():
            derived = services.coverage_view(demo, service_type, km, area, points)
            _assert_same_view(derived, services.coverage_view(demo, service_type, km, area, points, live=True))
    for km in (5, 20):
        for level in services.COVERAGE_LEVELS:
            derived = services.coverage_table(demo, service_type, km, level)
            live = services.coverage_table(demo, service_type, km, level, communes=points, live=True)
            pd.testing.assert_frame_equal(derived, live, check_exact=True)
            assert derived.attrs == live.attrs


# Nine of the sixty standard distances, spread over the slider (each is one live computation of all France).
SAMPLED_KM = (1, 2, 5, 10, 15, 20, 30, 45, 60)


def test_isere_guyane_lozere_across_the_standard_distances(demo, areas, points):
    assert set(SAMPLED_KM) <= set(cov.STANDARD_DISTANCES_KM)
    seen = {}
    for km in SAMPLED_KM:
        live = services.coverage_view(demo, "france_services", km, areas["France"], points, live=True)
        live_deps = live.departements.set_index("code")
        for dep in DEPS:
            derived = services.coverage_view(demo, "france_services", km, areas[dep])
            assert derived.precomputed
            mine = live.epci[live.epci["dep"] == dep].reset_index(drop=True)
            pd.testing.assert_frame_equal(derived.epci, mine, check_exact=True)
            row = live_deps.loc[dep]
            assert derived.in_view == {"population": row["population"], "population_covered": row["population_covered"],
                                       "share": row["share"], "places": row["services"]}
            assert derived.france == live.france
            seen[(dep, km)] = derived.in_view["share"]
    for dep in DEPS:  # the figures move with the distance, never back
        shares = [seen[(dep, km)] for km in SAMPLED_KM]
        assert shares == sorted(shares) and shares[0] < shares[-1]


def test_a_distance_off_the_slider_is_computed_live(demo, areas, points):
    isere = areas["38"]
    odd = services.coverage_view(demo, "france_services", 7.5, isere, points)
    assert not odd.precomputed
    at_7 = services.coverage_view(demo, "france_services", 7, isere).in_view["share"]
    at_8 = services.coverage_view(demo, "france_services", 8, isere).in_view["share"]
    assert at_7 <= odd.in_view["share"] <= at_8
    table = services.coverage_table(demo, "france_services", 7.5, "departement", "38", communes=points)
    assert table["part_couverte"].iloc[0] == odd.in_view["share"]


def test_derived_tables_of_an_older_data_version_are_not_read(demo_db_path, tmp_path, areas, points):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    before = services.coverage_view(db, "agence_france_travail", 20, areas["973"])
    assert before.precomputed
    with db.transaction():
        pass  # any write moves the data version on: the derived tables are no longer those of the data
    after = services.coverage_view(db, "agence_france_travail", 20, areas["973"], points)
    assert not after.precomputed
    assert after.in_view == before.in_view


def test_the_page_counts_the_places_of_its_territory(demo, areas):
    view = services.coverage_view(demo, "france_services", 20, areas["38"])
    isere = view.departements.set_index("code").at["38", "services"]
    assert view.in_view["places"] == isere and 0 < isere < view.points  # not the national count
    assert "en France" in services.places_help(view)
    france = services.coverage_view(demo, "france_services", 20, areas["France"])
    assert france.in_view["places"] == france.points
    aura = services.coverage_view(demo, "france_services", 20, areas["Auvergne-Rhône-Alpes"])
    in_aura = aura.departements[aura.departements["in_area"]]
    assert aura.in_view["places"] == in_aura["services"].sum() > isere
    # The map's legend counts Isère's own places as the page does, before the neighbours' drawn around it.
    places = panorama.service_points(demo, ("france_services",))
    fig = services.coverage_figure(view, panorama.display_layer("epci"), "jenks", 5, places)
    legend = next(t.name for t in fig.data if t.type == "scattergeo" and t.showlegend)
    assert legend.startswith(f"France services<br>{isere} du département, ") and legend.endswith(" sur la carte")


def test_rows_written_per_territory_and_distance(demo):
    rows = demo.read(ProbeQuery.DERIVED_COVERAGE_ROWS).set_index("table_name")
    territories = 1 + 18 + 101 + 1255  # France, régions, départements, EPCI of the 2026 geography
    assert rows.at["coverage", "rows"] == len(TYPES) * len(cov.STANDARD_DISTANCES_KM) * territories
    assert rows.at["coverage", "territories"] == territories and rows.at["coverage_list", "rows"] == len(TYPES)
    assert rows["is_public"].all()  # public inputs only


def test_every_user_reads_the_public_coverage_and_a_private_row_stays_hidden(demo_db_path, tmp_path, areas):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    admin = Database(path)
    isere_only = admin.with_scope(Scope.territorial("agent@isere.fr", Role.DEPARTEMENTAL, {"38"}))
    public_only = admin.with_scope(Scope(user="public", role=Role.PUBLIC))
    # The coverage comes from public inputs alone: every user is served the same figures from the derived tables.
    reference = services.coverage_view(admin, "france_services", 20, areas["973"])
    for db in (isere_only, public_only):
        view = services.coverage_view(db, "france_services", 20, areas["973"])
        assert view.precomputed
        pd.testing.assert_frame_equal(view.epci, reference.epci)
        pd.testing.assert_frame_equal(view.departements, reference.departements)
        assert view.in_view == reference.in_view
        pd.testing.assert_frame_equal(db.read(ProbeQuery.DERIVED_COVERAGE_ROWS), admin.read(ProbeQuery.DERIVED_COVERAGE_ROWS))
    # A row that were not public would reach only the users who read everything unmasked.
    with admin.transaction() as w:
        w.execute(ProbeQuery.MAKE_COVERAGE_ROW_PRIVATE, {"code": "69"})
    private = admin.read(ProbeQuery.DERIVED_COVERAGE_ROWS).set_index(["table_name", "is_public"])
    assert private.at[("coverage", False), "rows"] == len(TYPES) * len(cov.STANDARD_DISTANCES_KM)
    for db in (isere_only, public_only):
        seen = db.read(ProbeQuery.DERIVED_COVERAGE_ROWS)
        assert seen[seen["table_name"] == "coverage"]["is_public"].all()
