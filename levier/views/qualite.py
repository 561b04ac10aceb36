"""What the "Indicateurs et définitions" and "Qualité des données" pages show: the searchable catalogue with each
indicator's definition, data coverage and comparability matrix; the quality report scoped to the selected territory,
drawn as heat-maps and a map, and the list of corrections a DDETS can send (pages stay thin).

Loaders take a Database first (pages call them through levier.app.cache.load); every other function is pure and works
on what a loader returned."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.ingest import variants as definitions
from levier.analysis import quality
from levier.charts.style import BLEU_FRANCE, GREY_DARK, GREY_MEDIUM, ROUGE_MARIANNE, finish, source_caption
from levier.store.db import Database, Query
from levier.core.fmt import MISSING_TEXT, MONTHS, fmt_int, fmt_number, fmt_pct
from levier.analysis.positions import direction_label
from levier.core.text import normalise

DEPARTEMENT = "departement"
EPCI = "epci"
METROPOLE_NATURES = ("METRO", "MET69")
PUBLIC_CHECK = "statistique_publique"
NOT_APPLICABLE = "STAT"  # public statistics: one definition (INSEE's), nothing for a territory to declare

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
COMPARABILITY_COLORS = {
    definitions.STATUS_REFERENCE: BLEU_FRANCE,
    definitions.STATUS_VARIANT: "#B34000",
    definitions.STATUS_UNDECLARED: "#E5E5E5",
}
VERDICT_COLORS = {
    "cohérent": "#929292",
    "atypique (|z| > 3,5)": "#B34000",
    "impossible : plus d'entrants que de personnes pauvres": ROUGE_MARIANNE,
    "pas assez de départements pour comparer": "#CECECE",
    "pas de donnée INSEE": "#CECECE",
}
DEMO_NOTE = " (données fictives de démonstration)"
def is_demo(db: Database) -> bool:
    """Whether the stored returns include demo values: every caption then says they are fictitious."""
    status = db.read(Query.DEMO_STATUS)
    return bool(len(status)) and int(status["demo_values"].iloc[0]) > 0


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


# ---------------------------------------------------------------------------------------------------------------
# Catalogue page
# ---------------------------------------------------------------------------------------------------------------

# Year columns: the pages show them as plain integers ('2021', not '2 021').
YEAR_COLUMNS = ("Année", "Première année", "Dernière année", "Millésime du taux de pauvreté", "Millésime de la population")

CATALOGUE_FILTERS = ("Programme", "Axe", "Nature", "Unité", "Source")
CATALOGUE_DISPLAY = [
    "Code", "Indicateur", "Programme", "Axe", "Nature", "Unité", "Sens souhaité", "Périodicité", "Calcul",
    "Années disponibles", "Départements", "EPCI", "Définition variable", "Source", "Définition",
]


def _variant_territories(declarations: pd.DataFrame) -> dict[str, set[str]]:
    var = declarations[~declarations["is_reference"].astype(bool)]
    return {ind: set(part["territory_code"]) for ind, part in var.groupby("indicator")}


def catalogue(db: Database) -> pd.DataFrame:
    """Every indicator of the catalogue, French column labels, with the years and territories that have data and
    how many départements declared a definition variant (for a ratio: of its numerator or denominator)."""
    with db.reader() as r:
        raw = r.df(Query.CATALOGUE_PAGE)
        decl = r.df(Query.VARIANT_DECLARATIONS)
    labels = dict(zip(raw["code"], raw["label"]))
    known = definitions.known_variants()
    known_codes = known[known["variante"] != definitions.REF].groupby("indicateur")["variante"].agg(
        lambda s: ", ".join(dict.fromkeys(s)))
    var_terr = _variant_territories(decl[decl["territory_level"] == DEPARTEMENT])
    num = raw["numerator"].fillna("")
    den = raw["denominator"].fillna("")
    derived = num.ne("") & den.ne("")
    n_variant = [
        len(var_terr.get(c, set()) | var_terr.get(n_, set()) | var_terr.get(d_, set()))
        for c, n_, d_ in zip(raw["code"], num, den)
    ]
    variants_known = [
        ", ".join(x for x in (known_codes.get(n_, ""), known_codes.get(d_, "")) if x) if dv else known_codes.get(c, "")
        for c, n_, d_, dv in zip(raw["code"], num, den, derived)
    ]
    axis = np.where(raw["axis"].fillna("").ne(""),
                    raw["programme"] + " " + raw["axis"].fillna("") + " – " + raw["axis_label"].fillna(""), "")
    calc = np.where(derived, "ratio calculé : " + num + " / " + den, "valeur saisie")
    calc = np.where(raw["programme"] == NOT_APPLICABLE, "statistique publique", calc)
    return pd.DataFrame(
        {
            "Code": raw["code"],
            "Indicateur": raw["label"],
            "Programme": raw["programme"],
            "Libellé du programme": raw["programme_label"].fillna(""),
            "Axe": axis,
            "Action": np.where(raw["action"].fillna("").ne(""),
                               raw["action"].fillna("") + " – " + raw["action_label"].fillna(""), ""),
            "Nature": raw["kind"],
            "Unité": raw["unit"],
            "Sens souhaité": raw["direction"].map(direction_label),
            "Périodicité": raw["periodicity"],
            "Calcul": calc,
            # The small-count rule (levier.rights.disclosure) applies to these, and to the rates built on them.
            "Petits effectifs masqués": np.where(
                raw["sensitive"].fillna(False).astype(bool) & raw["unit"].isin(["personnes", "nombre"]) & ~derived,
                "oui", ""),
            "Numérateur": [f"{n_} – {labels.get(n_, '')}" if n_ else "" for n_ in num],
            "Dénominateur": [f"{d_} – {labels.get(d_, '')}" if d_ else "" for d_ in den],
            "Années disponibles": raw["periods"].map(lambda p: years_text(list(p) if p is not None else [])),
            "Départements": raw["n_departements"].astype("int64"),
            "EPCI": raw["n_epci"].astype("int64"),
            "Valeurs": raw["n_values"].astype("int64"),
            "Définition variable": [
                MISSING_TEXT if p == NOT_APPLICABLE else (f"{k} département(s) sous une variante" if k else "non déclarée")
                for p, k in zip(raw["programme"], n_variant)
            ],
            "Départements sous une variante": n_variant,
            "Variantes connues": variants_known,
            "Source": raw["source"],
            "Définition": raw["definition"],
            "Libellés acceptés à l'import": raw["aliases"].fillna("").str.replace("|", " ; ", regex=False),
            "Indicateur propre au contrat de": raw["territory"].fillna(""),
        }
    )


def catalogue_options(frame: pd.DataFrame) -> dict[str, list[str]]:
    """The values each filter offers, in catalogue order (no empty value)."""
    return {col: [v for v in dict.fromkeys(frame[col]) if v] for col in CATALOGUE_FILTERS}


def filter_catalogue(
    frame: pd.DataFrame,
    search: str = "",
    filters: dict[str, Sequence[str]] | None = None,
    *,
    variants_only: bool = False,
) -> pd.DataFrame:
    """Indicators matching every filter (an empty choice keeps everything) and containing the search text in their
    code, label, definition or accepted labels (accents, case and punctuation ignored)."""
    keep = pd.Series(True, index=frame.index)
    for col, chosen in (filters or {}).items():
        if chosen:
            keep &= frame[col].isin(list(chosen))
    if variants_only:
        keep &= frame["Départements sous une variante"] > 0
    needle = normalise(search)
    if needle:
        hay = (frame["Code"] + " " + frame["Indicateur"] + " " + frame["Définition"] + " "
               + frame["Libellés acceptés à l'import"]).map(normalise)
        keep &= hay.str.contains(needle, regex=False)
    return frame[keep].reset_index(drop=True)


def catalogue_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns the page's table shows (the download keeps every column)."""
    return frame[CATALOGUE_DISPLAY]


