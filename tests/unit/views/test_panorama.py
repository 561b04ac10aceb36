"""Needs panorama and service offer (levier.views.panorama, levier.views.services): indicator choices, values with ranks
and gaps, missing values, France reference, figures by URL, service points on the maps (insets), coverage tables — on
real INSEE files and real service lists — and the coverage table of `levier export couverture` on the demo database."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
import shapely

from levier.analysis import coverage
from levier.charts import maps
from levier.core.config import settings
from levier.geo import display as geo
from levier.ingest.public_stats import import_public_file
from levier.ingest.services import import_services
from levier.store.db import Database, Query
from levier.views import panorama, services
from levier.views.selection import Selection, load_options

REF_DIR = settings().reference_dir
FILO = REF_DIR / "filosofi"
pytestmark = pytest.mark.skipif(not (FILO / "FILO2019_DISP_EPCI.csv").is_file(), reason=f"no reference data in {REF_DIR}")


@pytest.fixture(scope="module")
def stat_db(base_db_path, tmp_path_factory) -> Database:
    """Reference geography + Filosofi 2019 (EPCI, départements) and 2020 (poverty rates) + both real service lists,
    all through the real importers."""
    path = tmp_path_factory.mktemp("needs") / "panorama.duckdb"
    shutil.copy(base_db_path, path)
    db = Database(path)
    for name in ("FILO2019_DISP_EPCI.csv", "FILO2019_DISP_DEP.csv", "FILO2020_DISP_PAUVRES_DEP.csv"):
        assert import_public_file(db, FILO / name).ok
    for name in ("france_services_anct_20240801.csv", "pole_emploi_agences_2019-11.csv"):
        assert import_services(db, (REF_DIR / "services" / name).read_bytes(), name).ok
    return db


@pytest.fixture(scope="module")
def options(stat_db):
    return load_options(stat_db)


@pytest.fixture(scope="module")
def communes():
    """The commune points the app shares through levier.app.cache.service_referential."""
    return services.commune_points()


@pytest.fixture(scope="module")
def epci_layer():
    return panorama.display_layer(geo.LEVEL_EPCI)


@pytest.fixture(scope="module")
def dep_layer():
    return panorama.display_layer(geo.LEVEL_DEP)


def _isere(options) -> panorama.MapArea:
    return panorama.map_area(Selection(reg="84", dep="38"), options)


def _choropleths(fig):
    return [t for t in fig.data if t.type == "choropleth"]


# ---------------------------------------------------------------------------------------------------------------
# Choices and the area in view


def test_indicator_choices_say_at_which_level_each_is_published(stat_db):
    choices = {c.code: c for c in panorama.indicator_choices(stat_db)}
    assert choices["STAT-PPMINI"].periods_epci == (2019,) and choices["STAT-PPMINI"].periods_dep == (2019,)
    assert choices["STAT-PPMINI"].levels_text == "EPCI et départements"
    # Filosofi publishes the poverty rate by département only.
    assert choices["STAT-TP60"].periods_epci == () and choices["STAT-TP60"].periods_dep == (2020,)
    assert choices["STAT-TP60"].choice_label().endswith("(départements seulement)")
    assert all(c.code.startswith("STAT-") for c in choices.values())
    listed = list(choices.values())
    first = listed[panorama.default_indicator(listed)]
    assert first.code == "STAT-PPMINI"  # the poverty rate has no EPCI map: the first preferred one that has
    assert panorama.default_period(first) == 2019


def test_area_follows_the_sidebar_selection(options):
    assert panorama.map_area(Selection(), options).is_france
    region = panorama.map_area(Selection(reg="84"), options)
    assert region.level == "region" and "38" in region.deps and "69" in region.deps and len(region.deps) == 12
    epci = panorama.map_area(Selection(reg="84", dep="38", epci="200040715"), options)
    assert (epci.level, epci.deps, epci.epci) == ("departement", ("38",), "200040715")
    assert epci.label == "Isère (38)"


# ---------------------------------------------------------------------------------------------------------------
# Values, ranks, gaps, missing values


def test_isere_epci_values_ranks_and_gaps(stat_db, options, epci_layer):
    view = panorama.panorama_view(stat_db, "STAT-PPMINI", 2019, _isere(options))
    e = view.epci.set_index("code")
    expected = set(epci_layer.true.loc[epci_layer.true["dep"] == "38", "code"])
    assert set(e.index) == expected and 10 < len(e) < 30  # the EPCI whose principal département is Isère
    isere = view.departements.set_index("code").loc["38", "value"]
    assert (e["dep_value"] == isere).all()
    gre = e.loc["200040715"]  # Grenoble-Alpes-Métropole
    assert gre["gap_dep"] == pytest.approx(gre["value"] - isere)
    # No direction for a share of income: rank 1 = the highest value, among the EPCI in view.
    ranked = e[e["value"].notna()].sort_values("value", ascending=False)
    assert ranked["rank"].iloc[0] == 1 and ranked["rank"].max() <= len(ranked)
    assert (ranked["rank_fr"] >= ranked["rank"]).all()
    # France = the median of the départements having a value (no national value stored).
    deps = view.departements
    assert view.france_value == pytest.approx(deps["value"].median())
    assert view.france_basis == f"médiane des {deps['value'].notna().sum()} départements ayant une valeur"
    assert gre["gap_france"] == pytest.approx(gre["value"] - view.france_value)


def test_direction_decides_what_rank_one_means(stat_db, options):
    view = panorama.panorama_view(stat_db, "STAT-RD", 2019, panorama.map_area(Selection(), options))
    e = view.epci[view.epci["value"].notna()]
    assert e.loc[e["rank"] == 1, "value"].iloc[0] == e["value"].min()  # inequality: lower is better
    assert view.indicator.rank_note == "1 = situation la plus favorable"


def test_an_epci_value_on_an_older_perimeter_says_its_year_and_is_not_ranked(stat_db, options):
    # CC 200023075 gave commune 25192 to 200065647 between the 2023 and 2026 lists: its Filosofi 2019 value is
    # that of its 2021 perimeter. 24 EPCI are in that case; every other valued EPCI is ranked, they are not.
    view = panorama.panorama_view(stat_db, "STAT-PPMINI", 2019, panorama.map_area(Selection(), options))
    e = view.epci.set_index("code")
    assert e.at["200023075", "status"] == "périmètre 2021 de l'EPCI, modifié depuis"
    assert not pd.isna(e.at["200023075", "value"]) and pd.isna(e.at["200023075", "rank"])
    assert pd.isna(e.at["200023075", "gap_dep"]) and pd.isna(e.at["200023075", "gap_france"])
    flagged = e["unranked_reason"].notna()
    assert flagged.sum() == 24
    assert e.loc[~flagged & e["value"].notna(), "rank"].notna().all()
    assert int(e["n"].iloc[0]) == int((e["value"].notna() & ~flagged).sum())


def test_missing_values_stay_missing_in_table_and_map(stat_db, options, epci_layer):
    view = panorama.panorama_view(stat_db, "STAT-PPMINI", 2019, panorama.map_area(Selection(), options))
    missing = view.epci[view.epci["value"].isna()]
    assert 10 < len(missing) < 40  # 2019 EPCI whose SIREN is not a 2026 one, or absent from the file
    # The 15 EPCI of Guadeloupe, Guyane and Mayotte left out by INSEE read « non publiée par l'INSEE (secret
    # statistique) »; the 6 created since 2021 (new SIREN) « non publiée ».
    assert missing["status"].value_counts().to_dict() == {
        "non publiée par l'INSEE (secret statistique)": 15, "non publiée": 6}
    assert missing["rank"].isna().all()
    table = panorama.epci_table(view)
    # Unranked rows come last: the 21 without value and the 24 shown on their older perimeter.
    tail = table.tail(len(missing) + 24)
    assert tail["Rang"].isna().all() and table.head(len(table) - len(tail))["Rang"].notna().all()
    empty = tail[tail["Valeur (%)"].isna()]
    assert len(empty) == len(missing) and empty["Donnée"].str.startswith("non publiée").all()
    assert (tail.loc[tail["Valeur (%)"].notna(), "Donnée"] == "périmètre 2021 de l'EPCI, modifié depuis").all()
    fig = panorama.epci_figure(view, epci_layer)
    grey = [t for t in _choropleths(fig) if t.name == maps.MISSING_LABEL]
    assert set(grey[0].locations) == set(missing["code"])
    assert {row[1] for row in grey[0].customdata} == {  # hover says so, never 0
        "non publiée", "non publiée par l'INSEE (secret statistique)"}
    # Overseas départements without Filosofi values are grey too.
    deps = view.departements.set_index("code")
    assert deps.loc[["971", "973", "976"], "value"].isna().all()


def test_stored_national_value_is_preferred_and_said(stat_db, options, tmp_path):
    path = tmp_path / "fr.duckdb"
    shutil.copy(stat_db.path, path)
    db = Database(path)
    fact = pd.DataFrame(
        [{"territory_level": "france", "territory_code": "FR", "indicator": "STAT-PPMINI", "period": 2019,
          "measure": "valeur", "value": 3.1, "missing_reason": None, "comment": None, "submitted_on": None,
          "source_sheet": None, "source_row": None}]
    )
    with db.transaction() as w:
        w.insert_facts(fact, 9999, datetime(2026, 1, 1), False)
    view = panorama.panorama_view(db, "STAT-PPMINI", 2019, _isere(options))
    assert view.france_value == pytest.approx(3.1) and view.france_stored
    assert view.france_label == "France (valeur INSEE)"
    assert "France (valeur INSEE)" in panorama.epci_table(view).columns


def test_tables_are_french_sortable_numbers(stat_db, options):
    view = panorama.panorama_view(stat_db, "STAT-Q2", 2019, _isere(options))
    table = panorama.epci_table(view)
    assert list(table.columns[:5]) == ["EPCI", "SIREN", "Nature", "Département principal", "Population municipale 2026"]
    assert "Écart au département (€)" in table.columns and "Écart à la France (€)" in table.columns
    assert pd.api.types.is_numeric_dtype(table["Valeur (€)"]) and table["SIREN"].str.len().eq(9).all()
    assert table["Rang"].tolist()[: 3] == [1, 2, 3]
    assert "Métropole" in set(table["Nature"])
    deps = panorama.departement_table(panorama.panorama_view(stat_db, "STAT-TP60", 2020, panorama.map_area(Selection(), options)))
    assert len(deps) == 101 and deps["Valeur (%)"].notna().sum() == 98
    assert "Écart à la France (points)" in deps.columns


# ---------------------------------------------------------------------------------------------------------------
# Figures


def test_france_maps_reference_the_static_geojson_and_stay_small(stat_db, options, epci_layer, dep_layer):
    view = panorama.panorama_view(stat_db, "STAT-PPMINI", 2019, panorama.map_area(Selection(), options))
    fig = panorama.epci_figure(view, epci_layer, "jenks", 5)
    text = fig.to_json()
    assert len(text.encode()) < 250_000
    assert all(t.geojson == geo.static_url(geo.LEVEL_EPCI) for t in _choropleths(fig))
    assert fig.data[0].type == "scattergeo" and "world" not in str(fig.to_plotly_json())  # insets first: no topojson
    assert sum(len(t.locations) for t in _choropleths(fig)) == 1255
    assert "Source : INSEE, Filosofi, 2019" in fig.layout.annotations[0].text
    assert "seuils naturels (Jenks)" in fig.layout.annotations[0].text
    template = _choropleths(fig)[1].hovertemplate
    assert "Département principal" in template and "France (médiane des départements)" in template
    dfig = panorama.departement_figure(view, dep_layer, "quantiles", 4)
    assert len(dfig.to_json().encode()) < 60_000
    assert len([t for t in _choropleths(dfig) if t.name != maps.MISSING_LABEL]) == 4


def test_classification_choice_changes_the_classes(stat_db, options, epci_layer):
    view = panorama.panorama_view(stat_db, "STAT-PPMINI", 2019, panorama.map_area(Selection(), options))
    names = {m: [t.name for t in _choropleths(panorama.epci_figure(view, epci_layer, m, 5))] for m in panorama.METHOD_CHOICES}
    assert names["quantiles"] != names["jenks"] != names["equal"]
    assert all(n.endswith("%") or n == maps.MISSING_LABEL or n.endswith("(hors classes)") for n in names["jenks"])
    # EPCI values on a perimeter changed since 2021 are drawn apart, never inside a class
    assert "périmètre 2021 de l'EPCI, modifié depuis (hors classes)" in names["jenks"]


def test_departement_map_zooms_on_its_epci_and_outlines_the_chosen_one(stat_db, options, epci_layer, dep_layer):
    area = panorama.map_area(Selection(reg="84", dep="38", epci="200040715"), options)
    view = panorama.panorama_view(stat_db, "STAT-PPMINI", 2019, area)
    fig = panorama.epci_figure(view, epci_layer)
    assert all(t.geojson == geo.static_url(geo.LEVEL_EPCI, kind="true") for t in _choropleths(fig))
    assert {c for t in _choropleths(fig) if t.name != "sélection" for c in t.locations} == set(view.epci["code"])
    assert [t for t in _choropleths(fig) if t.name == "sélection"][0].locations == ("200040715",)
    assert "Rang national" in _choropleths(fig)[0].hovertemplate
    dfig = panorama.departement_figure(view, dep_layer)
    assert [t for t in _choropleths(dfig) if t.name == "sélection"][0].locations == ("38",)  # France, Isère outlined


# ---------------------------------------------------------------------------------------------------------------
# Service points on the maps


def test_points_follow_the_insets_on_the_france_map(epci_layer):
    # Paris (twice: in place and in the Paris inset), Saint-Denis de La Réunion, Lyon.
    placed = epci_layer.place_points([2.3522, 55.4504, 4.8357], [48.8566, -20.8823, 45.764], ["metro", "974", "metro"])
    assert sorted(placed["row"].tolist()) == [0, 0, 1, 2]
    frames = {i.key: shapely.Polygon(list(zip(i.lon, i.lat, strict=True))) for i in epci_layer.insets}
    inset_points = placed[placed["inset"]]
    paris_copy = inset_points[inset_points["row"] == 0].iloc[0]
    assert frames["paris"].contains(shapely.Point(paris_copy["lon"], paris_copy["lat"]))
    reunion = inset_points[inset_points["row"] == 1].iloc[0]
    assert frames["974"].contains(shapely.Point(reunion["lon"], reunion["lat"]))
    # The point lands in the displayed shape of its EPCI (CINOR, Saint-Denis), not just in the frame.
    cinor = epci_layer.display.set_index("code").loc["249740119", "geometry"]
    assert cinor.buffer(0.02).contains(shapely.Point(reunion["lon"], reunion["lat"]))
    lyon = placed[placed["row"] == 2].iloc[0]
    metro_lyon = epci_layer.display.set_index("code").loc["200046977", "geometry"]  # Métropole de Lyon
    assert metro_lyon.contains(shapely.Point(lyon["lon"], lyon["lat"]))


def test_one_read_serves_every_area_and_is_left_as_read(stat_db, options):
    """A territory change ranks the values read once for the indicator and year within its own area: the same view
    as reading them again, for France, a région and a département, and the values read are not changed."""
    data = panorama.panorama_data(stat_db, "STAT-PPMINI", 2019)
    before = (data.departements.copy(), data.epci.copy())
    for sel in (Selection(), Selection(reg="84"), Selection(reg="84", dep="38"), Selection(reg="93", dep="13")):
        area = panorama.map_area(sel, options)
        shared, fresh = panorama.panorama_view_of(data, area), panorama.panorama_view(stat_db, "STAT-PPMINI", 2019, area)
        pd.testing.assert_frame_equal(shared.epci, fresh.epci)
        pd.testing.assert_frame_equal(shared.departements, fresh.departements)
        assert (shared.france_value, shared.france_basis, shared.decimals) == \
            (fresh.france_value, fresh.france_basis, fresh.decimals)
    isere = panorama.panorama_view_of(data, panorama.map_area(Selection(reg="84", dep="38"), options))
    assert set(isere.epci["dep"]) == {"38"} and isere.departements["in_area"].sum() == 1
    pd.testing.assert_frame_equal(data.departements, before[0])
    pd.testing.assert_frame_equal(data.epci, before[1])
    assert "in_area" not in data.departements.columns and "rank" not in data.epci.columns


def test_service_points_overlay_by_type(stat_db, options, epci_layer):
    points = panorama.service_points(stat_db, ("france_services", "agence_france_travail"))
    assert set(points["label"]) == {"France services", "Agence France Travail (ex-Pôle emploi)"}
    assert len(points) == 2845 + 850  # the agencies kept without a position are not drawn
    france = panorama.panorama_view(stat_db, "STAT-PPMINI", 2019, panorama.map_area(Selection(), options))
    fig = panorama.epci_figure(france, epci_layer, points=points)
    scatter = {t.name: t for t in fig.data if t.type == "scattergeo" and t.name and "(" in t.name}
    # The legend counts places, not the copies drawn again in the Paris inset.
    assert set(scatter) == {"France services (2\u00a0843)", "Agence France Travail (ex-Pôle emploi) (850)"}
    assert len(scatter["France services (2\u00a0843)"].lon) > 2843  # Saint-Martin left out, Paris copies added
    isere = panorama.panorama_view(stat_db, "STAT-PPMINI", 2019, _isere(options))
    zoom = panorama.epci_figure(isere, epci_layer, points=points)
    lons = [x for t in zoom.data if t.type == "scattergeo" and t.mode == "markers" and t.name for x in t.lon]
    assert lons and 4.5 < min(lons) and max(lons) < 6.5  # around Isère only, true positions


# ---------------------------------------------------------------------------------------------------------------
# Coverage


def test_coverage_by_epci_and_departement_and_the_distance_matters(stat_db, options, epci_layer, dep_layer, communes):
    isere = _isere(options)
    near = services.coverage_view(stat_db, "agence_france_travail", 5.0, isere, communes)
    far = services.coverage_view(stat_db, "agence_france_travail", 20.0, isere, communes)
    assert near.in_view["share"] < far.in_view["share"] <= 100
    isere = far.departements.set_index("code").loc["38"]
    assert far.in_view["share"] == pytest.approx(isere["share"])
    assert far.in_view["population"] == isere["population"] > 1_200_000
    assert set(far.epci["dep"]) == {"38"} and far.epci["services"].sum() > 0
    # The France figure is the same computation as levier.analysis.coverage over all communes.
    points = stat_db.read(Query.SERVICE_POINTS, {"service_type": "agence_france_travail"}).dropna(subset=["lon"])
    direct = coverage.coverage(communes, points, 20.0)
    assert far.france["share"] == pytest.approx(direct.france["share"])
    # The reference data has one point per commune (geo/communes_2026_points.csv): no commune falls back to its
    # EPCI's point, and the limits no longer say so.
    assert far.communes == 34_875 and far.approx_communes == 0
    assert "point représentatif de leur EPCI" not in far.limits_text
    fallback = dataclasses.replace(far, approx_communes=3).limits_text  # three communes absent from the points file
    assert "point représentatif de leur EPCI" in fallback and "3 commune(s) sur 34\u00a0875" in fallback
    assert "20 km" in far.method_text and "2.1.1" in far.method_text
    table = services.coverage_epci_table(far)
    share = "Part de la population à moins de 20 km (%)"
    assert table[share].between(0, 100).all() and table[share].is_monotonic_increasing
    assert (table["Communes placées au point de l'EPCI"] == 0).all()  # every commune has its own point
    fig = services.coverage_figure(far, epci_layer, points=panorama.service_points(stat_db, ("agence_france_travail",)))
    assert "Part de la population à moins de 20 km" in fig.layout.title.text
    france = panorama.map_area(Selection(), options)
    deps = services.coverage_departement_table(services.coverage_view(stat_db, "france_services", 20.0, france, communes))
    assert len(deps) == 101 and deps[share].notna().all()
    assert services.coverage_figure(far, dep_layer).layout.geo.projection.type == "conic conformal"


def test_guyane_is_measured_from_the_commune_points(stat_db, options, communes):
    # With EPCI points Guyane had 0 % within 20 km of an agency (the EPCI points are inland). From the commune
    # points: Cayenne hosts three agencies; within 20 km of them Rémire-Montjoly (4.4 km), Matoury (12.3 km) and
    # Macouria (17.5 km), not Montsinéry-Tonnegrande (23.5 km) nor Roura (55.7 km). By hand from the files, the
    # CA du Centre Littoral: 62,675 + 27,723 + 36,512 + 19,899 = 146,809 of 153,884 inhabitants.
    guyane = panorama.map_area(Selection(reg="03"), options)
    view = services.coverage_view(stat_db, "agence_france_travail", 20.0, guyane, communes)
    cacl = view.epci.set_index("code").loc["249730045"]
    assert (cacl["population"], cacl["population_covered"]) == (153_884, 146_809)
    assert 70 < view.in_view["share"] < 80  # the interior (Maripasoula, Grand-Santi…) is far from every agency
    assert np.isfinite(view.epci["distance_km"]).all()


# ---------------------------------------------------------------------------------------------------------------
# The coverage table of `levier export couverture`, on the demo database


def test_coverage_table_has_one_row_per_territory_and_the_page_figures(demo_db_path, communes):
    demo = Database(demo_db_path)
    deps = services.coverage_table(demo, "france_services", 20, "departement", communes=communes)
    assert list(deps.columns[:2]) == ["code", "libelle"] and len(deps) == 101 and deps["code"].is_unique
    assert {"01", "2A", "971"} <= set(deps["code"]) and deps["code"].map(type).eq(str).all()  # codes stay text
    assert deps.set_index("code").at["38", "libelle"] == "Isère"
    for column in ("part_couverte", "distance_moyenne_km"):
        assert pd.api.types.is_float_dtype(deps[column])  # numbers stay numbers
    assert pd.api.types.is_integer_dtype(deps["population"]) and pd.api.types.is_integer_dtype(deps["lieux"])
    assert deps["part_couverte"].between(0, 100).all() and (deps["population_couverte"] <= deps["population"]).all()
    assert deps.attrs["decimals"]["part_couverte"] == 1
    # The same figures as the page's table by département, rounded as the page shows them.
    view = services.coverage_view(demo, "france_services", 20.0, panorama.map_area(Selection(), load_options(demo)),
                                  communes)
    page = services.coverage_departement_table(view).set_index("Code")
    share = "Part de la population à moins de 20 km (%)"
    ours = deps.set_index("code")
    assert np.allclose(ours["part_couverte"].round(1), page.loc[ours.index, share])
    assert (ours["population_couverte"] == page.loc[ours.index, "Population à moins de 20 km"]).all()
    assert (ours["lieux"] == page.loc[ours.index, "Lieux « France services »"]).all()


def test_coverage_table_by_epci_region_and_one_territory(demo_db_path, communes):
    demo = Database(demo_db_path)
    epci = services.coverage_table(demo, "agence_france_travail", 5, "epci", communes=communes)
    assert len(epci) == 1255 and epci["code"].str.len().eq(9).all()
    grenoble = services.coverage_table(demo, "agence_france_travail", 5, "epci", "200040715", communes=communes)
    assert len(grenoble) == 1 and grenoble["libelle"].iloc[0] == epci.set_index("code").at["200040715", "libelle"]
    assert grenoble["part_couverte"].iloc[0] == epci.set_index("code").at["200040715", "part_couverte"]
    aura = services.coverage_table(demo, "agence_france_travail", 5, "region", "84", communes=communes)
    deps = services.coverage_table(demo, "agence_france_travail", 5, "departement", communes=communes)
    in_aura = deps[deps["code"].isin(["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"])]
    assert aura["population"].iloc[0] == in_aura["population"].sum()
    assert aura["population_couverte"].iloc[0] == in_aura["population_couverte"].sum()
    assert aura["lieux"].iloc[0] == in_aura["lieux"].sum()
    assert len(services.coverage_table(demo, "agence_france_travail", 5, "region", communes=communes)) >= 18
    with pytest.raises(ValueError, match="Territoire inconnu"):
        services.coverage_table(demo, "france_services", 20, "departement", "99", communes=communes)
    with pytest.raises(ValueError, match="Niveau inconnu"):
        services.coverage_table(demo, "france_services", 20, "commune", communes=communes)
