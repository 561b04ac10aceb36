"""Coverage: a hand-checkable case with known distances, then all of France on the real lists."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from levier.analysis import coverage
from levier.core.config import settings
from levier.ingest import communes as places
from levier.ingest import service_lists as services

REF_DIR = settings().reference_dir
FS_FILE = REF_DIR / "services" / "france_services_anct_20240801.csv"
PE_FILE = REF_DIR / "services" / "pole_emploi_agences_2019-11.csv"
needs_reference = pytest.mark.skipif(not FS_FILE.is_file(), reason=f"reference data not found in {REF_DIR}")

TO_WGS84 = Transformer.from_crs(2154, 4326, always_xy=True)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return TO_WGS84.transform(x, y)


def _small_case() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Three communes placed in Lambert-93 metres around one service: at 0 km, 15 km east and 25 km north."""
    x0, y0 = 850_000.0, 6_500_000.0
    where = {"A": (x0, y0), "B": (x0 + 15_000, y0), "C": (x0, y0 + 25_000)}
    communes = pd.DataFrame(
        {
            "code_commune": ["A", "B", "C"],
            "name": ["Ahaut", "Bebas", "Céloin"],
            "dep": ["38", "38", "38"],
            "epci": ["E1", "E1", "E2"],
            "population": [100, 50, 30],
        }
    )
    pts = pd.DataFrame({"code_commune": list(where), "lon": [0.0] * 3, "lat": [0.0] * 3})
    for i, (x, y) in enumerate(where.values()):
        pts.loc[i, ["lon", "lat"]] = _lonlat(x, y)
    points = places.commune_points(communes, gpd.GeoDataFrame({"code": []}, geometry=[], crs=4326), None, pts)
    lon, lat = _lonlat(x0, y0)
    return points, pd.DataFrame({"lon": [lon], "lat": [lat]})


def test_hand_checked_distances_and_shares():
    points, service = _small_case()
    assert (points["point_source"] == "fichier").all()
    result = coverage.coverage(points, service, distance_km=20)
    dist = result.communes.set_index("code_commune")["distance_km"]
    assert dist["A"] == pytest.approx(0, abs=1e-3)
    assert dist["B"] == pytest.approx(15, abs=1e-3)
    assert dist["C"] == pytest.approx(25, abs=1e-3)
    epci = result.epci.set_index("code")
    assert epci.loc["E1", "share"] == pytest.approx(100)
    assert epci.loc["E2", "share"] == pytest.approx(0)
    assert epci.loc["E1", "population_covered"] == 150
    dep = result.departements.set_index("code").loc["38"]
    assert dep["population"] == 180 and dep["population_covered"] == 150
    assert dep["share"] == pytest.approx(100 * 150 / 180)
    assert result.france["share"] == pytest.approx(100 * 150 / 180)
    assert coverage.coverage(points, service, 14.9).departements["share"].iloc[0] == pytest.approx(100 * 100 / 180)
    assert coverage.coverage(points, service, 25.01).departements["share"].iloc[0] == pytest.approx(100)


def test_services_of_another_territory_do_not_count():
    points, _ = _small_case()
    reunion = pd.DataFrame({"lon": [55.45], "lat": [-20.88]})  # Saint-Denis de La Réunion
    result = coverage.coverage(points, reunion)
    assert np.isinf(result.communes["distance_km"]).all()
    assert result.france["share"] == 0
    nowhere = pd.DataFrame({"lon": [np.nan], "lat": [np.nan]})  # a service without a position
    assert coverage.coverage(points, nowhere).france["share"] == 0


def test_invalid_distance_is_refused():
    points, service = _small_case()
    with pytest.raises(ValueError, match="kilomètres"):
        coverage.coverage(points, service, 0)


def test_default_distance_is_the_30_minute_proxy():
    assert coverage.DEFAULT_DISTANCE_KM == 20.0
    assert "30 minutes" in coverage.__doc__


# ---------------------------------------------------------------------------------------------------------------
# All of France


@pytest.fixture(scope="module")
def ref():
    return services.build_referential(REF_DIR)


@needs_reference
def test_all_of_france_in_under_ten_seconds(ref):
    points_fs = services.read_services(FS_FILE, services.FRANCE_SERVICES_ANCT, reference=ref)[0]
    started = time.perf_counter()
    communes = places.read_communes(REF_DIR)
    pts = places.commune_points(communes, ref.epci, ref.deps, places.read_commune_points_file(REF_DIR))
    result = coverage.coverage(pts, points_fs)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"{elapsed:.1f} s"

    assert len(communes) == 34875  # France and the DROM (the 94 COM communes are out of scope)
    assert pts.geometry.notna().all()
    assert (pts["point_source"] == "fichier").all()  # every commune has its own point in the shared file
    assert len(result.epci) == 1255 and len(result.departements) == 101
    for table in (result.epci, result.departements):
        assert table["share"].between(0, 100).all()
        assert (table["population_covered"] <= table["population"]).all()
    deps = result.departements.set_index("code")
    assert deps.loc["75", "share"] == 100
    assert deps.loc["75", "population"] == communes.loc[communes["dep"] == "75", "population"].sum()
    assert result.france["population"] == communes["population"].sum()
    assert 95 < result.france["share"] <= 100  # 2,845 France services within 20 km of almost everyone
    mgp = result.epci.set_index("code").loc["200054781"]  # Métropole du Grand Paris
    assert mgp["share"] == 100


