"""What the "Qualité des données" page shows: the quality report (levier.analysis.quality) scoped to the territories
selected in the sidebar, drawn as heat-maps and a map, the list of corrections a DDETS can send, and the findings table
of `levier export qualite`; also the status heat-map and captions the catalogue page (levier.views.indicateurs) shares.

Loaders take a Database first (pages call them through their wrappers in levier.app.cache); every other function is
pure and works on what a loader returned."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.analysis import independent, quality
from levier.charts.maps import france_departements_map
from levier.charts.style import GREY_DARK, GREY_MEDIUM, ROUGE_MARIANNE, finish, source_caption
from levier.core.fmt import MISSING_TEXT, MONTHS, fmt_int, fmt_number, fmt_pct
from levier.geo import display as geo
from levier.store import derived
from levier.store.db import Database, Query, Reader
from levier.store.frames import frame_bytes, frame_of_bytes
from levier.views import independent as independent_view
from levier.views.common import is_demo
from levier.views.findings import frame_rows, frames_of

DEPARTEMENT = "departement"
EPCI = "epci"
METROPOLE_NATURES = ("METRO", "MET69")
PUBLIC_CHECK = "statistique_publique"
INDEPENDENT_CHECK = quality.INDEPENDENT_CHECK  # shown in its own section of the public tab, not among the checks

# DSFR colours: système (succès, erreur, avertissement) and illustrative (tournesol, terre battue) tints.
STATUS_COLORS = {
    quality.STATUS_SENT: "#18753C",
    quality.STATUS_PARTIAL: "#C8AA39",
    quality.STATUS_LATE: "#E4794A",
    quality.STATUS_MISSING: "#CE0500",
    quality.STATUS_NOT_DUE: "#E5E5E5",
}
DECLARED_MISSING_KEY = "déclaré manquant (s, nd, nc, so)"
INDICATOR_STATUS_COLORS = {
    quality.STATUS_SENT: "#18753C",
    DECLARED_MISSING_KEY: "#8585F6",
    quality.STATUS_LATE: "#E4794A",
    quality.STATUS_MISSING: "#CE0500",
    quality.STATUS_NOT_DUE: "#E5E5E5",
}
VERDICT_COLORS = {
    "cohérent": "#929292",
    "atypique (|z| > 3,5)": "#B34000",
    "impossible : plus d'entrants que de personnes pauvres": ROUGE_MARIANNE,
    "pas assez de départements pour comparer": "#CECECE",
    "pas de donnée INSEE": "#CECECE",
}


DEMO_NOTE = " (données fictives de démonstration)"

# What the findings change elsewhere in Levier (levier.analysis.gating): said on the page, under the checks.
GATING_NOTE = (
    "Les valeurs en **erreur** (sous-effectif supérieur à son total, pourcentage hors de 0–100, unité douteuse, "
    "rupture de série, plus d'entrants que de personnes pauvres) restent affichées mais sont **écartées des rangs, "
    "quartiles, médianes (nationale, régionale, des pairs), trajectoires et coûts par résultat** partout dans "
    "Levier, avec le motif « contrôle qualité : … (voir la page Qualité des données) » ; un ratio calculé par Levier "
    "hérite de l'erreur de son numérateur ou de son dénominateur. Les valeurs en **avertissement** (valeur identique "
    "plusieurs années de suite, écart atypique à la statistique publique, écart à une source indépendante au-delà de "
    "la tolérance) sont seulement **signalées** : elles restent "
    "classées et comptées. Corriger la valeur (nouvel import) la fait revenir dans les classements."
)
SEVERITY_TEXT = {
    quality.ERROR: "erreur : écartée des classements",
    quality.WARNING: "avertissement : signalée",
}


def _dmy(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING_TEXT
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def years_text(periods: Iterable[object]) -> str:
    """[2019, 2020, 2021, 2022] -> '2019–2022'; [2014, 2016, 2020] -> '2014, 2016, 2020'; none -> '–'."""
    ys = sorted({int(p) for p in periods if p is not None and not pd.isna(p)})
    if not ys:
        return MISSING_TEXT
    if ys == list(range(ys[0], ys[-1] + 1)):
        return str(ys[0]) if len(ys) == 1 else f"{ys[0]}–{ys[-1]}"
    return ", ".join(map(str, ys))


# ---------------------------------------------------------------------------------------------------------------
# Heat-maps of statuses (completeness, comparability)
# ---------------------------------------------------------------------------------------------------------------


def status_heatmap(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    status: str,
    colors: dict[str, str],
    hover: str,
    title: str,
    caption: str,
    x_title: str = "",
    y_title: str = "",
    row_px: int = 26,
    legend_counts: bool = True,
) -> go.Figure:
    """A grid of coloured cells, one per row of `frame` (x and y as given, in the frame's order), with a real legend
    (one entry per status present, with its count) and the hover text of column `hover`. Cells absent stay white."""
    xs = list(dict.fromkeys(frame[x].astype(str)))
    ys = list(dict.fromkeys(frame[y].astype(str)))
    keys = list(colors)
    n = len(keys)
    z = np.full((len(ys), len(xs)), np.nan)
    text = np.full((len(ys), len(xs)), "", dtype=object)
    xi = {v: i for i, v in enumerate(xs)}
    yi = {v: i for i, v in enumerate(ys)}
    ki = {k: i for i, k in enumerate(keys)}
    for xv, yv, st, hv in zip(frame[x].astype(str), frame[y].astype(str), frame[status], frame[hover]):
        if st in ki:
            z[yi[yv], xi[xv]] = ki[st]
            text[yi[yv], xi[xv]] = hv
    scale = []
    for i, k in enumerate(keys):
        scale += [[i / n, colors[k]], [(i + 1) / n, colors[k]]]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=xs, y=ys, text=text, hovertemplate="%{text}<extra></extra>", colorscale=scale,
            zmin=-0.5, zmax=n - 0.5, showscale=False, xgap=1, ygap=1, name="",
        )
    )
    counts = frame[status].value_counts()
    for k in keys:
        if counts.get(k, 0):
            fig.add_trace(go.Scatter(
                x=[None], y=[None], mode="markers", name=f"{k} ({fmt_int(counts[k])})" if legend_counts else k,
                marker={"size": 13, "color": colors[k], "symbol": "square", "line": {"color": "#BBBBBB", "width": 1}},
                hoverinfo="skip",
            ))
    many = len(xs) > 24
    # Every label shown (plotly would skip every other one): a reader looks for one département's column.
    fig.update_xaxes(type="category", title=x_title, tickangle=-90 if many else 0, tickfont={"size": 8 if many else 11},
                     tickmode="array", tickvals=xs, showgrid=False, side="bottom")
    fig.update_yaxes(type="category", title=y_title, autorange="reversed", showgrid=False,
                     tickfont={"size": 10 if len(ys) > 12 else 12})
    bottom = 70 if many else 50
    finish(fig, title, caption, height=max(170, row_px * len(ys) + 40), bottom_px=bottom)
    fig.update_layout(plot_bgcolor="white", legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig



# Year columns: the pages show them as plain integers ('2021', not '2 021').
YEAR_COLUMNS = ("Année", "Première année", "Dernière année", "Millésime du taux de pauvreté", "Millésime de la population")


# ---------------------------------------------------------------------------------------------------------------
# Quality page: one bundle read once, then pure functions scoped to the selection
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityBundle:
    # What the checks read; served from the derived tables, its values, subcounts and percentages are empty (the
    # checks' results are stored in `report`) and `public` whole.
    data: quality.QualityData
    report: quality.QualityReport
    territories: pd.DataFrame  # level, code, name, dep, reg: départements and métropoles
    programmes: pd.DataFrame  # code, label, first_year, last_year, due_date: programmes with an annual return
    today: date
    regions: dict[str, str] = field(default_factory=dict)  # code -> name
    demo: bool = False  # the returns include demo values (captions say so)
    # independent.compare of the declared values with their independent sources, when the derived tables gave it
    # (None: computed from `data` when shown)
    independent: pd.DataFrame | None = None


def load_quality_data(db: Database, *, level: str = DEPARTEMENT, today: date | None = None) -> quality.QualityData:
    """Everything the quality checks read, fetched through one connection."""
    subs, totals = zip(*quality.SUBCOUNT_PAIRS)
    codes = {p.declared for p in quality.PUBLIC_PAIRINGS} | {quality.POOR_RATE, quality.PERSONS, quality.MINIMA}
    with db.reader() as r:
        indicators = r.df(Query.QUALITY_INDICATORS)
        codes = sorted(codes | independent.needed_codes(indicators))  # the declared vs independent source check
        return quality.QualityData(
            values=r.df(Query.QUALITY_VALUES, {"level": None, "codes": None, "territory": None}),
            indicators=indicators,
            territories=r.df(Query.IMPORT_CONTEXT_TERRITORIES),
            declarations=r.df(Query.VARIANT_DECLARATIONS),
            cells=r.df(Query.QUALITY_COMPLETENESS_CELLS, {"programme": None, "level": level}),
            subcounts=r.df(Query.QUALITY_SUBCOUNTS, {"sub_codes": list(subs), "total_codes": list(totals),
                                                     "only_subs": None}),
            percentages=r.df(Query.QUALITY_PERCENTAGES, {"codes": None}),
            public=r.df(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": codes}),
            level=level,
            today=today or date.today(),
        )


def quality_bundle(db: Database, today: date | None = None) -> QualityBundle:
    """Everything the quality page shows: read from the derived tables when they are current and the user reads
    everything (levier.views.derived.available), otherwise computed from what the user may read (the checks take
    about a second). Either way the same figures."""
    today = today or date.today()
    if derived.available(db):
        return derived_bundle(db, today)
    return live_bundle(db, today)


def _page_context(db: Database, data: quality.QualityData) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """The territories (départements and métropoles), programmes with an annual return and régions of the page."""
    with db.reader() as r:
        terr = r.df(Query.TERRITORY_OPTIONS)
        prog = r.df(Query.PROGRAMME_YEARS)
    regions = dict(zip(terr.loc[terr["level"] == "region", "code"], terr.loc[terr["level"] == "region", "name"]))
    terr = terr[(terr["level"] == DEPARTEMENT) | ((terr["level"] == EPCI) & terr["nature"].isin(METROPOLE_NATURES))]
    terr = terr[["level", "code", "name", "dep", "reg"]].reset_index(drop=True)
    prog = prog[prog["due_date"].notna() & prog["code"].isin(data.cells["programme"].unique())].reset_index(drop=True)
    return terr, prog, regions


def live_bundle(db: Database, today: date) -> QualityBundle:
    """quality_bundle() computed from the stored values the user may read."""
    data = load_quality_data(db, today=today)
    report = quality.quality_report(data)
    demo = is_demo(db)
    terr, prog, regions = _page_context(db, data)
    return QualityBundle(data, report, terr, prog, today, regions, demo)


# --- The derived tables: the report stored once per data version -------------------------------------------------

# The parts of QualityData the page does not read once the checks are stored: kept as empty frames (same columns);
# `public` (the public statistics and declared counts compared with them) is kept whole.
_EMPTY_DATA = ("values", "subcounts", "percentages")
_CELLS_PART = "data.cells"  # the completeness cells, stored among the frames (derived_quality_frames)
_GROUPS_PART = "completeness_groups"  # quality.completeness_groups of every programme
_FLAGGED_PART = "flagged"  # quality.flagged_values of the checks
def _check_part(i: int, code: str, what: str) -> str:
    return f"check.{i:02d}.{code}.{what}"


def build_derived(db: Database, today: date | None = None) -> dict[str, pd.DataFrame]:
    """The publication step's quality tables (levier.views.derived.BUILDERS): the completeness cells, and every
    part of the report that does not depend on the day (each check's rows and values in doubt, the score's counts,
    the declared vs independent comparison), computed over everything stored: as rows keyed by territory
    (derived_quality_cells, derived_quality_findings) and as one frame per part (derived_quality_frames), the form
    derived_bundle reads."""
    data = load_quality_data(db, today=today)
    checks = quality.consistency_checks(data)
    frames: dict[str, tuple[pd.DataFrame, dict]] = {}
    for i, check in enumerate(checks):
        meta = {"code": check.code, "title": check.title, "rule": check.rule, "severity": check.severity}
        frames[_check_part(i, check.code, "rows")] = (check.rows, meta)
        frames[_check_part(i, check.code, "keys")] = (check.keys, {})
    frames["score_counts"] = (quality.score_counts(data, checks).reset_index(), {})
    frames["independent"] = (independent.compare(data.values, data.public, data.indicators), {})
    frames["demo"] = (pd.DataFrame({"demo": [is_demo(db)]}), {})
    for name in _EMPTY_DATA:
        frames[f"data.{name}"] = (getattr(data, name).iloc[0:0], {})
    frames["data.public"] = (data.public, {})
    parts = [frame_rows(part, frame, meta) for part, (frame, meta) in frames.items()]
    # Stored as frames alone (the rows keep what a territory's lookups read): the cells, and what the bundle would
    # compute from them and from the checks whatever the day (the statuses of the day are computed when read).
    frames[_CELLS_PART] = (data.cells, {})
    groups = quality.completeness_groups(data)
    frames[_GROUPS_PART] = (groups if groups is not None else pd.DataFrame(), {})
    frames[_FLAGGED_PART] = (quality.flagged_values(checks), {})
    return {
        "quality_cells": data.cells.assign(is_public=False),
        "quality_findings": pd.concat(parts, ignore_index=True),
        "quality_frames": pd.DataFrame({
            "part": list(frames),
            "meta": [json.dumps(meta, ensure_ascii=False) for _, meta in frames.values()],
            # Each frame with a default index, as frames_of gives it back from the rows (a check's keys are a slice).
            "frame": [frame_bytes(frame.reset_index(drop=True)) for frame, _ in frames.values()],
            "is_public": False,
        }),
    }


def _stored_parts(r: Reader) -> tuple[pd.DataFrame, dict[str, tuple[pd.DataFrame, dict]]]:
    """The completeness cells and the report's parts as derived_bundle reads them: from derived_quality_frames, or
    from the rows of derived_quality_cells and derived_quality_findings when the frames were not written (a
    database migrated to 021 and not published since)."""
    stored = r.df(Query.DERIVED_QUALITY_FRAMES)
    if not len(stored):
        return r.df(Query.DERIVED_QUALITY_CELLS), frames_of(r.df(Query.DERIVED_QUALITY_FINDINGS))
    parts = {str(part): (frame_of_bytes(frame), json.loads(meta))
             for part, meta, frame in zip(stored["part"].tolist(), stored["meta"].tolist(), stored["frame"].tolist())}
    return parts.pop(_CELLS_PART)[0], parts


def derived_bundle(db: Database, today: date) -> QualityBundle:
    """quality_bundle() read from the derived tables: the checks are not run again; completeness and the score,
    which depend on the day, are computed from the stored cells and counts."""
    with db.reader() as r:
        indicators = r.df(Query.QUALITY_INDICATORS)
        territories = r.df(Query.IMPORT_CONTEXT_TERRITORIES)
        declarations = r.df(Query.VARIANT_DECLARATIONS)
        cells, parts = _stored_parts(r)  # the same cursor: one data version
    empty = {name: parts[f"data.{name}"][0] for name in _EMPTY_DATA}
    data = quality.QualityData(indicators=indicators, territories=territories, declarations=declarations,
                               cells=cells, public=parts["data.public"][0], level=DEPARTEMENT, today=today, **empty)
    checks = []
    for name in sorted(p for p in parts if p.startswith("check.") and p.endswith(".rows")):
        rows, meta = parts[name]
        keys, _ = parts[name[: -len("rows")] + "keys"]
        checks.append(quality.CheckResult(meta["code"], meta["title"], meta["rule"], rows, keys, meta["severity"]))
    counts = parts["score_counts"][0].set_index("code")
    groups = parts.pop(_GROUPS_PART, (None,))[0]  # absent from rows read back (_stored_parts): computed then
    summary = quality.completeness_summary(data, groups=groups)  # every programme's, for the table and the score
    flagged = parts.pop(_FLAGGED_PART, (None,))[0]
    report = quality.QualityReport(
        completeness=quality.completeness(data, summary=summary),
        checks=checks,
        score=quality.quality_score(data, checks, counts=counts, summary=summary),
        flagged=quality.flagged_values(checks) if flagged is None else flagged,
    )
    demo = bool(parts["demo"][0]["demo"].iloc[0])
    terr, prog, regions = _page_context(db, data)
    return QualityBundle(data, report, terr, prog, today, regions, demo, parts["independent"][0])


@dataclass(frozen=True)
class Perimeter:
    """The territories whose quality issues the page shows, from the sidebar selection: France entière (codes
    None), a région's or a département's départements with their métropoles, or one métropole. Not a user's rights
    (levier.rights.scope): those already filtered what the bundle holds."""

    label: str
    codes: frozenset[str] | None = None
    departements: tuple[str, ...] = ()
    stem: str = "france"  # for file names: 'france', '13', 'region_84', 'metropole_200046977'

    @property
    def national(self) -> bool:
        return self.codes is None

    def keep(self, frame: pd.DataFrame, column: str = "Code territoire") -> pd.DataFrame:
        if self.codes is None or frame.empty:
            return frame.reset_index(drop=True)
        return frame[frame[column].isin(self.codes)].reset_index(drop=True)


def perimeter_of(bundle: QualityBundle, reg: str = "", dep: str = "", epci: str = "") -> Perimeter:
    """From the sidebar selection: a département brings its métropoles (a DDETS follows both contracts)."""
    t = bundle.territories
    deps = t[t["level"] == DEPARTEMENT]
    metros = t[t["level"] == EPCI]
    names = dict(zip(t["code"], t["name"]))
    if epci and epci in set(metros["code"]):
        return Perimeter(f"{names[epci]} ({epci})", frozenset({epci}), (), f"metropole_{epci}")
    if dep:
        mine = metros[metros["dep"] == dep]
        label = f"{names.get(dep, dep)} ({dep})"
        if len(mine):
            label += " et " + ", ".join(mine["name"])
        return Perimeter(label, frozenset({dep} | set(mine["code"])), (dep,), dep)
    if reg:
        region_name = str(bundle.regions.get(reg, f"région {reg}"))
        in_reg = sorted(deps.loc[deps["reg"] == reg, "code"])
        codes = set(in_reg) | set(metros.loc[metros["dep"].isin(in_reg), "code"])
        return Perimeter(f"{region_name} : {len(in_reg)} départements et leurs métropoles", frozenset(codes), tuple(in_reg),
                     f"region_{reg}")
    return Perimeter("France entière")


def programme_years(bundle: QualityBundle, code: str) -> list[int]:
    hit = bundle.programmes[bundle.programmes["code"] == code]
    if hit.empty:
        return []
    return list(range(int(hit["first_year"].iloc[0]), int(hit["last_year"].iloc[0]) + 1))


def programme_label(bundle: QualityBundle, code: str) -> str:
    hit = bundle.programmes[bundle.programmes["code"] == code]
    return f"{code} – {hit['label'].iloc[0]}" if len(hit) else code


def headline(bundle: QualityBundle, perimeter: Perimeter) -> list[tuple[str, str, str]]:
    """(label, value, help) of the page's key figures for the perimeter."""
    comp = perimeter.keep(bundle.report.completeness)
    st_counts = comp["Statut"].value_counts()
    flagged = perimeter.keep(bundle.report.flagged, "territory_code")
    score = perimeter.keep(bundle.report.score)
    score_value = score["Score qualité (0-100)"]
    if len(perimeter.departements) == 1:
        score_text = fmt_number(score_value.iloc[0], 1) if len(score_value) else MISSING_TEXT
        score_label = "Score qualité"
    else:
        score_text = fmt_number(score_value.median(), 1) if score_value.notna().any() else MISSING_TEXT
        score_label = "Score qualité médian"
    return [
        ("Retours manquants", fmt_int(st_counts.get(quality.STATUS_MISSING, 0)),
         "Années échues sans aucun indicateur transmis (tous programmes)."),
        ("Retours partiels", fmt_int(st_counts.get(quality.STATUS_PARTIAL, 0)),
         "Années où une partie seulement des indicateurs attendus a été transmise."),
        ("Retours en retard", fmt_int(st_counts.get(quality.STATUS_LATE, 0)),
         "Premier envoi daté après l'échéance."),
        ("Valeurs mises en doute", fmt_int(len(flagged)),
         ("Valeurs saisies signalées par au moins un contrôle ; celles en erreur sont écartées des rangs, médianes, "
          "trajectoires et coûts.")),
        (score_label, score_text, "Sur 100 : complétude × valeurs sans anomalie × définition comparable."),
    ]


# --- Completeness -----------------------------------------------------------------------------------------------


def completeness_long(bundle: QualityBundle, programme: str, perimeter: Perimeter) -> pd.DataFrame:
    """Départements × years of one programme: status, counts, due date, first submission, days late (the rows of
    the report's completeness, computed once for every programme)."""
    comp = bundle.report.completeness
    return perimeter.keep(comp[comp["Programme"] == programme])


def completeness_table(bundle: QualityBundle, programme: str, perimeter: Perimeter) -> pd.DataFrame:
    """The matrix as a table: départements as rows (those with a missing, partial or late return first), the
    programme's years as columns, the status in each cell: quality.completeness_matrix pivoted from the report's
    completeness, computed once for every programme, rather than grouping the programme's cells again."""
    comp = bundle.report.completeness
    wide = perimeter.keep(quality.matrix_of_completeness(comp[comp["Programme"] == programme]))
    years = [c for c in wide.columns if c not in ("Code territoire", "Territoire")]
    fine = wide[years].isin([quality.STATUS_SENT, quality.STATUS_NOT_DUE]).all(axis=1)
    return wide.assign(_fine=fine.to_numpy()).sort_values(["_fine", "Code territoire"], kind="stable").drop(
        columns="_fine").reset_index(drop=True)


def completeness_figure(long: pd.DataFrame, programme: str, demo: bool = False) -> go.Figure:
    """The completeness matrix as a coloured grid: départements across, years down (years across for a few)."""
    if long.empty:
        return _empty_figure("Aucun retour attendu pour ce programme.")
    f = long.sort_values(["Code territoire", "Année"]).copy()
    f["Année"] = f["Année"].astype(str)
    f["Département"] = f["Code territoire"] + " – " + f["Territoire"]
    f["_hover"] = [
        f"<b>{c} – {n}</b><br>{y} : <b>{s}</b><br>{fmt_int(r)} indicateur(s) renseigné(s) sur {fmt_int(e)}"
        f"<br>Échéance : {_dmy(d)}<br>Premier envoi : {_dmy(p)}" + (f" ({int(j)} jours de retard)" if pd.notna(j) else "")
        for c, n, y, s, r, e, d, p, j in zip(f["Code territoire"], f["Territoire"], f["Année"], f["Statut"],
                                              f["Indicateurs renseignés"], f["Indicateurs attendus"], f["Échéance"],
                                              f["Premier envoi"], f["Jours de retard"])
    ]
    few = f["Code territoire"].nunique() <= 12
    due = pd.Timestamp(f["Échéance"].iloc[0])
    caption = source_caption(f"retours {programme} des départements{DEMO_NOTE if demo else ''}", list(map(int, f["Année"])),
                             f"Le retour d'une année est attendu le {due.day} {MONTHS[due.month - 1]} de l'année suivante. "
                             "Survolez une case pour le détail.")
    title = f"Complétude des retours {programme}"
    if few:
        return status_heatmap(f, x="Année", y="Département", status="Statut", colors=STATUS_COLORS, hover="_hover",
                              title=title, caption=caption, x_title="Année", row_px=34)
    return status_heatmap(f, x="Code territoire", y="Année", status="Statut", colors=STATUS_COLORS, hover="_hover",
                          title=title, caption=caption, x_title="Département", row_px=34)


def _indicator_key(status: str) -> str:
    return DECLARED_MISSING_KEY if str(status).startswith(quality.STATUS_DECLARED_MISSING) else str(status)


def indicator_completeness(bundle: QualityBundle, programme: str, perimeter: Perimeter, period: int | None = None) -> pd.DataFrame:
    """Départements × expected indicators (one year, or every year for a single département)."""
    frame = quality.completeness_by_indicator(_in_perimeter(bundle.data, perimeter), programme, period)
    return perimeter.keep(frame)


def indicator_completeness_figure(frame: pd.DataFrame, programme: str, demo: bool = False) -> go.Figure:
    """Indicators down; départements across for one year, or years across for one département."""
    if frame.empty:
        return _empty_figure("Aucun indicateur attendu pour cette sélection.")
    f = frame.copy()
    f["_status"] = f["Statut"].map(_indicator_key)
    f["Année"] = f["Année"].astype(str)
    f["_hover"] = [
        f"<b>{c} – {n}</b><br>{i} ({y})<br>{lab[:90]}<br><b>{s}</b>"
        + (f" : {fmt_number(v, 0 if float(v).is_integer() else 1)}" if pd.notna(v) else "")
        for c, n, i, y, lab, s, v in zip(f["Code territoire"], f["Territoire"], f["Indicateur"], f["Année"],
                                         f["Libellé"], f["Statut"], f["Valeur"])
    ]
    by_year = f["Code territoire"].nunique() == 1
    years = sorted(set(f["Année"]))
    caption = source_caption(f"retours {programme} des départements{DEMO_NOTE if demo else ''}", list(map(int, years)),
                             "Un motif s, nd, nc ou so est une réponse : la valeur est déclarée manquante, pas oubliée.")
    if by_year:
        who = f"{f['Code territoire'].iloc[0]} – {f['Territoire'].iloc[0]}"
        f = f.sort_values(["Indicateur", "Année"])
        return status_heatmap(f, x="Année", y="Indicateur", status="_status", colors=INDICATOR_STATUS_COLORS,
                              hover="_hover", title=f"Indicateurs {programme} transmis : {who}", caption=caption,
                              x_title="Année", row_px=20)
    f = f.sort_values(["Indicateur", "Code territoire"])
    return status_heatmap(f, x="Code territoire", y="Indicateur", status="_status", colors=INDICATOR_STATUS_COLORS,
                          hover="_hover", title=f"Indicateurs {programme} transmis en {years[0] if len(years) == 1 else ', '.join(years)}",
                          caption=caption, x_title="Département", row_px=20)


def _empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 14, "color": GREY_MEDIUM})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=160, plot_bgcolor="white", paper_bgcolor="white", margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


