"""What the "Indicateurs et définitions" page shows: the searchable catalogue with each indicator's definition, the
data that exists, and the comparability matrix (levier.analysis.comparability) of the declared definition variants.

Loaders take a Database first (pages call them through their wrappers in levier.app.cache); every other function is
pure and works on what a loader returned."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.analysis import comparability as comp
from levier.analysis.positions import direction_label
from levier.charts.style import BLEU_FRANCE, finish, source_caption
from levier.core.fmt import MISSING_TEXT
from levier.core.text import normalise
from levier.analysis import independent
from levier.ingest import variants
from levier.store import derived as derived_tables
from levier.store.db import Database, Query
from levier.views.independent import links_table
from levier.views.qualite import (
    DEMO_NOTE,
    DEPARTEMENT,
    EPCI,
    is_demo,
    status_heatmap,
    years_text,
)

NOT_APPLICABLE = "STAT"  # public statistics: one definition (INSEE's), nothing for a territory to declare
COMPARABILITY_COLORS = {
    comp.STATUS_REFERENCE: BLEU_FRANCE,
    comp.STATUS_VARIANT: "#B34000",
    comp.STATUS_UNDECLARED: "#E5E5E5",
}

# ---------------------------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------------------------

CATALOGUE_FILTERS = ("Programme", "Axe", "Nature", "Unité", "Source")
CATALOGUE_DISPLAY = [
    "Code", "Indicateur", "Programme", "Axe", "Nature", "Unité", "Sens souhaité", "Périodicité", "Calcul",
    "Années disponibles", "Départements", "EPCI", "Définition variable", "Source", "Définition",
]


def _variant_territories(declarations: pd.DataFrame) -> dict[str, set[str]]:
    var = declarations[~declarations["is_reference"].astype(bool)]
    return {ind: set(part["territory_code"]) for ind, part in var.groupby("indicator")}


def load_declarations(db: Database) -> pd.DataFrame:
    """Every declaration in force (variant_declarations.sql): what catalogue() counts and declarations() lists."""
    return db.read(Query.VARIANT_DECLARATIONS)


def catalogue(db: Database, declared: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every indicator of the catalogue, French column labels, with the years and territories that have data and
    how many départements declared a definition variant (for a ratio: of its numerator or denominator).
    `declared`: load_declarations(db) when the caller holds it."""
    page = Query.CATALOGUE_PAGE_DERIVED if derived_tables.available(db) else Query.CATALOGUE_PAGE
    with db.reader() as r:
        raw = r.df(page)
        decl = r.df(Query.VARIANT_DECLARATIONS) if declared is None else declared
    # Columns as lists once: the comprehensions below run once per indicator (1,770 at scale), and iterating a
    # pandas column of Arrow strings boxes each value.
    codes, programmes = raw["code"].tolist(), raw["programme"].tolist()
    labels = dict(zip(codes, raw["label"].tolist()))
    known = variants.known_variants()
    known_codes = known[known["variante"] != variants.REF].groupby("indicateur")["variante"].agg(
        lambda s: ", ".join(dict.fromkeys(s)))
    var_terr = _variant_territories(decl[decl["territory_level"] == DEPARTEMENT])
    num = raw["numerator"].fillna("")
    den = raw["denominator"].fillna("")
    derived = num.ne("") & den.ne("")
    nums, dens = num.tolist(), den.tolist()
    n_variant = [
        len(var_terr.get(c, set()) | var_terr.get(n_, set()) | var_terr.get(d_, set()))
        for c, n_, d_ in zip(codes, nums, dens)
    ]
    variants_known = [
        ", ".join(x for x in (known_codes.get(n_, ""), known_codes.get(d_, "")) if x) if dv else known_codes.get(c, "")
        for c, n_, d_, dv in zip(codes, nums, dens, derived.tolist())
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
            "Numérateur": [f"{n_} – {labels.get(n_, '')}" if n_ else "" for n_ in nums],
            "Dénominateur": [f"{d_} – {labels.get(d_, '')}" if d_ else "" for d_ in dens],
            "Années disponibles": raw["periods"].map(lambda p: years_text(list(p) if p is not None else [])),
            "Départements": raw["n_departements"].astype("int64"),
            "EPCI": raw["n_epci"].astype("int64"),
            "Valeurs": raw["n_values"].astype("int64"),
            "Définition variable": [
                MISSING_TEXT if p == NOT_APPLICABLE else (f"{k} département(s) sous une variante" if k else "non déclarée")
                for p, k in zip(programmes, n_variant)
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
    query = Query.DERIVED_INDICATOR_COVERAGE if derived_tables.available(db) else Query.INDICATOR_COVERAGE_BY_YEAR
    raw = db.read(query, {"code": code})
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


def indicator_detail(db: Database, code: str, cat: pd.DataFrame | None = None) -> IndicatorDetail:
    """Definition, computation, available data, and which départements use the reference definition year by year.
    `cat`: catalogue(db), when the caller has read it (the page lists it above the sheet)."""
    cat = (catalogue(db) if cat is None else cat).set_index("Code", drop=False)
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

    declared = comparability_inputs(db, code)
    overall = comp.comparability(code, *declared)
    order = {comp.STATUS_VARIANT: 0, comp.STATUS_REFERENCE: 1, comp.STATUS_UNDECLARED: 2}
    matrix = overall.matrix.assign(_o=overall.matrix["Statut"].map(order)).sort_values(
        ["_o", "Code territoire"], kind="stable").drop(columns="_o").reset_index(drop=True)
    years = _programme_years(db, row["Programme"])
    per_year = []
    for year in years:
        per_year.append(comp.comparability(code, *declared, period=year).matrix.assign(Année=year))
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
    known = pd.concat([variants.variants_for(p) for p in known_parts], ignore_index=True)
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


# ---------------------------------------------------------------------------------------------------------------
# Comparability: the declarations loaded here, the verdict computed by levier.analysis.comparability
# ---------------------------------------------------------------------------------------------------------------


def comparability_inputs(db: Database, indicator: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(declarations in force of the indicator's parts, territories): what comparability() needs, in one read."""
    with db.reader() as r:
        parts = comp.indicator_parts(r.df(Query.QUALITY_INDICATORS), indicator)
        decl = r.df(Query.CURRENT_VARIANTS_FOR_INDICATORS, {"codes": parts})
        terr = r.df(Query.IMPORT_CONTEXT_TERRITORIES)
    return decl, terr


def load_comparability(db: Database, indicator: str, territories: Iterable[str] | None = None,
                       period: int | None = None, *, level: str = DEPARTEMENT) -> comp.Comparability:
    """Who computes `indicator` (or, for a ratio, its numerator and denominator) the reference way, among
    `territories` (default: every territory of `level`), for one year (None: any year). Rankings show it."""
    return comp.comparability(indicator, *comparability_inputs(db, indicator), territories, period, level=level)


def comparability_overview(db: Database, period: int | None = None, level: str = DEPARTEMENT) -> pd.DataFrame:
    """Territories × indicators with a declared variant: 'référence', the variant codes, or 'non déclaré'."""
    with db.reader() as r:
        decl = r.df(Query.VARIANT_DECLARATIONS)
        terr = r.df(Query.IMPORT_CONTEXT_TERRITORIES)
    return comp.comparability_overview(decl, terr, period, level)


def declarations_table(declarations: pd.DataFrame) -> pd.DataFrame:
    """Declarations in force (rows of the variant_declarations query) with French column labels, for download."""
    decl = declarations
    return pd.DataFrame(
        {
            "Code territoire": decl["territory_code"],
            "Indicateur": decl["indicator"],
            "Dimension": decl["dimension"].fillna("toutes"),
            "Variante": decl["variant"],
            "Libellé": decl["variant_label"],
            "Référence": decl["is_reference"].map({True: "oui", False: "non"}),
            "Description": decl["description"].fillna(""),
            "Depuis": decl["period_from"].map(lambda p: "toujours" if pd.isna(p) else str(int(p))),
            "Fichier": decl["file_name"],
            "Enregistré le": pd.to_datetime(decl["recorded_at"]).dt.strftime("%d/%m/%Y %H:%M"),
        }
    )


def declarations(db: Database, declared: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every declaration in force (download of the catalogue page); `declared`: load_declarations(db) when the
    caller holds it."""
    return declarations_table(load_declarations(db) if declared is None else declared)


# --- Sources indépendantes ---------------------------------------------------------------------------------------

INDEPENDENT_INTRO = (
    "Un indicateur déclaré par les départements peut être relié, dans le catalogue (colonnes independent_source et "
    "independent_tolerance), à une série publique qui mesure la même chose ou la borne : la DREES (enquête OARSA, "
    "enquête Aide sociale, données mensuelles des prestations de solidarité). La page *Qualité des données* et la "
    "page *T0* mettent alors la valeur déclarée d'un département à côté de la valeur publique du même département, "
    "chacune avec son année, l'écart et un badge « " + independent.BADGE + " ». Une série publique n'est pas une "
    "vérité : c'est un second regard, avec son propre champ et sa propre date."
)
INDEPENDENT_METHOD = independent.YEAR_RULE + "\n\n" + independent.TOLERANCE_RULE


def independent_sources(db: Database) -> pd.DataFrame:
    """Each link of the catalogue between a declared indicator and an independent public series: what is compared,
    which years, the tolerance (one row per link)."""
    with db.reader() as r:
        return links_table(r.df(Query.QUALITY_INDICATORS))


def build_derived(db: Database) -> dict[str, pd.DataFrame]:
    """The publication step's catalogue tables (levier.views.derived.BUILDERS): what data exists per indicator, and
    per indicator, year and level, counted over everything stored (public when the indicator is a public statistic)."""
    with db.reader() as r:
        return {"indicator_catalogue": r.df(Query.CATALOGUE_COVERAGE),
                "indicator_coverage": r.df(Query.INDICATOR_COVERAGE_ALL)}
