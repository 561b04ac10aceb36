"""What the "Offre de services et couverture" page shows: the service lists loaded, the needs map with the service
points over it (from levier.views.panorama), and the share of the population within X km of a service (grid indicator
2.1.1, computed by levier.analysis.coverage) by EPCI, by département, and per territory for `levier export couverture`.

Loaders take a Database first and the commune points (the shared referential's, levier.app.cache.service_referential;
built here when not given); figures and French tables are pure functions of what a loader returned.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from levier.analysis import coverage as cov
from levier.analysis import positions
from levier.charts import maps
from levier.core.fmt import NBSP, fmt_int, fmt_number, fmt_value
from levier.geo import display as geo
from levier.ingest.service_lists import build_referential
from levier.store.db import Database, Query
from levier.store.derived import is_current
from levier.views.panorama import (
    LEVEL_DEP,
    LEVEL_EPCI,
    NATURE_LABELS,
    MapArea,
    PanoramaView,
    epci_figure,
    in_area,
    points_on_map,
    round_to,
    service_type_label,
)

LEVEL_REGION = "region"
COVERAGE_LEVELS = (LEVEL_DEP, LEVEL_EPCI, LEVEL_REGION)


def default_service_type(types: list[str]) -> int:
    """France services first: of the real lists, the closest to the grid's « premier accueil social »."""
    return types.index("france_services") if "france_services" in types else 0


def service_lists_table(lists: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Type de lieu": lists["label"],
            "Lieux": lists["points"].astype("Int64"),
            "Placés sur la carte": lists["placed"].astype("Int64"),
            "EPCI ayant au moins un lieu": lists["epci"].astype("Int64"),
            "Source": lists["source"],
            "Fichier importé": lists["file_name"],
            "Import n°": lists["import_id"].astype("Int64"),
        }
    )


# ---------------------------------------------------------------------------------------------------------------
# Coverage: share of the population within X km of a service (grid indicator 2.1.1, computed)


COVERAGE_METHOD = (
    "**Méthode.** Chaque commune compte pour sa population municipale INSEE {vintage}, placée en un point : "
    "son **centroïde** (points des communes {vintage}, La Poste et IGN). Sa distance **en ligne droite (à vol "
    "d'oiseau)** au lieu le plus proche du type choisi est calculée en projection métrique (Lambert-93 en "
    "métropole, projection locale outre-mer) ; une commune qui accueille elle-même un lieu de ce type compte à "
    "distance nulle, car le centroïde d'une très grande commune peut être loin du bourg où vivent ses habitants "
    "(en Guyane, celui de Saint-Laurent-du-Maroni est à 62 km de la ville). Un lieu du département voisin compte ; "
    "outre-mer, seuls les lieux du même territoire comptent. Part couverte = population des communes à moins de "
    "{distance} km ÷ population totale. Le seuil par défaut, 20 km à vol d'oiseau, approche le « moins de 30 "
    "minutes » de l'indicateur 2.1.1 de la grille CALPAE (30 minutes à environ 55 km/h ≈ 27 km de route ≈ 20 km "
    "à vol d'oiseau). C'est un indicateur **calculé** à partir de la liste des lieux, pas déclaré par le "
    "département."
)
COVERAGE_LIMITS = (
    "**Limites.** {approx}Distance à vol d'oiseau, pas temps de trajet : la mer, le relief, les fleuves, "
    "l'absence de route et de transport en commun ne comptent pas. En montagne, sur les îles et en Guyane (où "
    "plusieurs communes de l'intérieur ne sont reliées que par le fleuve ou l'avion), 20 km à vol d'oiseau peuvent "
    "demander bien plus de 30 minutes : un temps de trajet par la route (distancier Metric de l'INSEE ou calcul "
    "d'itinéraire) serait plus juste, et Levier ne le calcule pas. Toute la population d'une commune compte au "
    "même point. Les lieux itinérants (bus France services) comptent à la position de leur base. La liste des "
    "agences France Travail date de 2019."
)
APPROX_POINTS = (
    "**{n} commune(s) sur {total}** absente(s) du fichier des points des communes "
    "(geo/communes_2026_points.csv) sont placées au point représentatif de leur EPCI (de leur département à "
    "défaut) : toutes les communes d'un même EPCI partagent alors ce point, et la part couverte de ces communes "
    "est approximative (colonne « Communes placées au point de l'EPCI »). "
)