# --- Consistency checks -----------------------------------------------------------------------------------------


def consistency_checks(bundle: QualityBundle) -> list[quality.CheckResult]:
    """The consistency checks proper (the public-statistics comparisons have their own tab)."""
    return [c for c in bundle.report.checks if c.code not in (PUBLIC_CHECK, INDEPENDENT_CHECK)]


def public_check(bundle: QualityBundle) -> quality.CheckResult:
    return next(c for c in bundle.report.checks if c.code == PUBLIC_CHECK)


def severity_text(check: quality.CheckResult) -> str:
    """What a check's findings do to the figures (the public-statistics comparison has both levels)."""
    if check.code == PUBLIC_CHECK:
        return (f"{SEVERITY_TEXT[quality.ERROR]} si impossible ; {SEVERITY_TEXT[quality.WARNING]} si atypique")
    return SEVERITY_TEXT.get(check.severity, check.severity)


def checks_summary(bundle: QualityBundle, perimeter: Perimeter) -> pd.DataFrame:
    """One row per check: rows and values put in doubt within the perimeter, and what they do to the figures."""
    rows = []
    for c in bundle.report.checks:
        keys = perimeter.keep(c.keys, "territory_code")
        shown = check_rows(c, perimeter)
        rows.append({"Contrôle": c.title,
                     "Lignes signalées": (int(shown["Verdict"].str.startswith(("impossible", "atypique")).sum())
                                          if c.code == PUBLIC_CHECK else
                                          int((shown["Verdict"] == independent.BADGE).sum())
                                          if c.code == INDEPENDENT_CHECK else len(shown)),
                     "Valeurs mises en doute": len(keys),
                     "Gravité": severity_text(c)})
    return pd.DataFrame(rows)