def indicator_labels(frame: pd.DataFrame) -> dict[str, str]:
    """Code -> 'code – label', for the page's selector."""
    return dict(zip(frame["Code"], frame["Code"] + " – " + frame["Indicateur"]))


def default_index(codes: Sequence[str], wanted: str) -> int:
    codes = list(codes)
    return codes.index(wanted) if wanted in codes else 0


@dataclass(frozen=True)
class IndicatorDetail:
    """One indicator as the catalogue page describes it."""

    code: str
    label: str
    facts: pd.DataFrame  # Élément, Valeur
    definition: str
    parts: list[str]  # "Numérateur : …", "Dénominateur : …" for a ratio
    used_in: list[str]  # ratios computed from this indicator
    coverage: pd.DataFrame  # one row per year
    coverage_figure: go.Figure
    applicable: bool  # False for public statistics: nothing to declare
    message: str = ""
    mixed: bool = False
    matrix: pd.DataFrame = field(default_factory=pd.DataFrame)  # any year, variants first
    by_year: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per (département, year)
    comparability_figure: go.Figure | None = None
    known: pd.DataFrame = field(default_factory=pd.DataFrame)
    counts: dict[str, int] = field(default_factory=dict)


def _coverage(db: Database, code: str, label: str, source: str) -> tuple[pd.DataFrame, go.Figure]:
    raw = db.read(Query.INDICATOR_COVERAGE_BY_YEAR, {"code": code})
    wide = raw.pivot_table(index="period", columns="territory_level", values=["n_with_value", "n_declared_missing"],
                           aggfunc="sum", fill_value=0)
    periods = sorted(raw["period"].unique())

    def col(measure: str, level: str) -> list[int]:
        if (measure, level) not in wide.columns:
            return [0] * len(periods)
        return [int(v) for v in wide[(measure, level)].reindex(periods, fill_value=0)]

    table = pd.DataFrame(
        {
            "Année": [int(p) for p in periods],
            "Départements avec une valeur": col("n_with_value", DEPARTEMENT),
            "Départements « valeur déclarée manquante »": col("n_declared_missing", DEPARTEMENT),
            "EPCI et métropoles avec une valeur": col("n_with_value", EPCI),
            "EPCI et métropoles « valeur déclarée manquante »": col("n_declared_missing", EPCI),
        }
    )
    fig = go.Figure()
    traces = [
        ("Départements avec une valeur", BLEU_FRANCE),
        ("EPCI et métropoles avec une valeur", "#8585F6"),
        ("Départements « valeur déclarée manquante »", "#929292"),
    ]
    for name, color in traces:
        if table[name].sum() > 0:
            fig.add_trace(go.Bar(x=table["Année"].astype(str), y=table[name], name=name, marker={"color": color},
                                 hovertemplate="%{x} : %{y} territoire(s)<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", bargap=0.3)
    fig.update_xaxes(type="category", title="Année")
    fig.update_yaxes(title="Territoires", tickformat=",~f")
    extra = "Aucune valeur enregistrée." if table.empty else "Une valeur par territoire et par année au plus."
    caption = source_caption(source, [int(p) for p in periods] or None, extra)
    finish(fig, f"Données disponibles : {label}", caption, height=190)
    return table, fig


def _programme_years(db: Database, programme: str) -> list[int]:
    prog = db.read(Query.PROGRAMME_YEARS)
    hit = prog[prog["code"] == programme]
    if hit.empty:
        return []
    return list(range(int(hit["first_year"].iloc[0]), int(hit["last_year"].iloc[0]) + 1))


def _comparability_hover(code: str, name: str, year: object, status: str, variants: str, description: str) -> str:
    text = f"<b>{code} – {name}</b><br>{year} : {status}"
    if variants:
        text += f"<br>Variante(s) : {variants}"
    if description:
        text += f"<br>{description[:140]}"
    return text


def indicator_detail(db: Database, code: str) -> IndicatorDetail:
    """Definition, computation, available data, and which départements use the reference definition year by year."""
    cat = catalogue(db).set_index("Code", drop=False)
    if code not in cat.index:
        raise KeyError(f"Indicateur inconnu : {code}")
    row = cat.loc[code]
    facts = pd.DataFrame(
        {
            "Élément": ["Code", "Programme", "Axe", "Action", "Nature", "Unité", "Sens souhaité", "Périodicité",
                        "Calcul", "Source", "Années disponibles", "Territoires avec des données",
                        "Petits effectifs masqués"],
            "Valeur": [
                code, f"{row['Programme']} – {row['Libellé du programme']}".strip(" –"), row["Axe"] or MISSING_TEXT,
                row["Action"] or MISSING_TEXT, row["Nature"], row["Unité"], row["Sens souhaité"], row["Périodicité"],
                row["Calcul"], row["Source"], row["Années disponibles"],
                f"{row['Départements']} département(s), {row['EPCI']} EPCI ou métropole(s)",
                f"oui : 1 à {db.scope.small_count_max} personnes non affichées hors des territoires dont "
                "l'utilisateur a le détail"
                if row["Petits effectifs masqués"] else "non",
            ],
        }
    )
    parts = [f"{name} : {row[name]}" for name in ("Numérateur", "Dénominateur") if row[name]]
    used_in = [
        f"{c} – {lab}" for c, lab, n_, d_ in zip(cat["Code"], cat["Indicateur"], cat["Numérateur"], cat["Dénominateur"])
        if n_.startswith(f"{code} – ") or d_.startswith(f"{code} – ")
    ]
    demo = is_demo(db)
    source = row["Source"] if row["Programme"] == NOT_APPLICABLE or not demo else f"{row['Source']}{DEMO_NOTE}"
    coverage, coverage_fig = _coverage(db, code, row["Indicateur"], source)
    base = dict(code=code, label=row["Indicateur"], facts=facts, definition=row["Définition"], parts=parts,
                used_in=used_in, coverage=coverage, coverage_figure=coverage_fig)
    if row["Programme"] == NOT_APPLICABLE:
        return IndicatorDetail(**base, applicable=False,
                               message="Statistique publique : une seule définition, celle du producteur (INSEE).")

    overall = definitions.comparability(db, code)
    order = {definitions.STATUS_VARIANT: 0, definitions.STATUS_REFERENCE: 1, definitions.STATUS_UNDECLARED: 2}
    matrix = overall.matrix.assign(_o=overall.matrix["Statut"].map(order)).sort_values(
        ["_o", "Code territoire"], kind="stable").drop(columns="_o").reset_index(drop=True)
    years = _programme_years(db, row["Programme"])
    per_year = []
    for year in years:
        comp = definitions.comparability(db, code, period=year)
        per_year.append(comp.matrix.assign(Année=year))
    by_year = pd.concat(per_year, ignore_index=True) if per_year else overall.matrix.assign(Année="toutes années")
    by_year = by_year[["Code territoire", "Territoire", "Année", "Statut", "Variante(s)", "Libellé", "Description",
                       "Depuis"]]
    by_year = by_year.sort_values(["Année", "Code territoire"], kind="stable").reset_index(drop=True)
    hover = [_comparability_hover(c, n, y, s, v, d) for c, n, y, s, v, d in zip(
        by_year["Code territoire"], by_year["Territoire"], by_year["Année"], by_year["Statut"], by_year["Variante(s)"],
        by_year["Description"])]
    counts = matrix["Statut"].value_counts().to_dict()
    caption = source_caption(
        f"déclarations de variantes des départements{DEMO_NOTE if demo else ''}", years or None,
        "Non déclaré : présumé à la définition de référence, sans garantie. Pour un ratio, la variante de son "
        "numérateur ou de son dénominateur compte.",
    )
    fig = status_heatmap(
        by_year.assign(_hover=hover), x="Code territoire", y="Année", status="Statut", colors=COMPARABILITY_COLORS,
        hover="_hover", title=f"Définition appliquée par département et par année : {row['Indicateur']}",
        caption=caption, x_title="Département", row_px=30, legend_counts=False,
    )
    known_parts = [p for p in (row["Numérateur"].split(" – ")[0], row["Dénominateur"].split(" – ")[0]) if p] or [code]
    known = pd.concat([definitions.variants_for(p) for p in known_parts], ignore_index=True)
    return IndicatorDetail(
        **base, applicable=True, message=overall.message(), mixed=overall.mixed, matrix=matrix, by_year=by_year,
        comparability_figure=fig, known=known, counts={str(k): int(v) for k, v in counts.items()},
    )


def facts_markdown(detail: IndicatorDetail) -> str:
    """The indicator's identity card as a French bulleted list."""
    return "\n".join(f"- **{k}** : {v}" for k, v in zip(detail.facts["Élément"], detail.facts["Valeur"]) if k != "Code")


def comparability_rows(detail: IndicatorDetail, statuses: Sequence[str] = ()) -> pd.DataFrame:
    """The comparability matrix restricted to some statuses (none chosen: every département)."""
    if not statuses:
        return detail.matrix
    return detail.matrix[detail.matrix["Statut"].isin(list(statuses))].reset_index(drop=True)


def declarations(db: Database) -> pd.DataFrame:
    """Every declaration in force (download of the catalogue page)."""
    return definitions.declarations_table(db)


# ---------------------------------------------------------------------------------------------------------------
# Quality page: one bundle read once, then pure functions scoped to the selection
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityBundle:
    data: quality.QualityData
    report: quality.QualityReport
    territories: pd.DataFrame  # level, code, name, dep, reg: départements and métropoles
    programmes: pd.DataFrame  # code, label, first_year, last_year, due_date: programmes with an annual return
    today: date
    regions: dict[str, str] = field(default_factory=dict)  # code -> name
    demo: bool = False  # the returns include demo values (captions say so)


def quality_bundle(db: Database, today: date | None = None) -> QualityBundle:
    """Everything the quality page shows, computed once per data version (the checks take about a second)."""
    today = today or date.today()
    data = quality.QualityData.load(db, today=today)
    report = quality.quality_report(data)
    with db.reader() as r:
        terr = r.df(Query.TERRITORY_OPTIONS)
        prog = r.df(Query.PROGRAMME_YEARS)
    regions = dict(zip(terr.loc[terr["level"] == "region", "code"], terr.loc[terr["level"] == "region", "name"]))
    terr = terr[(terr["level"] == DEPARTEMENT) | ((terr["level"] == EPCI) & terr["nature"].isin(METROPOLE_NATURES))]
    terr = terr[["level", "code", "name", "dep", "reg"]].reset_index(drop=True)
    prog = prog[prog["due_date"].notna() & prog["code"].isin(set(data.cells["programme"]))].reset_index(drop=True)
    return QualityBundle(data, report, terr, prog, today, regions, is_demo(db))


@dataclass(frozen=True)
class Scope:
    """The territories whose issues the page shows: France entière (codes None), a région's or a département's
    départements with their métropoles, or one métropole."""

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


def scope_of(bundle: QualityBundle, reg: str = "", dep: str = "", epci: str = "") -> Scope:
    """From the sidebar selection: a département brings its métropoles (a DDETS follows both contracts)."""
    t = bundle.territories
    deps = t[t["level"] == DEPARTEMENT]
    metros = t[t["level"] == EPCI]
    names = dict(zip(t["code"], t["name"]))
    if epci and epci in set(metros["code"]):
        return Scope(f"{names[epci]} ({epci})", frozenset({epci}), (), f"metropole_{epci}")
    if dep:
        mine = metros[metros["dep"] == dep]
        label = f"{names.get(dep, dep)} ({dep})"
        if len(mine):
            label += " et " + ", ".join(mine["name"])
        return Scope(label, frozenset({dep} | set(mine["code"])), (dep,), dep)
    if reg:
        region_name = str(bundle.regions.get(reg, f"région {reg}"))
        in_reg = sorted(deps.loc[deps["reg"] == reg, "code"])
        codes = set(in_reg) | set(metros.loc[metros["dep"].isin(in_reg), "code"])
        return Scope(f"{region_name} : {len(in_reg)} départements et leurs métropoles", frozenset(codes), tuple(in_reg),
                     f"region_{reg}")
    return Scope("France entière")


def programme_years(bundle: QualityBundle, code: str) -> list[int]:
    hit = bundle.programmes[bundle.programmes["code"] == code]
    if hit.empty:
        return []
    return list(range(int(hit["first_year"].iloc[0]), int(hit["last_year"].iloc[0]) + 1))


def programme_label(bundle: QualityBundle, code: str) -> str:
    hit = bundle.programmes[bundle.programmes["code"] == code]
    return f"{code} – {hit['label'].iloc[0]}" if len(hit) else code


def headline(bundle: QualityBundle, scope: Scope) -> list[tuple[str, str, str]]:
    """(label, value, help) of the page's key figures for the scope."""
    comp = scope.keep(bundle.report.completeness)
    st_counts = comp["Statut"].value_counts()
    flagged = scope.keep(bundle.report.flagged, "territory_code")
    score = scope.keep(bundle.report.score)
    score_value = score["Score qualité (0-100)"]
    if len(scope.departements) == 1:
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
        ("Valeurs mises en doute", fmt_int(len(flagged)), "Valeurs saisies signalées par au moins un contrôle."),
        (score_label, score_text, "Sur 100 : complétude × valeurs sans anomalie × définition comparable."),
    ]