@needs_reference
def test_fewer_agencies_mean_lower_coverage(ref):
    pts = places.commune_points(places.read_communes(REF_DIR), ref.epci, ref.deps)
    fs = services.read_services(FS_FILE, services.FRANCE_SERVICES_ANCT, reference=ref)[0]
    pe = services.read_services(PE_FILE, services.POLE_EMPLOI_AGENCES, reference=ref)[0]
    share_fs = coverage.coverage(pts, fs).france["share"]
    share_pe = coverage.coverage(pts, pe).france["share"]
    assert share_pe < share_fs
    assert coverage.coverage(pts, pe, 200).france["share"] > 99  # everyone has an agency within 200 km
    assert coverage.coverage(pts, pe, 1).france["share"] < share_pe


@needs_reference
def test_better_commune_points_plug_in(ref):
    communes = places.read_communes(REF_DIR)
    fallback = places.commune_points(communes, ref.epci, ref.deps)
    assert fallback["point_source"].value_counts().to_dict() == {"epci": 34871, "dep": 4}
    ouessant = fallback.set_index("code_commune").loc["29155"]
    assert ouessant["point_source"] == "dep"  # an island commune without an EPCI
    better = pd.DataFrame({"code_commune": ["38185"], "lon": [5.7245], "lat": [45.1885]})
    mixed = places.commune_points(communes, ref.epci, ref.deps, better).set_index("code_commune")
    assert mixed.loc["38185", "point_source"] == "fichier"
    assert mixed.loc["38185", "geometry"].equals(shapely.Point(5.7245, 45.1885))
    assert mixed.loc["38421", "point_source"] == "epci"


# ---------------------------------------------------------------------------------------------------------------
# The real commune points (geo/communes_2026_points.csv): Guyane, distances, fallback


@pytest.fixture(scope="module")
def commune_pts(ref):
    return places.commune_points(places.read_communes(REF_DIR), ref.epci, ref.deps,
                                 places.read_commune_points_file(REF_DIR))


@pytest.fixture(scope="module")
def agencies(ref):
    return services.read_services(PE_FILE, services.POLE_EMPLOI_AGENCES, reference=ref)[0]


@needs_reference
def test_commune_points_file_is_read_with_codes_as_text():
    pts = places.read_commune_points_file(REF_DIR).set_index("code_commune")
    assert len(pts) == 34875
    assert pts.loc["01001", "lat"] == pytest.approx(46.1517)  # the leading zero is kept
    assert pts.loc["2A004", "lon"] == pytest.approx(8.70583)  # Ajaccio
    assert pts.loc["97302", ["lat", "lon"]].tolist() == pytest.approx([4.94639, -52.33191])  # Cayenne


def test_a_points_file_without_coordinates_is_refused_by_name(tmp_path):
    (tmp_path / "geo").mkdir()
    (tmp_path / "geo" / "communes_2026_points.csv").write_text("code_commune,x,y\n01001,4.93,46.15\n")
    with pytest.raises(ValueError, match="communes_2026_points.csv : colonne\\(s\\) lat, lon absente"):
        places.read_commune_points_file(tmp_path)
    assert places.read_commune_points_file(tmp_path / "nowhere") is None  # no file: every commune falls back


@needs_reference
def test_guyane_around_cayenne_agencies(commune_pts, agencies):
    """France Travail's 2019 list has five agencies in Guyane: three in Cayenne, Kourou, Saint-Laurent-du-Maroni.
    Distances read from the file's points: Rémire-Montjoly 4.4 km from the Baduel agency, Matoury 12.3 km."""
    at = {km: coverage.coverage(commune_pts, agencies, km) for km in (10, 20, 30)}
    c10 = at[10].communes.set_index("code_commune")
    assert c10.loc["97302", "covered"] and c10.loc["97302", "distance_km"] == 0  # Cayenne hosts three agencies
    assert c10.loc["97309", "covered"] and c10.loc["97309", "distance_km"] == pytest.approx(4.37, abs=0.05)
    assert not c10.loc["97307", "covered"]  # Matoury, 12.3 km: out at 10 km…
    assert c10.loc["97307", "distance_km"] == pytest.approx(12.26, abs=0.05)
    assert at[20].communes.set_index("code_commune").loc["97307", "covered"]  # …in at 20 km
    assert not c10.loc["97353", "covered"]  # Maripasoula, 267 km inland, has none
    # Saint-Laurent-du-Maroni hosts an agency; its centroid is 62 km south of the town, in the forest.
    assert c10.loc["97311", "covered"]
    centroid_only = coverage.coverage(commune_pts, agencies, 30, own_commune=False).communes.set_index("code_commune")
    assert centroid_only.loc["97311", "distance_km"] == pytest.approx(61.6, abs=0.2)
    assert not centroid_only.loc["97311", "covered"]
    share = {km: r.departements.set_index("code").loc["973", "share"] for km, r in at.items()}
    assert 50 < share[10] < share[20] < share[30] < 90