def check_rows(check: quality.CheckResult, perimeter: Perimeter) -> pd.DataFrame:
    return perimeter.keep(check.rows)


def public_rows(bundle: QualityBundle, perimeter: Perimeter, indicator: str | None = None, period: int | None = None,
                only_flagged: bool = False) -> pd.DataFrame:
    """Declared figures next to the public statistic, with the gap: the perimeter's rows of one indicator and year
    (None: all), or only those the verdict flags."""
    rows = perimeter.keep(public_check(bundle).rows)
    if indicator is not None:
        rows = rows[rows["Indicateur"] == indicator]
    if period is not None:
        rows = rows[rows["Année"] == period]
    if only_flagged:
        rows = rows[rows["Verdict"].str.startswith(("impossible", "atypique"))]
    return rows.reset_index(drop=True)


def independent_rows(bundle: QualityBundle, perimeter: Perimeter, only_flagged: bool = False) -> pd.DataFrame:
    """Declared figures next to the independent public series the catalogue links them to, for the perimeter's
    départements: both values with their years, the gap, the tolerance and the badge."""
    d = bundle.data
    t = bundle.independent if bundle.independent is not None else independent.compare(d.values, d.public, d.indicators)
    if not perimeter.national:
        t = t[t["territory_code"].isin(perimeter.codes)].reset_index(drop=True)
    if only_flagged:
        t = t[t["flagged"].astype(bool)].reset_index(drop=True)
    deps = bundle.territories[bundle.territories["level"] == DEPARTEMENT]
    return independent_view.display_frame(t, d.indicators, dict(zip(deps["code"], deps["name"])), bundle.demo)