# --- Completeness -----------------------------------------------------------------------------------------------


def completeness_long(bundle: QualityBundle, programme: str, scope: Scope) -> pd.DataFrame:
    """Départements × years of one programme: status, counts, due date, first submission, days late."""
    return scope.keep(quality.completeness(bundle.data, programme))


def completeness_table(bundle: QualityBundle, programme: str, scope: Scope) -> pd.DataFrame:
    """The matrix as a table: départements as rows (those with a missing, partial or late return first), the
    programme's years as columns, the status in each cell."""
    wide = scope.keep(quality.completeness_matrix(bundle.data, programme))
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


def indicator_completeness(bundle: QualityBundle, programme: str, scope: Scope, period: int | None = None) -> pd.DataFrame:
    """Départements × expected indicators (one year, or every year for a single département)."""
    frame = quality.completeness_by_indicator(bundle.data, programme, period)
    return scope.keep(frame)


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
    """The consistency checks proper (the public-statistics comparison has its own tab)."""
    return [c for c in bundle.report.checks if c.code != PUBLIC_CHECK]


def public_check(bundle: QualityBundle) -> quality.CheckResult:
    return next(c for c in bundle.report.checks if c.code == PUBLIC_CHECK)


def checks_summary(bundle: QualityBundle, scope: Scope) -> pd.DataFrame:
    """One row per check: its rule in short, rows and values put in doubt within the scope."""
    rows = []
    for c in bundle.report.checks:
        keys = scope.keep(c.keys, "territory_code")
        shown = check_rows(c, scope)
        rows.append({"Contrôle": c.title,
                     "Lignes signalées": len(shown) if c.code != PUBLIC_CHECK else int(shown["Verdict"].str.startswith(("impossible", "atypique")).sum()),
                     "Valeurs mises en doute": len(keys)})
    return pd.DataFrame(rows)