@dataclass(frozen=True)
class CoverageView:
    service_type: str
    label: str
    source: str
    distance_km: float
    area: MapArea
    epci: pd.DataFrame  # the EPCI in view
    departements: pd.DataFrame  # every département, column in_scope
    france: dict
    in_view: dict  # population, population_covered, share, places of the territory in view
    approx_communes: int
    communes: int
    seconds: float
    points: int = 0  # places of the type with a position, in France
    unplaced: int = 0
    precomputed: bool = False  # read from the derived tables (computed when the data was published)

    @property
    def method_text(self) -> str:
        return COVERAGE_METHOD.format(vintage=geo.VINTAGE, distance=fmt_number(self.distance_km, 0))

    @property
    def limits_text(self) -> str:
        approx = (
            APPROX_POINTS.format(n=fmt_int(self.approx_communes), total=fmt_int(self.communes))
            if self.approx_communes
            else ""
        )
        return COVERAGE_LIMITS.format(approx=approx)


def commune_points() -> gpd.GeoDataFrame:
    """The commune points of the reference directory (about 1 s), for a caller without the app's shared referential."""
    return build_referential().points


# The commune points, or a function returning them (called only when the live computation needs them: the app's
# shared referential takes seconds to build the first time, and a view served from the derived tables never needs it).
CommunePoints = gpd.GeoDataFrame | Callable[[], gpd.GeoDataFrame] | None

# Level of a coverage figure -> the column of the communes (and of the service places) that places them in it.
LEVEL_FRANCE = "france"
FRANCE_CODE = "FR"
LEVEL_KEYS = {LEVEL_FRANCE: "france", LEVEL_REGION: "reg", LEVEL_DEP: "dep", LEVEL_EPCI: "epci"}
AGG_COLUMNS = ["code", "population", "population_covered", "share", "communes", "communes_covered", "approx_points"]


def points_of(communes: CommunePoints) -> gpd.GeoDataFrame:
    if communes is None:
        return commune_points()
    if isinstance(communes, gpd.GeoDataFrame):
        return communes
    return communes()


@dataclass(frozen=True)
class CoverageParts:
    """What every coverage table is assembled from, computed live or read from the derived tables: per level,
    the figures of `levier.analysis.coverage.aggregate`, the mean distance and the places per territory code."""

    agg: dict[str, pd.DataFrame]  # level -> AGG_COLUMNS, territories with communes
    mean_km: dict[str, pd.Series]  # level -> code -> population-weighted mean distance (NaN: not finite)
    places: dict[str, pd.Series]  # level -> code -> places of the type in the territory
    france: dict  # population, population_covered, share over every commune
    source: str
    placed: int
    unplaced: int
    communes: int
    approx_communes: int
    seconds: float
    precomputed: bool


def _with_levels(frame: pd.DataFrame, reg_of: dict[str, str]) -> pd.DataFrame:
    """The communes (or places) with their région (by their département) and the one key of France."""
    return frame.assign(reg=frame["dep"].map(reg_of), france=FRANCE_CODE)


def _france(population: int, covered: int) -> dict:
    return {"population": population, "population_covered": covered,
            "share": 100.0 * covered / population if population else float("nan")}


