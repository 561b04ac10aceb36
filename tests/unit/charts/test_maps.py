"""Maps: classes, French formats, missing values, offline figures, URL-referenced GeoJSON sizes, insets."""

from __future__ import annotations

import json
import math
import re
import time
import warnings

import geopandas as gpd
import mapclassify as mc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import shapely

from levier.charts import maps
from levier.core.config import settings
from levier.core.fmt import NBSP
from levier.geo import display as geo
from tests.figures import strings

REF_DIR = settings().reference_dir
needs_reference = pytest.mark.skipif(
    not (REF_DIR / geo.REFERENCE_FILES[geo.LEVEL_EPCI]).is_file(), reason=f"reference data not found in {REF_DIR}"
)


# ---------------------------------------------------------------------------------------------------------------
# Classes


def test_quantile_classes_follow_mapclassify_with_french_labels():
    values = [1, 2, None, 3, 4, 5, 6, 7, 8, 9, 10]
    classes = maps.classify(values, "quantiles", 5, unit="%")
    expected = mc.Quantiles(np.arange(1, 11, dtype=float), k=5).bins
    assert classes.bins == pytest.approx(list(expected))
    # Labelled with the values its territories have, not with the quantile bounds (2,8 and 8,2: nobody's value).
    assert classes.labels[0] == f"1,0 – 2,0{NBSP}%"
    assert classes.labels[-1] == f"9,0 – 10,0{NBSP}%"
    assert classes.index.tolist() == [0, 0, -1, 1, 1, 2, 2, 3, 3, 4, 4]
    assert classes.counts == [2, 2, 2, 2, 2]
    assert classes.colors[-1] == "#000091"  # palette ends on bleu France


def test_quantile_and_equal_bounds_are_mapclassifys_bit_for_bit():
    """The bounds are computed without mapclassify (it loads scipy.stats and scikit-learn into the server): on skewed,
    rounded and tied values of every size a map shows, they equal mapclassify's exactly."""
    rng = np.random.default_rng(3)
    for t in range(300):
        y = rng.lognormal(rng.normal(0, 3), rng.uniform(0.05, 2), int(rng.integers(2, 1500)))
        if t % 3 == 0:
            y = np.round(y, 1)
        if t % 5 == 0:
            y[: len(y) // 2] = y[0]
        k = min(int(rng.integers(2, 10)), len(np.unique(y)))
        if k < 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mapclassify warns when ties leave fewer than k quantiles
            assert np.array_equal(maps._quantile_bins(y, k), mc.Quantiles(y, k=k).bins)
        assert np.array_equal(maps._equal_bins(y, k), mc.EqualInterval(y, k=k).bins)


def test_jenks_finds_obvious_clusters_and_matches_mapclassify():
    classes = maps.classify([1, 2, 3, 10, 11, 12, 50, 51], "jenks", 3)
    assert classes.bins == [3, 12, 51]
    rng = np.random.default_rng(7)
    for n in (40, 120):
        y = rng.lognormal(size=n)
        ours = maps.classify(y, "jenks", 5).bins
        with pytest.warns(UserWarning):  # "Numba not installed": why ours exists
            ref = mc.FisherJenks(y, k=5).bins
        assert ours == pytest.approx(list(ref))


def test_jenks_is_fast_enough_for_all_epci():
    y = np.random.default_rng(1).lognormal(size=1255)
    started = time.perf_counter()
    maps.classify(y, "jenks", 5)
    assert time.perf_counter() - started < 1.5


def test_equal_intervals_and_degenerate_inputs():
    assert maps.classify([0, 2.5, 5, 7.5, 10], "equal", 5).bins == pytest.approx([2, 4, 6, 8, 10])
    single = maps.classify([5, 5, 5, None], "quantiles", 5, unit="%")
    assert single.k == 1 and single.labels == [f"5,0{NBSP}%"]
    empty = maps.classify([None, float("nan")], "quantiles", 5)
    assert empty.k == 0 and empty.index.tolist() == [-1, -1]
    with pytest.raises(ValueError, match="Méthode"):
        maps.classify([1, 2], "kmeans")


def test_a_one_territory_class_is_labelled_with_its_territorys_value_on_the_map():
    # Isère and its neighbours, poverty rate 2020 (INSEE Filosofi): Isère alone in its quantile class, whose upper
    # bound (13,4 %) no territory has; the legend printed « 13,4 % » over Isère's 11,3 %.
    rates = {"38": 11.3, "01": 10.5, "73": 10.3, "26": 14.4, "69": 14.1, "42": 15.0, "07": 14.3, "05": 13.9}
    frame = pd.DataFrame({"code": list(rates), "name": list(rates), "value": list(rates.values())})
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": c, "properties": {},
         "geometry": {"type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]]}}
        for i, c in enumerate(rates)]}
    fig = maps.choropleth(frame, geojson, value_col="value", unit="%", method="quantiles", k=5)
    legend = {t.name: set(t.locations) for t in _choropleths(fig)}
    assert legend[f"11,3{NBSP}%"] == {"38"}
    assert legend[f"14,3{NBSP}%"] == {"07"}
    assert legend[f"13,9 – 14,1{NBSP}%"] == {"05", "69"}  # not « 13,4 – 14,1 % »: 13,4 % is nobody's value
    shown = {f"{v:.1f}".replace(".", ",") for v in rates.values()}
    for name in legend:
        assert set(re.findall(r"\d+,\d", name)) <= shown, name