def public_options(bundle: QualityBundle) -> dict[str, list[int]]:
    """Declared indicators compared with public statistics, and their years (latest first)."""
    rows = public_check(bundle).rows
    return {ind: sorted({int(y) for y in part["Année"]}, reverse=True) for ind, part in rows.groupby("Indicateur")}


def public_figure(bundle: QualityBundle, indicator: str, period: int, perimeter: Perimeter) -> go.Figure:
    """Declared new RSA entrants against the poor population estimated from INSEE, every département of one year:
    the line is the national median rate; points far from it are the ones the verdict flags."""
    rows = public_check(bundle).rows
    f = rows[(rows["Indicateur"] == indicator) & (rows["Année"] == period)].copy()
    f = f[f["Population pauvre estimée (INSEE)"].notna() & f["Valeur déclarée"].notna()]
    if f.empty:
        return _empty_figure("Pas de statistique publique à comparer pour cette année.")
    label = str(f["Libellé"].iloc[0])
    in_scope = f["Code territoire"].isin(perimeter.codes) if perimeter.codes is not None else pd.Series(False, index=f.index)
    fig = go.Figure()
    for verdict, color in VERDICT_COLORS.items():
        part = f[(f["Verdict"] == verdict) & ~in_scope]
        if part.empty:
            continue
        fig.add_trace(_public_points(part, verdict, color, 8))
    if in_scope.any():
        fig.add_trace(_public_points(f[in_scope], "territoire sélectionné", ROUGE_MARIANNE, 13, symbol="diamond"))
    med = f["Médiane nationale pour 1 000"].dropna()
    if len(med):
        xmax = float(f["Population pauvre estimée (INSEE)"].max()) * 1.05
        rate = float(med.iloc[0])
        fig.add_trace(go.Scatter(x=[0, xmax], y=[0, rate * xmax / 1000], mode="lines", name=(
            f"taux médian national : {fmt_number(rate, 1)} pour 1 000 personnes pauvres"),
            line={"color": GREY_DARK, "dash": "dash", "width": 1}, hoverinfo="skip"))
    fig.update_xaxes(title="Population pauvre estimée (INSEE, Filosofi)", tickformat=",~f", rangemode="tozero")
    fig.update_yaxes(title=f"{label} (déclaré)", tickformat=",~f", rangemode="tozero")
    caption = source_caption(f"retours des départements{DEMO_NOTE if bundle.demo else ''} ; INSEE, Filosofi (personnes des ménages "
                             "fiscaux × taux de pauvreté à 60 %)",
                             period, "Un ordre de grandeur, pas une vérification du chiffre.")
    return finish(fig, f"Déclaré et statistique publique : {label}, {period}", caption, height=420)


