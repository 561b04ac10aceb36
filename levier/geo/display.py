"""Display geometry for the maps, prepared once: overseas départements and Paris as insets, written as static GeoJSON.

How the insets are built (decided here, used by levier.charts.maps):
- Every shape is placed in Lambert-93 metres (EPSG:2154). Metropolitan France stays where it is. Each overseas
  département is first projected in its own metric CRS (Antilles 5490, Guyane 2972, Réunion 2975, Mayotte 4471), so
  its shape is undistorted, then scaled and moved into a fixed box of a column in the Bay of Biscay, west of the
  Gironde and south of Brittany, as on INSEE maps. Paris and its petite couronne (75, 92, 93, 94) are clipped to a
  fixed window, enlarged about 4.4 times and copied into a box over the Channel, north of Brittany; the original
  stays in place, so a territory there is one MultiPolygon made of its real shape and its enlarged copy (one id,
  one colour, one hover).
- The placed Lambert-93 coordinates are then read as coordinates of a spherical Lambert conformal conic on the same
  parallels (44°, 49°) centred on the Greenwich meridian (DISPLAY_CRS), and converted to longitude/latitude. Those
  "pseudo" coordinates are valid GeoJSON that plotly's go.Choropleth draws offline (SVG, no tiles); plotly's own
  'conic conformal' projection (d3's, spherical) with the same parallels and NO rotation maps them back to exactly
  the Lambert-93 layout, with upright inset frames. levier.charts.maps therefore sets that view explicitly (centre and
  ranges from the layer's bounds) rather than with `fitbounds`, because plotly's fitbounds rotates the globe to the
  data's centre latitude, which tilts a conic projection (and a rotated conic breaks fitbounds altogether).
  Consequences: the display layer is shifted 3° west of the truth and its overseas shapes are NOT at their true
  place, so it is for drawing only; spatial computations use the `true` layer (levier.analysis.coverage works in metric
  CRSs on true positions).
- Written once to static/geo/ (served by Streamlit at app/static/ when server.enableStaticServing is true), a figure
  references the GeoJSON by URL instead of inlining 3 to 4 MB of features on every rerun.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from levier.core.config import PROJECT_ROOT, settings

LEVEL_DEP = "departement"
LEVEL_EPCI = "epci"
LEVELS = (LEVEL_DEP, LEVEL_EPCI)
VINTAGE = 2026

METRO_CRS = 2154
T = TypeVar("T")
# The CRS of every prepared frame (display and true), made once: parsing it from a file's metadata again costs about
# 20 ms per frame (as geopandas.read_parquet did), more than reading the frame.
WGS84 = CRS.from_epsg(4326)

# Lambert-93's parallels on a sphere centred on 0° E: what plotly's unrotated 'conic conformal' projection draws.
DISPLAY_CRS = "+proj=lcc +lat_1=49 +lat_2=44 +lat_0=46.5 +lon_0=0 +x_0=700000 +y_0=6600000 +R=6371000 +units=m +no_defs"
DROM_CRS = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}
DROM_NAMES = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "976": "Mayotte"}
PARIS_DEPS = ("75", "92", "93", "94")
PARIS_LABEL = "Paris et petite couronne"

# Boxes in Lambert-93 metres (xmin, ymin, xmax, ymax). Metropolitan France spans x 99 to 1,242 km and
# y 6,047 to 7,110 km; the sea west of x = 190 km is free of land below y = 6,750 km (Glénan islands, 6,757 km),
# and the Channel west of the Cotentin (x < 343 km) is free above y = 6,886 km (Côtes-d'Armor coast).
_DROM_BOX_W = (20_000.0, 190_000.0)
_DROM_BOX_H = 130_000.0
_DROM_BOX_GAP = 11_000.0
_DROM_TOP = 6_740_000.0
DROM_BOXES: dict[str, tuple[float, float, float, float]] = {
    code: (
        _DROM_BOX_W[0],
        _DROM_TOP - (i + 1) * _DROM_BOX_H - i * _DROM_BOX_GAP,
        _DROM_BOX_W[1],
        _DROM_TOP - i * _DROM_BOX_H - i * _DROM_BOX_GAP,
    )
    for i, code in enumerate(("971", "972", "973", "974", "976"))
}
# The bounds of 75+92+93+94 in the 2026 layer (637.3-671.7 km x 6,843.2-6,879.3 km) plus a 3 km margin.
PARIS_WINDOW = (634_000.0, 6_840_000.0, 675_000.0, 6_882_000.0)
PARIS_BOX = (110_000.0, 6_895_000.0, 330_000.0, 7_110_000.0)
_LABEL_BAND = 0.16  # share of a box's height kept free at the top for its label
# The France maps draw metropolitan France about 600 px tall (1 px ≈ 1.7 km): the display layer is simplified to
# 600 m (well under a pixel, about 1 px once enlarged in the Paris inset), which halves the GeoJSON the browser
# fetches. The `true` layer (zoomed maps, computations) keeps the reference detail.
DISPLAY_TOLERANCE_M = 600.0
_PAD = 0.05  # share of a box's width kept free on each side

REFERENCE_FILES = {
    LEVEL_DEP: "geo/departements_2026_derived.geojson",
    LEVEL_EPCI: "geo/epci_2026_derived.geojson",
}
STATIC_DIR = PROJECT_ROOT / "static"
STATIC_URL = "app/static"  # relative, so it also works under a server.baseUrlPath


@dataclass(frozen=True)
class Inset:
    """One inset frame to draw: closed outline and label anchor (top-left corner, inside), in pseudo lon/lat."""

    key: str  # '971' … '976' or 'paris'
    label: str
    lon: list[float]
    lat: list[float]
    label_lon: float
    label_lat: float


@dataclass
class DisplayLayer:
    """A level's geometry for maps: `display` (insets, pseudo lon/lat) and `true` (real positions, EPSG:4326)."""

    level: str
    vintage: int
    display: gpd.GeoDataFrame  # code, name, dep, placement, geometry
    true: gpd.GeoDataFrame  # code, name, dep, geometry
    insets: list[Inset]
    # How shapes were moved into the insets, per key ('paris', '971' … '976'): (scale, xoff, yoff) applied to
    # Lambert-93 metres (Paris) or to the DROM's own metric CRS; place_points applies the same to point layers.
    placements: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    # What maps derive from the layer alone (its GeoJSON, the view of a zoom on a set of territories), made once per
    # process (kept).
    _kept: dict[Hashable, object] = field(default_factory=dict, repr=False, compare=False)
    # Where write_static put this layer's files (set by read_prepared): its GeoJSON is read back from there.
    static_dir: Path | None = None

    def geojson(self, kind: str = "display") -> dict:
        """The layer as a GeoJSON dict (feature id = code), built once and kept: read from the static file
        write_static made of it when there is one (a tenth of the time of building it again)."""
        def make() -> dict:
            path = (self.static_dir / "geo" / static_name(self.level, self.vintage, kind)
                    if self.static_dir is not None else None)
            if path is not None and path.is_file():
                return json.loads(path.read_text(encoding="utf-8"))
            return to_geojson_dict(self.display if kind == "display" else self.true)

        return self.kept(("geojson", kind), make)

    def kept(self, key: Hashable, make: Callable[[], T]) -> T:
        """A value that depends on this layer's shapes alone, made by `make` the first time `key` is asked and kept
        (a territory's zoom: reprojecting and merging its shapes costs more than drawing its map)."""
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]  # type: ignore[return-value]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return tuple(float(v) for v in self.display.total_bounds)  # type: ignore[return-value]

    def place_points(self, lon, lat, zone) -> pd.DataFrame:
        """Points (true WGS84 positions) moved like the shapes: metropolitan points stay (and those in the Paris
        window get a second, enlarged copy in the Paris inset), overseas points go into their département's inset.

        `zone` is 'metro' or a DROM code ('971' …) per point; other zones (COM, None) are left out. Returns the
        columns `row` (position in the input), `lon`, `lat` (display pseudo lon/lat) and `inset` (False/True).
        """
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        zone = np.asarray(zone, dtype=object)
        ok = np.isfinite(lon) & np.isfinite(lat)
        parts = []

        def emit(rows: np.ndarray, x: np.ndarray, y: np.ndarray, inset: bool) -> None:
            if len(rows) == 0:
                return
            # Placed Lambert-93 metres are read as DISPLAY_CRS metres (see the module docstring).
            dlon, dlat = Transformer.from_crs(DISPLAY_CRS, 4326, always_xy=True).transform(x, y)
            parts.append(pd.DataFrame({"row": rows, "lon": dlon, "lat": dlat, "inset": inset}))

        metro = np.flatnonzero(ok & (zone == "metro"))
        if len(metro):
            x, y = Transformer.from_crs(4326, METRO_CRS, always_xy=True).transform(lon[metro], lat[metro])
            x, y = np.asarray(x), np.asarray(y)
            emit(metro, x, y, False)
            if "paris" in self.placements:
                x0, y0, x1, y1 = PARIS_WINDOW
                inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
                s, xo, yo = self.placements["paris"]
                emit(metro[inside], x[inside] * s + xo, y[inside] * s + yo, True)
        for code, crs in DROM_CRS.items():
            rows = np.flatnonzero(ok & (zone == code))
            if not len(rows) or code not in self.placements:
                continue
            x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon[rows], lat[rows])
            s, xo, yo = self.placements[code]
            emit(rows, np.asarray(x) * s + xo, np.asarray(y) * s + yo, True)
        if not parts:
            return pd.DataFrame({"row": pd.Series(dtype=int), "lon": pd.Series(dtype=float),
                                 "lat": pd.Series(dtype=float), "inset": pd.Series(dtype=bool)})
        return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------------------------------------