# ---------------------------------------------------------------------------------------------------------------
# A small inline map


def _squares() -> tuple[pd.DataFrame, dict]:
    codes = ["A", "B", "C", "D"]
    gdf = gpd.GeoDataFrame(
        {"code": codes, "name": ["Alpha", "Bêta", "Gamma", "Delta"]},
        geometry=[shapely.box(i, 45, i + 0.9, 45.9) for i in range(4)],
        crs=4326,
    )
    frame = pd.DataFrame(
        {
            "code": codes,
            "name": gdf["name"],
            "taux": [10.0, None, 30.0, 20.0],
            "dep_taux": [15.0] * 4,
            "fr_taux": [14.5] * 4,
        }
    )
    return frame, geo.to_geojson_dict(gdf)


def _choropleths(fig: go.Figure) -> list:
    return [t for t in fig.data if t.type == "choropleth"]


def test_missing_values_are_a_grey_labelled_class_not_zero():
    frame, gj = _squares()
    fig = maps.choropleth(frame, gj, value_col="taux", unit="%", anchor=(1.5, 45.5), k=2)
    missing = [t for t in _choropleths(fig) if t.name == maps.MISSING_LABEL]
    assert len(missing) == 1
    assert list(missing[0].locations) == ["B"]
    assert missing[0].colorscale[0][1] == maps.MISSING_COLOR
    assert missing[0].customdata[0][1] == maps.MISSING_LABEL  # hover says secret / n.d., not 0
    others = [t for t in _choropleths(fig) if t.name != maps.MISSING_LABEL]
    assert all("B" not in t.locations for t in others)
    # The upper class holds only C (30 %): it is labelled with that value, not '20,0 – 30,0 %'.
    assert [t.name for t in others] == [f"10,0 – 20,0{NBSP}%", f"30,0{NBSP}%"]
    assert [sorted(t.locations) for t in others] == [["A", "D"], ["C"]]
    assert all(t.showlegend for t in _choropleths(fig))
    assert fig.layout.separators == f",{NBSP}"  # plotly writes numbers as levier.core.fmt does


def test_hover_has_value_rank_departement_and_france():
    frame, gj = _squares()
    fig = maps.choropleth(
        frame,
        gj,
        value_col="taux",
        unit="%",
        anchor=(1.5, 45.5),
        dep_value_col="dep_taux",
        france_value_col="fr_taux",
        k=3,
    )
    rows = {tuple(r)[0]: tuple(r) for t in _choropleths(fig) for r in t.customdata}
    assert rows["Gamma"][1:] == (f"30,0{NBSP}%", "1 sur 3", f"15,0{NBSP}%", f"14,5{NBSP}%")
    assert rows["Alpha"][2] == "3 sur 3"
    assert rows["Bêta"][2] == "–"
    template = _choropleths(fig)[0].hovertemplate
    assert "Rang" in template and "Département" in template and "France" in template


def test_source_and_year_are_written_under_the_map():
    frame, gj = _squares()
    fig = maps.choropleth(
        frame, gj, value_col="taux", anchor=(1.5, 45.5), source="INSEE, Filosofi", year=2020, vintage=2026, k=3
    )
    caption = fig.layout.annotations[0]
    assert "Source : INSEE, Filosofi, 2020" in caption.text
    assert "2026" in caption.text
    assert caption.y <= 0 and caption.yanchor == "top"