@needs_reference
def test_coverage_moves_continuously_with_the_distance(commune_pts, agencies):
    shares = {km: coverage.coverage(commune_pts, agencies, km).departements.set_index("code")["share"]
              for km in (10, 20, 30)}
    assert (shares[10] <= shares[20]).all() and (shares[20] <= shares[30]).all()  # monotone everywhere
    lozere = [shares[km]["48"] for km in (10, 20, 30)]
    assert lozere[0] < lozere[1] < lozere[2]  # three agencies for a wide, sparse département
    moved = (shares[10] < shares[20]).sum()
    assert moved > 80  # per commune, not per EPCI: nearly every département moves between 10 and 20 km


@needs_reference
def test_a_commune_missing_from_the_points_file_falls_back_and_is_counted(ref, agencies):
    communes = places.read_communes(REF_DIR)
    file_points = places.read_commune_points_file(REF_DIR)
    pts = places.commune_points(communes, ref.epci, ref.deps, file_points[file_points["code_commune"] != "38185"])
    by_code = pts.set_index("code_commune")
    assert by_code.loc["38185", "point_source"] == "epci"  # Grenoble, placed at its métropole's point
    assert (pts["point_source"] == "fichier").sum() == 34874
    epci_point = shapely.point_on_surface(ref.epci.set_index("code").loc["200040715", "geometry"])
    assert by_code.loc["38185", "geometry"].equals(epci_point)
    result = coverage.coverage(pts, agencies, 20)
    assert result.departements.set_index("code").loc["38", "approx_points"] == 1
    assert result.epci.set_index("code").loc["200040715", "approx_points"] == 1
    assert result.departements["approx_points"].sum() == 1


def test_every_distance_at_once_gives_the_figures_of_each_distance():
    # B is exactly 15 km away (covered at 15, not at 14), C 25 km, D has no service in its zone (never covered).
    communes = pd.DataFrame(
        {
            "code_commune": ["A", "B", "C", "D"],
            "dep": ["38", "38", "38", "973"],
            "epci": ["E1", "E1", "E2", None],
            "population": [100, 50, 30, 7],
            "point_source": ["fichier", "fichier", "epci", "fichier"],
            "distance_km": [0.0, 15.0, 25.0, np.inf],
        }
    )
    distances = [60, 1, 14, 15, 20, 25, 30]  # any order: the rows come by ascending distance
    for key in ("dep", "epci"):
        at_once = coverage.coverage_by_distance(communes, key, distances)
        for km in distances:
            one = coverage.aggregate(communes.assign(covered=communes["distance_km"] <= km), key)
            got = at_once[at_once["distance_km"] == km].drop(columns="distance_km").reset_index(drop=True)
            pd.testing.assert_frame_equal(got, one, check_exact=True)
    isere = coverage.coverage_by_distance(communes, "dep", distances).query("code == '38'").set_index("distance_km")
    assert isere.loc[14, "population_covered"] == 100 and isere.loc[15, "population_covered"] == 150
    assert isere.loc[25, "share"] == 100.0 and (isere["approx_points"] == 1).all()
    guyane = coverage.coverage_by_distance(communes, "dep", distances).query("code == '973'")
    assert (guyane["population_covered"] == 0).all() and (guyane["share"] == 0).all()  # no place: never covered
    assert coverage.STANDARD_DISTANCES_KM == tuple(range(1, 61))  # the Services page's slider, whole km


@needs_reference
def test_every_standard_distance_at_once_matches_the_real_lists(commune_pts, agencies):
    communes = coverage.commune_distances(commune_pts, agencies)
    at_once = coverage.coverage_by_distance(communes, "epci", coverage.STANDARD_DISTANCES_KM)
    for km in (1, 7, 20, 43, 60):
        live = coverage.coverage(commune_pts, agencies, km).epci
        got = at_once[at_once["distance_km"] == km].drop(columns="distance_km").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, live, check_exact=True)
