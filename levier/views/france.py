"""What the « France à mi-parcours » page shows: for one programme, every département's target status and attainment
for one indicator (map and table), and the distribution of statuses per action, filtered by axis and wave.

The statuses are Mi-parcours's own (views.mi_parcours: same rule, same reasons): read by lookup from the derived
table when it serves the user, otherwise computed live, territory by territory, over the rows the user may read.
Attainment rates are never ranked across départements: their targets differ, so the page shows statuses and their
distribution, in the order of the département codes."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from levier.analysis import positions, trajectories
from levier.analysis.positions import (
    AHEAD_THRESHOLD, ON_TRACK_THRESHOLD, STATUS_AHEAD, STATUS_EXCLUDED, STATUS_LATE, STATUS_NO_DATA, STATUS_ON_TRACK,
)
from levier.charts import france as charts
from levier.core.fmt import MISSING_TEXT, NBSP, fmt_int, fmt_number, fmt_pct, fmt_value
from levier.geo.display import DisplayLayer
from levier.store.db import Database, Query
from levier.views import mi_parcours
from levier.views.common import LevelRows, catalogue, level_rows, source_texts
from levier.views.gating import gate_values, load_gates

LEVEL = positions.LEVEL_DEPARTEMENT
PROGRAMMES = ("PACTE", "CDPPE", "CALPAE")  # the contracts (public statistics have no target)
ALL = ""  # the value of a filter that keeps everything
STATUSES = charts.ORDER
NO_TARGET_REASON = "aucune cible enregistrée pour cet indicateur"
OUTSIDE_RIGHTS = "hors de vos droits"
OUTSIDE_WAVE = "hors de la vague choisie"
NO_ACTION = "Sans action de la grille nationale"
RANKING_NOTE = (
    "Les cibles diffèrent d'un département à l'autre : les taux d'atteinte ne sont pas classés entre départements. "
    "La page montre des statuts et leur répartition, dans l'ordre des codes des départements."
)
SHORT_RULE = (
    f"Taux d'atteinte = (valeur actuelle − valeur T0) ÷ (valeur attendue − valeur T0). « {STATUS_AHEAD} » : au moins "
    f"{fmt_number(AHEAD_THRESHOLD, 0)}{NBSP}% ; « {STATUS_ON_TRACK} » : de {fmt_number(ON_TRACK_THRESHOLD, 0)}{NBSP}% à "
    f"moins de {fmt_number(AHEAD_THRESHOLD, 0)}{NBSP}% ; « {STATUS_LATE} » : moins de "
    f"{fmt_number(ON_TRACK_THRESHOLD, 0)}{NBSP}% ; « {STATUS_NO_DATA} » : pas de valeur T0, pas de cible ou pas de "
    f"valeur postérieure à T0 ; « {STATUS_EXCLUDED} » : valeur écartée par un contrôle de qualité."
)
DEMO_NOTE = "Cibles et valeurs des contrats : données fictives de démonstration."
TRACKING_COLUMNS = ["code", "indicator", "t0_value", "target_period", "target_value", "current_period", "current_value",
                    "expected", "attainment", "status", "status_reason"]


@dataclass(frozen=True)
class FranceData:
    """Everything the page filters, for one programme and one pair (T0 year, comparison year)."""

    programme: str
    t0_year: int
    period_to: int
    tracking: pd.DataFrame  # TRACKING_COLUMNS, one row per (département, indicator with a target)
    territories: pd.DataFrame  # code, name: every département (public)
    indicators: pd.DataFrame  # the programme's indicators with a target: code, label, unit, axis, action, source
    axes: dict[str, str]  # axis code -> label, the programme's axes holding an indicator with a target
    actions: dict[str, str]  # action code -> label (national grid)
    waves: pd.DataFrame  # code, wave, signed_year: the programme's contracts the user reads
    reads_all: bool  # whether the user reads every département's contract data
    derived: bool  # served from the derived table (else live)


@dataclass(frozen=True)
class FranceView:
    indicator: str
    label: str
    unit: str
    source: str
    table: pd.DataFrame  # one row per département the user reads (in the wave), French columns, code order
    map_frame: pd.DataFrame  # code, name, status (or why not assessed), hover texts: every département
    counts: dict[str, int]  # départements per status, for the indicator
    by_action: pd.DataFrame  # action_label, status, n, share: (département × indicator) pairs of the filters
    by_action_table: pd.DataFrame  # one row per action, counts and shares per status, French columns
    pairs: int  # (département × indicator) pairs counted in by_action


def wave_label(wave: object, year: object) -> str:
    return f"Vague {int(wave)} ({int(year)})" if not pd.isna(wave) else MISSING_TEXT


# ------------------------------------------------------------------------------------------------ loading


def _live_tracking(db: Database, programme: str, t0_year: int, period_to: int, cat: pd.DataFrame) -> pd.DataFrame:
    """The programme's target tracking of every département the user reads, computed over the rows they may read
    (masked small counts included as such) as the publication step computes the derived statuses
    (analysis.trajectories.target_grid, the quality gates computed once for all), then read at the pair each
    territory's window gives for (T0 year, comparison year), as target_status.sql reads it: the figures of
    mi_parcours.tracking_of for each territory, in one pass instead of one per territory."""
    indicators = cat.index[cat["programme"] == programme].tolist()
    with db.reader() as r:
        values = r.df(Query.MIDTERM_LEVEL_VALUES, {"level": LEVEL})
        targets = r.df(Query.MIDTERM_LEVEL_TARGETS, {"level": LEVEL})
    targets = targets[targets["indicator"].isin(indicators)]
    if targets.empty:
        return pd.DataFrame(columns=TRACKING_COLUMNS)
    values = values[values["indicator"].isin(indicators)].drop_duplicates(["code", "indicator", "period"])
    gated = gate_values(db, values, LEVEL, gate_rows=load_gates(db, indicators, LEVEL))
    grid = trajectories.target_grid(gated, targets, cat)
    keys = grid.groupby("code")["t0_key"].agg(["min", "max"])
    wanted = pd.DataFrame(
        [(code, *trajectories.window_keys(int(lo), int(hi), int(t0_year), int(period_to)))
         for code, lo, hi in keys.itertuples()], columns=["code", "t0_key", "to_key"])
    return grid.merge(wanted, on=["code", "t0_key", "to_key"])[TRACKING_COLUMNS].reset_index(drop=True)


def france_data(db: Database, programme: str, t0_year: int, period_to: int,
                rows: LevelRows | None = None) -> FranceData:
    """The programme's statuses for every département the user reads: a lookup of the derived table when it serves
    the user (mi_parcours.derived_read), else the live computation of Mi-parcours, territory by territory.
    `rows`: the départements and the catalogue (common.level_rows) when the caller holds them (the app keeps them),
    else read."""
    rows = rows if rows is not None else level_rows(db, LEVEL)  # one cursor: one data version
    stored = mi_parcours.derived_read(db, lambda r: r.df(Query.FRANCE_TARGET_STATUSES, {
        "level": LEVEL, "programme": programme, "t0": int(t0_year), "current": int(period_to)}))
    cat = catalogue(db, rows)
    if stored is not None:
        tracking = stored.reindex(columns=TRACKING_COLUMNS)
    else:
        tracking = _live_tracking(db, programme, t0_year, period_to, cat)
    tracking = tracking.assign(code=tracking["code"].astype(str), indicator=tracking["indicator"].astype(str))
    with db.reader() as r:
        axes = r.df(Query.FRANCE_AXES)
        actions = r.df(Query.FRANCE_ACTIONS)
        contracts = r.df(Query.CONTRACT_CURRENT, {"programme": programme, "level": LEVEL})
    territories = rows[0][["code", "name"]].astype({"code": str})
    with_target = set(tracking["indicator"].unique().tolist())
    own = cat[(cat["programme"] == programme) & cat["code"].isin(with_target)]
    indicators = pd.DataFrame({
        "code": own["code"].astype(str), "label": own["label"].astype(str), "unit": own["unit"].astype(str),
        "axis": own["axis"].astype(object), "action": own["action"].astype(object),
        "source": source_texts(own),
    }).reset_index(drop=True)
    axes = axes[axes["programme"] == programme]
    used_axes = set(indicators["axis"].dropna().astype(str))
    actions = actions[actions["programme"] == programme]
    waves = pd.DataFrame({"code": contracts["code"].astype(str), "wave": contracts["wave"],
                          "signed_year": contracts["signed_year"]})
    return FranceData(
        programme=programme, t0_year=int(t0_year), period_to=int(period_to),
        tracking=tracking.reset_index(drop=True), territories=territories, indicators=indicators,
        axes={str(c): str(lbl) for c, lbl in zip(axes["code"], axes["label"]) if str(c) in used_axes},
        actions={str(c): str(lbl) for c, lbl in zip(actions["code"], actions["label"])},
        waves=waves[waves["wave"].notna()].reset_index(drop=True),
        reads_all=bool(db.scope.all_territories), derived=stored is not None,
    )


# ------------------------------------------------------------------------------------------------ choices


def indicator_choices(data: FranceData, axis: str = ALL) -> dict[str, str]:
    """The indicators with a target of the programme (of one axis), code -> label, in catalogue order."""
    ind = data.indicators
    if axis != ALL:
        ind = ind[ind["axis"].astype(str) == axis]
    return dict(zip(ind["code"], ind["label"]))


def wave_choices(data: FranceData) -> dict[int, str]:
    """The programme's waves the user's contracts hold, wave -> « Vague 1 (2020) »; empty when none is recorded."""
    first = data.waves.sort_values("signed_year").drop_duplicates("wave")
    return {int(w): wave_label(w, y) for w, y in sorted(zip(first["wave"], first["signed_year"]))}


def wave_note(data: FranceData) -> str:
    """Why the wave filter is missing, when it is."""
    if wave_choices(data):
        return ""
    label = mi_parcours.PROGRAMME_LABELS.get(data.programme, data.programme)
    return (f"Aucune vague de contractualisation n'est enregistrée pour « {label} » dans les données (table des "
            "contrats) : le filtre par vague ne s'applique pas à ce programme.")


def period_choices(programme: str) -> tuple[list[int], int, int]:
    """The years the page offers for a programme (from the year before it to the year after it), and the default T0
    and comparison years of Mi-parcours (mi_parcours.PROGRAMME_PERIODS)."""
    start, end = mi_parcours.PROGRAMME_PERIODS[programme]
    return list(range(start - 1, end + 2)), start, end


def axis_label(data: FranceData, axis: str) -> str:
    return "Tous les axes" if axis == ALL else f"Axe {axis} : {data.axes.get(axis, axis)}"


# ------------------------------------------------------------------------------------------------ the view


def _in_wave(data: FranceData, wave: int | None) -> set[str] | None:
    """The départements of the wave (None: no wave filter)."""
    if wave is None:
        return None
    return set(data.waves.loc[data.waves["wave"].astype(int) == int(wave), "code"])


def _period_text(period: object) -> str:
    return MISSING_TEXT if pd.isna(period) else str(int(period))


def _value_text(value: object, period: object, unit: str) -> str:
    text = fmt_value(value, unit)
    return text if text == MISSING_TEXT or pd.isna(period) else f"{text} ({int(period)})"


def _distribution(data: FranceData, tracking: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Statuses per action over the (département × indicator) pairs: the long frame of the chart and the table."""
    # Each indicator's action label once, then every pair's through that mapping (not a lookup per pair).
    label_of = {code: data.actions.get(str(a), str(a)) if isinstance(a, str) and a else NO_ACTION
                for code, a in zip(data.indicators["code"].tolist(), data.indicators["action"].tolist())}
    labels = pd.Series([label_of.get(c, NO_ACTION) for c in tracking["indicator"].tolist()], index=tracking.index,
                       dtype=object)
    counts = pd.crosstab(labels, tracking["status"]).reindex(columns=list(STATUSES), fill_value=0) \
        if len(tracking) else pd.DataFrame(columns=list(STATUSES))
    present = set(labels)
    order = [a for a in data.actions.values() if a in present] + sorted(present - set(data.actions.values()))
    counts = counts.reindex(order, fill_value=0)
    totals = counts.sum(axis=1)
    long = counts.reset_index(names="action_label").melt("action_label", var_name="status", value_name="n")
    long["share"] = [100.0 * n / totals[a] if totals[a] else 0.0 for a, n in zip(long["action_label"], long["n"])]
    table = pd.DataFrame({"Action": counts.index, "Paires": [fmt_int(t) for t in totals]})
    for status in STATUSES:
        table[status.capitalize()] = [f"{fmt_int(n)} ({fmt_pct(100.0 * n / t, 0)})" if t else MISSING_TEXT
                                      for n, t in zip(counts[status], totals)]
    return long, table.reset_index(drop=True)