def test_highlight_outlines_the_selected_territory():
    frame, gj = _squares()
    fig = maps.choropleth(frame, gj, value_col="taux", anchor=(1.5, 45.5), highlight=["C"], k=3)
    outline = [t for t in _choropleths(fig) if t.name == "sélection"]
    assert len(outline) == 1 and list(outline[0].locations) == ["C"]
    assert outline[0].marker.line.color == maps.HIGHLIGHT_COLOR



def _keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def _assert_offline(fig: go.Figure, allowed_url: str | None = None) -> str:
    """No tiles, no external URL, no world layers, and no topojson fetch (first trace drawn from lon/lat)."""
    text = fig.to_json()
    urls = {u for s in strings(json.loads(text)) for u in re.findall(r"https?://\S+", s)}
    assert urls <= ({allowed_url} if allowed_url and allowed_url.startswith("http") else set())
    layout = fig.layout.to_plotly_json()
    assert "mapbox" not in layout and "map" not in layout
    assert layout["geo"]["visible"] is False
    assert all(t.type in ("choropleth", "scattergeo") for t in fig.data)
    first = fig.data[0]
    assert first.type == "scattergeo" and first.locations is None and first.locationmode is None
    return text


def test_inline_figure_is_offline():
    frame, gj = _squares()
    _assert_offline(maps.choropleth(frame, gj, value_col="taux", anchor=(1.5, 45.5), k=3))
    default_anchor = maps.choropleth(frame, gj, value_col="taux", k=3)  # a point of the first feature
    _assert_offline(default_anchor)
    assert 0 <= default_anchor.data[0].lon[0] <= 0.9 and 45 <= default_anchor.data[0].lat[0] <= 45.9
    with pytest.raises(ValueError, match="ancrage"):
        maps.choropleth(frame, None, value_col="taux", geojson_url="app/static/geo/x.geojson")
    assert maps.PLOTLY_CONFIG["topojsonURL"].startswith("app/static")


# ---------------------------------------------------------------------------------------------------------------
# Real layers: insets, static files, URL-referenced figures


@pytest.fixture(scope="module")
def dep_layer() -> geo.DisplayLayer:
    return geo.prepare_display(geo.read_layer(geo.LEVEL_DEP, REF_DIR), geo.LEVEL_DEP)


@pytest.fixture(scope="module")
def epci_layer() -> geo.DisplayLayer:
    started = time.perf_counter()
    layer = geo.prepare_display(geo.read_layer(geo.LEVEL_EPCI, REF_DIR), geo.LEVEL_EPCI)
    assert time.perf_counter() - started < 10  # prepared once at build time, about 0.3 s here
    return layer


def _metro_bounds(layer: geo.DisplayLayer) -> np.ndarray:
    return layer.display[layer.display["placement"] == "metropole"].total_bounds


@needs_reference
def test_overseas_insets_sit_west_of_metropolitan_france(dep_layer):
    display = dep_layer.display.set_index("code")
    mx0, my0, mx1, my1 = _metro_bounds(dep_layer)
    frames = {i.key: shapely.Polygon(zip(i.lon, i.lat, strict=True)) for i in dep_layer.insets}
    heights = []
    for code in geo.DROM_CRS:
        g = display.loc[code, "geometry"]
        x0, y0, x1, y1 = g.bounds
        assert mx0 - 3 < x0 and x1 < mx0 + 2, code  # a column off Brittany, not in the Caribbean
        assert my0 - 0.5 < y0 and y1 < my1, code
        assert frames[code].buffer(1e-3).contains(g), code
        heights.append(y1 - y0)
    # Readable: every overseas département at least 0.5° tall (about 55 km at the map's scale).
    assert min(heights) > 0.5
    # The true layer keeps the real positions.
    true = dep_layer.true.set_index("code")
    assert true.loc["974", "geometry"].centroid.x == pytest.approx(55.5, abs=0.3)
    # Everything, insets included, within a box the size of metropolitan France.
    x0, y0, x1, y1 = dep_layer.display.total_bounds
    assert x1 - x0 < 1.3 * (mx1 - mx0) and y1 - y0 < 1.05 * (my1 - my0)