def _public_points(part: pd.DataFrame, name: str, color: str, size: int, symbol: str = "circle") -> go.Scatter:
    hover = [
        f"<b>{c} – {n}</b><br>Déclaré : {fmt_int(v)}<br>Population pauvre estimée : {fmt_int(p)}"
        f"<br>Attendu au taux médian : {fmt_int(e)} (écart {fmt_pct(g)})<br>{verdict}"
        for c, n, v, p, e, g, verdict in zip(part["Code territoire"], part["Territoire"], part["Valeur déclarée"],
                                             part["Population pauvre estimée (INSEE)"],
                                             part["Valeur attendue au taux médian"],
                                             part["Écart à la valeur attendue (%)"], part["Verdict"])
    ]
    return go.Scatter(x=part["Population pauvre estimée (INSEE)"], y=part["Valeur déclarée"], mode="markers",
                      name=f"{name} ({len(part)})", text=hover, hovertemplate="%{text}<extra></extra>",
                      marker={"color": color, "size": size, "symbol": symbol, "line": {"color": "white", "width": 0.5}})


# --- Score and map ------------------------------------------------------------------------------------------------


def score_table(bundle: QualityBundle, perimeter: Perimeter) -> pd.DataFrame:
    """The score of each département of the perimeter, the lowest first (no score last)."""
    score = perimeter.keep(bundle.report.score)
    return score.sort_values(["Score qualité (0-100)", "Code territoire"], na_position="last", kind="stable").reset_index(drop=True)