def check_rows(check: quality.CheckResult, scope: Scope) -> pd.DataFrame:
    return scope.keep(check.rows)


def public_rows(bundle: QualityBundle, scope: Scope, indicator: str | None = None, period: int | None = None,
                only_flagged: bool = False) -> pd.DataFrame:
    """Declared figures next to the public statistic, with the gap: the scope's rows of one indicator and year
    (None: all), or only those the verdict flags."""
    rows = scope.keep(public_check(bundle).rows)
    if indicator is not None:
        rows = rows[rows["Indicateur"] == indicator]
    if period is not None:
        rows = rows[rows["Année"] == period]
    if only_flagged:
        rows = rows[rows["Verdict"].str.startswith(("impossible", "atypique"))]
    return rows.reset_index(drop=True)


def public_options(bundle: QualityBundle) -> dict[str, list[int]]:
    """Declared indicators compared with public statistics, and their years (latest first)."""
    rows = public_check(bundle).rows
    return {ind: sorted({int(y) for y in part["Année"]}, reverse=True) for ind, part in rows.groupby("Indicateur")}


def public_figure(bundle: QualityBundle, indicator: str, period: int, scope: Scope) -> go.Figure:
    """Declared new RSA entrants against the poor population estimated from INSEE, every département of one year:
    the line is the national median rate; points far from it are the ones the verdict flags."""
    rows = public_check(bundle).rows
    f = rows[(rows["Indicateur"] == indicator) & (rows["Année"] == period)].copy()
    f = f[f["Population pauvre estimée (INSEE)"].notna() & f["Valeur déclarée"].notna()]
    if f.empty:
        return _empty_figure("Pas de statistique publique à comparer pour cette année.")
    label = str(f["Libellé"].iloc[0])
    in_scope = f["Code territoire"].isin(scope.codes) if scope.codes is not None else pd.Series(False, index=f.index)
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