@needs_reference
def test_paris_inset_enlarges_the_petite_couronne(dep_layer, epci_layer):
    display = dep_layer.display.set_index("code")
    paris = [i for i in dep_layer.insets if i.key == "paris"][0]
    assert paris.label == "Paris et petite couronne"
    frame = shapely.Polygon(zip(paris.lon, paris.lat, strict=True))
    for code in ("75", "92", "93", "94"):
        parts = list(display.loc[code, "geometry"].geoms)
        inside = [p for p in parts if frame.contains(p)]
        outside = [p for p in parts if not frame.intersects(p)]
        assert inside and outside, code  # the enlarged copy and the real shape, one feature
        assert sum(p.area for p in inside) > 10 * sum(p.area for p in outside), code
        assert display.loc[code, "placement"] == "metropole+paris"
    assert (display["placement"] == "metropole").sum() > 80
    mgp = epci_layer.display.set_index("code").loc["200054781"]  # Métropole du Grand Paris
    assert mgp["placement"] == "metropole+paris"
    labels = {i.label for i in dep_layer.insets}
    assert {"Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"} <= labels


@needs_reference
def test_geojson_is_rounded_and_wound_for_d3(dep_layer):
    gj = dep_layer.geojson("display")
    assert len(gj["features"]) == 101
    feature = next(f for f in gj["features"] if f["id"] == "29")
    ring = feature["geometry"]["coordinates"][0][0] if feature["geometry"]["type"] == "MultiPolygon" else (
        feature["geometry"]["coordinates"][0]
    )
    assert all(len(repr(v).split(".")[-1]) <= 4 for xy in ring for v in xy)
    # d3-geo (plotly's geo maps) wants clockwise exterior rings, or the polygon floods the whole map.
    assert not shapely.LinearRing(ring).is_ccw


@needs_reference
def test_static_files_and_urls(dep_layer, tmp_path):
    paths = geo.write_static(dep_layer, tmp_path)
    assert paths["display"] == tmp_path / "geo" / "departement_2026.geojson"
    assert json.loads(paths["display"].read_text(encoding="utf-8"))["features"][0]["id"]
    assert len(json.loads(paths["insets"].read_text(encoding="utf-8"))) == 6
    assert (tmp_path / "topojson" / "world_110m.json").is_file()  # the offline guard
    assert [i.label for i in geo.read_insets(geo.LEVEL_DEP, 2026, tmp_path)] == [i.label for i in dep_layer.insets]
    assert geo.static_url(geo.LEVEL_EPCI, 2026) == "app/static/geo/epci_2026.geojson"
    assert geo.static_url(geo.LEVEL_EPCI, 2026, "true") == "app/static/geo/epci_2026_true.geojson"


@needs_reference
def test_a_prepared_layer_is_read_back_exactly_as_it_was_prepared(epci_layer, tmp_path):
    assert geo.read_prepared(geo.LEVEL_EPCI, 2026, tmp_path) is None  # nothing written yet: prepare instead
    geo.write_static(epci_layer, tmp_path)
    read = geo.read_prepared(geo.LEVEL_EPCI, 2026, tmp_path)
    for kind in ("display", "true"):
        pd.testing.assert_frame_equal(pd.DataFrame(getattr(read, kind).drop(columns="geometry")),
                                      pd.DataFrame(getattr(epci_layer, kind).drop(columns="geometry")))
        assert getattr(read, kind).crs == getattr(epci_layer, kind).crs
        assert shapely.equals_exact(getattr(read, kind).geometry.to_numpy(),
                                    getattr(epci_layer, kind).geometry.to_numpy(), tolerance=0).all()
    assert read.placements == epci_layer.placements and read.insets == epci_layer.insets
    for kind in ("display", "true"):  # what the maps draw, read back from the static file, to the last digit
        assert read.geojson(kind) == epci_layer.geojson(kind)
    # Read with WGS84 itself, not a CRS parsed again from each file (20 ms a frame); a frame in another CRS is read
    # as geopandas reads it.
    assert read.display.crs is geo.WGS84 and read.true.crs is geo.WGS84
    lambert = tmp_path / "lambert.npz"
    written = epci_layer.true.head(3).to_crs(2154)
    geo._write_frame(written, lambert)
    other = geo._read_frame(lambert)
    assert other.crs.to_epsg() == 2154
    pd.testing.assert_frame_equal(pd.DataFrame(other.drop(columns="geometry")),
                                  pd.DataFrame(written.drop(columns="geometry")))
    assert shapely.equals_exact(other.geometry.to_numpy(), written.geometry.to_numpy(), tolerance=0).all()
    # Plain arrays, no pickle: a text column with a missing value is refused rather than written as 'None'.
    with pytest.raises(ValueError, match="placement"):
        geo._write_frame(epci_layer.display.head(3).assign(placement=pd.array([None, "a", "b"], dtype="string")),
                         tmp_path / "missing.npz")


