"""What the comparison page shows: all départements ranked on one indicator, two crossed, a few over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from levier.analysis import comparability as comp_analysis
from levier.analysis import positions
from levier.charts import indicators as charts
from levier.analysis.comparability import annotate
from levier.core.fmt import fmt_signed, fmt_value, value_decimals
from levier.views.indicateurs import comparability_inputs
from levier.views.indicateurs import load_comparability as comparability
from levier.store.db import Database
from levier.views.common import (
    WARNED_COLUMN,
    WARNED_MARK,
    LevelRows,
    catalogue,
    has_warning,
    indicators_with_values,
    load_territories,
    load_values,
    ranking_values,
    source_text,
    warned_caveat,
    warnings_by_year,
)
from levier.views.selection import TerritoryOptions, departements_of
from levier.views.t0 import ranked_frame

DEFAULT_RANKING_INDICATOR = "CALPAE-3.1.1-OR1M-TX"


@dataclass(frozen=True)
class RankingView:
    figure: go.Figure
    table: pd.DataFrame  # numbers, for the downloads
    missing: pd.DataFrame
    caveats: list[str]
    unit: str = ""  # of « Valeur »
    rank_unit: str = ""  # of « Valeur classée » and the gap to the median (a count is ranked as a rate)

    @property
    def display(self) -> pd.DataFrame:
        """The table as the page shows it: every number in French with its unit (« 82,7 % », « +3,1 pts »), the
        unit column folded into the values."""
        return display_table(self.table, self.unit, self.rank_unit or self.unit)


def display_table(table: pd.DataFrame, unit: str, rank_unit: str) -> pd.DataFrame:
    """A ranking table's numbers through levier.core.fmt, each with its unit; ranks and quartiles stay integers."""
    out = table.drop(columns=["Unité"], errors="ignore").copy()
    out["Valeur"] = [fmt_value(v, unit, value_decimals(v, unit)) for v in table["Valeur"]]
    if "Valeur classée" in out.columns:
        out["Valeur classée"] = [fmt_value(v, rank_unit, value_decimals(v, rank_unit)) for v in table["Valeur classée"]]
    gap = "Écart à la médiane nationale"
    if gap in out.columns:
        out[gap] = [fmt_signed(g, rank_unit) for g in table[gap]]
    return out


@dataclass(frozen=True)
class RankingData:
    """One indicator and year ranked over every département, whoever is highlighted: read and ranked once, then each
    département's view is drawn from it (ranking_view_of). Never changed by its readers."""

    indicator: str
    period: int
    reference_only: bool
    pos: positions.Positions  # every département's rank, quartile and gap to the national median
    catalogue: pd.DataFrame  # the indicator's catalogue row
    comp: object  # analysis.comparability result for the départements compared
    history: pd.DataFrame  # ranked_history
    caveats: tuple[str, ...]  # comparison_caveats over the départements ranked


def ranking_data(db: Database, indicator: str, period: int, reference_only: bool = False,
                 rows: LevelRows | None = None) -> RankingData:
    """What every département's ranking view of one indicator and year reads (see ranking_view). The ranking needs
    no peer group: a département's peers are only highlighted on its chart. `rows`: common.level_rows(db,
    'departement') when the caller holds them."""
    cat = catalogue(db, rows)
    frame, direction = ranked_frame(db, indicator, period, level="departement", rows=rows)
    pos = positions.positions(frame, direction)
    # The indicator's declarations, read once: who is compared (every département) and who is ranked (the caveats).
    inputs = {indicator: comparability_inputs(db, indicator)}
    comp = comp_analysis.comparability(indicator, *inputs[indicator], pos.table["code"].tolist(), period)
    excluded = comp.variants["Code territoire"].tolist() if reference_only else []
    if excluded:
        keep = ["code", "name", "reg", "reg_name", "value", "missing_reason", "unranked_reason", "raw_value",
                "rank_basis", "rank_unit", "censored", "quality_warning"]
        kept = pos.table[pos.table["code"].isin(comp.comparable)][[c for c in keep if c in pos.table.columns]]
        pos = positions.positions(kept, direction)
    return RankingData(indicator, int(period), reference_only, pos, cat.loc[[indicator]], comp,
                       ranked_history(db, indicator, period, cat),
                       tuple(comparison_caveats(db, [indicator], pos.ranked["code"].tolist(), period=period, cat=cat,
                                                inputs=inputs)))


def ranking_view(db: Database, indicator: str, period: int, selected: str | None,
                 peer_codes: Sequence[str] = (), reference_only: bool = False) -> RankingView:
    """All départements ranked; with reference_only, only those at the reference definition (or undeclared),
    ranks and medians recomputed among them."""
    return ranking_view_of(ranking_data(db, indicator, period, reference_only), selected, peer_codes)