def score_map(bundle: QualityBundle, layer, perimeter: Perimeter, geojson_url: str | None = None) -> go.Figure:
    """The national map of the score (levier.charts.maps with the display layer: overseas and Paris insets)."""
    s = bundle.report.score
    comp = bundle.report.completeness
    due = comp[comp["Statut"] != quality.STATUS_NOT_DUE]
    frame = pd.DataFrame({"code": s["Code territoire"], "name": s["Territoire"], "score": s["Score qualité (0-100)"]})
    return france_departements_map(
        frame, layer, value_col="score", unit="", title="Score de qualité des données par département (0 à 100)",
        source=f"Levier, contrôles des retours des départements{DEMO_NOTE if bundle.demo else ''}",
        year=years_text(due["Année"]) if len(due) else None,
        method="jenks", k=4, highlight=list(perimeter.departements), geojson_url=geojson_url,
        value_label="Score qualité", legend_title="Score sur 100", decimals=1,
    )


def static_geojson_url(layer, static_serving: bool) -> str | None:
    """The URL of the départements' static GeoJSON when Streamlit serves static/ and the file is there; otherwise
    None, and the map inlines the geometry (heavier, but never a blank map)."""
    path = geo.STATIC_DIR / "geo" / geo.static_name(DEPARTEMENT, layer.vintage)
    return geo.static_url(DEPARTEMENT, layer.vintage) if static_serving and path.is_file() else None


