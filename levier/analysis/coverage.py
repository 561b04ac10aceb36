"""Service-offer coverage: share of the population living within X km of a service, per EPCI and per département.

Method (see docs/services.md, in French, for users):
- Each commune's population municipale (INSEE, COG 2026) is placed at ONE point of the commune: its centroid from
  the commune points file of the reference directory (`geo/communes_2026_points.csv`: code_commune, lat, lon;
  La Poste / IGN centroids, see SOURCES.md §6). A commune absent from that file falls back to the representative
  point of its EPCI polygon (of its département polygon for the four island communes without an EPCI) and is
  flagged `point_source = 'epci'` / `'dep'`: all the communes of an EPCI then share one point. The points are
  read and placed by levier.ingest.communes (this module does no I/O).
- Distance = straight line ("à vol d'oiseau") from the commune point to the nearest service, computed in a metric
  CRS: Lambert-93 (EPSG:2154) for metropolitan France, the local CRS overseas (5490, 2972, 2975, 4471). A service
  counts whatever its département (the nearest one may be across the border); overseas, only services of the same
  territory count. A commune that hosts a service itself (the service's `commune` column) is at distance 0: the
  centroid of a very large commune is far from the bourg where its people live (Saint-Laurent-du-Maroni's centroid
  is 62 km south of the town and its agency, Kourou's 31 km), and "the commune has one" is what a user reads there.
- Default threshold: 20 km as the crow flies, as a proxy for the grid's "accessible à moins de 30 minutes"
  (indicator 2.1.1): 30 minutes by car at about 55 km/h of average speed on secondary roads is about 27 km of road,
  and road distances in France are about 1.3 to 1.4 times the straight line, so 27 / 1.35 ≈ 20 km.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from levier.geo.display import DROM_CRS, METRO_CRS

DEFAULT_DISTANCE_KM = 20.0
# The distances the Services page offers (its slider: every whole kilometre from 1 to 60), derived once per data
# version for every territory (levier.views.services.build_derived).
STANDARD_DISTANCES_KM: tuple[int, ...] = tuple(range(1, 61))
ZONE_CRS: dict[str, int] = {"metro": METRO_CRS, **DROM_CRS}
# Where a service point is looked for, per zone (lon_min, lat_min, lon_max, lat_max): generous boxes around each
# territory, so that a point is never counted for the wrong ocean.
ZONE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "metro": (-5.8, 41.0, 10.0, 51.5),
    "971": (-61.95, 15.75, -60.9, 16.6),
    "972": (-61.3, 14.3, -60.7, 14.95),
    "973": (-54.7, 2.0, -51.4, 6.0),
    "974": (55.1, -21.5, 56.0, -20.7),
    "976": (44.9, -13.1, 45.4, -12.5),
}


def zone_of_dep(dep: str | None) -> str | None:
    """'metro' for the 96 metropolitan départements, the code for the five DROM, None for the COM."""
    if dep is None or dep == "" or pd.isna(dep):
        return None
    dep = str(dep)
    if dep in DROM_CRS:
        return dep
    if dep.startswith("97") or dep.startswith("98"):
        return None
    return "metro"


def services_zone(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The zone ('metro', '971', …) of each service point by its coordinates; None outside every zone."""
    zone = np.full(len(lon), None, dtype=object)
    for key, (x0, y0, x1, y1) in ZONE_BOXES.items():
        inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1) & (zone == None)  # noqa: E711
        zone[inside] = key
    return zone