def ranking_view_of(data: RankingData, selected: str | None, peer_codes: Sequence[str] = ()) -> RankingView:
    """One département's ranking view (its bar and its peers' highlighted) from ranking_data."""
    indicator, period, cat, comp, pos = data.indicator, data.period, data.catalogue, data.comp, data.pos
    excluded = comp.variants["Code territoire"].tolist() if data.reference_only else []
    unit = str(cat.at[indicator, "unit"])
    # A count is ranked and charted as its rate (rank_basis says over what); the count stays in the table.
    basis = str(pos.table["rank_basis"].iloc[0] or "") if "rank_basis" in pos.table.columns and len(pos.table) else ""
    rank_unit = str(pos.table["rank_unit"].iloc[0]) if basis else unit
    ranked = pos.ranked
    chart_values = pos.table[["code", "name", "value", "missing_reason"]].copy()
    chart_values.loc[pos.table["unranked_reason"].notna(), "value"] = float("nan")
    # A value a quality check puts in doubt (a warning) stays ranked, but is marked where it is ranked.
    warned = _warned(pos.table)
    chart_values.loc[pos.table["code"].isin(set(warned["code"])), "name"] += f" {WARNED_MARK}"
    fig = charts.ranking_chart(
        chart_values, selected, peer_codes,
        label=str(cat.at[indicator, "label"]) + (f" ({basis})" if basis else ""), unit=rank_unit,
        direction=cat.at[indicator, "direction"], source=source_text(cat, indicator), year=period,
        history=data.history,
    )
    columns = {
        "Rang": ranked["rank"].astype("Int64"),
        "Code": ranked["code"],
        "Département": ranked["name"],
        "Région": ranked.get("reg_name", ranked.get("reg")),
        "Valeur": ranked["raw_value"] if "raw_value" in ranked.columns else ranked["value"],
        "Unité": unit,
    }
    if basis:
        columns["Valeur classée"] = ranked["value"]
        columns["Classé sur"] = basis
    columns["Quartile"] = ranked["quartile"].astype("Int64")
    columns["Écart à la médiane nationale"] = ranked["gap_nat"]
    if len(warned):
        columns[WARNED_COLUMN] = ranked["quality_warning"]
    table = pd.DataFrame(columns)
    table = annotate(table, comp, "Code")
    missing = pos.missing.rename(columns={"code": "Code", "name": "Département", "missing_label": "Motif"})
    missing = missing[[c for c in ("Code", "Département", "Motif") if c in missing.columns]]
    unranked = pos.table[pos.table["unranked_reason"].notna()]
    if len(unranked):  # shown but not ranked: listed with their reason, never silently dropped
        missing = pd.concat([missing, pd.DataFrame({"Code": unranked["code"], "Département": unranked["name"],
                                                    "Motif": unranked["unranked_reason"]})], ignore_index=True)
    caveats = list(data.caveats)
    if basis:
        caveats.insert(0, f"Effectif classé rapporté à son dénominateur : {basis}. Rang, quartile et écart portent "
                          "sur ce taux ; l'effectif brut grandit avec la taille du département et n'est pas classé.")
    if len(warned):
        caveats.insert(0, warned_caveat(warned))
    if excluded:
        caveats.insert(0, f"Classement restreint à la définition de référence : {len(excluded)} département(s) "
                          f"déclarant une variante écarté(s) ({', '.join(excluded)}).")
    return RankingView(fig, table, missing, caveats, unit, rank_unit)


def _warned(table: pd.DataFrame) -> pd.DataFrame:
    """The ranked rows whose value a quality check signals (a warning: plausible but doubtful), in rank order."""
    hit = has_warning(table) & table["rank"].notna()
    return table[hit].sort_values("rank", kind="stable")


def ranked_history(db: Database, indicator: str, period: int, cat: pd.DataFrame) -> pd.DataFrame:
    """Every département's series of the indicator up to `period`, as the chart draws it (a count's rate, a value
    kept out of rankings left out): the hover labels show its last years (charts.series_hover)."""
    values = ranking_values(db, load_values(db, "departement", [indicator]), cat)
    values = values[values["unranked_reason"].isna() & (values["period"] <= int(period))]
    return values[["code", "period", "value"]].reset_index(drop=True)


