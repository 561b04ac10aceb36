"""The comité de suivi pack: a pure content model (cover, T0 diagnostic, actions and targets, funding and lever
effect, data quality, definitions) built from one territory and the user's Database. Writing it is another module's
job (levier.report.build chooses PDF or PPTX): this model imports none of them.

Rights: every read goes through the `Database` handed in (the signed-in user's, row-filtered and small-count
masked by the data layer); nothing here opens a database of its own. Values the layer masked arrive as NaN with
the reason 's' and are written « s (secret) », never 0 or blank; the small-count rule is then stated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.analysis import lever, positions
from levier.charts import maps, style
from levier.core.fmt import (
    MISSING_TEXT,
    as_float,
    fmt_date,
    fmt_int,
    fmt_pct,
    fmt_value,
    fmt_years,
    unit_suffix,
    value_decimals,
)
from levier.geo.display import VINTAGE, DisplayLayer
from levier.rights.disclosure import rule_text
from levier.store.db import Database, Query
from levier.views import common, effet_levier, glance, metropole, mi_parcours, panorama, qualite, t0
from levier.views.selection import load_options

SECRET = "s"
SECRET_TEXT = "s (secret)"
DEMO_MENTION = ("Données fictives de démonstration (retours et financements) : la géographie et les statistiques "
                "publiques (INSEE Filosofi, séries DREES) sont réelles.")
DEMO_SHORT = "Données fictives de démonstration"

SECTIONS = {
    "apercu": "En bref : le territoire en un coup d'œil",
    "t0": "Diagnostic de départ (T0)",
    "actions": "Actions du contrat : indicateurs, cibles et statut",
    "financement": "Financements et effet levier",
    "qualite": "Qualité des données",
    "definitions": "Annexe : définitions des indicateurs",
}
PROGRAMME_LABELS = {
    "PACTE": "Pacte des solidarités – contrat local des solidarités",
    "CDPPE": "Contrat départemental de prévention et de protection de l'enfance (CDPPE)",
    "CALPAE": "Convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi (CALPAE)",
}

# What a comité reads first about needs: poverty, the households most exposed, income, benefits.
KEY_STATS = ("STAT-TP60", "STAT-TP60-TYM5", "STAT-TP60-AGE1", "STAT-TP60-TOL2", "STAT-Q2", "STAT-D1",
             "STAT-PPSOC", "STAT-PPMINI", "STAT-NBPERS")
MAP_DEP_INDICATOR = "STAT-TP60"
MAP_EPCI_INDICATORS = ("STAT-PPMINI", "STAT-PPSOC", "STAT-Q2")
CHART_SECTIONS = ("t0", "actions", "financement")  # the sections that hold charts, in the pack's order
MAX_SERIES = 3  # lagging indicators drawn over time in the actions section
MAX_CORRECTIONS = 15

STATUS_COLORS = {
    positions.STATUS_AHEAD: "#18753C",
    positions.STATUS_ON_TRACK: style.BLEU_FRANCE,
    positions.STATUS_LATE: style.ROUGE_MARIANNE,
    positions.STATUS_NO_DATA: style.GREY,
}


# ---------------------------------------------------------------------------------------------------------------
# Content model


@dataclass
class PackFigure:
    """A chart of the pack: the plotly figure (its own caption kept), and the title, source and year said under it."""

    key: str
    title: str
    source: str
    year: str
    figure: go.Figure
    demo: bool = False
    kind: str = "chart"  # chart | map

    @property
    def caption(self) -> str:
        text = style.source_caption(self.source, self.year or None)
        if self.demo and "fictive" not in text:
            text = text.rstrip() + ("" if text.rstrip().endswith(".") else ".") + f" {DEMO_MENTION}"
        return text


@dataclass
class PackTable:
    """A table already in French text (every cell a string); widths are relative column widths."""

    title: str
    frame: pd.DataFrame
    widths: tuple[float, ...] = ()
    note: str = ""


@dataclass
class PackSection:
    key: str
    title: str
    intro: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # key figures as (label, value) tiles
    figures: list[PackFigure] = field(default_factory=list)
    tables: list[PackTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Cover:
    title: str
    territory: str  # "Isère (38)"
    subtitle: str  # the contract
    date_text: str  # "23 novembre 2026"
    rights_text: str
    demo: bool


@dataclass
class Pack:
    code: str
    level: str
    name: str
    programme: str
    cover: Cover
    sections: list[PackSection]
    demo: bool
    secret: bool  # some value shown is masked by the small-count rule
    secret_rule: str

    @property
    def figures(self) -> list[PackFigure]:
        return [f for s in self.sections for f in s.figures]

    @property
    def stem(self) -> str:
        return f"pack_comite_{self.code}_{self.programme.lower()}"

    def section(self, key: str) -> PackSection | None:
        return next((s for s in self.sections if s.key == key), None)


# ---------------------------------------------------------------------------------------------------------------
# Pure helpers


def cell(value: object, unit: str = "", reason: object = None) -> str:
    """A value as the pack prints it: masked → « s (secret) », other missing → its reason or '–', never 0."""
    v = as_float(value)
    if math.isnan(v):
        if reason == SECRET:
            return SECRET_TEXT
        if isinstance(reason, str) and reason in positions.MISSING_LABELS and reason != "absent":
            return positions.MISSING_LABELS[reason]
        return MISSING_TEXT
    return fmt_value(v, unit, value_decimals(v, unit))



def secret_rule(threshold: int) -> str:
    """The small-count rule as the pages state it (levier.rights.disclosure), without markdown."""
    return rule_text(threshold).replace("**", "")


def _short(text: str, width: int = 70) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def status_chart(tracking: pd.DataFrame, labels: dict[str, str], *, title: str, source: str, year: object) -> go.Figure:
    """Attainment rate of every indicator with a target, coloured by status, with the 90 % and 110 % thresholds.

    tracking: positions.target_tracking() (indicator, label, attainment, status); labels: indicator -> bar label."""
    t = tracking.copy()
    t["attainment"] = pd.to_numeric(t["attainment"], errors="coerce")
    order = {s: i for i, s in enumerate(positions.STATUSES)}
    t["_o"] = t["status"].map(order)
    t = t.sort_values(["_o", "attainment"], ascending=[True, False], kind="stable").iloc[::-1]
    t["bar"] = [_short(labels.get(i, lab), 58) for i, lab in zip(t["indicator"], t["label"])]
    top = float(np.nanmax(t["attainment"])) if t["attainment"].notna().any() else 120.0
    right = max(130.0, min(top * 1.12, 400.0))
    fig = go.Figure()
    for status in positions.STATUSES:
        part = t[t["status"] == status]
        if part.empty:
            continue
        x = part["attainment"].clip(upper=right).fillna(0.0)
        text = [fmt_pct(a, 0) if not math.isnan(a) else "sans donnée" for a in part["attainment"]]
        fig.add_trace(go.Bar(
            x=x, y=part["bar"], orientation="h", name=f"{status.capitalize()} ({len(part)})",
            marker={"color": STATUS_COLORS[status]}, text=text, textposition="outside", cliponaxis=False,
            hovertext=[f"<b>{b}</b><br>{s}" for b, s in zip(part["bar"], text)],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    for x, dash in ((positions.ON_TRACK_THRESHOLD, "dash"), (positions.AHEAD_THRESHOLD, "dot")):
        fig.add_vline(x=x, line={"color": style.GREY_DARK, "dash": dash, "width": 1})
    low = float(np.nanmin(t["attainment"])) if t["attainment"].notna().any() else 0.0
    left = min(0.0, low * 1.15)  # a value moving away from its target reads as a negative rate, drawn leftwards
    fig.update_xaxes(title="Taux d'atteinte de la trajectoire (%)", range=[left, right * 1.08], ticksuffix=unit_suffix("%"))
    fig.update_yaxes(categoryorder="array", categoryarray=list(t["bar"]), tickfont={"size": 12}, showgrid=False,
                     automargin=True)
    extra = (f"Tirets : {fmt_pct(positions.ON_TRACK_THRESHOLD, 0)} (dans la trajectoire) ; pointillés : "
             f"{fmt_pct(positions.AHEAD_THRESHOLD, 0)} (en avance). Taux d'atteinte = (valeur actuelle − T0) ÷ "
             "(valeur attendue − T0).")
    fig = style.finish(fig, title, style.source_caption(source, year, extra), height=max(300, 19 * len(t) + 50))
    fig.update_layout(barmode="overlay", bargap=0.3)
    return fig


def _sub_layer(layer, codes: Sequence[str]):
    """The same layer reduced to some territories: a zoomed map then inlines only their shapes (the shared layer's
    full GeoJSON is never built for one printed map)."""
    wanted = {str(c) for c in codes}
    true = layer.true[layer.true["code"].astype(str).isin(wanted)]
    display = layer.display[layer.display["code"].astype(str).isin(wanted)]
    return DisplayLayer(layer.level, layer.vintage, display, true, [], dict(layer.placements))


def _neighbours(layer, code: str) -> list[str]:
    """The département and those sharing a border with it (true geometry), in code order."""
    true = layer.true
    own = true[true["code"].astype(str) == str(code)]
    if own.empty:
        return []
    geom = own.geometry.iloc[0]
    touching = true[true.geometry.intersects(geom.buffer(0.01))]
    return sorted(touching["code"].astype(str).tolist())


# ---------------------------------------------------------------------------------------------------------------
# Sections (each reads through the Database handed in)


@dataclass(frozen=True)
class PackSources:
    """Where the pack reads its heavier views: by default the views themselves. The app hands in its cached wrappers
    (levier.app.cache.pack_sources, same signatures, same results) so that a pack reuses what the pages computed for
    the same user and data version, and the pages reuse what a pack computed."""

    display_layer: Callable[[str], DisplayLayer] = panorama.display_layer
    quality_bundle: Callable[[Database], qualite.QualityBundle] = qualite.quality_bundle
    indicator_choices: Callable[[Database], list] = panorama.indicator_choices
    funding_programmes: Callable[[Database, str, str], list] = effet_levier.funding_programmes
    lever_view: Callable[..., effet_levier.LeverView] = effet_levier.lever_view
    series_figure: Callable[..., go.Figure] = mi_parcours.series_figure
    distribution_figure: Callable[..., go.Figure] = t0.distribution_figure


@dataclass(frozen=True)
class _Context:
    db: Database
    code: str
    level: str
    dep: str
    reg: str
    name: str
    programme: str
    t0_year: int
    current: int
    demo: bool
    catalogue: pd.DataFrame
    layer_for: Callable[[str], object]
    dep_name: str = ""
    sources: PackSources = PackSources()
    emit: Callable[[PackSection, PackFigure], None] | None = None  # told of each figure as soon as it exists


def _add(ctx: _Context, sec: PackSection, fig: PackFigure) -> None:
    """A figure joins its section and is handed over at once (drawn, or shown as a slide, while the pack goes on)."""
    sec.figures.append(fig)
    if ctx.emit is not None:
        ctx.emit(sec, fig)


def _glance_section(ctx: _Context, shown: set[str], bundle=None) -> PackSection:
    """The pack's first page: the glance of Accueil (levier.views.glance), key figures with their trend and national
    position, the contract's status counts and the alerts."""
    sec = PackSection("apercu", f"{ctx.name} en un coup d'œil")
    view = glance.glance_view(ctx.db, ctx.code, ctx.level, ctx.name, reg=ctx.reg, dep=ctx.dep, bundle=bundle,
                              programme=ctx.programme)
    if view.has_targets:
        sec.facts = [(s.capitalize(), fmt_int(n)) for s, n in view.status_counts.items()]
        sec.intro.append(f"Statut des cibles – {glance.perimeter_note(view)}")
    else:
        sec.intro.append(f"Aucune cible n'est enregistrée pour {ctx.name} ({glance.perimeter_note(view)})")
    alerts = view.alerts or ["Aucune alerte : retours à l'heure, aucune valeur rejetée, aucune action en retard."]
    sec.tables.append(PackTable("Alertes avant le comité", pd.DataFrame({"Point d'attention": alerts}), (1.0,)))
    if view.figures:
        shown.update(f.code for f in view.figures)
        sec.tables.append(PackTable(
            "Chiffres clés : dernière valeur, évolution et position nationale",
            glance.figures_table(view.figures, ctx.level), (2.9, 1.9, 2.6, 1.9, 1.1, 1.7),
            note="Chaque indicateur est lu à sa dernière année publiée ; l'évolution porte sur ses dernières années. "
                 "Rang 1 et quartile 1 = les plus favorables ; sans sens favorable, rang par valeur décroissante. Un "
                 "effectif est classé sur son taux (‰ = pour 1 000 habitants), jamais brut ; une valeur signalée par "
                 "un contrôle de qualité est montrée, non classée."))
    if len(view.late):
        sec.tables.append(PackTable("Indicateurs d'action les plus en retard", glance.late_table(view), (6.0, 1.6, 0.8)))
    sec.notes.extend(view.notes[:1] if view.demo else [])
    return sec


