"""What the "Panorama des besoins" page shows: STAT indicator choices, values with ranks and gaps for the area in view,
maps (through levier.charts.maps) and the service points drawn over them (the services page reuses both).

Loaders take a Database first (pages call them through their wrappers in levier.app.cache); display layers are heavy
shared objects (levier.app.cache.display_layer); figures and French tables are built from both by pure functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.analysis import coverage as cov
from levier.analysis import positions
from levier.charts import maps
from levier.core.fmt import fmt_int, fmt_signed, unit_decimals
from levier.geo import display as geo
from levier.ingest.service_lists import SERVICE_TYPES
from levier.store.db import Database, Query
from levier.views.common import catalogue, indicators_with_values, ranked_values_by_territory
from levier.views.selection import Selection, TerritoryOptions

PROGRAMME = "STAT"
LEVEL_DEP = geo.LEVEL_DEP
LEVEL_EPCI = geo.LEVEL_EPCI
# What a poverty diagnostic looks at first, when the indicator is there; else the catalogue's first.
PREFERRED_INDICATORS = ("STAT-TP60", "STAT-PPMINI", "STAT-PPSOC", "STAT-Q2")

NATURE_LABELS = {
    "CC": "Communauté de communes",
    "CA": "Communauté d'agglomération",
    "CU": "Communauté urbaine",
    "METRO": "Métropole",
    "MET69": "Métropole de Lyon",
}
STATUS_PUBLISHED = "publiée"
STATUS_LABELS = {
    "s": "secret statistique",
    "nd": "non disponible",
    "nc": "non communiquée",
    "so": "sans objet",
    "np": "non publiée par l'INSEE (secret statistique)",
    "absent": "non publiée",
}
METHOD_CHOICES = {"quantiles": "Quantiles (effectifs égaux)", "jenks": "Seuils naturels (Jenks)",
                  "equal": "Intervalles égaux"}

EPCI_DEP_RULE = (
    "Un EPCI qui s'étend sur plusieurs départements est rattaché à son département principal (celui qui regroupe "
    "la plus grande part de sa population) : c'est la valeur de ce département qui sert à l'écart."
)
VINTAGE_RULE = (
    "Les valeurs par EPCI sont publiées par l'INSEE dans la géographie de leur année de publication ; Levier les "
    "rattache aux EPCI de la géographie {vintage} par leur SIREN. Un EPCI dont le SIREN a changé depuis, ou dont "
    "les valeurs sont couvertes par le secret statistique, est grisé et signalé comme tel, jamais compté à zéro."
)


# ---------------------------------------------------------------------------------------------------------------
# The area in view


@dataclass(frozen=True)
class MapArea:
    """The geographic area the panorama and services maps look at, from the shared sidebar selection: France, a
    région or a département (an EPCI: its département, the EPCI outlined). Not a user's rights (levier.rights.scope)."""

    level: str  # 'france' | 'region' | 'departement'
    code: str  # '' | région code | département code
    label: str
    deps: tuple[str, ...] = ()  # the départements in view; empty = all of France
    epci: str = ""  # the EPCI chosen in the sidebar, outlined on the maps

    @property
    def is_france(self) -> bool:
        return self.level == "france"

    @property
    def noun(self) -> str:
        return {"france": "de France", "region": "de la région", "departement": "du département"}[self.level]


def map_area(sel: Selection, options: TerritoryOptions) -> MapArea:
    """The area a sidebar selection asks to map."""
    if sel.dep:
        label = f"{options.name('departement', sel.dep)} ({sel.dep})"
        return MapArea("departement", sel.dep, label, (sel.dep,), sel.epci)
    if sel.reg:
        deps = options.departements
        codes = tuple(sorted(deps.loc[deps["reg"] == sel.reg, "code"].astype(str)))
        return MapArea("region", sel.reg, options.name("region", sel.reg), codes)
    return MapArea("france", "", "France entière")


def in_area(frame: pd.DataFrame, area: MapArea) -> pd.Series:
    """Which rows (territories with a `dep` column) lie in the area."""
    if area.is_france:
        return pd.Series(True, index=frame.index)
    return frame["dep"].astype(str).isin(area.deps)