def _epci_values(layer: geo.DisplayLayer) -> pd.DataFrame:
    frame = layer.true[["code", "name", "dep"]].copy()
    frame["valeur"] = np.random.default_rng(3).uniform(5, 35, len(frame))
    frame.loc[frame.index[::50], "valeur"] = np.nan
    return frame


@needs_reference
def test_france_epci_map_by_url_is_small_and_offline(epci_layer):
    url = geo.static_url(geo.LEVEL_EPCI, 2026)
    started = time.perf_counter()
    fig = maps.france_map(
        _epci_values(epci_layer), epci_layer, value_col="valeur", unit="%", geojson_url=url, title="Test"
    )
    built = time.perf_counter() - started
    text = _assert_offline(fig, url)
    assert len(text.encode()) < 2_000_000
    assert "coordinates" not in _keys(json.loads(text))  # the features are not inlined
    assert all(t.geojson == url for t in _choropleths(fig))
    assert sum(len(t.locations) for t in _choropleths(fig)) == 1255
    assert built < 2
    # The same map inlined carries every polygon: what the URL saves on each rerun.
    inline = maps.france_map(_epci_values(epci_layer), epci_layer, value_col="valeur", unit="%")
    assert len(inline.to_json().encode()) > 3 * len(text.encode())


@needs_reference
def test_france_map_view_is_the_lambert93_layout(dep_layer):
    frame = dep_layer.true[["code", "name"]].assign(v=1.0)
    fig = maps.france_departements_map(frame, dep_layer, value_col="v")
    g = fig.layout.geo
    assert g.projection.type == "conic conformal" and list(g.projection.parallels) == [44, 49]
    assert g.projection.rotation.lon == 0 and g.projection.rotation.lat == 0  # unrotated: frames stay upright
    assert g.fitbounds is False
    assert list(g.lonaxis.range) == pytest.approx(list(dep_layer.bounds[0::2]))
    first = fig.data[0]
    assert first.type == "scattergeo" and first.mode == "lines"  # inset frames, and the topojson guard


@needs_reference
def test_a_zoom_is_worked_out_once_per_set_of_territories_and_the_map_is_the_same(epci_layer, monkeypatch):
    """Reprojecting and merging a département's EPCI for the view of its zoom is done the first time only: every
    rerun and later visit draws the same map from the view kept with the layer; another set gets its own view."""
    layer = geo.DisplayLayer(epci_layer.level, epci_layer.vintage, epci_layer.display, epci_layer.true, [], {})
    made = []
    zoom_view = maps._zoom_view
    monkeypatch.setattr(maps, "_zoom_view", lambda members: made.append(len(members)) or zoom_view(members))
    url = geo.static_url(geo.LEVEL_EPCI, 2026, "true")
    values = _epci_values(epci_layer)
    first = maps.departement_epci_map(values, layer, "38", value_col="valeur", geojson_url=url).to_json()
    again = maps.departement_epci_map(values, layer, "38", value_col="valeur", geojson_url=url).to_json()
    assert first == again and len(made) == 1
    savoie = maps.departement_epci_map(values, layer, "73", value_col="valeur", geojson_url=url)
    assert len(made) == 2 and savoie.to_json() != first
    fresh = geo.DisplayLayer(epci_layer.level, epci_layer.vintage, epci_layer.display, epci_layer.true, [], {})
    assert maps.departement_epci_map(values, fresh, "38", value_col="valeur", geojson_url=url).to_json() == first
    assert len(made) == 3  # a layer built apart (the pack's reduced layers) keeps its own views