def _t0_section(ctx: _Context, shown: set[str], secrets: list[bool]) -> PackSection:
    db, cat = ctx.db, ctx.catalogue
    sec = PackSection("t0", SECTIONS["t0"])
    # The opening map first (it needs none of the table below): the presentation's first slide, the first chart drawn.
    choices = {c.code: c for c in ctx.sources.indicator_choices(db)}
    # An EPCI's pack opens on its own perimeter (its communes), a département's on it and its neighbours.
    if ctx.level == "epci":
        dep_fig = _perimeter_map(ctx)
    else:
        dep_fig = _departement_map(ctx, ctx.layer_for(panorama.LEVEL_DEP), choices)
    if dep_fig is not None:
        _add(ctx, sec, dep_fig)
        if dep_fig.key == "t0_carte_departements":
            shown.add(MAP_DEP_INDICATOR)
    terr = positions.comparison_set(common.load_territories(db, ctx.level), ctx.level, ctx.code)
    values = common.load_values(db, ctx.level, list(KEY_STATS))
    # Ranked as every page ranks: a count over its denominator, a published floor shown « ≤ » and never ranked.
    ranked_values = common.ranking_values(db, values, cat, ctx.level, terr)
    table = positions.t0_table(ranked_values, terr, cat, ctx.code, ctx.t0_year, (), include_missing=True)
    table = table[table["Code"].isin(KEY_STATS)]
    table = table.set_index("Code").loc[[c for c in KEY_STATS if c in set(table["Code"])]].reset_index()
    own = values[values["code"] == ctx.code].set_index(["indicator", "period"])
    noun = "départements" if ctx.level == "departement" else "EPCI de même nature"
    rows = []
    unranked: list[str] = []  # what is ranked when it is not the value, and why a value is not ranked
    for row in table.to_dict("records"):
        reason = own["missing_reason"].get((row["Code"], int(row["Année"])), None) if pd.notna(row["Année"]) else None
        val = cell(row["Valeur"], row["Unité"], reason)
        secrets.append(val == SECRET_TEXT)
        if row.get("Valeur plancher") and val != SECRET_TEXT:
            val = f"≤ {val}"
        unit = row.get("Unité classée") or row["Unité"]  # medians are on the ranked figure (a count's rate)
        rank = (f"{int(row['Rang'])} / {int(row['Territoires classés'])}" if pd.notna(row["Rang"]) else
                ("non classé" if isinstance(row.get("Motif de non-classement"), str) else MISSING_TEXT))
        rows.append({
            "Indicateur": row["Indicateur"], "Valeur": val,
            "Année": fmt_years(row["Année"]) if pd.notna(row["Année"]) else MISSING_TEXT,
            "Médiane régionale": cell(row["Médiane régionale"], unit),
            "Médiane nationale": cell(row["Médiane nationale"], unit),
            "Rang": rank,
            "Lecture / médiane nationale": row["Situation / médiane nationale"],
        })
        if isinstance(row.get("Motif de non-classement"), str) and row["Motif de non-classement"]:
            unranked.append(f"{row['Indicateur']} : {row['Motif de non-classement']}.")
        elif row.get("Classé sur"):
            unranked.append(f"{row['Indicateur']} : classé {row['Classé sur']}.")
        shown.add(row["Code"])
    frame = pd.DataFrame(rows)
    sec.intro.append(
        f"Chiffres clés de {ctx.name} à T0 ({ctx.t0_year}) : chaque indicateur est lu à sa dernière année publiée "
        f"jusqu'à {ctx.t0_year} (INSEE, Filosofi). Rang 1 = situation la plus favorable parmi les {noun}.")
    if len(frame):
        sec.facts = [(r["Indicateur"], f"{r['Valeur']} ({r['Année']})") for r in rows[:4]]
        sec.tables.append(PackTable(f"Chiffres clés à T0 – {ctx.name}", frame, (3.3, 1.7, 0.7, 1.6, 1.6, 1.2, 1.3),
                                    note=" ".join([positions.RANK_RULE, *unranked])))
    else:
        sec.notes.append("Aucune statistique publique n'est chargée pour ce territoire.")

    if ctx.level == "departement" and MAP_DEP_INDICATOR in set(table["Code"]):
        period = int(table.set_index("Code").at[MAP_DEP_INDICATOR, "Année"])
        fig = ctx.sources.distribution_figure(db, MAP_DEP_INDICATOR, period, "departement", ctx.code, ())
        _add(ctx, sec, PackFigure("t0_distribution", f"{cat.at[MAP_DEP_INDICATOR, 'label']} : {ctx.name} parmi "
                                      "les départements", str(cat.at[MAP_DEP_INDICATOR, "source"]), str(period), fig,
                                      ctx.demo))
    epci_fig = _epci_map(ctx, ctx.layer_for(panorama.LEVEL_EPCI), choices)
    if epci_fig is not None:
        _add(ctx, sec, epci_fig)
    return sec