def live_parts(db: Database, service_type: str, distance_km: float, communes: CommunePoints,
               levels: tuple[str, ...]) -> CoverageParts:
    """The coverage computed now from the service points and the commune points (levier.analysis.coverage)."""
    points = db.read(Query.SERVICE_POINTS, {"service_type": service_type})
    placed = points[points["lon"].notna() & points["lat"].notna()]
    result = cov.coverage(points_of(communes), placed, float(distance_km))
    frame, places = result.communes, placed
    if LEVEL_REGION in levels:
        deps = db.read(Query.TERRITORIES_OF_LEVEL, {"level": LEVEL_DEP})
        reg_of = dict(zip(deps["code"], deps["reg"]))
        frame, places = _with_levels(frame, reg_of), _with_levels(placed, reg_of)
    aggs = {LEVEL_EPCI: result.epci, LEVEL_DEP: result.departements}
    return CoverageParts(
        agg={lv: aggs[lv] if lv in aggs else cov.aggregate(frame, LEVEL_KEYS[lv]) for lv in levels},
        mean_km={lv: cov.mean_distance(frame, LEVEL_KEYS[lv]) for lv in levels},
        places={lv: places.groupby(LEVEL_KEYS[lv]).size() for lv in levels},
        france=result.france,
        source=str(points["source"].iloc[0]) if len(points) else "",
        placed=len(placed),
        unplaced=len(points) - len(placed),
        communes=len(result.communes),
        approx_communes=int(result.communes["point_source"].ne("fichier").sum()),
        seconds=result.seconds,
        precomputed=False,
    )


def derived_parts(db: Database, service_type: str, distance_km: float) -> CoverageParts | None:
    """The coverage read from the derived tables (a handful of rows per level), or None when they cannot serve it:
    not current for the data as stored (an import since), a distance that is not a standard one, a list not derived.
    Every input of the coverage is public (service lists, INSEE communes): the rows are the same for every user."""
    if float(distance_km) not in cov.STANDARD_DISTANCES_KM or not db.exists():
        return None
    params = {"service_type": service_type, "distance_km": float(distance_km)}
    with db.reader() as r:
        if not r.once(Query.DERIVED_COVERAGE_TABLE_EXISTS)[0][0] or not is_current(r):
            return None
        lst = r.df(Query.COVERAGE_LIST_DERIVED, params)
        if lst.empty or not bool(lst.at[0, "has_distance"]):
            return None
        rows = r.df(Query.COVERAGE_LOOKUP, params)
    agg, mean_km, places = {}, {}, {}
    for level, sub in rows.groupby("level", sort=False):
        sub = sub.set_index("code")
        with_communes = sub[sub["population"].notna()]
        a = with_communes.reset_index()[AGG_COLUMNS]
        for col in ("population", "population_covered", "communes", "communes_covered", "approx_points"):
            a[col] = a[col].astype("int64")
        # Codes as the live aggregate's (pandas "string", merged into object columns): the same frames either way.
        agg[level] = a.astype({"share": "float64", "code": "string"})
        mean_km[level] = sub["mean_distance_km"].astype("float64")
        places[level] = sub["places"].astype("int64")
    fr = agg[LEVEL_FRANCE].iloc[0] if LEVEL_FRANCE in agg and len(agg[LEVEL_FRANCE]) else None
    l0 = lst.iloc[0]
    return CoverageParts(
        agg=agg,
        mean_km=mean_km,
        places=places,
        france=_france(int(fr["population"]), int(fr["population_covered"])) if fr is not None else _france(0, 0),
        source=str(l0["source"]),
        placed=int(l0["placed"]),
        unplaced=int(l0["unplaced"]),
        communes=int(l0["communes"]),
        approx_communes=int(l0["approx_communes"]),
        seconds=float(l0["seconds"]),
        precomputed=True,
    )


def coverage_parts(db: Database, service_type: str, distance_km: float, communes: CommunePoints,
                   levels: tuple[str, ...], live: bool = False) -> CoverageParts:
    """From the derived tables when they can serve it (unless `live`), else computed now: the same figures."""
    parts = None if live else derived_parts(db, service_type, distance_km)
    return parts if parts is not None else live_parts(db, service_type, distance_km, communes, levels)