def comparison_caveats(db: Database, indicators: Sequence[str], codes: Sequence[str], periods: Sequence[int] = (),
                       period: int | None = None, *, cat: pd.DataFrame | None = None,
                       inputs: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]] | None = None) -> list[str]:
    """The warnings a comparison carries: definition variants mixed, declarative data, mixed years. `cat`
    (catalogue(db)) and `inputs` (indicator -> comparability_inputs) when the caller has already read them."""
    notes = []
    for indicator in indicators:
        if inputs is not None and indicator in inputs:
            comp = comp_analysis.comparability(indicator, *inputs[indicator], list(codes), period)
        else:
            comp = comparability(db, indicator, list(codes), period)
        if comp.mixed:
            n_var = len(comp.variants)
            notes.append(
                f"« {indicator} » : les départements comparés n'utilisent pas tous la définition de référence "
                f"({n_var} variante(s) déclarée(s), {len(comp.undeclared)} sans déclaration). "
                "Restreignez la comparaison à la définition de référence pour un classement homogène."
            )
    cat = catalogue(db) if cat is None else cat
    if any(cat.at[i, "programme"] != "STAT" for i in indicators if i in cat.index):
        notes.append("Données déclaratives transmises par les départements (ici fictives) : non vérifiées par une source indépendante.")
    if len(set(periods)) > 1:
        notes.append(f"Années mélangées : {', '.join(str(p) for p in sorted(set(periods)))}.")
    return notes


@dataclass(frozen=True)
class ScatterView:
    figure: go.Figure
    table: pd.DataFrame
    caveats: list[str]


def scatter_view(db: Database, x_indicator: str, y_indicator: str, period: int, selected: str | None,
                 peer_codes: Sequence[str] = ()) -> ScatterView:
    """Two indicators across départements, each at its latest year ≤ period (years stated when they differ)."""
    cat = catalogue(db)
    values = ranking_values(db, load_values(db, "departement", [x_indicator, y_indicator]), cat)
    # Counts are crossed as rates (ranking_values); a value kept out of rankings (a floor, a value a check rejects)
    # is kept out here too, and its département is not drawn on an older year instead: it is named in a caveat.
    values = values[values["value"].notna() & (values["period"] <= period)]
    axis_unit = {i: (str(u) if b else str(cat.at[i, "unit"]))
                 for i, u, b in zip(values["indicator"], values["rank_unit"], values["rank_basis"])}
    axis_basis = {i: str(b or "") for i, b in zip(values["indicator"], values["rank_basis"])}
    latest = values.sort_values("period").groupby(["code", "indicator"]).tail(1)
    kept_out = latest[latest["unranked_reason"].notna()]
    latest = latest[latest["unranked_reason"].isna()]
    wide = latest.pivot(index="code", columns="indicator", values="value")
    years = latest.pivot(index="code", columns="indicator", values="period")
    terr = load_territories(db, "departement").set_index("code")
    frame = pd.DataFrame({"code": wide.index, "x": wide.get(x_indicator), "y": wide.get(y_indicator)}).dropna()
    frame["name"] = frame["code"].map(terr["name"])
    used = sorted({int(y) for col in (x_indicator, y_indicator) if col in years for y in years[col].dropna()})
    # A point placed on a value a quality check warns about (either axis, at the year drawn) stays drawn, marked.
    flagged = latest[has_warning(latest) & latest["code"].isin(set(frame["code"]))]
    axes = [(x_indicator, "abscisse"), (y_indicator, "ordonnée")]
    signal: dict[str, list[str]] = {}
    detail: dict[str, list[str]] = {}
    for indicator, axis in axes:
        for code, period, reason in flagged.loc[flagged["indicator"] == indicator,
                                                ["code", "period", "quality_warning"]].itertuples(index=False):
            what = f"{axis} « {cat.at[indicator, 'label']} » {int(period)}"
            signal.setdefault(code, []).append(f"{what} : {reason}")
            detail.setdefault(code, []).append(what)
    warned = frame[frame["code"].isin(signal)]  # in code order, as the pivot left them
    plain_names = frame["name"].copy()
    frame.loc[frame["code"].isin(signal), "name"] += f" {WARNED_MARK}"
    fig = charts.scatter_chart(
        frame, selected, peer_codes,
        x_label=str(cat.at[x_indicator, "label"]) + (f" ({axis_basis[x_indicator]})" if axis_basis.get(x_indicator) else ""),
        y_label=str(cat.at[y_indicator, "label"]) + (f" ({axis_basis[y_indicator]})" if axis_basis.get(y_indicator) else ""),
        x_unit=axis_unit.get(x_indicator, str(cat.at[x_indicator, "unit"])),
        y_unit=axis_unit.get(y_indicator, str(cat.at[y_indicator, "unit"])),
        source=f"{source_text(cat, x_indicator)} ; {source_text(cat, y_indicator)}", year=", ".join(map(str, used)),
    )
    table = frame.assign(name=plain_names).rename(
        columns={"code": "Code", "name": "Département", "x": cat.at[x_indicator, "label"], "y": cat.at[y_indicator, "label"]})
    if len(warned):
        table[WARNED_COLUMN] = table["Code"].map({c: " ; ".join(t) for c, t in signal.items()})
    caveats = comparison_caveats(db, [x_indicator, y_indicator], frame["code"].tolist(), used)
    if len(kept_out):
        caveats.insert(0, "Hors du nuage, valeur la plus récente écartée des classements (aucune année antérieure "
                          "ne la remplace) : " + " ; ".join(
                              f"{terr['name'].get(code, code)} ({code}), « {cat.at[ind, 'label']} » {int(per)} : "
                              f"{reason}" for code, ind, per, reason in
                              kept_out.sort_values(["code", "indicator"])[["code", "indicator", "period",
                                                                           "unranked_reason"]].itertuples(index=False))
                          + ".")
    if len(warned):
        caveats.insert(0, warned_caveat(
            warned.assign(name=plain_names, detail=[" ; ".join(detail[c]) for c in warned["code"]]),
            lead="Point(s) placé(s) sur une valeur signalée par un contrôle de qualité, dessiné(s) mais douteux",
            advice="Un avertissement n'écarte pas la valeur du nuage ; lisez son motif (colonne « Signalement "
                   "qualité » des téléchargements et page Qualité des données) avant de citer ce point."))
    return ScatterView(fig, table, caveats)