def _departement_map(ctx: _Context, layer, choices: dict) -> PackFigure | None:
    db, cat = ctx.db, ctx.catalogue
    ind = MAP_DEP_INDICATOR
    if ind not in choices or not choices[ind].periods_dep:
        return None
    period = max(p for p in choices[ind].periods_dep if p <= ctx.t0_year) if any(
        p <= ctx.t0_year for p in choices[ind].periods_dep) else max(choices[ind].periods_dep)
    frame = panorama.level_values(db, ind, period, panorama.LEVEL_DEP, ctx.catalogue)
    label, unit, source = str(cat.at[ind, "label"]), str(cat.at[ind, "unit"]), str(cat.at[ind, "source"])
    codes = _neighbours(layer, ctx.dep)
    common = dict(value_col="value", unit=unit, source=source, year=period, status_col="status", k=5,
                  legend_title=f"En {unit}" if unit else None, highlight=[ctx.dep], unclassed_col="unranked_reason")
    if len(codes) > 1:
        fig = maps.zoom_map(frame, _sub_layer(layer, codes), codes, title=f"{label}, {period} : le département et ses voisins",
                            height=620, **common)
        title = f"{label} : {ctx.dep_name} et ses départements voisins"
    else:  # overseas: no land neighbour, the whole of France with its insets
        fig = maps.france_map(frame, layer, title=f"{label}, {period}, par département", height=620, **common)
        title = f"{label} par département"
    return PackFigure("t0_carte_departements", title, source, str(period), fig, ctx.demo, kind="map")