def _service_lonlat(services: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "lon" in services and "lat" in services:
        lon = pd.to_numeric(services["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(services["lat"], errors="coerce").to_numpy(dtype=float)
    elif isinstance(services, gpd.GeoDataFrame):
        geo = services.geometry.to_crs(4326) if services.crs is not None else services.geometry
        lon = np.where(geo.isna(), np.nan, geo.x.to_numpy(dtype=float))
        lat = np.where(geo.isna(), np.nan, geo.y.to_numpy(dtype=float))
    else:
        raise ValueError("Les lieux de service doivent avoir des colonnes lon et lat ou une géométrie.")
    return lon, lat


def nearest_service_km(points: gpd.GeoDataFrame, services: pd.DataFrame, own_commune: bool = True) -> np.ndarray:
    """Straight-line distance (km) from each commune point to the nearest service of its zone (inf if none);
    0 for a commune that hosts a placed service when `own_commune` (see the module docstring)."""
    s_lon, s_lat = _service_lonlat(services)
    ok = np.isfinite(s_lon) & np.isfinite(s_lat)
    s_zone = services_zone(s_lon, s_lat)
    p_zone = points["dep"].map(zone_of_dep).to_numpy(dtype=object)
    has_point = ~(points.geometry.isna() | points.geometry.is_empty).to_numpy()
    out = np.full(len(points), np.inf)
    for zone, crs in ZONE_CRS.items():
        mine = (p_zone == zone) & has_point
        theirs = ok & (s_zone == zone)
        if not mine.any() or not theirs.any():
            continue
        svc = gpd.GeoSeries(shapely.points(s_lon[theirs], s_lat[theirs]), crs=4326).to_crs(crs).to_numpy()
        pts = points.geometry[mine].to_crs(crs).to_numpy()
        tree = shapely.STRtree(svc)
        (p_idx, _s_idx), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        block = np.full(len(pts), np.inf)
        block[p_idx] = dist / 1000.0
        out[np.flatnonzero(mine)] = block
    if own_commune:
        out[hosts_service(points, services[ok])] = 0.0
    return out


def hosts_service(points: pd.DataFrame, services: pd.DataFrame) -> np.ndarray:
    """Whether each commune (`code_commune`) is the commune of one of the services (their `commune` column)."""
    if "commune" not in services or "code_commune" not in points:
        return np.zeros(len(points), dtype=bool)
    hosts = set(services["commune"].dropna().astype(str))
    return points["code_commune"].astype(str).isin(hosts).to_numpy(dtype=bool)


@dataclass
class Coverage:
    """Coverage tables; `share` is a percentage (0 to 100) of the population municipale."""

    distance_km: float
    communes: pd.DataFrame  # code_commune, name, dep, epci, population, point_source, distance_km, covered
    epci: pd.DataFrame  # code, population, population_covered, share, communes, communes_covered, approx_points
    departements: pd.DataFrame  # same columns, code = département
    france: dict
    seconds: float


def aggregate(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Population, population covered, share and communes per value of `key` (a column of Coverage.communes)."""
    data = frame[frame[key].notna()].assign(
        covered_pop=lambda d: np.where(d["covered"], d["population"], 0),
        approx=lambda d: d["point_source"].ne("fichier"),
    )
    out = data.groupby(key, sort=True).agg(
        population=("population", "sum"),
        population_covered=("covered_pop", "sum"),
        communes=("code_commune", "size"),
        communes_covered=("covered", "sum"),
        approx_points=("approx", "sum"),
    )
    # Plain integer counts, whatever the dtypes of the communes' columns (a nullable or Arrow-backed count would
    # make the same figures compare unequal to those of coverage_by_distance).
    out = out.astype({c: "int64" for c in ("population", "population_covered", "communes", "communes_covered",
                                          "approx_points")})
    out["share"] = np.where(out["population"] > 0, 100.0 * out["population_covered"] / out["population"], np.nan)
    out = out.reset_index().rename(columns={key: "code"})
    return out[["code", "population", "population_covered", "share", "communes", "communes_covered", "approx_points"]]


def commune_distances(points: gpd.GeoDataFrame, services: pd.DataFrame, own_commune: bool = True) -> pd.DataFrame:
    """The communes (points without their geometry) with `distance_km`, the straight-line distance to the nearest
    service of their zone (inf if none): what every threshold is read from."""
    dist = nearest_service_km(points, services, own_commune)
    communes = pd.DataFrame(points.drop(columns=points.geometry.name))
    communes["distance_km"] = dist
    return communes


def coverage(
    points: gpd.GeoDataFrame, services: pd.DataFrame, distance_km: float = DEFAULT_DISTANCE_KM,
    own_commune: bool = True,
) -> Coverage:
    """Share of the population within `distance_km` of a service, per commune, EPCI, département and France.
    `own_commune=False` measures from the commune point only, even in a commune that hosts a service."""
    if not distance_km or distance_km <= 0:
        raise ValueError("La distance doit être un nombre de kilomètres positif.")
    started = time.perf_counter()
    communes = commune_distances(points, services, own_commune)
    communes["covered"] = communes["distance_km"].to_numpy() <= float(distance_km)
    epci = aggregate(communes, "epci")
    deps = aggregate(communes, "dep")
    total = int(communes["population"].sum())
    covered = int(communes.loc[communes["covered"], "population"].sum())
    france = {
        "population": total,
        "population_covered": covered,
        "share": 100.0 * covered / total if total else float("nan"),
    }
    return Coverage(float(distance_km), communes, epci, deps, france, time.perf_counter() - started)


def coverage_by_distance(communes: pd.DataFrame, key: str, distances: Sequence[float]) -> pd.DataFrame:
    """`aggregate` at every distance at once, from Coverage.communes-like rows with `distance_km` (no `covered`
    needed): one row per value of `key` × distance (km, ascending), same columns plus `distance_km`, same figures
    as `aggregate` of the communes covered within each distance (a commune is covered when its distance ≤ the
    threshold; integer sums, the share computed by the same division)."""
    ks = np.asarray(sorted(float(d) for d in distances), dtype=float)
    data = communes[communes[key].notna()]
    codes, inverse = np.unique(data[key].astype(str).to_numpy(dtype=object), return_inverse=True)  # sorted
    # The first threshold that covers each commune (len(ks) when none does: too far, or no service in its zone).
    first = np.searchsorted(ks, data["distance_km"].to_numpy(dtype=float), side="left")
    population = data["population"].to_numpy(dtype=np.int64)
    pop_at = np.zeros((len(codes), len(ks) + 1), dtype=np.int64)
    n_at = np.zeros((len(codes), len(ks) + 1), dtype=np.int64)
    np.add.at(pop_at, (inverse, first), population)
    np.add.at(n_at, (inverse, first), 1)
    covered = np.cumsum(pop_at, axis=1)[:, : len(ks)]
    communes_covered = np.cumsum(n_at, axis=1)[:, : len(ks)]
    total = pop_at.sum(axis=1)
    approx = np.bincount(inverse, weights=data["point_source"].ne("fichier").fillna(False).to_numpy(dtype=bool),
                         minlength=len(codes)).astype(np.int64)
    n = len(ks)
    out = pd.DataFrame(
        {
            "code": np.repeat(codes, n),
            "distance_km": np.tile(ks, len(codes)),
            "population": np.repeat(total, n),
            "population_covered": covered.ravel(),
            "communes": np.repeat(n_at.sum(axis=1), n),
            "communes_covered": communes_covered.ravel(),
            "approx_points": np.repeat(approx, n),
        }
    )
    out["code"] = out["code"].astype(data[key].dtype)  # as aggregate's codes
    out["share"] = np.where(out["population"] > 0, 100.0 * out["population_covered"] / out["population"], np.nan)
    return out[["code", "distance_km", "population", "population_covered", "share", "communes", "communes_covered",
                "approx_points"]]


def mean_distance(communes: pd.DataFrame, key: str) -> pd.Series:
    """Population-weighted mean distance (km) to the nearest service per value of `key`; NaN where a commune of
    the territory has no service in its zone (no finite mean)."""
    data = communes[communes[key].notna()].copy()
    d = data["distance_km"].replace(np.inf, np.nan)
    data["w"] = data["population"].where(d.notna(), 0)
    data["wd"] = (d * data["population"]).fillna(0)
    g = data.groupby(key).agg(w=("w", "sum"), wd=("wd", "sum"), pop=("population", "sum"))
    out = (g["wd"] / g["w"]).where(g["w"] > 0)
    return out.where(g["w"] >= g["pop"])