@dataclass(frozen=True)
class SmallMultiplesView:
    figure: go.Figure
    caveats: list[str]


def small_multiples_view(db: Database, indicator: str, codes: Sequence[str], selected: str | None) -> SmallMultiplesView:
    """A few départements' series side by side; a year a quality check warns about is drawn (a warning keeps a value)
    but the panel's name carries the mark and a caveat lists the years, since the chart itself does not rank."""
    cat = catalogue(db)
    terr_frame = load_territories(db, "departement")
    # Compared as rates for a count (what is ranked), values kept out of rankings dropped from the median line too.
    values = ranking_values(db, load_values(db, "departement", [indicator]), cat, territories=terr_frame)
    values = values[values["unranked_reason"].isna()]
    basis = str(values["rank_basis"].iloc[0] or "") if len(values) else ""
    unit = str(values["rank_unit"].iloc[0]) if basis else str(cat.at[indicator, "unit"])
    terr = terr_frame.set_index("code")
    series = values[values["code"].isin(codes) & values["value"].notna()].assign(name=lambda f: f["code"].map(terr["name"]))
    reference = positions.national_median_series(values)
    flagged = series[has_warning(series)].sort_values("period")
    warned = [(code, str(terr.at[code, "name"]), g) for code, g in flagged.groupby("code", sort=False)]
    order = {c: i for i, c in enumerate(codes)}
    warned.sort(key=lambda w: order.get(w[0], len(order)))
    series.loc[series["code"].isin({w[0] for w in warned}), "name"] += f" {WARNED_MARK}"
    fig = charts.small_multiples(
        series[["code", "name", "period", "value"]], list(codes), selected,
        label=str(cat.at[indicator, "label"]) + (f" ({basis})" if basis else ""), unit=unit,
        source=source_text(cat, indicator), reference=reference[["period", "value"]],
    )
    caveats = []
    if warned:
        caveats.append(warned_caveat(
            pd.DataFrame({"code": [w[0] for w in warned], "name": [w[1] for w in warned],
                          "detail": [warnings_by_year(g["period"].tolist(), g["quality_warning"].tolist())
                                     for _, _, g in warned]}),
            lead="Valeur(s) signalée(s) par un contrôle de qualité, tracée(s) mais douteuse(s)",
            advice="Un avertissement n'écarte pas la valeur de la courbe ; vérifiez-la (page Qualité des données) "
                   "avant de citer cette évolution."))
    return SmallMultiplesView(fig, caveats)


def indicator_choices(db: Database, level: str = "departement", programmes: Sequence[str] = ()) -> pd.DataFrame:
    """Indicators with at least one value at this level, with their years, for the pages' selectors."""
    return indicators_with_values(db, level, programmes)


def default_indicator(choices: pd.DataFrame, code: str) -> int:
    codes = list(choices["code"])
    return codes.index(code) if code in codes else 0


# ------------------------------------------------------------------------------------------------ a région selected


def region_highlight(options: TerritoryOptions, reg: str) -> tuple[tuple[str, ...], str]:
    """A région selected without a département: its départements, drawn where a département's peers are, and the
    legend's name for them (« Départements de Bretagne »)."""
    if not reg:
        return (), ""
    return tuple(departements_of(options, reg).index), f"Départements de {options.name('region', reg)}"


def name_highlight(fig: go.Figure, label: str) -> go.Figure:
    """The highlighted trace (ranking_chart's and scatter_chart's « Pairs ») renamed `label` when it is the région's
    départements rather than a peer group."""
    if not label or not any(t.name == "Pairs" for t in fig.data):
        return fig
    fig = go.Figure(fig)  # the view's figure is shared by every session (levier.app.cache): renamed on a copy
    fig.for_each_trace(lambda t: t.update(name=label), selector={"name": "Pairs"})
    return fig