def _perimeter_map(ctx: _Context) -> PackFigure | None:
    """The EPCI's own perimeter: its member communes over its area (views.metropole)."""
    name = ctx.name.rsplit(" (", 1)[0]
    fig = metropole.perimeter_figure(ctx.code, name, ctx.layer_for(panorama.LEVEL_EPCI))
    if fig is None:
        return None
    return PackFigure("t0_carte_perimetre", f"{name} : son périmètre et ses communes", metropole.PERIMETER_SOURCE,
                      str(VINTAGE), fig, False, kind="map")


def _epci_map(ctx: _Context, layer, choices: dict) -> PackFigure | None:
    db, cat = ctx.db, ctx.catalogue
    ind = next((i for i in MAP_EPCI_INDICATORS if i in choices and choices[i].periods_epci), None)
    if ind is None:
        return None
    periods = choices[ind].periods_epci
    period = max([p for p in periods if p <= ctx.t0_year] or periods)
    frame = panorama.level_values(db, ind, period, panorama.LEVEL_EPCI, ctx.catalogue)
    label, unit, source = str(cat.at[ind, "label"]), str(cat.at[ind, "unit"]), str(cat.at[ind, "source"])
    try:
        members = layer.true.loc[layer.true["dep"].astype(str) == ctx.dep, "code"].astype(str).tolist()
        fig = maps.departement_epci_map(
            frame, _sub_layer(layer, members), ctx.dep, value_col="value", unit=unit, source=source, year=period,
            status_col="status", unclassed_col="unranked_reason",
            k=5, legend_title=f"En {unit}" if unit else None, highlight=[ctx.code] if ctx.level == "epci" else None,
            title=f"{label}, {period}, par EPCI du département", height=620,
        )
    except ValueError:
        return None
    return PackFigure("t0_carte_epci", f"{label} par intercommunalité ({ctx.dep_name})", source, str(period), fig,
                      ctx.demo, kind="map")