# ---------------------------------------------------------------------------------------------------------------
# Indicators


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    direction: str | None
    source: str
    definition: str
    periods_dep: tuple[int, ...]
    periods_epci: tuple[int, ...]

    @property
    def periods(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.periods_dep) | set(self.periods_epci)))

    def periods_of(self, level: str) -> tuple[int, ...]:
        return self.periods_epci if level == LEVEL_EPCI else self.periods_dep

    @property
    def rank_note(self) -> str:
        return "1 = situation la plus favorable" if positions.direction_of(self.direction) else "1 = valeur la plus élevée"

    @property
    def gap_unit(self) -> str:
        return {"%": "points", "€": "€"}.get(self.unit, "")

    @property
    def unit_text(self) -> str:
        return {"%": "en %", "€": "en €", "personnes": "en personnes", "nombre": "nombre", "ratio": "sans unité"}.get(
            self.unit, self.unit
        )

    @property
    def levels_text(self) -> str:
        if self.periods_epci and self.periods_dep:
            return "EPCI et départements"
        return "EPCI seulement" if self.periods_epci else "départements seulement"

    def choice_label(self) -> str:
        return f"{self.label} ({self.levels_text})"


def _periods(value) -> tuple[int, ...]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    return tuple(int(p) for p in value)


def indicator_choices(db: Database, programme: str = PROGRAMME,
                      catalogue: pd.DataFrame | None = None) -> list[Indicator]:
    """Indicators of a programme with at least one value by département or by EPCI, in catalogue order.
    `catalogue`: common.load_indicators(db) when the caller holds it (the app keeps it)."""
    catalogue = db.read(Query.INDICATOR_CATALOGUE) if catalogue is None else catalogue
    # Plain dictionaries: a Series lookup per indicator and level cost more than the reads once the catalogue holds
    # hundreds of public statistics.
    periods: dict[str, dict[str, object]] = {}
    for lvl in (LEVEL_DEP, LEVEL_EPCI):
        have = indicators_with_values(db, lvl, [programme])
        periods[lvl] = dict(zip(have["code"].tolist(), have["periods"].tolist()))
    out = []
    for row in catalogue[catalogue["programme"] == programme].itertuples():
        dep = _periods(periods[LEVEL_DEP].get(row.code))
        epci = _periods(periods[LEVEL_EPCI].get(row.code))
        if not dep and not epci:
            continue
        out.append(
            Indicator(
                code=row.code,
                label=row.label,
                unit=row.unit or "",
                direction=positions.direction_of(row.direction),
                source=row.source or "",
                definition=row.definition or "",
                periods_dep=dep,
                periods_epci=epci,
            )
        )
    return out


def default_indicator(choices: list[Indicator]) -> int:
    """Index of the indicator shown first: the first of PREFERRED_INDICATORS published by EPCI, else by département."""
    codes = [c.code for c in choices]
    for wanted_level in (LEVEL_EPCI, LEVEL_DEP):
        for code in PREFERRED_INDICATORS:
            if code in codes and choices[codes.index(code)].periods_of(wanted_level):
                return codes.index(code)
    return 0


def default_period(indicator: Indicator) -> int:
    """The latest year with values by EPCI (the finer map), else by département."""
    return max(indicator.periods_epci or indicator.periods_dep)


def decimals_for(unit: str, values: pd.Series | np.ndarray | None = None) -> int:
    """Decimals of the maps and tables: positions.unit_decimals, and 3 for ratios below 1 (Gini 0,289)."""
    d = unit_decimals(unit)
    if unit == "ratio" and values is not None:
        v = pd.to_numeric(pd.Series(values), errors="coerce").abs()
        if v.notna().any() and v.max() < 1:
            return 3
    return d


# ---------------------------------------------------------------------------------------------------------------
# Values, ranks and gaps