def _territory_table(parts: CoverageParts, ref: pd.DataFrame, level: str, columns: list[str]) -> pd.DataFrame:
    """The territories of `ref` (their `columns`) with the coverage figures, mean distance and places of `level`."""
    out = ref[columns].merge(parts.agg.get(level, pd.DataFrame(columns=AGG_COLUMNS)), on="code", how="left")
    out["distance_km"] = out["code"].map(parts.mean_km.get(level, pd.Series(dtype="float64")))
    out["services"] = out["code"].map(parts.places.get(level, pd.Series(dtype="int64"))).fillna(0).astype(int)
    return out


def coverage_view(db: Database, service_type: str, distance_km: float, area: MapArea,
                  communes: CommunePoints = None, live: bool = False,
                  territories: Mapping[str, pd.DataFrame] | None = None) -> CoverageView:
    """Coverage of the population by one service type within `distance_km`, by EPCI and by département: read from
    the derived tables when they are current and the distance is a standard one (unless `live`), else computed now
    from `communes` (the commune points, levier.ingest.service_lists.Referential.points, or a function returning
    them; built when not given). `territories`: level -> its territories (common.level_rows) when the caller holds
    them."""
    parts = coverage_parts(db, service_type, distance_km, communes, (LEVEL_EPCI, LEVEL_DEP), live)
    held = dict(territories or {})
    with db.reader() as r:
        epci_ref, dep_ref = (held[level] if level in held else r.df(Query.TERRITORIES_OF_LEVEL, {"level": level})
                             for level in (LEVEL_EPCI, LEVEL_DEP))
    columns = ["code", "name", "dep", "dep_name", "reg", "reg_name", "nature"]
    epci = _territory_table(parts, epci_ref, LEVEL_EPCI, columns)
    deps = _territory_table(parts, dep_ref, LEVEL_DEP, columns)
    deps["in_area"] = in_area(deps, area)
    if area.is_france:
        in_view = dict(parts.france, places=parts.placed)
    else:
        # The communes of the area's départements (integer sums: the same figures as summing the communes).
        mine = parts.agg[LEVEL_DEP][parts.agg[LEVEL_DEP]["code"].astype(str).isin(area.deps)]
        pop, covered = int(mine["population"].sum()), int(mine["population_covered"].sum())
        places = parts.places[LEVEL_DEP]
        in_view = {"population": pop, "population_covered": covered,
                   "share": 100.0 * covered / pop if pop else math.nan,
                   "places": int(places[places.index.astype(str).isin(area.deps)].sum())}
    return CoverageView(
        service_type=service_type,
        label=service_type_label(service_type),
        source=parts.source,
        distance_km=float(distance_km),
        area=area,
        epci=epci[in_area(epci, area)].reset_index(drop=True),
        departements=deps,
        france=parts.france,
        in_view=in_view,
        approx_communes=parts.approx_communes,
        communes=parts.communes,
        seconds=parts.seconds,
        points=parts.placed,
        unplaced=parts.unplaced,
        precomputed=parts.precomputed,
    )


# ---------------------------------------------------------------------------------------------------------------
# The derived tables (issue 16): coverage of every territory at every standard distance, once per data version