def _actions_section(ctx: _Context, shown: set[str], secrets: list[bool]) -> PackSection:
    db, cat = ctx.db, ctx.catalogue
    sec = PackSection("actions", SECTIONS["actions"])
    tracking = mi_parcours.load_target_tracking(db, ctx.code, ctx.t0_year, level=ctx.level, current_period=ctx.current)
    if len(tracking):
        tracking = tracking[tracking["indicator"].map(cat["programme"]) == ctx.programme].reset_index(drop=True)
    prog = PROGRAMME_LABELS.get(ctx.programme, ctx.programme)
    if tracking.empty:
        sec.intro.append(f"Aucune cible n'est enregistrée pour {ctx.name} dans le programme {prog}.")
        return sec
    own = common.territory_values(db, ctx.level, ctx.code)
    targets = db.read(Query.TARGETS, {"level": ctx.level, "code": ctx.code})
    actions = db.read(Query.FUNDING_ACTIONS)
    action_labels = dict(zip(actions["code"], actions["label"]))
    axis_labels = {(p, a): lab for p, a, lab in zip(actions["programme"], actions["axis"], actions["axis_label"])
                   if isinstance(a, str)}

    counts = tracking["status"].value_counts().to_dict()
    sec.facts = [(s.capitalize(), fmt_int(counts.get(s, 0))) for s in positions.STATUSES]
    sec.intro.append(
        f"{len(tracking)} indicateur(s) du programme {prog} ont une cible. Valeur T0 : {ctx.t0_year} ; dernière "
        f"valeur connue jusqu'à {ctx.current}. Statut lu sur la trajectoire de T0 à la cible "
        f"(« {positions.STATUS_AHEAD} » ≥ {fmt_pct(positions.AHEAD_THRESHOLD, 0)} de la trajectoire, "
        f"« {positions.STATUS_LATE} » < {fmt_pct(positions.ON_TRACK_THRESHOLD, 0)}).")

    rows = []
    for r in tracking.itertuples(index=False):
        ind = r.indicator
        shown.add(ind)
        unit = r.unit or ""
        mine = own[own["indicator"] == ind]
        t0_reason = _reason(mine, ctx.t0_year)
        later = mine[(mine["period"] > ctx.t0_year) & (mine["period"] <= ctx.current)].sort_values("period")
        if pd.isna(r.current_value) and len(later):
            cur_year, cur_reason = int(later["period"].iloc[-1]), later["missing_reason"].iloc[-1]
        else:
            cur_year, cur_reason = (int(r.current_period) if pd.notna(r.current_period) else None), None
        tg = targets[targets["indicator"] == ind].sort_values("target_year")
        tg_year = int(r.target_period) if pd.notna(r.target_period) else (int(tg["target_year"].iloc[-1]) if len(tg) else None)
        tg_reason = tg["missing_reason"].iloc[-1] if len(tg) and pd.isna(r.target_value) else None
        t0_text = cell(r.t0_value, unit, t0_reason)
        cur_text = cell(r.current_value, unit, cur_reason)
        tg_text = cell(r.target_value, unit, tg_reason)
        secrets.extend(x == SECRET_TEXT for x in (t0_text, cur_text, tg_text))
        action = cat.at[ind, "action"] if ind in cat.index else None
        axis = cat.at[ind, "axis"] if ind in cat.index else None
        rows.append({
            "_axis": str(axis) if isinstance(axis, str) else "",
            "Axe": f"Axe {axis}" if isinstance(axis, str) and axis else MISSING_TEXT,
            "Action": action_labels.get(action, action) if isinstance(action, str) else MISSING_TEXT,
            "Indicateur": r.label,
            f"T0 ({ctx.t0_year})": t0_text,
            "Dernière valeur": f"{cur_text} ({cur_year})" if cur_year and cur_text != MISSING_TEXT else cur_text,
            "Cible": f"{tg_text} ({tg_year})" if tg_year and tg_text != MISSING_TEXT else tg_text,
            "Atteinte": fmt_pct(r.attainment, 0),
            "Statut": r.status,
        })
    frame = pd.DataFrame(rows)
    for axis, part in frame.groupby("_axis", sort=True):
        head = axis_labels.get((ctx.programme, axis))
        title = f"Axe {axis} – {head}" if axis and head else (f"Axe {axis}" if axis else "Indicateurs sans axe")
        sec.tables.append(PackTable(title, part.drop(columns=["_axis", "Axe"]).reset_index(drop=True),
                                    (2.0, 3.1, 1.45, 1.55, 1.55, 0.8, 1.4)))
    labels = {r.indicator: r.label for r in tracking.itertuples()}
    source = common.source_text(cat, tracking["indicator"].iloc[0])
    _add(ctx, sec, PackFigure(
        "actions_statut", f"Où en sont les cibles ? {ctx.name}, {ctx.programme}", source,
        f"{ctx.t0_year}–{ctx.current}",
        status_chart(tracking, labels, title=f"Taux d'atteinte de la trajectoire par indicateur – {ctx.programme}",
                     source=source, year=f"{ctx.t0_year}–{ctx.current}"),
        ctx.demo))
    late = tracking[tracking["status"] == positions.STATUS_LATE].sort_values("attainment").head(MAX_SERIES)
    for r in late.itertuples():
        fig = ctx.sources.series_figure(db, r.indicator, ctx.level, ctx.code, ctx.t0_year, ctx.current, ())
        _add(ctx, sec, PackFigure(f"actions_serie_{r.indicator}", f"En retard : {r.label}",
                                      common.source_text(cat, r.indicator), f"{ctx.t0_year}–{ctx.current}", fig, ctx.demo))
    sec.notes.append(mi_parcours.STATUS_RULE)
    return sec