# --- The list of corrections to send --------------------------------------------------------------------------------

# What to fix first, then where: the reader scans the problem and its detail before the indicator's long label.
CORRECTION_COLUMNS = ["Code territoire", "Territoire", "Année", "Indicateur", "Problème", "Détail", "Libellé",
                      "Programme", "Contrôle"]


def _issue_frame(frame: pd.DataFrame, problem: str, detail: list[str], control: str, year: str = "Année") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Code territoire": frame["Code territoire"].to_numpy(),
            "Territoire": frame["Territoire"].to_numpy(),
            "Année": frame[year].astype("Int64").to_numpy() if len(frame) else pd.array([], dtype="Int64"),
            "Indicateur": frame["Indicateur"].to_numpy() if "Indicateur" in frame else [""] * len(frame),
            "Problème": problem,
            "Détail": detail,
            "Libellé": frame["Libellé"].to_numpy() if "Libellé" in frame else [""] * len(frame),
            "Programme": frame["Programme"].to_numpy() if "Programme" in frame else [""] * len(frame),
            "Contrôle": control,
        }
    )


def _check_issues(bundle: QualityBundle, check: quality.CheckResult, perimeter: Perimeter) -> pd.DataFrame:
    r = check_rows(check, perimeter)
    programme = dict(zip(bundle.data.indicators["code"], bundle.data.indicators["programme"]))
    if r.empty:
        return pd.DataFrame(columns=CORRECTION_COLUMNS)
    r = r.assign(Programme=r["Indicateur"].map(programme).fillna(""))
    if check.code == "sous_effectifs":
        detail = [f"{fmt_int(v)} est supérieur à son total {t} ({fmt_int(tv)})"
                  for v, t, tv in zip(r["Sous-effectif"], r["Total"], r["Valeur du total"])]
        return _issue_frame(r, "sous-effectif supérieur à son total", detail, check.title)
    if check.code == "pourcentages":
        detail = [f"{fmt_pct(v)} ({o})" for v, o in zip(r["Valeur (%)"], r["Origine"])]
        return _issue_frame(r, "pourcentage hors de 0–100", detail, check.title)
    if check.code == "ruptures":
        r = r[r["Nature"] != "retour au niveau habituel après un pic"]
        detail = [f"{fmt_int(p)} → {fmt_int(v)} ({fmt_pct(e)}), {nat}"
                  for p, v, e, nat in zip(r["Valeur de l'année précédente"], r["Valeur"], r["Évolution (%)"], r["Nature"])]
        return _issue_frame(r, "rupture de série", detail, check.title)
    if check.code == "valeurs_figees":
        detail = [f"{fmt_int(v)} identique de {a} à {b} ({n} années)"
                  for v, a, b, n in zip(r["Valeur répétée"], r["Première année"], r["Dernière année"], r["Nombre d'années"])]
        return _issue_frame(r, "valeur recopiée d'une année sur l'autre ?", detail, check.title, year="Dernière année")
    if check.code == "unites":
        detail = [f"{fmt_number(v, 0 if float(v).is_integer() else 2)} : {d}" for v, d in zip(r["Valeur"], r["Détail"])]
        return _issue_frame(r, r["Motif"].tolist(), detail, check.title)
    if check.code == PUBLIC_CHECK:
        r = r[r["Verdict"].str.startswith(("impossible", "atypique"))]
        detail = [f"déclaré {fmt_int(v)}, attendu environ {fmt_int(e)} au taux médian national (écart {fmt_pct(g)})"
                  for v, e, g in zip(r["Valeur déclarée"], r["Valeur attendue au taux médian"],
                                     r["Écart à la valeur attendue (%)"])]
        return _issue_frame(r, r["Verdict"].tolist(), detail, check.title)
    if check.code == INDEPENDENT_CHECK:
        r = r[r["Verdict"] == independent.BADGE].rename(columns={"Année déclarée": "Année"})
        r = r.assign(Indicateur=r["Valeur saisie en cause"])  # what the département must check: the typed-in value
        detail = [f"déclaré {fmt_number(v, 1)} ({y}) contre {s} {ref} ({py}) : écart {g}, tolérance {t}"
                  for v, y, s, ref, py, g, t in zip(r["Valeur déclarée"], r["Année"], r["Source indépendante"],
                                                   r["Référence comparée"], r["Année publique"], r["Écart"],
                                                   r["Tolérance"])]
        return _issue_frame(r, independent.BADGE, detail, check.title)
    return pd.DataFrame(columns=CORRECTION_COLUMNS)