# Reading the reference layers


def read_layer(level: str, reference_dir: Path | str | None = None) -> gpd.GeoDataFrame:
    """The derived reference layer of a level with the columns a map needs: code, name, dep, geometry (EPSG:4326).

    For an EPCI, `dep` is its principal département (the one holding most of its population).
    """
    if level not in REFERENCE_FILES:
        raise ValueError(f"Niveau inconnu : {level!r} (attendu : {', '.join(REFERENCE_FILES)}).")
    directory = Path(reference_dir) if reference_dir else settings().reference_dir
    raw = gpd.read_file(directory / REFERENCE_FILES[level], engine="pyogrio")
    if level == LEVEL_DEP:
        frame = pd.DataFrame({"code": raw["code"], "name": raw["nom"], "dep": raw["code"]})
    else:
        frame = pd.DataFrame({"code": raw["code_siren"], "name": raw["nom"], "dep": raw["dep_principal"]})
    frame = frame.astype("string")
    return gpd.GeoDataFrame(frame, geometry=raw.geometry.values, crs=raw.crs or "EPSG:4326")


def _normalise(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    missing = [c for c in ("code", "name", "dep") if c not in gdf.columns]
    if missing:
        raise ValueError(f"Colonnes manquantes dans la couche : {', '.join(missing)}.")
    out = gpd.GeoDataFrame(
        {c: gdf[c].astype("string") for c in ("code", "name", "dep")},
        geometry=gdf.geometry.values,
        crs=gdf.crs or "EPSG:4326",
    )
    if out.crs.to_epsg() != 4326:
        out = out.to_crs(4326)
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Placing the insets


def _content_box(frame_box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = frame_box
    w, h = x1 - x0, y1 - y0
    return (x0 + _PAD * w, y0 + _PAD * w, x1 - _PAD * w, y1 - _LABEL_BAND * h)


def _fit(src: tuple[float, float, float, float] | np.ndarray, dst: tuple[float, float, float, float]):
    """Scale and offsets that put the bounds `src` at the centre of the box `dst`, as large as it fits."""
    sx0, sy0, sx1, sy1 = (float(v) for v in src)
    dx0, dy0, dx1, dy1 = dst
    scale = min((dx1 - dx0) / max(sx1 - sx0, 1.0), (dy1 - dy0) / max(sy1 - sy0, 1.0))
    xoff = (dx0 + dx1) / 2 - scale * (sx0 + sx1) / 2
    yoff = (dy0 + dy1) / 2 - scale * (sy0 + sy1) / 2
    return scale, xoff, yoff


def _affine(geoms: np.ndarray, scale: float, xoff: float, yoff: float) -> np.ndarray:
    return shapely.transform(geoms, lambda c: c * scale + np.array([xoff, yoff]))


def _polygons(geom) -> list:
    """Polygonal parts only: clipping a polygon to a box may leave lines or points on the edge."""
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for part in shapely.get_parts(geom) for p in _polygons(part)]
    return []


def _frame_lonlat(frame_box: tuple[float, float, float, float], to_wgs84: Transformer) -> tuple[list, list]:
    # Densified so that the edges stay straight lines once drawn in the conic projection.
    ring = shapely.segmentize(shapely.box(*frame_box), 5_000.0).exterior
    xs, ys = np.asarray(ring.xy)
    lon, lat = to_wgs84.transform(xs, ys)
    return [round(float(v), 4) for v in lon], [round(float(v), 4) for v in lat]


def display_simplify(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplify shapes that tile the territory without opening gaps between them (shared borders move together);
    a shape that would vanish keeps its original outline."""
    if tolerance <= 0 or len(geoms) == 0:
        return geoms
    try:
        out = shapely.coverage_simplify(geoms, tolerance)
    except shapely.errors.GEOSException:  # not a clean coverage: simplify each shape on its own
        out = shapely.simplify(geoms, tolerance, preserve_topology=True)
    lost = shapely.is_empty(out) | shapely.is_missing(out) | ~shapely.is_valid(out)
    out[lost] = geoms[lost]
    return out


def inset_frames() -> list[Inset]:
    """The six inset frames (five overseas départements, Paris), the same at every level."""
    to_wgs84 = Transformer.from_crs(DISPLAY_CRS, 4326, always_xy=True)
    boxes = [(code, DROM_NAMES[code], DROM_BOXES[code]) for code in DROM_CRS]
    boxes.append(("paris", PARIS_LABEL, PARIS_BOX))
    insets = []
    for key, label, frame_box in boxes:
        lon, lat = _frame_lonlat(frame_box, to_wgs84)
        x0, _, _, y1 = frame_box
        llon, llat = to_wgs84.transform(x0 + 4_000.0, y1 - 3_000.0)
        insets.append(Inset(key, label, lon, lat, round(float(llon), 4), round(float(llat), 4)))
    return insets


def prepare_display(gdf: gpd.GeoDataFrame, level: str, vintage: int = VINTAGE) -> DisplayLayer:
    """Build the display layer once (about a second for the 1,255 EPCI); never call this while rendering a page.

    `gdf` has columns code, name, dep (an EPCI's principal département) and geometry, in EPSG:4326.
    Territories of other overseas codes (COM) have no place on the map and are left out of `display`.
    """
    true = _normalise(gdf)
    dep = true["dep"].fillna("")
    overseas = dep.str.startswith("97")

    metro = true[~overseas].to_crs(METRO_CRS)
    metro_geoms = display_simplify(metro.geometry.to_numpy(), DISPLAY_TOLERANCE_M)
    placement = np.full(len(metro), "metropole", dtype=object)

    # Paris: clip every shape touching the window, enlarge the clipped parts, keep them with the real shape.
    window = shapely.box(*PARIS_WINDOW)
    hit = shapely.intersects(metro_geoms, window)
    scale, xoff, yoff = _fit(PARIS_WINDOW, _content_box(PARIS_BOX))
    placements = {"paris": (scale, xoff, yoff)}
    combined = metro_geoms.copy()
    for i in np.flatnonzero(hit):
        clipped = _polygons(shapely.intersection(metro_geoms[i], window))
        if not clipped:
            continue
        enlarged = _affine(np.array(clipped, dtype=object), scale, xoff, yoff)
        combined[i] = shapely.MultiPolygon(_polygons(metro_geoms[i]) + list(enlarged))
        placement[i] = "metropole+paris"
    frames = [
        gpd.GeoDataFrame(
            metro[["code", "name", "dep"]].assign(placement=placement), geometry=combined, crs=METRO_CRS
        )
    ]

    # Overseas: each in its own metric CRS, scaled into its box (Guyane shrinks, Mayotte grows).
    for code, crs in DROM_CRS.items():
        sub = true[dep == code]
        if sub.empty:
            continue
        local = sub.to_crs(crs)
        scale, xoff, yoff = _fit(local.total_bounds, _content_box(DROM_BOXES[code]))
        placements[code] = (scale, xoff, yoff)
        # The same tolerance once drawn: Guyane, shrunk into its box, can lose more detail than Mayotte, enlarged.
        simplified = display_simplify(local.geometry.to_numpy(), DISPLAY_TOLERANCE_M / scale)
        placed = _affine(simplified, scale, xoff, yoff)
        frames.append(
            gpd.GeoDataFrame(
                sub[["code", "name", "dep"]].assign(placement=f"encart {code}"),
                geometry=placed,
                crs=METRO_CRS,
            )
        )

    placed_all = pd.concat(frames, ignore_index=True)
    display = gpd.GeoDataFrame(placed_all, geometry="geometry", crs=METRO_CRS)
    display = display.set_crs(DISPLAY_CRS, allow_override=True).to_crs(4326)  # see the module docstring
    display["placement"] = display["placement"].astype("string")
    return DisplayLayer(
        level=level, vintage=int(vintage), display=display, true=true, insets=inset_frames(), placements=placements
    )


# ---------------------------------------------------------------------------------------------------------------
# GeoJSON for plotly


def to_geojson_dict(
    gdf: gpd.GeoDataFrame, id_col: str = "code", properties: tuple[str, ...] = ("name",), decimals: int = 4
) -> dict:
    """A FeatureCollection for plotly: feature `id` = id_col, coordinates rounded to `decimals` (4 ≈ 10 m).

    Rings are wound clockwise (exterior) as d3-geo, which draws plotly's geo maps, requires: a ring wound the
    RFC 7946 way would be read as "the whole globe but this polygon" by d3 and flood the map.
    """
    frame = gdf if gdf.crs is None or gdf.crs.to_epsg() == 4326 else gdf.to_crs(4326)
    geoms = frame.geometry.to_numpy()
    grid = 10.0**-decimals
    snapped = shapely.set_precision(geoms, grid)
    # A part smaller than the grid collapses to empty: keep the rounded original rather than losing the territory.
    empty = shapely.is_empty(snapped) | shapely.is_missing(snapped)
    if empty.any():
        snapped[empty] = shapely.transform(geoms[empty], lambda c: np.round(c, decimals))
    oriented = shapely.orient_polygons(snapped, exterior_cw=True)
    texts = shapely.to_geojson(oriented)
    ids = frame[id_col].astype(str).tolist()
    props = {p: frame[p].astype(object).where(frame[p].notna(), None).tolist() for p in properties if p in frame}
    features = []
    for i, text in enumerate(texts):
        features.append(
            {
                "type": "Feature",
                "id": ids[i],
                "properties": {"code": ids[i], **{p: v[i] for p, v in props.items()}},
                "geometry": json.loads(text) if text is not None else None,
            }
        )
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------------------------------------------------------
# Static files served by Streamlit


# The prepared layer itself, written beside the GeoJSON so that a process reads it (plain arrays, exact coordinates)
# instead of preparing it again (issue 16: derive once, serve by lookup): kind -> file name suffix.
PREPARED_KINDS = {"display_frame": "display.npz", "true_frame": "true.npz", "placements": "placements.json"}


def static_name(level: str, vintage: int, kind: str = "display") -> str:
    """File name under static/geo/: '{level}_{vintage}.geojson' (display), '…_true.geojson', '…_insets.json'."""
    if kind == "display":
        return f"{level}_{vintage}.geojson"
    if kind == "true":
        return f"{level}_{vintage}_true.geojson"
    if kind == "insets":
        return f"{level}_{vintage}_insets.json"
    if kind in PREPARED_KINDS:
        return f"{level}_{vintage}_{PREPARED_KINDS[kind]}"
    raise ValueError(f"Type de fichier inconnu : {kind!r}.")


def static_url(level: str, vintage: int = VINTAGE, kind: str = "display", base: str = STATIC_URL) -> str:
    """The URL a figure gives plotly for a static file ('app/static/geo/epci_2026.geojson')."""
    return f"{base.rstrip('/')}/geo/{static_name(level, vintage, kind)}"


def _temporary(path: Path) -> Path:
    """A private temporary name beside `path`: two processes (a test session and a running app) may write the same
    file at once; the file is then moved in place, so a page reading it never sees half of it."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _dump(obj: object, path: Path) -> None:
    tmp = _temporary(path)
    tmp.write_text(json.dumps(obj, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)  # a page reading the file never sees half of it


# plotly.js fetches '<topojsonURL>world_110m.json' (or _50m) when the first trace of a map has a locationmode.
# levier.charts.maps never lets that happen, and levier.charts.maps.PLOTLY_CONFIG points topojsonURL here as a second guard:
# an empty topology makes plotly draw the choropleth without any world layer, instead of a blank map offline.
_EMPTY_TOPOLOGY = {
    "type": "Topology",
    "objects": {
        name: {"type": "GeometryCollection", "geometries": []}
        for name in ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")
    },
    "arcs": [],
}


def write_topojson_guard(static_dir: Path | str | None = None) -> list[Path]:
    """Empty world topologies under static/topojson/ (see _EMPTY_TOPOLOGY)."""
    folder = Path(static_dir) if static_dir else STATIC_DIR
    (folder / "topojson").mkdir(parents=True, exist_ok=True)
    paths = []
    for scope in ("world", "usa", "europe", "asia", "africa", "north-america", "south-america"):
        for res in ("110m", "50m"):
            path = folder / "topojson" / f"{scope}_{res}.json"
            _dump(_EMPTY_TOPOLOGY, path)
            paths.append(path)
    return paths


def write_static(layer: DisplayLayer, static_dir: Path | str | None = None) -> dict[str, Path]:
    """Write the display GeoJSON, the true-position GeoJSON and the inset frames of a layer to static/geo/.

    Only public boundaries (IGN via the reference files) go there: everything under static/ is served unauthenticated.
    """
    folder = Path(static_dir) if static_dir else STATIC_DIR
    write_topojson_guard(folder)
    geo_dir = folder / "geo"
    geo_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind in ("display", "true"):
        path = geo_dir / static_name(layer.level, layer.vintage, kind)
        _dump(layer.geojson(kind), path)
        paths[kind] = path
    path = geo_dir / static_name(layer.level, layer.vintage, "insets")
    _dump([asdict(i) for i in layer.insets], path)
    paths["insets"] = path
    for kind, frame in (("display_frame", layer.display), ("true_frame", layer.true)):
        path = geo_dir / static_name(layer.level, layer.vintage, kind)
        _write_frame(frame, path)
        paths[kind] = path
    path = geo_dir / static_name(layer.level, layer.vintage, "placements")
    _dump({key: list(value) for key, value in layer.placements.items()}, path)
    paths["placements"] = path
    return paths


def read_prepared(level: str, vintage: int = VINTAGE, static_dir: Path | str | None = None) -> DisplayLayer | None:
    """The layer write_static prepared for a level (None when one of its files is missing): what prepare_display
    returns, read in a few hundredths of a second instead of prepared again (half a second to a second)."""
    geo_dir = Path(static_dir or STATIC_DIR) / "geo"
    paths = {kind: geo_dir / static_name(level, vintage, kind) for kind in (*PREPARED_KINDS, "insets")}
    if not all(p.is_file() for p in paths.values()):
        return None
    placements = json.loads(paths["placements"].read_text(encoding="utf-8"))
    return DisplayLayer(
        level=level, vintage=int(vintage), display=_read_frame(paths["display_frame"]),
        true=_read_frame(paths["true_frame"]), insets=read_insets(level, vintage, static_dir),
        placements={key: tuple(value) for key, value in placements.items()}, static_dir=geo_dir.parent,
    )


def _write_frame(frame: gpd.GeoDataFrame, path: Path) -> None:
    """A prepared frame as plain NumPy arrays in one .npz (no pickle): its text columns, its geometries as WKB
    bytes end to end with their offsets, its CRS. Read back by _read_frame without Arrow: a Parquet read costs the
    server 15 to 20 MB that it keeps (the Arrow and Parquet libraries, their buffers), for 8 MB of shapes."""
    geometry = frame.geometry.name
    columns = [c for c in frame.columns if c != geometry]
    for c in columns:
        if not isinstance(frame[c].dtype, pd.StringDtype) or frame[c].isna().any():
            raise ValueError(f"Colonne {c!r} du fond de carte : texte sans valeur manquante attendu.")
    wkb = shapely.to_wkb(frame.geometry.to_numpy())
    arrays = {f"column_{i}": frame[c].to_numpy(dtype=str) for i, c in enumerate(columns)}
    tmp = _temporary(path)
    with tmp.open("wb") as out:  # np.savez would add '.npz' to a name not ending with it
        np.savez(out, **arrays, names=np.array(list(frame.columns), dtype=str), geometry=np.array(geometry),
                 crs=np.array(frame.crs.to_json() if frame.crs is not None else ""),
                 wkb=np.frombuffer(b"".join(wkb), dtype=np.uint8),
                 offsets=np.cumsum([0, *(len(b) for b in wkb)], dtype=np.int64))
    tmp.replace(path)


def _read_frame(path: Path) -> gpd.GeoDataFrame:
    """A frame _write_frame wrote, equal to the one it was given; its CRS, when it is EPSG:4326 (every prepared
    frame), is WGS84 itself instead of one parsed again from the file (about 20 ms a frame)."""
    with np.load(path, allow_pickle=False) as arrays:
        names = [str(n) for n in arrays["names"]]
        geometry = str(arrays["geometry"])
        crs_json = str(arrays["crs"])
        blob = arrays["wkb"].tobytes()
        offsets = arrays["offsets"].tolist()
        columns = [arrays[f"column_{i}"] for i in range(len(names) - 1)]
    shapes = shapely.from_wkb(np.array([blob[a:b] for a, b in zip(offsets[:-1], offsets[1:])], dtype=object))
    described = json.loads(crs_json) if crs_json else {}
    crs = (WGS84 if described.get("id") == {"authority": "EPSG", "code": 4326}
           else CRS.from_json(crs_json) if crs_json else None)
    data = {name: pd.array(values, dtype="string")
            for name, values in zip([n for n in names if n != geometry], columns)}
    frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(shapes, crs=crs), crs=crs)
    return frame.rename_geometry(geometry)[names] if geometry != "geometry" else frame[names]


def read_insets(level: str, vintage: int = VINTAGE, static_dir: Path | str | None = None) -> list[Inset]:
    """The inset frames written by write_static for a level."""
    path = Path(static_dir or STATIC_DIR) / "geo" / static_name(level, vintage, "insets")
    if not path.is_file():
        raise FileNotFoundError(f"{path} : lancez d'abord la préparation des fonds de carte (geo.build_static).")
    return [Inset(**d) for d in json.loads(path.read_text(encoding="utf-8"))]


def build_static(
    reference_dir: Path | str | None = None, static_dir: Path | str | None = None, vintage: int = VINTAGE
) -> dict[str, dict]:
    """Prepare both levels from the reference files and write them to static/geo/; returns paths and timings."""
    report: dict[str, dict] = {}
    for level in LEVELS:
        started = time.perf_counter()
        layer = prepare_display(read_layer(level, reference_dir), level, vintage)
        prepared = time.perf_counter()
        paths = write_static(layer, static_dir)
        report[level] = {
            "paths": paths,
            "features": len(layer.display),
            "prepare_seconds": round(prepared - started, 3),
            "write_seconds": round(time.perf_counter() - prepared, 3),
            "bytes": {k: p.stat().st_size for k, p in paths.items()},
        }
    return report


def static_files(static_dir: Path | str | None = None, vintage: int = VINTAGE) -> list[Path]:
    """Every file the maps fetch from static/ (both levels' GeoJSON and insets, the empty world topology)."""
    folder = Path(static_dir) if static_dir else STATIC_DIR
    files = [folder / "geo" / static_name(lvl, vintage, kind) for lvl in LEVELS
             for kind in ("display", "true", "insets", *PREPARED_KINDS)]
    return files + [folder / "topojson" / "world_110m.json"]


def ensure_static(
    reference_dir: Path | str | None = None, static_dir: Path | str | None = None, vintage: int = VINTAGE
) -> bool:
    """Builds the static map files when one is missing (they are generated, git-ignored); True when it had to."""
    if all(p.is_file() for p in static_files(static_dir, vintage)):
        return False
    build_static(reference_dir, static_dir, vintage)
    return True