def build_derived(db: Database, communes: CommunePoints = None) -> dict[str, pd.DataFrame]:
    """The publication step's coverage tables (levier.views.derived.BUILDERS): for every service list in force,
    every level (France, région, département, EPCI) and territory, at every standard distance, the figures the live
    computation gives (levier.analysis.coverage.coverage_by_distance is aggregate at every distance at once)."""
    lists = db.read(Query.SERVICE_LISTS)
    points_all = points_of(communes) if len(lists) else None
    deps = db.read(Query.TERRITORIES_OF_LEVEL, {"level": LEVEL_DEP})
    reg_of = dict(zip(deps["code"], deps["reg"]))
    coverage_rows, place_rows, list_rows = [], [], []
    for service_type in lists["service_type"]:
        points = db.read(Query.SERVICE_POINTS, {"service_type": service_type})
        placed = points[points["lon"].notna() & points["lat"].notna()]
        started = time.perf_counter()
        frame = _with_levels(cov.commune_distances(points_all, placed), reg_of)
        places = _with_levels(placed, reg_of)
        for level, key in LEVEL_KEYS.items():
            rows = cov.coverage_by_distance(frame, key, cov.STANDARD_DISTANCES_KM)
            coverage_rows.append(rows.assign(service_type=service_type, level=level))
            counts = places.groupby(key).size()
            counts.index = counts.index.astype(str)
            mean = cov.mean_distance(frame, key)
            mean.index = mean.index.astype(str)
            codes = sorted(set(rows["code"]) | set(counts.index))
            place_rows.append(pd.DataFrame({
                "service_type": service_type, "level": level, "code": codes,
                "places": counts.reindex(codes).fillna(0).astype("int64").to_numpy(),
                "mean_distance_km": mean.reindex(codes).astype("float64").to_numpy(),
            }))
        list_rows.append({
            "service_type": service_type,
            "source": str(points["source"].iloc[0]) if len(points) else "",
            "placed": len(placed),
            "unplaced": len(points) - len(placed),
            "communes": len(frame),
            "approx_communes": int(frame["point_source"].ne("fichier").sum()),
            "seconds": time.perf_counter() - started,
        })
    coverage = pd.concat(coverage_rows, ignore_index=True) if coverage_rows else pd.DataFrame()
    place = pd.concat(place_rows, ignore_index=True) if place_rows else pd.DataFrame()
    listed = pd.DataFrame(list_rows)
    # Public inputs only (service lists, INSEE communes and their points): readable by every user.
    return {name: frame.assign(is_public=True) if len(frame) else frame
            for name, frame in (("coverage", coverage), ("coverage_place", place), ("coverage_list", listed))}


def places_help(view: CoverageView) -> str:
    """The help of the page's count of places: in the territory in view, and how many in France."""
    unplaced = (f" ; {fmt_int(view.unplaced)} lieu(x) sans position (voir le journal des imports)"
                if view.unplaced else "")
    if view.area.is_france:
        return f"{view.label}, placés sur la carte{unplaced}."
    return (f"{view.label} situés {view.area.noun} ({fmt_int(view.points)} en France{unplaced}). Un lieu d'un "
            "département voisin compte aussi dans la couverture.")


def _coverage_headers(view: CoverageView) -> dict[str, str]:
    km = fmt_number(view.distance_km, 0)
    return {
        "covered": f"Population à moins de {km} km",
        "share": f"Part de la population à moins de {km} km (%)",
        "distance": "Distance moyenne au lieu le plus proche (km)",
    }


def coverage_epci_table(view: CoverageView) -> pd.DataFrame:
    h = _coverage_headers(view)
    e = view.epci
    frame = pd.DataFrame(
        {
            "EPCI": e["name"],
            "SIREN": e["code"],
            "Nature": e["nature"].map(NATURE_LABELS).fillna(e["nature"]),
            "Département principal": e["dep_name"].fillna("") + " (" + e["dep"].fillna("") + ")",
            f"Population municipale {geo.VINTAGE}": e["population"].astype("Int64"),
            h["covered"]: e["population_covered"].astype("Int64"),
            h["share"]: round_to(e["share"], 1),
            h["distance"]: round_to(e["distance_km"], 1),
            f"Lieux « {view.label} » dans l'EPCI": e["services"].astype("Int64"),
            "Communes placées au point de l'EPCI": e["approx_points"].astype("Int64"),
        }
    )
    return frame.sort_values([h["share"], "EPCI"], na_position="last").reset_index(drop=True)


def coverage_departement_table(view: CoverageView) -> pd.DataFrame:
    h = _coverage_headers(view)
    d = view.departements[view.departements["in_area"]]
    frame = pd.DataFrame(
        {
            "Département": d["name"],
            "Code": d["code"],
            "Région": d["reg_name"],
            f"Population municipale {geo.VINTAGE}": d["population"].astype("Int64"),
            h["covered"]: d["population_covered"].astype("Int64"),
            h["share"]: round_to(d["share"], 1),
            h["distance"]: round_to(d["distance_km"], 1),
            f"Lieux « {view.label} »": d["services"].astype("Int64"),
        }
    )
    return frame.sort_values([h["share"], "Code"], na_position="last").reset_index(drop=True)