def france_view(data: FranceData, indicator: str, axis: str = ALL, wave: int | None = None) -> FranceView:
    """One indicator's statuses for every département, and the statuses per action of the programme (of the axis),
    for the départements of the wave (None: all)."""
    info = data.indicators.set_index("code")
    label, unit = str(info.at[indicator, "label"]), str(info.at[indicator, "unit"])
    in_wave = _in_wave(data, wave)
    rows = data.tracking[data.tracking["indicator"] == indicator].set_index("code")
    wave_of = data.waves.drop_duplicates("code").set_index("code")
    # départements whose contract data the user reads (distinct values first: thousands of pairs at scale)
    readable = set(data.tracking["code"].unique().tolist()) | set(data.waves["code"].unique().tolist())
    if data.reads_all:
        readable = set(data.territories["code"])
    shown = data.territories[data.territories["code"].isin(readable)]
    if in_wave is not None:
        shown = shown[shown["code"].isin(in_wave)]
    table_rows, map_rows = [], []
    for code, name in zip(data.territories["code"], data.territories["name"]):
        if code not in readable:
            map_rows.append((code, name, OUTSIDE_RIGHTS, "", "", ""))
            continue
        if in_wave is not None and code not in in_wave:
            map_rows.append((code, name, OUTSIDE_WAVE, "", "", ""))
            continue
        r = rows.loc[code] if code in rows.index else None
        status = STATUS_NO_DATA if r is None else str(r["status"])
        reason = NO_TARGET_REASON if r is None else (r["status_reason"] if isinstance(r["status_reason"], str) else "")
        get = (lambda k: r[k]) if r is not None else (lambda k: float("nan"))
        wave_text = wave_label(wave_of.at[code, "wave"], wave_of.at[code, "signed_year"]) if code in wave_of.index \
            else MISSING_TEXT
        t0 = fmt_value(get("t0_value"), unit)
        current = _value_text(get("current_value"), get("current_period"), unit)
        target = _value_text(get("target_value"), get("target_period"), unit)
        attainment = fmt_pct(get("attainment"), 0)
        table_rows.append({
            "Code": code, "Département": name, "Vague": wave_text, "Statut": status,
            f"Valeur T0 ({data.t0_year})": t0, "Dernière valeur": current,
            "Valeur attendue": fmt_value(get("expected"), unit), "Cible": target, "Taux d'atteinte": attainment,
            "Motif": reason,
        })
        map_rows.append((code, name, status, attainment, f"{t0} → {current}", target))
    table = pd.DataFrame(table_rows, columns=["Code", "Département", "Vague", "Statut", f"Valeur T0 ({data.t0_year})",
                                              "Dernière valeur", "Valeur attendue", "Cible", "Taux d'atteinte",
                                              "Motif"])
    if not len(data.waves):
        table = table.drop(columns="Vague")
    map_frame = pd.DataFrame(map_rows, columns=["code", "name", "status", "attainment", "change", "target"])
    counts = {s: int((table["Statut"] == s).sum()) for s in STATUSES}

    # Per action: every indicator of the axis, over the départements shown (those without a target left out: a pair
    # exists only where a target was set).
    pairs = data.tracking[data.tracking["code"].isin(set(shown["code"]))]
    if axis != ALL:
        pairs = pairs[pairs["indicator"].isin(set(indicator_choices(data, axis)))]
    long, action_table = _distribution(data, pairs)
    return FranceView(indicator, label, unit, str(info.at[indicator, "source"]), table, map_frame, counts, long,
                      action_table, int(len(pairs)))