@needs_reference
def test_a_zoom_centre_is_the_centroid_of_the_territories_union(dep_layer, epci_layer):
    """The centre is found from each territory's centroid weighted by its area, without merging the shapes: the
    same point as the union's centroid, for a région's départements and a département's EPCI."""
    for layer, members in ((dep_layer, dep_layer.true[dep_layer.true["code"].isin(
            ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"])]),
            (epci_layer, epci_layer.true[epci_layer.true["dep"] == "59"])):
        (lon, lat), _ = maps._zoom_view(members)
        union = gpd.GeoSeries([members.to_crs(3857).union_all().centroid], crs=3857).to_crs(4326).iloc[0]
        assert (lon, lat) == pytest.approx((union.x, union.y), abs=1e-9)


def test_departement_epci_map_zooms_on_its_epci(epci_layer):
    url = geo.static_url(geo.LEVEL_EPCI, 2026, "true")
    fig = maps.departement_epci_map(_epci_values(epci_layer), epci_layer, "38", value_col="valeur", geojson_url=url)
    text = _assert_offline(fig, url)
    assert len(text.encode()) < 300_000
    codes = {c for t in _choropleths(fig) for c in t.locations}
    expected = set(epci_layer.true.loc[epci_layer.true["dep"] == "38", "code"])
    assert codes == expected and 10 < len(codes) < 40
    # The view is the EPCI's bounds (set explicitly, so that service points drawn over it cannot widen it).
    assert fig.layout.geo.fitbounds is False
    lon_range, lat_range = fig.layout.geo.lonaxis.range, fig.layout.geo.lataxis.range
    assert 4.5 < lon_range[0] < 5 and 6.3 < lon_range[1] < 6.6
    assert 44.6 < lat_range[0] < 44.8 and 45.8 < lat_range[1] < 46
    lon, lat = fig.data[0].lon[0], fig.data[0].lat[0]
    assert 4.5 < lon < 6.5 and 44.5 < lat < 46  # the invisible anchor sits in Isère
    inline = maps.departement_epci_map(_epci_values(epci_layer), epci_layer, "974", value_col="valeur")
    features = [f for t in _choropleths(inline) for f in t.geojson["features"]]
    assert len(features) == 5
    x = [c[0] for f in features for c in shapely.get_coordinates(shapely.from_geojson(json.dumps(f["geometry"])))]
    assert 55 < min(x) and max(x) < 56  # true positions for a zoom, not the inset
    with pytest.raises(ValueError, match="département principal"):
        maps.departement_epci_map(_epci_values(epci_layer), epci_layer, "99", value_col="valeur")


@needs_reference
def test_a_territory_absent_from_the_frame_is_drawn_as_missing(dep_layer):
    frame = dep_layer.true[["code", "name"]].iloc[:-3].assign(v=np.linspace(1, 10, 98))
    fig = maps.france_departements_map(frame, dep_layer, value_col="v")
    missing = [t for t in _choropleths(fig) if t.name == maps.MISSING_LABEL][0]
    assert set(missing.locations) == set(dep_layer.true["code"].iloc[-3:])
    assert math.isclose(sum(len(t.locations) for t in _choropleths(fig)), 101)


def test_a_published_floor_gets_its_own_legend_entry_never_a_class_overlapping_the_others():
    # A and D are published at the 5,0 % floor; B is 10,5 %, C 30 %. Classed with the others, the floor would give
    # overlapping classes « 5,0 – 10,5 % » and « 5,0 % »; out of the classes, only B and C are classed (k=2).
    frame, gj = _squares()
    frame["taux"] = [5.0, 10.5, 30.0, 5.0]
    reason = f"valeur plancher publiée par l'INSEE : ≤ 5,0{NBSP}%"
    frame["motif"] = [reason, None, None, reason]
    fig = maps.choropleth(frame, gj, value_col="taux", unit="%", anchor=(1.5, 45.5), k=2, unclassed_col="motif")
    names = [t.name for t in _choropleths(fig)]
    assert names == [f"{reason} (hors classes)", f"10,5{NBSP}%", f"30,0{NBSP}%"]
    floor = _choropleths(fig)[0]
    assert sorted(floor.locations) == ["A", "D"] and floor.colorscale[0][1] == maps.UNCLASSED_COLOR
    assert floor.customdata[0][1] == f"5,0{NBSP}% ({reason})"  # the hover keeps the value and says why
    assert floor.customdata[0][2] == "–"  # and gives it no rank