def coverage_figure(
    view: CoverageView,
    layer: geo.DisplayLayer,
    method: str = "jenks",
    k: int = 5,
    points: pd.DataFrame | None = None,
) -> go.Figure:
    """The share covered by EPCI or by département (the layer's level), with the service points over it."""
    level = layer.level
    area = view.area
    if level == LEVEL_EPCI:
        frame = view.epci
    else:
        frame = view.departements if area.level != "region" else view.departements[view.departements["in_area"]]
    data = frame.copy()
    data["value"] = data["share"]
    data["status"] = pd.Series("aucune population", index=data.index, dtype=object)
    within = in_area(data, area) if level == LEVEL_EPCI else pd.Series(True, index=data.index)
    data["rank"] = positions.rank_values(data["value"].where(within), positions.UP)
    data["covered_text"] = data["population_covered"].map(lambda v: fmt_value(v, "personnes", 0))
    data["population_text"] = data["population"].map(lambda v: fmt_value(v, "habitants", 0))
    data["distance_text"] = data["distance_km"].map(
        lambda v: f"{fmt_number(v, 1)}{NBSP}km" if pd.notna(v) else "aucun lieu dans le territoire"
    )
    data["france_value"] = view.france["share"]
    km = fmt_number(view.distance_km, 0)
    what = "par EPCI" if level == LEVEL_EPCI else "par département"
    title = f"Part de la population à moins de {km} km : {view.label} — {what}"
    if not area.is_france:
        title += f", {area.label}"
    kwargs = dict(
        value_col="value",
        unit="%",
        title=title,
        source=f"calcul Levier — {view.source} ; population municipale INSEE",
        year=None,
        method=method,
        k=k,
        decimals=1,
        rank_col="rank",
        rank_note="1 = la mieux couverte",
        status_col="status",
        france_value_col="france_value",
        france_label="France",
        value_label="Part couverte",
        hover_extra=[("Population", "population_text"), ("Population couverte", "covered_text"),
                     ("Distance moyenne au lieu le plus proche", "distance_text")],
        legend_title="Part couverte",
        note="distance à vol d'oiseau" + (", communes au point de leur EPCI" if view.approx_communes else ""),
    )
    true_url = geo.static_url(level, layer.vintage, "true")
    if area.is_france:
        fig = maps.france_map(data, layer, geojson_url=geo.static_url(level, layer.vintage), **kwargs)
        members = None
    elif level == LEVEL_EPCI:
        if area.epci:
            kwargs["highlight"] = [area.epci]
        fig = maps.zoom_map(data, layer, data["code"].tolist(), geojson_url=true_url, **kwargs)
        members = layer.true[layer.true["code"].isin(data["code"])]
    elif area.level == "region":
        fig = maps.zoom_map(data, layer, data["code"].tolist(), geojson_url=true_url, **kwargs)
        members = layer.true[layer.true["code"].isin(data["code"])]
    else:  # one département, by département: France, the département outlined
        kwargs["highlight"] = list(area.deps)
        fig = maps.france_map(data, layer, geojson_url=geo.static_url(level, layer.vintage), **kwargs)
        members = None
    if points is not None and len(points):
        if members is None and not area.is_france and "dep" in points:
            # The France map of one département (by département): its own places, as many as the page counts.
            points = points[points["dep"].astype(str).isin(area.deps)]
        shown_area = area if members is not None else MapArea("france", "", "France entière")
        maps.add_points(fig, points_on_map(points, layer, shown_area, members), size=6, dense=members is None)
        own_places_legend(fig, points, area)
    return fig


def needs_figure(view: PanoramaView, layer: geo.DisplayLayer, points: pd.DataFrame | None,
                 area: MapArea) -> go.Figure | None:
    """The needs map of the Services page: the indicator by EPCI in quantiles (as Panorama draws it), the places of
    `points` over it, each type's legend counting the territory's own places (None when there is nothing to map)."""
    fig = epci_figure(view, layer, "quantiles", 5, points)
    if fig is not None:
        own_places_legend(fig, points, area)
    return fig