@dataclass(frozen=True)
class PanoramaView:
    """One indicator and year for the territory in view: EPCI and départements with ranks and gaps."""

    indicator: Indicator
    period: int
    area: MapArea
    france_value: float
    france_basis: str  # says what "France" is: the INSEE national value or the median of départements
    france_stored: bool
    epci: pd.DataFrame | None  # the EPCI in view; None when the indicator has no EPCI value this year
    departements: pd.DataFrame | None  # every département (column in_scope), None without département values
    decimals: int
    vintage: int
    rank_basis: str = ""  # what is ranked and classed when it is not the value itself (a count's rate)
    rank_unit: str = ""  # the unit of the ranked figure

    @property
    def unit(self) -> str:
        """The unit of what the maps colour and the ranks order: a count's rate, else the indicator's unit."""
        return self.rank_unit or self.indicator.unit

    @property
    def france_label(self) -> str:
        return "France (valeur INSEE)" if self.france_stored else "France (médiane des départements)"


def _status(missing: pd.Series, value: pd.Series) -> pd.Series:
    reason = missing.astype(object).where(missing.notna(), "absent").map(lambda r: STATUS_LABELS.get(r, str(r)))
    return reason.where(value.isna(), STATUS_PUBLISHED).astype("string")


def _ranked(frame: pd.DataFrame, direction: str | None, within: pd.Series) -> pd.DataFrame:
    """National and in-view ranks of the ranked figure; a value with an unranked_reason (a published floor, a count
    without denominator) keeps its value shown and gets no rank."""
    out = frame.copy()
    reason = out["unranked_reason"] if "unranked_reason" in out.columns else pd.Series(None, index=out.index)
    rankable = out["value"].where(reason.isna())
    out["rank_fr"] = positions.rank_values(rankable, direction)
    out["n_fr"] = int(rankable.notna().sum())
    out["rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out.loc[within, "rank"] = positions.rank_values(rankable[within], direction)
    out["n"] = int(rankable[within].notna().sum())
    return out


def level_values(db: Database, indicator: str, period: int, level: str,
                 cat: pd.DataFrame | None = None, territories: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every territory of a level with its value (NaN when missing) and status, names, nature and population.
    `cat`: common.catalogue(db) and `territories`: the level's territories (common.level_rows), when the caller
    holds them."""
    # value = the ranked figure (a count's rate), raw_value = the published value, unranked_reason when not ranked;
    # the status says what was published (the value, or why there is none).
    frame = ranked_values_by_territory(db, indicator, period, level, cat if cat is not None else catalogue(db),
                                       territories)
    frame.insert(frame.columns.get_loc("indicator"), "status", _status(frame["missing_reason"], frame["raw_value"]))
    # An EPCI value on a perimeter changed since its geography year says so in its status.
    if "perimeter_note" in frame.columns:
        frame["status"] = frame["perimeter_note"].astype("string").fillna(frame["status"]).to_numpy()
    return frame


def france_reference(db: Database, indicator: str, period: int, dep_values: pd.DataFrame | None) -> tuple[float, str, bool]:
    """(value, French basis, stored?): the national value INSEE publishes when stored, else the median of the
    départements having a value (DROM included)."""
    stored = db.read(Query.NEEDS_NATIONAL_VALUE, {"indicator": indicator, "period": int(period)})
    if len(stored) and pd.notna(stored["value"].iloc[0]):
        return float(stored["value"].iloc[0]), "valeur France publiée par l'INSEE", True
    if dep_values is None or dep_values["value"].notna().sum() == 0:
        return math.nan, "aucune valeur départementale pour calculer une médiane nationale", False
    n = int(dep_values["value"].notna().sum())
    return float(dep_values["value"].median()), f"médiane des {n} départements ayant une valeur", False


@dataclass(frozen=True)
class PanoramaData:
    """One indicator and year at both levels, whatever the area in view: every territory's value and status, and the
    France reference. Read once per indicator and year; a territory change computes its view from it
    (panorama_view_of). Never changed by its readers."""

    indicator: Indicator
    period: int
    departements: pd.DataFrame | None  # every département (level_values), None without département values this year
    dep_reference: pd.Series | None  # code -> the département's ranked figure (NaN when not ranked), for EPCI gaps
    epci: pd.DataFrame | None  # every EPCI (level_values), None without EPCI values this year
    france_value: float
    france_basis: str
    france_stored: bool


def panorama_data(db: Database, indicator: str, period: int,
                  choices: Sequence[Indicator] | None = None, cat: pd.DataFrame | None = None,
                  territories: Mapping[str, pd.DataFrame] | None = None) -> PanoramaData:
    """What every area's view of one indicator and year reads (see panorama_view).
    `choices`: indicator_choices(db), `cat`: common.catalogue(db), `territories`: level -> its territories
    (common.level_rows), when the caller already holds them (the app keeps them per data version)."""
    cat = cat if cat is not None else catalogue(db)
    choices = {c.code: c for c in (choices if choices is not None else indicator_choices(db))}
    if indicator not in choices:
        raise KeyError(f"Indicateur sans valeur par département ni par EPCI : {indicator}")
    ind = choices[indicator]
    period = int(period)
    terr = dict(territories or {})
    deps = (level_values(db, indicator, period, LEVEL_DEP, cat, terr.get(LEVEL_DEP)) if period in ind.periods_dep
            else None)
    france, basis, stored = france_reference(db, indicator, period, deps)
    rated = deps is not None and bool(deps["rank_basis"].astype(str).ne("").any())
    if deps is not None and (rated or deps["unranked_reason"].notna().any()):
        # A national count is no reference for rates, nor a median for values INSEE publishes only as a floor.
        ranked = deps.loc[deps["unranked_reason"].isna(), "value"].dropna()
        if rated or not stored:
            france, stored = (float(ranked.median()) if len(ranked) else math.nan), False
            basis = f"médiane des {len(ranked)} départements classés"
    epci, dep_reference = None, None
    if period in ind.periods_epci:
        epci = level_values(db, indicator, period, LEVEL_EPCI, cat, terr.get(LEVEL_EPCI))
        if deps is not None:  # a département's value that is not ranked (a floor) is no reference either
            by_code = deps.set_index("code")
            dep_reference = by_code["value"].where(by_code["unranked_reason"].isna())
        else:
            dep_reference = level_values(db, indicator, period, LEVEL_DEP, cat,
                                         terr.get(LEVEL_DEP)).set_index("code")["value"]
    return PanoramaData(ind, period, deps, dep_reference, epci, france, basis, stored)


def panorama_view(db: Database, indicator: str, period: int, area: MapArea,
                  choices: Sequence[Indicator] | None = None) -> PanoramaView:
    """Values, ranks (in view and national) and gaps (to the principal département and to France) of one
    indicator and year. Ranks follow positions.RANK_RULE; a territory without value gets no rank and no gap.
    `choices`: indicator_choices(db) when the caller already holds it (the app keeps it per data version)."""
    return panorama_view_of(panorama_data(db, indicator, period, choices), area)


def panorama_view_of(data: PanoramaData, area: MapArea) -> PanoramaView:
    """One area's view of an indicator and year read by panorama_data (its frames are copied, never changed)."""
    ind, period = data.indicator, data.period
    france, basis, stored = data.france_value, data.france_basis, data.france_stored
    deps = data.departements
    if deps is not None:
        deps = deps.assign(in_area=in_area(deps, area))
        deps = _ranked(deps, ind.direction, deps["in_area"])
        deps["france_value"] = france
        deps["gap_france"] = (deps["value"] - france).where(deps["unranked_reason"].isna())

    epci = None
    vintage = geo.VINTAGE
    if data.epci is not None:
        allepci = data.epci
        vintage = int(allepci["vintage"].max()) if len(allepci) else vintage
        within = in_area(allepci, area)
        allepci = _ranked(allepci, ind.direction, within)
        allepci["dep_value"] = allepci["dep"].map(data.dep_reference).astype(float)
        ranked = allepci["unranked_reason"].isna()
        allepci["gap_dep"] = (allepci["value"] - allepci["dep_value"]).where(ranked)
        allepci["france_value"] = france
        allepci["gap_france"] = (allepci["value"] - france).where(ranked)
        epci = allepci[within].reset_index(drop=True)

    sample = pd.concat([f["value"] for f in (deps, epci) if f is not None]) if (deps is not None or epci is not None) else None
    first = next((f for f in (deps, epci) if f is not None and len(f)), None)
    rank_basis = str(first["rank_basis"].iloc[0] or "") if first is not None else ""
    rank_unit = str(first["rank_unit"].iloc[0] or "") if first is not None and rank_basis else ""
    return PanoramaView(
        indicator=ind,
        period=period,
        area=area,
        france_value=france,
        france_basis=basis,
        france_stored=stored,
        epci=epci,
        departements=deps,
        decimals=decimals_for(rank_unit or ind.unit, sample),
        vintage=vintage,
        rank_basis=rank_basis,
        rank_unit=rank_unit,
    )


# ---------------------------------------------------------------------------------------------------------------
# French tables (numbers stay numbers: sortable, and exported as numbers)


def _gap_header(text: str, ind: Indicator) -> str:
    return f"{text} ({ind.gap_unit})" if ind.gap_unit else text


def _value_header(ind: Indicator) -> str:
    return f"Valeur ({ind.unit})" if ind.unit in ("%", "€") else "Valeur"


def _ranked_columns(view: PanoramaView, frame: pd.DataFrame) -> dict:
    """The published value, then — for a count — the ranked rate; the reason a value is not ranked."""
    ind, d = view.indicator, view.decimals
    cols = {_value_header(ind): round_to(frame["raw_value"], unit_decimals(ind.unit) if view.rank_basis else d)}
    if view.rank_basis:
        cols[f"Classé sur : {view.rank_unit}"] = round_to(frame["value"].where(frame["unranked_reason"].isna()), d)
    cols["Motif de non-classement"] = frame["unranked_reason"].astype(object).fillna("")
    return cols


def round_to(series: pd.Series, decimals: int) -> pd.Series:
    """Numbers rounded as the page shows them, still numbers (sortable, exported as numbers)."""
    return pd.to_numeric(series, errors="coerce").astype(float).round(decimals)


def epci_table(view: PanoramaView) -> pd.DataFrame:
    """The EPCI of the map, one row each, French headers; missing values stay empty with their status."""
    if view.epci is None:
        return pd.DataFrame()
    e, ind, d = view.epci, view.indicator, view.decimals
    frame = pd.DataFrame(
        {
            "EPCI": e["name"],
            "SIREN": e["code"],
            "Nature": e["nature"].map(NATURE_LABELS).fillna(e["nature"]),
            "Département principal": e["dep_name"].fillna("") + " (" + e["dep"].fillna("") + ")",
            f"Population municipale {view.vintage}": e["population"].astype("Int64"),
            **_ranked_columns(view, e),
            "Donnée": e["status"],
            "Rang": e["rank"],
            "Rang national": e["rank_fr"],
            "Valeur du département": round_to(e["dep_value"], d),
            _gap_header("Écart au département", ind): round_to(e["gap_dep"], d),
            view.france_label: round_to(e["france_value"], d),
            _gap_header("Écart à la France", ind): round_to(e["gap_france"], d),
        }
    )
    if view.area.is_france:
        frame = frame.drop(columns=["Rang national"])
    return frame.sort_values(["Rang", "EPCI"], na_position="last").reset_index(drop=True)


def departement_table(view: PanoramaView) -> pd.DataFrame:
    """The départements in view (all of them for France), French headers."""
    if view.departements is None:
        return pd.DataFrame()
    dd = view.departements[view.departements["in_area"]]
    ind, d = view.indicator, view.decimals
    frame = pd.DataFrame(
        {
            "Département": dd["name"],
            "Code": dd["code"],
            "Région": dd["reg_name"],
            f"Population municipale {view.vintage}": dd["population"].astype("Int64"),
            **_ranked_columns(view, dd),
            "Donnée": dd["status"],
            "Rang": dd["rank"],
            "Rang national": dd["rank_fr"],
            view.france_label: round_to(dd["france_value"], d),
            _gap_header("Écart à la France", ind): round_to(dd["gap_france"], d),
        }
    )
    if view.area.is_france:
        frame = frame.drop(columns=["Rang national"])
    return frame.sort_values(["Rang", "Code"], na_position="last").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Geometry (shared through levier.app.cache.display_layer) and figures


def display_layer(level: str, vintage: int = geo.VINTAGE) -> geo.DisplayLayer:
    """The display layer of a level, as prepared once with the static map files (levier.geo.display.read_prepared),
    or prepared now when they are missing (about 0.5 s); pages share one per process through levier.app.cache."""
    return geo.read_prepared(level, vintage) or geo.prepare_display(geo.read_layer(level), level, vintage)


def _rank_text(rank: pd.Series, n: int) -> pd.Series:
    return rank.map(lambda r: f"{int(r)} sur {fmt_int(n)}" if pd.notna(r) else "–").astype(object)


def _map_frame(frame: pd.DataFrame, decimals: int, unit: str, with_national_rank: bool) -> pd.DataFrame:
    data = frame.copy()
    if with_national_rank:
        n = int(data["n_fr"].iloc[0]) if len(data) else 0
        data["rank_fr_text"] = _rank_text(data["rank_fr"], n)
    if "gap_dep" in data:
        data["gap_dep_text"] = data["gap_dep"].map(lambda v: fmt_signed(v, unit, decimals))
    return data


def _title(view: PanoramaView, what: str) -> str:
    return f"{view.indicator.label}, {view.period} — {what}"


def _common(view: PanoramaView, method: str, k: int) -> dict:
    ind = view.indicator
    return dict(
        unit=view.unit,
        unclassed_col="unranked_reason",
        note=f"classé et cartographié {view.rank_basis}" if view.rank_basis else "",
        source=ind.source,
        year=view.period,
        method=method,
        k=k,
        decimals=view.decimals,
        rank_col="rank",
        rank_note=ind.rank_note,
        status_col="status",
        france_value_col="france_value",
        france_label=view.france_label,
        legend_title=view.rank_unit.capitalize() if view.rank_basis else ind.unit_text.capitalize(),
        vintage=view.vintage,
    )


def epci_figure(
    view: PanoramaView,
    layer: geo.DisplayLayer,
    method: str = "quantiles",
    k: int = 5,
    points: pd.DataFrame | None = None,
) -> go.Figure | None:
    """The EPCI map: all of France with insets, or the EPCI of the région or département zoomed; `points` (from
    service_points) are drawn over it by type."""
    if view.epci is None or view.epci.empty:
        return None
    area = view.area
    data = _map_frame(view.epci, view.decimals, view.unit, not area.is_france)
    extra = [("Écart au département", "gap_dep_text")]
    if not area.is_france:
        extra.append(("Rang national", "rank_fr_text"))
    kwargs = dict(
        value_col="value",
        dep_value_col="dep_value",
        dep_label="Département principal",
        hover_extra=extra,
        highlight=[area.epci] if area.epci else None,
        title=_title(view, f"par EPCI, {area.label}" if not area.is_france else "par EPCI"),
        **_common(view, method, k),
    )
    if area.is_france:
        fig = maps.france_map(data, layer, geojson_url=geo.static_url(LEVEL_EPCI, layer.vintage), **kwargs)
    else:
        fig = maps.zoom_map(
            data, layer, data["code"].tolist(), geojson_url=geo.static_url(LEVEL_EPCI, layer.vintage, "true"),
            **kwargs,
        )
    if points is not None and len(points):
        members = layer.true[layer.true["code"].isin(data["code"])]
        maps.add_points(fig, points_on_map(points, layer, area, members), dense=area.is_france)
    return fig


def departement_figure(view: PanoramaView, layer: geo.DisplayLayer, method: str = "quantiles", k: int = 5) -> go.Figure | None:
    """The département map: France with insets (the département or région in view outlined); for a région, its
    départements zoomed."""
    if view.departements is None:
        return None
    area = view.area
    deps = view.departements
    if area.level == "region":
        data = _map_frame(deps[deps["in_area"]], view.decimals, view.unit, True)
        return maps.zoom_map(
            data, layer, data["code"].tolist(), value_col="value",
            geojson_url=geo.static_url(LEVEL_DEP, layer.vintage, "true"),
            title=_title(view, f"par département, {area.label}"),
            hover_extra=[("Rang national", "rank_fr_text")], **_common(view, method, k),
        )
    data = _map_frame(deps, view.decimals, view.unit, False)
    data["rank"] = data["rank_fr"]  # on the France map, the rank is the national one
    return maps.france_map(
        data, layer, value_col="value", geojson_url=geo.static_url(LEVEL_DEP, layer.vintage),
        highlight=list(area.deps) if area.deps else None,
        title=_title(view, "par département"), **_common(view, method, k),
    )


# ---------------------------------------------------------------------------------------------------------------
# Service points over the maps (the panorama overlays them; the services page draws them over its maps too)


def service_type_label(service_type: str) -> str:
    return SERVICE_TYPES.get(service_type, service_type)


def service_lists(db: Database) -> pd.DataFrame:
    """The service lists in force (latest import of each type), with their file and date."""
    frame = db.read(Query.SERVICE_LISTS)
    frame["label"] = frame["service_type"].map(service_type_label)
    return frame


def service_points(db: Database, service_types: tuple[str, ...]) -> pd.DataFrame:
    """The points in force of some service types with a position: type, label, name, city, commune, dep, epci,
    lon, lat, zone ('metro', a DROM code, or None for the COM) and the hover text."""
    frames = []
    with db.reader() as r:
        for t in service_types:
            frames.append(r.df(Query.SERVICE_POINTS, {"service_type": t}))
    if not frames:
        return pd.DataFrame(columns=["service_type", "label", "name", "lon", "lat", "zone", "text"])
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["lon"].notna() & frame["lat"].notna()].reset_index(drop=True)
    frame["label"] = frame["service_type"].map(service_type_label)
    lon = frame["lon"].to_numpy(dtype=float)
    lat = frame["lat"].to_numpy(dtype=float)
    frame["zone"] = pd.Series(cov.services_zone(lon, lat), dtype=object)
    place = frame["city"].fillna("").astype(str)
    place = place.where(frame["commune"].isna(), place + " (" + frame["commune"].fillna("") + ")")
    frame["text"] = "<b>" + frame["name"].fillna("(sans nom)").astype(str) + "</b><br>" + place
    return frame


def points_on_map(points: pd.DataFrame, layer: geo.DisplayLayer, area: MapArea, members=None) -> pd.DataFrame:
    """The points where a map draws them: moved like the shapes on the France map (insets), at their true place
    on a zoomed map, limited there to the box of the territories shown (a service across the border counts too)."""
    if points is None or points.empty:
        return pd.DataFrame(columns=["lon", "lat", "label", "text", "count_as"])
    if area.is_france:
        placed = layer.place_points(points["lon"], points["lat"], points["zone"])
        out = points.iloc[placed["row"].to_numpy()][["label", "name"]].reset_index(drop=True)
        out["text"] = out.pop("name").fillna("(sans nom)").astype(str)  # names only: thousands of points
        out["lon"] = placed["lon"].to_numpy()
        out["lat"] = placed["lat"].to_numpy()
        # The Paris inset repeats points that are already on the map: they are not counted twice in the legend.
        copy = placed["inset"].to_numpy() & (points["zone"].to_numpy(dtype=object)[placed["row"].to_numpy()] == "metro")
        out["count_as"] = (~copy).astype(int)
        return out
    box = members.total_bounds if members is not None and len(members) else None
    out = points[["label", "text", "lon", "lat"]].copy()
    if box is not None:
        x0, y0, x1, y1 = box
        inside = out["lon"].between(x0, x1) & out["lat"].between(y0, y1)
        out = out[inside]
    out["count_as"] = 1
    return out.reset_index(drop=True)