def _reason(values: pd.DataFrame, period: int) -> object:
    at = values[values["period"] == period]
    return at["missing_reason"].iloc[0] if len(at) and pd.isna(at["value"].iloc[0]) else None


def _funding_section(ctx: _Context) -> PackSection:
    db = ctx.db
    sec = PackSection("financement", SECTIONS["financement"])
    programmes = {p.code: p for p in ctx.sources.funding_programmes(db, ctx.level, ctx.code)}
    if ctx.level == "epci" and not programmes:  # an EPCI holding no contract: never its département's figures
        nature = common.load_territories(db, "epci").set_index("code")["nature"].get(ctx.code)
        sec.intro.append(effet_levier.epci_notice(nature, ctx.name, ctx.dep_name))
        return sec
    if ctx.programme not in programmes:
        sec.intro.append(f"Aucun financement {ctx.programme} n'est visible pour ce territoire (fichier non importé, ou "
                         "hors de vos droits).")
        return sec
    years = programmes[ctx.programme].years
    view = ctx.sources.lever_view(db, ctx.level, ctx.code, ctx.programme, "spent", years[0], years[-1])
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    if view.empty:
        sec.intro.append(f"Aucun financement {ctx.programme} déclaré pour {ctx.name} de {span}.")
        return sec
    own = view.holder.label
    computed = ("Effet levier et montants par habitant pauvre calculés" if view.per_poor_figure is not None else
                "Effet levier calculé")
    sec.intro.append(f"Montants État et {view.holder.noun} par action, {span} : prévus, engagés et consommés. "
                     f"{computed} sur les montants consommés.")
    sec.facts = list(view.headline.items())
    compact = view.execution[["Action", "État prévu", "État engagé", "État consommé", f"{own} prévu",
                              f"{own} engagé", f"{own} consommé", "Effet levier (consommé)"]]
    sec.tables.append(PackTable(f"État et {view.holder.noun} par action – {ctx.programme} {span}", compact,
                                (3.6, 1.2, 1.2, 1.2, 1.3, 1.3, 1.3, 1.0), note=view.leverage_rule))
    source = effet_levier.funding_source(any(p.is_demo for p in programmes.values()))
    _add(ctx, sec, PackFigure("financement_execution", f"Prévu, engagé, consommé par action – {ctx.programme}",
                                  source, span, view.execution_figure, ctx.demo))
    if view.sankey_figure is not None:
        _add(ctx, sec, PackFigure("financement_reventilations", "Crédits reventilés entre actions", source, span,
                                      view.sankey_figure, ctx.demo))
    _add(ctx, sec, PackFigure("financement_levier", f"Effet levier comparé aux autres {view.holder.plural}",
                                  source, span, view.leverage_figure, ctx.demo))
    alerts = view.substitutions + view.new_actions
    if alerts:
        sec.notes.append("Alertes de substitution : " + " ".join(alerts))
        sec.notes.append(view.substitution_rule)
    else:
        sec.notes.append("Aucune alerte de substitution sur la période.")
    sec.notes.extend(view.notes)
    return sec


