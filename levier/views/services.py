"""What the "Offre de services et couverture" page shows: the service lists loaded, the needs map with the service
points over it (from levier.views.panorama), and the share of the population within X km of a service (grid indicator
2.1.1, computed by levier.analysis.coverage) by EPCI, by département, and per territory for `levier export couverture`.

Loaders take a Database first and the commune points (the shared referential's, levier.app.cache.service_referential;
built here when not given); figures and French tables are pure functions of what a loader returned.
"""

from __future__ import annotations

import math
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
from levier.views.panorama import (
    LEVEL_DEP,
    LEVEL_EPCI,
    NATURE_LABELS,
    MapArea,
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
    in_view: dict  # population, population_covered, share of the territory in view
    approx_communes: int
    communes: int
    seconds: float
    points: int = 0
    unplaced: int = 0

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


def coverage_view(db: Database, service_type: str, distance_km: float, area: MapArea,
                  communes: gpd.GeoDataFrame | None = None) -> CoverageView:
    """Coverage of the population by one service type within `distance_km`, by EPCI and by département.
    `communes`: the commune points (levier.ingest.service_lists.Referential.points), built when not given."""
    points = db.read(Query.SERVICE_POINTS, {"service_type": service_type})
    placed = points[points["lon"].notna() & points["lat"].notna()]
    result = cov.coverage(commune_points() if communes is None else communes, placed, float(distance_km))
    with db.reader() as r:
        epci_ref = r.df(Query.TERRITORIES_OF_LEVEL, {"level": LEVEL_EPCI})
        dep_ref = r.df(Query.TERRITORIES_OF_LEVEL, {"level": LEVEL_DEP})
    dep_names = dict(zip(dep_ref["code"], dep_ref["name"], strict=True))
    for ref in (epci_ref, dep_ref):
        ref["dep_name"] = ref["dep"].map(dep_names)

    def table(agg: pd.DataFrame, ref: pd.DataFrame, key: str) -> pd.DataFrame:
        counts = placed.groupby(key).size()
        out = ref[["code", "name", "dep", "dep_name", "reg", "reg_name", "nature"]].merge(agg, on="code", how="left")
        out["distance_km"] = out["code"].map(cov.mean_distance(result.communes, key))
        out["services"] = out["code"].map(counts).fillna(0).astype(int)
        return out

    epci = table(result.epci, epci_ref, "epci")
    deps = table(result.departements, dep_ref, "dep")
    deps["in_area"] = in_area(deps, area)
    within = result.communes["dep"].astype(str).isin(area.deps) if not area.is_france else slice(None)
    sub = result.communes[within]
    pop = int(sub["population"].sum())
    covered = int(sub.loc[sub["covered"], "population"].sum())
    label = service_type_label(service_type)
    return CoverageView(
        service_type=service_type,
        label=label,
        source=str(points["source"].iloc[0]) if len(points) else "",
        distance_km=float(distance_km),
        area=area,
        epci=epci[in_area(epci, area)].reset_index(drop=True),
        departements=deps,
        france=result.france,
        in_view={"population": pop, "population_covered": covered, "share": 100.0 * covered / pop if pop else math.nan},
        approx_communes=int(result.communes["point_source"].ne("fichier").sum()),
        communes=len(result.communes),
        seconds=result.seconds,
        points=len(placed),
        unplaced=len(points) - len(placed),
    )


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
        shown_area = area if members is not None else MapArea("france", "", "France entière")
        maps.add_points(fig, points_on_map(points, layer, shown_area, members), size=6, dense=members is None)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# The coverage table of `levier export couverture`: one row per territory of a level

# Decimals the page shows, for an export that rounds as the screen does (the table itself keeps full precision).
COVERAGE_TABLE_DECIMALS = {"part_couverte": 1, "distance_moyenne_km": 1, "distance_km": 0}


def coverage_table(db: Database, service: str, km: float, level: str, territory: str | None = None,
                   communes: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Coverage of the population by one service type within `km`, one row per territory of `level`
    ('departement', 'epci' or 'region'; only `territory` when given): code, libelle, then the service, the
    distance, the population, the population within the distance, its share (%), the population-weighted mean
    distance to the nearest place (km), the places in the territory, the communes, those covered and those
    measured from a fallback point (absent from the commune points file). Numbers stay numbers, at full precision
    (`attrs['decimals']` says how the page rounds them)."""
    if level not in COVERAGE_LEVELS:
        raise ValueError(f"Niveau inconnu « {level} » : attendu {', '.join(COVERAGE_LEVELS)}.")
    points = db.read(Query.SERVICE_POINTS, {"service_type": service})
    if points.empty:
        raise ValueError(f"Aucune liste de lieux « {service_type_label(service)} » importée.")
    placed = points[points["lon"].notna() & points["lat"].notna()]
    result = cov.coverage(commune_points() if communes is None else communes, placed, float(km))
    with db.reader() as r:
        ref = r.df(Query.TERRITORIES_OF_LEVEL, {"level": level})
        deps = r.df(Query.TERRITORIES_OF_LEVEL, {"level": LEVEL_DEP}) if level == LEVEL_REGION else None
    frame = result.communes
    key = {LEVEL_DEP: "dep", LEVEL_EPCI: "epci", LEVEL_REGION: "reg"}[level]
    if deps is not None:
        reg_of = dict(zip(deps["code"], deps["reg"]))
        frame = frame.assign(reg=frame["dep"].map(reg_of))
        placed = placed.assign(reg=placed["dep"].map(reg_of))
    if territory is not None:
        if territory not in set(ref["code"]):
            raise ValueError(f"Territoire inconnu au niveau {level} : « {territory} ».")
        ref = ref[ref["code"] == territory]
    out = ref[["code", "name"]].rename(columns={"name": "libelle"}).merge(cov.aggregate(frame, key), on="code",
                                                                           how="left")
    table = pd.DataFrame(
        {
            "code": out["code"].astype(str),
            "libelle": out["libelle"].astype(str),
            "type_de_lieu": service_type_label(service),
            "distance_km": float(km),
            "population": out["population"].astype("Int64"),
            "population_couverte": out["population_covered"].astype("Int64"),
            "part_couverte": pd.to_numeric(out["share"], errors="coerce").astype(float),
            "distance_moyenne_km": out["code"].map(cov.mean_distance(frame, key)).astype(float),
            "lieux": out["code"].map(placed.groupby(key).size()).fillna(0).astype("Int64"),
            "communes": out["communes"].astype("Int64"),
            "communes_couvertes": out["communes_covered"].astype("Int64"),
            # Communes absent from the commune points file, measured from their EPCI's (or département's) point.
            "communes_point_repli": out["approx_points"].astype("Int64"),
        }
    ).reset_index(drop=True)
    table.attrs["decimals"] = dict(COVERAGE_TABLE_DECIMALS)
    return table