# ------------------------------------------------------------------------------------------------ figures


def status_rule() -> str:
    return mi_parcours.STATUS_RULE


def status_map(data: FranceData, view: FranceView, layer: DisplayLayer, geojson_url: str | None = None,
               selected: str | None = None) -> go.Figure:
    """The map of every département's status for the indicator (no rank), the selected département outlined."""
    title = f"Statut de chaque département, T0 {data.t0_year} → {data.period_to}"
    caption = [f"Source : {view.source}.",
               f"Géographie au 1er janvier {layer.vintage} — statut selon la règle de la page Mi-parcours ; les taux "
               "d'atteinte ne sont pas classés (les cibles diffèrent)."]
    if selected and selected in set(view.map_frame["code"]):
        caption.append("Contour foncé : le département choisi dans le panneau de gauche.")
    return charts.status_map(view.map_frame, layer, title=title, caption=caption, geojson_url=geojson_url,
                             hover=(("Taux d'atteinte", "attainment"), ("T0 → dernière valeur", "change"),
                                    ("Cible", "target")), highlight=[selected] if selected else ())


def action_figure(data: FranceData, view: FranceView, axis: str = ALL) -> go.Figure:
    """The statuses per action, as shares of each action's (département × indicator) pairs."""
    programme = mi_parcours.PROGRAMME_LABELS.get(data.programme, data.programme)
    title = f"{programme} — {axis_label(data, axis)}"
    caption = (f"Levier, statuts des cibles des contrats, T0 {data.t0_year} → {data.period_to} ; une paire = un "
               f"département × un indicateur ayant une cible ({fmt_int(view.pairs)} paires). Données fictives de "
               "démonstration.")
    return charts.action_distribution_figure(view.by_action, title=title, caption=caption,
                                             unit_text="paires département × indicateur")