def _quality_section(ctx: _Context, bundle=None) -> PackSection:
    sec = PackSection("qualite", SECTIONS["qualite"])
    bundle = bundle if bundle is not None else ctx.sources.quality_bundle(ctx.db)
    scope = qualite.perimeter_of(bundle, ctx.reg, ctx.dep, ctx.code if ctx.level == "epci" else "")
    sec.facts = [(label, value) for label, value, _help in qualite.headline(bundle, scope)]
    fixes = qualite.corrections(bundle, scope)
    if fixes.empty:
        sec.intro.append(f"Aucune anomalie détectée pour {ctx.name} : retours complets, à l'heure, et aucune valeur "
                         "mise en doute par les contrôles de cohérence.")
    else:
        sec.intro.append(f"{len(fixes)} point(s) à faire corriger par le territoire (retours manquants ou en retard, "
                         "valeurs laissées vides ou mises en doute par un contrôle).")
        shown = fixes.head(MAX_CORRECTIONS)
        cols = [c for c in ("Année", "Indicateur", "Problème", "Détail") if c in shown.columns]
        frame = shown[cols].astype(object).where(shown[cols].notna(), MISSING_TEXT).astype(str)
        sec.tables.append(PackTable("Remarques sur les données transmises", frame.reset_index(drop=True),
                                    (0.7, 2.0, 2.0, 4.5)[: len(cols)]))
        if len(fixes) > MAX_CORRECTIONS:
            sec.notes.append(f"… et {len(fixes) - MAX_CORRECTIONS} autre(s) : liste complète sur la page « Qualité "
                             "des données » de Levier.")
    return sec


def _definitions_section(ctx: _Context, shown: set[str], secret: bool, rule: str) -> PackSection:
    cat = ctx.catalogue
    sec = PackSection("definitions", SECTIONS["definitions"])
    codes = [c for c in cat.index if c in shown]
    frame = pd.DataFrame({
        "Code": codes,
        "Indicateur": [str(cat.at[c, "label"]) for c in codes],
        "Unité": [str(cat.at[c, "unit"]) for c in codes],
        "Source": [str(cat.at[c, "source"]) for c in codes],
        "Définition": [str(cat.at[c, "definition"] or "") for c in codes],
    })
    sec.intro.append("Définitions des indicateurs présentés dans ce pack, telles qu'enregistrées au catalogue de "
                     "Levier. Un département peut déclarer une variante de définition : voir la page « Indicateurs et "
                     "définitions ».")
    if len(frame):
        sec.tables.append(PackTable("Indicateurs présentés", frame, (1.6, 2.6, 0.8, 1.6, 5.0)))
    sec.notes += [positions.RANK_RULE, mi_parcours.STATUS_RULE, lever.LEVERAGE_RULE]
    if secret:
        sec.notes.append(rule)
    return sec