def score_table(bundle: QualityBundle, scope: Scope) -> pd.DataFrame:
    """The score of each département of the scope, the lowest first (no score last)."""
    score = scope.keep(bundle.report.score)
    return score.sort_values(["Score qualité (0-100)", "Code territoire"], na_position="last", kind="stable").reset_index(drop=True)


def score_map(bundle: QualityBundle, layer, scope: Scope, geojson_url: str | None = None) -> go.Figure:
    """The national map of the score (levier.charts.maps with the display layer: overseas and Paris insets)."""
    from levier.charts.maps import france_departements_map

    s = bundle.report.score
    comp = bundle.report.completeness
    due = comp[comp["Statut"] != quality.STATUS_NOT_DUE]
    frame = pd.DataFrame({"code": s["Code territoire"], "name": s["Territoire"], "score": s["Score qualité (0-100)"]})
    return france_departements_map(
        frame, layer, value_col="score", unit="", title="Score de qualité des données par département (0 à 100)",
        source=f"Levier, contrôles des retours des départements{DEMO_NOTE if bundle.demo else ''}",
        year=years_text(due["Année"]) if len(due) else None,
        method="jenks", k=4, highlight=list(scope.departements), geojson_url=geojson_url,
        value_label="Score qualité", legend_title="Score sur 100", decimals=1,
    )