def _in_perimeter(data: quality.QualityData, perimeter: Perimeter) -> quality.QualityData:
    """The data with only the perimeter's completeness cells (the per-indicator statuses of a few territories)."""
    if perimeter.national:
        return data
    return replace(data, cells=data.cells[data.cells["territory_code"].isin(perimeter.codes)].reset_index(drop=True))


def corrections(bundle: QualityBundle, perimeter: Perimeter) -> pd.DataFrame:
    """What to ask each territory of the perimeter to send or correct: missing and late returns, indicators left
    blank in a partial return, and every value a check puts in doubt, one line each, with the reason in French."""
    parts = []
    comp = perimeter.keep(bundle.report.completeness)
    missing = comp[comp["Statut"] == quality.STATUS_MISSING]
    parts.append(_issue_frame(missing, "retour manquant", [
        f"aucun des {fmt_int(e)} indicateurs attendus n'a été transmis (échéance du {_dmy(d)})"
        for e, d in zip(missing["Indicateurs attendus"], missing["Échéance"])], "Complétude"))
    late = comp[comp["Statut"] == quality.STATUS_LATE]
    parts.append(_issue_frame(late, "retour transmis en retard", [
        f"premier envoi le {_dmy(p)}, échéance du {_dmy(d)} ({int(j)} jours de retard)"
        for p, d, j in zip(late["Premier envoi"], late["Échéance"], late["Jours de retard"])], "Complétude"))
    partial = comp[comp["Statut"] == quality.STATUS_PARTIAL]
    for programme, part in partial.groupby("Programme"):
        cells = perimeter.keep(quality.completeness_by_indicator(_in_perimeter(bundle.data, perimeter), programme))
        keys = set(zip(part["Code territoire"], part["Année"]))
        in_partial = np.array([k in keys for k in zip(cells["Code territoire"], cells["Année"])], dtype=bool)
        gaps = cells[(cells["Statut"] == quality.STATUS_MISSING).to_numpy() & in_partial].assign(Programme=programme)
        parts.append(_issue_frame(gaps, "valeur manquante", [
            "indicateur attendu laissé vide dans le retour (ni valeur, ni motif s, nd, nc ou so)"] * len(gaps),
            "Complétude"))
    for check in bundle.report.checks:
        parts.append(_check_issues(bundle, check, perimeter))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=CORRECTION_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["Année"] = out["Année"].astype("Int64")
    return out.sort_values(["Code territoire", "Programme", "Année", "Indicateur"], kind="stable").reset_index(drop=True)



# --- The findings table of `levier export qualite` -----------------------------------------------------------------

FINDING_LEVELS = (DEPARTEMENT, EPCI, "region")


def findings_table(db: Database, level: str = DEPARTEMENT, territory: str | None = None, *,
                   today: date | None = None) -> pd.DataFrame:
    """The quality findings (the corrections list of the page: missing, late or partial returns and every value a
    check puts in doubt), one row per finding, for every territory of `level` ('departement', 'epci' for the
    métropoles, or 'region': the findings of its départements and métropoles) or only `territory`.
    Columns: code, libelle, indicateur, annee, regle, niveau, probleme, message, libelle_indicateur, programme
    (and, by région, code_territoire and territoire: where the finding is). Years stay numbers."""
    if level not in FINDING_LEVELS:
        raise ValueError(f"Niveau inconnu « {level} » : attendu {', '.join(FINDING_LEVELS)}.")
    bundle = quality_bundle(db, today)
    t = bundle.territories
    if level == "region":
        units = pd.DataFrame({"code": list(bundle.regions), "name": list(bundle.regions.values())})
    else:
        units = t.loc[t["level"] == level, ["code", "name"]]
    units = units.sort_values("code").reset_index(drop=True)
    if territory is not None:
        if territory not in set(units["code"]):
            raise ValueError(f"Territoire inconnu au niveau {level} : « {territory} ».")
        units = units[units["code"] == territory]
    if level == "region":
        region_of = dict(zip(t["code"], t["reg"]))
        members = {c for c in t["code"] if region_of.get(c) in set(units["code"])}
    else:
        members = set(units["code"])
    fixes = corrections(bundle, Perimeter("export", frozenset(members)))
    level_of = dict(zip(t["code"], t["level"]))
    unit_of = (fixes["Code territoire"].map(dict(zip(t["code"], t["reg"]))) if level == "region"
               else fixes["Code territoire"])
    names = dict(zip(units["code"], units["name"]))
    out = pd.DataFrame(
        {
            "code": unit_of.astype(str).to_numpy(),
            "libelle": unit_of.map(names).astype(str).to_numpy(),
            "indicateur": fixes["Indicateur"].to_numpy(),
            "annee": fixes["Année"].astype("Int64").to_numpy(),
            "regle": fixes["Contrôle"].to_numpy(),
            "niveau": fixes["Code territoire"].map(level_of).to_numpy(),
            "probleme": fixes["Problème"].to_numpy(),
            "message": fixes["Détail"].to_numpy(),
            "libelle_indicateur": fixes["Libellé"].to_numpy(),
            "programme": fixes["Programme"].to_numpy(),
        }
    )
    if level == "region":
        out["code_territoire"] = fixes["Code territoire"].to_numpy()
        out["territoire"] = fixes["Territoire"].to_numpy()
    return out.sort_values("code", kind="stable").reset_index(drop=True)