# ---------------------------------------------------------------------------------------------------------------
# Entry point


def build_pack(
    db: Database,
    code: str,
    level: str,
    *,
    programme: str = "PACTE",
    sections: Sequence[str] = tuple(SECTIONS),
    rights_text: str = "",
    today: date | None = None,
    layer_for: Callable[[str], object] | None = None,
    quality_bundle=None,
    on_figure: Callable[[PackFigure], None] | None = None,
    on_slide: Callable[[str, PackFigure], None] | None = None,
    sources: PackSources | None = None,
) -> Pack:
    """The pack of one département or EPCI, every figure read through `db` (the user's, rights applied).

    `sources` says where the heavier views are read (the app passes its cached wrappers; by default the views
    themselves); `layer_for(level)` (the display geometry) and `quality_bundle` (the national quality checks), when
    given, take precedence over them. `on_figure(figure)` and `on_slide(section title, figure)` are handed each
    figure as soon as it exists (levier.report.build draws it, the presentation shows it, while the pack goes on):
    the sections with charts are built first, then the others, and the pack keeps the order of SECTIONS."""
    if level not in ("departement", "epci"):
        raise ValueError("Le pack se prépare pour un département ou un EPCI.")
    options = load_options(db)
    name = options.name(level, code)
    if level == "epci":
        dep = str(options.epci.at[code, "dep"]) if code in options.epci.index else ""
    else:
        dep = code
    reg = str(options.departements.at[dep, "reg"]) if dep in options.departements.index else ""
    dep_name = f"{options.name('departement', dep)} ({dep})" if dep else ""
    t0_year, end = mi_parcours.PROGRAMME_PERIODS.get(programme, (2023, 2026))
    periods = common.available_periods(db, level, code)
    later = [p for p in periods if t0_year < p <= end]
    current = max(later) if later else end
    demo = qualite.is_demo(db)
    catalogue = common.catalogue(db)
    sources = sources or PackSources()

    def emit(sec: PackSection, fig: PackFigure) -> None:
        if on_figure is not None:
            on_figure(fig)
        if on_slide is not None:
            on_slide(sec.title, fig)

    ctx = _Context(db, code, level, dep, reg, f"{name} ({code})", programme, t0_year, current, demo, catalogue,
                   layer_for or sources.display_layer, dep_name, sources, emit)

    shown: set[str] = set()
    secrets: list[bool] = []
    wanted = [s for s in SECTIONS if s in set(sections)]
    # Charts first: each one is drawn (or projected) while the sections of tables are read. No section reads
    # another's result, and `shown` and `secrets` do not depend on the order, so the pack is the same.
    order = [k for k in wanted if k in CHART_SECTIONS] + [k for k in wanted if k not in CHART_SECTIONS]
    made: dict[str, PackSection] = {}
    for key in order:
        if key == "apercu":
            if quality_bundle is None:  # read once for both sections (the glance is then lookups only)
                quality_bundle = sources.quality_bundle(db)
            made[key] = _glance_section(ctx, shown, quality_bundle)
        elif key == "t0":
            made[key] = _t0_section(ctx, shown, secrets)
        elif key == "actions":
            made[key] = _actions_section(ctx, shown, secrets)
        elif key == "financement":
            made[key] = _funding_section(ctx)
        elif key == "qualite":
            made[key] = _quality_section(ctx, quality_bundle)
    built = [made[k] for k in wanted if k in made]
    secret = any(secrets)
    rule = secret_rule(db.scope.small_count_max)
    if "definitions" in wanted:
        built.append(_definitions_section(ctx, shown, secret, rule))
    if secret:
        for sec in built:
            if sec.key in ("t0", "actions") and any(SECRET_TEXT in t.frame.to_numpy() for t in sec.tables):
                sec.notes.insert(0, rule)
    cover = Cover(
        title="Pack du comité de suivi",
        territory=ctx.name if level == "departement" else f"{ctx.name} – {dep_name}",
        subtitle=PROGRAMME_LABELS.get(programme, programme),
        date_text=fmt_date(today or date.today()),
        rights_text=rights_text,
        demo=demo,
    )
    return Pack(code, level, ctx.name, programme, cover, built, demo, secret, rule)


def summary_counts(pack: Pack) -> dict[str, int]:
    """How much the pack holds, for the page's one-line summary."""
    return {"sections": len(pack.sections), "graphiques": len(pack.figures),
            "tableaux": sum(len(s.tables) for s in pack.sections)}


def rights_sentence(db: Database) -> str:
    """The French sentence describing the rights the pack was read with (the user's scope), '' when unknown."""
    scope = getattr(db, "scope", None)
    describe = getattr(scope, "describe", None)
    return describe() if callable(describe) else ""