def static_geojson_url(layer, static_serving: bool) -> str | None:
    """The URL of the départements' static GeoJSON when Streamlit serves static/ and the file is there; otherwise
    None, and the map inlines the geometry (heavier, but never a blank map)."""
    from levier.geo import display as geo

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


def _check_issues(bundle: QualityBundle, check: quality.CheckResult, scope: Scope) -> pd.DataFrame:
    r = check_rows(check, scope)
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
    return pd.DataFrame(columns=CORRECTION_COLUMNS)


def corrections(bundle: QualityBundle, scope: Scope) -> pd.DataFrame:
    """What to ask each territory of the scope to send or correct: missing and late returns, indicators left
    blank in a partial return, and every value a check puts in doubt, one line each, with the reason in French."""
    parts = []
    comp = scope.keep(bundle.report.completeness)
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
        cells = scope.keep(quality.completeness_by_indicator(bundle.data, programme))
        keys = set(zip(part["Code territoire"], part["Année"]))
        in_partial = np.array([k in keys for k in zip(cells["Code territoire"], cells["Année"])], dtype=bool)
        gaps = cells[(cells["Statut"] == quality.STATUS_MISSING).to_numpy() & in_partial].assign(Programme=programme)
        parts.append(_issue_frame(gaps, "valeur manquante", [
            "indicateur attendu laissé vide dans le retour (ni valeur, ni motif s, nd, nc ou so)"] * len(gaps),
            "Complétude"))
    for check in bundle.report.checks:
        parts.append(_check_issues(bundle, check, scope))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=CORRECTION_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["Année"] = out["Année"].astype("Int64")
    return out.sort_values(["Code territoire", "Programme", "Année", "Indicateur"], kind="stable").reset_index(drop=True)