def own_places_legend(fig: go.Figure, points: pd.DataFrame | None, area: MapArea) -> go.Figure:
    """On a zoomed map the points of the neighbours are drawn too: each type's legend entry then says how many
    places the territory itself has (the page's count), then how many the map shows (« France services », « 28 du
    département, 87 sur la carte »), never the map's or France's count alone as if it were the territory's."""
    if points is None or points.empty or area.is_france or "dep" not in points or "label" not in points:
        return fig
    own = points[points["dep"].astype(str).isin(area.deps)].groupby("label").size()
    for trace in fig.data:
        if trace.type != "scattergeo" or not trace.name or not trace.showlegend:
            continue
        for label in points["label"].dropna().unique():
            if str(trace.name).startswith(f"{label} ("):
                drawn = len(trace.lon) if trace.lon is not None else 0
                mine = int(own.get(label, 0))
                trace.name = f"{label}<br>{fmt_int(mine)} {area.noun}" + (
                    f", {fmt_int(drawn)} sur la carte" if drawn != mine else "")
    return fig


# ---------------------------------------------------------------------------------------------------------------
# The coverage table of `levier export couverture`: one row per territory of a level

# Decimals the page shows, for an export that rounds as the screen does (the table itself keeps full precision).
COVERAGE_TABLE_DECIMALS = {"part_couverte": 1, "distance_moyenne_km": 1, "distance_km": 0}


def coverage_table(db: Database, service: str, km: float, level: str, territory: str | None = None,
                   communes: CommunePoints = None, live: bool = False) -> pd.DataFrame:
    """Coverage of the population by one service type within `km`, one row per territory of `level`
    ('departement', 'epci' or 'region'; only `territory` when given): code, libelle, then the service, the
    distance, the population, the population within the distance, its share (%), the population-weighted mean
    distance to the nearest place (km), the places in the territory, the communes, those covered and those
    measured from a fallback point (absent from the commune points file). Numbers stay numbers, at full precision
    (`attrs['decimals']` says how the page rounds them). Read from the derived tables when they can serve it
    (a standard distance, unless `live`), else computed now: the same figures."""
    if level not in COVERAGE_LEVELS:
        raise ValueError(f"Niveau inconnu « {level} » : attendu {', '.join(COVERAGE_LEVELS)}.")
    parts = None if live else derived_parts(db, service, km)
    if parts is None:
        if db.read(Query.SERVICE_POINTS, {"service_type": service}).empty:
            raise ValueError(f"Aucune liste de lieux « {service_type_label(service)} » importée.")
        parts = live_parts(db, service, km, communes, (level,))
    ref = db.read(Query.TERRITORIES_OF_LEVEL, {"level": level})
    if territory is not None:
        if territory not in set(ref["code"]):
            raise ValueError(f"Territoire inconnu au niveau {level} : « {territory} ».")
        ref = ref[ref["code"] == territory]
    out = _territory_table(parts, ref, level, ["code", "name"])
    table = pd.DataFrame(
        {
            "code": out["code"].astype(str),
            "libelle": out["name"].astype(str),
            "type_de_lieu": service_type_label(service),
            "distance_km": float(km),
            "population": out["population"].astype("Int64"),
            "population_couverte": out["population_covered"].astype("Int64"),
            "part_couverte": pd.to_numeric(out["share"], errors="coerce").astype(float),
            "distance_moyenne_km": out["distance_km"].astype(float),
            "lieux": out["services"].astype("Int64"),
            "communes": out["communes"].astype("Int64"),
            "communes_couvertes": out["communes_covered"].astype("Int64"),
            # Communes absent from the commune points file, measured from their EPCI's (or département's) point.
            "communes_point_repli": out["approx_points"].astype("Int64"),
        }
    ).reset_index(drop=True)
    table.attrs["decimals"] = dict(COVERAGE_TABLE_DECIMALS)
    return table
