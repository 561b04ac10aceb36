"""What the région view shows a commissaire: the région's départements and métropoles side by side (target statuses,
key T0 figures against the national median, returns, money) and the région's map, each figure the one its
territory's own page shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd
import plotly.graph_objects as go

from levier.analysis import lever, positions, quality
from levier.analysis.positions import (
    STATUS_AHEAD, STATUS_EXCLUDED, STATUS_LATE, STATUS_NO_DATA, STATUS_ON_TRACK,
)
from levier.charts import maps
from levier.core.fmt import MISSING_TEXT, NBSP, fmt_compact_euros, fmt_int, fmt_pct
from levier.geo import display as geo
from levier.geo.display import DisplayLayer
from levier.rights.scope import Scope
from levier.store.db import Database, Query
from levier.views import mi_parcours, t0
from levier.views.common import catalogue, indexed_catalogue
from levier.views.common import source_text as common_source
from levier.views.effet_levier import funding_programmes, funding_source
from levier.views.qualite import QualityBundle

LEVEL_DEP = positions.LEVEL_DEPARTEMENT
LEVEL_EPCI = positions.LEVEL_EPCI
LEVELS = (LEVEL_DEP, LEVEL_EPCI)
KIND_LABELS = {LEVEL_DEP: "Département", LEVEL_EPCI: "Métropole"}
PROGRAMMES = ("PACTE", "CALPAE", "CDPPE")  # the contracts whose targets, returns and money the view follows
OUT_OF_RIGHTS = "hors de vos droits"
DEMO_NOTE = "données fictives de démonstration"

# Key T0 figures: rates (a count is never ranked as a performance), public statistics first, then one contract rate.
KEY_INDICATORS = ("STAT-TP60", "STAT-TP60-TYM5", "STAT-Q2", "STAT-PPMINI", "PACTE-2-ORI-TX", "PACTE-2-CONTRAT-TX")
NOT_AT_EPCI = "non publié (EPCI)"  # INSEE publishes this statistic for départements, not for EPCI
T0_YEAR = t0.T0_YEARS[0]  # the T0 page's default year, so that both pages show the same figures
T0_COLUMNS = ["Valeur", "Année", "Classé sur", "Rang", "Médiane nationale", "Écart à la médiane nationale",
              "Situation / médiane nationale", "Motif de non-classement"]
STATUS_COLUMNS = {STATUS_AHEAD: "En avance", STATUS_ON_TRACK: "Dans la trajectoire", STATUS_LATE: "En retard",
                  STATUS_NO_DATA: "Sans donnée", STATUS_EXCLUDED: "Non évaluable"}
RETURN_COLUMNS = {"expected": "Retours attendus (échus)", "received": "Reçus", "late": "Dont en retard",
                  "partial": "Dont partiels", "missing": "Manquants"}
MONEY_STAGES = {"planned": "prévu", "committed": "engagé", "spent": "consommé"}

RETURNS_RULE = (
    "Un retour = un territoire, une année échue d'un programme. « Reçus » : au moins un indicateur transmis (statuts "
    f"« {quality.STATUS_SENT} », « {quality.STATUS_PARTIAL} » et « {quality.STATUS_LATE} » de la page Qualité des "
    f"données) ; « Dont en retard » : premier envoi après l'échéance ; « Manquants » : rien après l'échéance. Les "
    "années non échues ne comptent pas. « – » : aucun retour de ce programme n'est attendu du territoire dans la "
    "base (les retours des métropoles ne sont pas encore suivis)."
)
STATUS_NOTE = (
    "Nombre d'indicateurs à cible du programme par statut, aux années par défaut de la page Comparaison mi-parcours "
    "de chaque territoire (T0 et dernière année disponibles) : mêmes chiffres que sur sa page."
)


@dataclass(frozen=True)
class RegionView:
    reg: str
    name: str
    programme: str
    territories: pd.DataFrame  # level, code, name, dep, reg, nature, population, kind, label, visible
    statuses: pd.DataFrame  # one row per territory: Territoire, Type, Période, the status columns
    status_counts: dict[str, dict[str, int]]  # territory code -> status -> count (visible territories only)
    returns: pd.DataFrame  # one row per territory: Territoire, Type, the return columns
    money: pd.DataFrame  # one row per territory: Territoire, Type, État and total € planned / committed / spent
    money_totals: dict[str, dict[str, float]]  # territory code -> etat_planned … departement_spent (numbers)
    money_years: tuple[int, int] | None
    money_source: str
    returns_demo: bool
    key_choices: dict[str, str]  # indicator code -> label (with its unit), the key figures offered
    notes: list[str] = field(default_factory=list)
    headline: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, help) of the metric tiles


# ------------------------------------------------------------------------------------------------ territories


def region_territories(db: Database, reg: str) -> pd.DataFrame:
    """The région's départements then its métropoles (EPCI holding a contract), with whether the user reads their
    contract data (`visible`): a territory outside the rights shows public statistics only."""
    terr = db.read(Query.REGION_TERRITORIES, {"reg": reg})
    # A département reads « Isère (38) »; a métropole by its name, its SIREN in the type column (tables fit 1280 px).
    terr["kind"] = [KIND_LABELS[lv] + (f" {c}" if lv == LEVEL_EPCI else "") for lv, c in zip(terr["level"], terr["code"])]
    terr["label"] = [f"{n} ({c})" if lv == LEVEL_DEP else str(n)
                     for lv, n, c in zip(terr["level"], terr["name"], terr["code"])]
    terr["visible"] = [db.scope.sees(str(d)) for d in terr["dep"]]
    return terr.reset_index(drop=True)


def _head(terr: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Territoire": terr["label"].to_numpy(), "Type": terr["kind"].to_numpy()})


# ------------------------------------------------------------------------------------------------ target statuses


def territory_status_counts(db: Database, level: str, code: str, programme: str, cat: pd.DataFrame | None = None
                            ) -> tuple[dict[str, int], str]:
    """The Mi-parcours page's status counts for one territory at its default years (mi_parcours.default_periods of
    its available periods), and the period text « 2023 → 2026 ». cat: the catalogue (common.catalogue), read once by
    a caller counting many territories."""
    periods = mi_parcours.available_periods(db, level, code) or [T0_YEAR]
    period_from, period_to = mi_parcours.default_periods(periods, programme)
    tracking = mi_parcours.tracking_of(db, code, level, period_from, period_to, programme, cat=cat)
    counts = tracking["status"].value_counts().to_dict() if "status" in tracking.columns else {}
    return {str(k): int(v) for k, v in counts.items()}, f"{period_from} → {period_to}"


def derived_status_counts(db: Database, terr: pd.DataFrame, programme: str, cat: pd.DataFrame
                          ) -> dict[str, tuple[dict[str, int], str]] | None:
    """territory_status_counts of every territory of `terr` the user reads, from the derived tables in two reads
    per level (the territories' years, then their statuses, each at its own default years), or None when the derived
    tables do not serve this user (mi_parcours.derived_read)."""
    shown = terr[terr["visible"]]

    def reads(r) -> dict[str, tuple[dict[str, int], str]]:
        out: dict[str, tuple[dict[str, int], str]] = {}
        for level, group in shown.groupby("level", sort=False):
            codes = [str(c) for c in group["code"]]
            years = r.df(Query.MIDTERM_TERRITORIES_PERIODS, {"level": level, "codes": codes})
            periods_of = {code: [int(p) for p in found["period"]] for code, found in years.groupby("code")}
            asked = {c: mi_parcours.default_periods(periods_of.get(c) or [T0_YEAR], programme) for c in codes}
            rows = r.df(Query.TARGET_STATUS_OF_TERRITORIES, {
                "level": level, "codes": codes, "t0s": [asked[c][0] for c in codes],
                "currents": [asked[c][1] for c in codes]})
            rows = rows[rows["indicator"].map(cat["programme"]) == programme]
            for code in codes:
                counts = rows.loc[rows["code"] == code, "status"].value_counts().to_dict()
                out[code] = ({str(k): int(v) for k, v in counts.items()}, f"{asked[code][0]} → {asked[code][1]}")
        return out

    return mi_parcours.derived_read(db, reads)


def status_table(db: Database, terr: pd.DataFrame, programme: str,
                 cat: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """`cat`: the indicator catalogue indexed by code (common.catalogue) when the caller holds it."""
    rows, counts = [], {}
    cat = catalogue(db) if cat is None else cat
    served = derived_status_counts(db, terr, programme, cat)  # else each territory's, live
    for r in terr.itertuples(index=False):
        if not r.visible:
            rows.append({"Période": OUT_OF_RIGHTS, **{label: OUT_OF_RIGHTS for label in STATUS_COLUMNS.values()}})
            continue
        mine, period = (served[r.code] if served is not None
                        else territory_status_counts(db, r.level, r.code, programme, cat))
        counts[r.code] = mine
        total = sum(mine.values())
        rows.append({"Période": period if total else MISSING_TEXT,
                     **{label: fmt_int(mine.get(status, 0)) if total else MISSING_TEXT
                        for status, label in STATUS_COLUMNS.items()}})
    return pd.concat([_head(terr), pd.DataFrame(rows, columns=["Période", *STATUS_COLUMNS.values()])], axis=1), counts


# ------------------------------------------------------------------------------------------------ returns


def return_counts(completeness: pd.DataFrame, code: str, programme: str) -> dict[str, int]:
    """A territory's returns of one programme (rows of the Qualité page's completeness), due years only."""
    rows = completeness[(completeness["Code territoire"] == code) & (completeness["Programme"] == programme)]
    status = rows["Statut"]
    due = status[status != quality.STATUS_NOT_DUE]
    received = due.isin([quality.STATUS_SENT, quality.STATUS_PARTIAL, quality.STATUS_LATE])
    return {"expected": int(len(due)), "received": int(received.sum()), "late": int((due == quality.STATUS_LATE).sum()),
            "partial": int((due == quality.STATUS_PARTIAL).sum()),
            "missing": int((due == quality.STATUS_MISSING).sum())}


def returns_table(terr: pd.DataFrame, bundle: QualityBundle, programme: str) -> pd.DataFrame:
    completeness = bundle.report.completeness
    followed = set(completeness.loc[completeness["Programme"] == programme, "Code territoire"])
    rows = []
    for r in terr.itertuples(index=False):
        if not r.visible:
            rows.append({label: OUT_OF_RIGHTS for label in RETURN_COLUMNS.values()})
        elif r.code not in followed:
            rows.append({label: MISSING_TEXT for label in RETURN_COLUMNS.values()})
        else:
            counts = return_counts(completeness, r.code, programme)
            rows.append({label: fmt_int(counts[key]) for key, label in RETURN_COLUMNS.items()})
    return pd.concat([_head(terr), pd.DataFrame(rows, columns=list(RETURN_COLUMNS.values()))], axis=1)


# ------------------------------------------------------------------------------------------------ money


def funding_of(db: Database, terr: pd.DataFrame, programme: str) -> pd.DataFrame:
    """The programme's current funding of the région's territories the user may read (départements and EPCI)."""
    parts = []
    for level in (LEVEL_DEP, LEVEL_EPCI):
        codes = terr.loc[(terr["level"] == level) & terr["visible"], "code"].tolist()
        if codes:
            parts.append(db.read(Query.REGION_FUNDING, {"programme": programme, "level": level, "codes": codes}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["code", "programme", "axis", "action", "year", "funder", "planned", "committed",
                                     "spent", "is_demo"])
    funding = pd.concat(parts, ignore_index=True)
    funding["year"] = funding["year"].astype(int)
    return funding


def money_table(terr: pd.DataFrame, funding: pd.DataFrame, years: Sequence[int] | None
                ) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """État € and total € planned, committed and spent per territory over the programme's years (the Effet levier
    page's sums, lever.action_totals then lever.totals), and the consumption rate of the total."""
    columns = [*(f"État {s}" for s in MONEY_STAGES.values()), *(f"Total {s}" for s in MONEY_STAGES.values()),
               "Consommé / prévu"]
    rows, totals = [], {}
    # The actions' sums of every territory in one pass (lever.action_totals kept apart per territory).
    every = lever.territory_action_totals(funding, years) if len(funding) else pd.DataFrame()
    per_code = {str(c): g for c, g in every.groupby("code", sort=False)} if len(every) else {}
    funded = set(funding["code"]) if len(funding) else set()
    for r in terr.itertuples(index=False):
        if not r.visible:
            rows.append({c: OUT_OF_RIGHTS for c in columns})
            continue
        if r.code not in funded:
            rows.append({c: MISSING_TEXT for c in columns})
            continue
        heads = lever.totals(per_code.get(r.code, every.iloc[:0]))
        totals[r.code] = heads
        row = {}
        for stage, word in MONEY_STAGES.items():
            state = heads[f"{lever.STATE}_{stage}"]
            own = heads[f"{lever.OWN}_{stage}"]
            row[f"État {word}"] = fmt_compact_euros(state)
            row[f"Total {word}"] = fmt_compact_euros(_sum(state, own))
        row["Consommé / prévu"] = fmt_pct(100.0 * lever.ratio(
            _sum(heads[f"{lever.STATE}_spent"], heads[f"{lever.OWN}_spent"]),
            _sum(heads[f"{lever.STATE}_planned"], heads[f"{lever.OWN}_planned"])))
        rows.append(row)
    return pd.concat([_head(terr), pd.DataFrame(rows, columns=columns)], axis=1), totals


def _sum(a: float, b: float) -> float:
    """State € + own €, a missing own amount counting as none (as the Effet levier page adds them)."""
    return float(pd.Series([a, b]).sum(min_count=1))


# ------------------------------------------------------------------------------------------------ key T0 figures


def key_choices(cat: pd.DataFrame) -> dict[str, str]:
    """The key figures offered, code -> « label (unit) », from the catalogue indexed by code."""
    return {c: f"{cat.at[c, 'label']} ({cat.at[c, 'unit']})" if str(cat.at[c, "unit"] or "") else str(cat.at[c, "label"])
            for c in KEY_INDICATORS if c in cat.index}


def key_figures(scope: Scope, terr: pd.DataFrame, data: Mapping[str, t0.T0Data], indicator: str,
                t0_year: int = T0_YEAR) -> pd.DataFrame:
    """One indicator for every territory as the T0 page shows it (t0.t0_table_of then t0.format_t0_table: the
    ranked figure, a count as its rate, medians of its comparison set: all départements, or the métropoles), with
    `ranked_value` (number, for the map) and `code`."""
    # Each indicator is positioned on its own: the territories' tables are computed on this indicator's rows (and
    # catalogue entry) only, then formatted together (format_t0_table works row by row).
    data = {level: replace(d, values=d.values[d.values["indicator"] == indicator],
                           stats=d.stats[d.stats["indicator"] == indicator],
                           catalogue=d.catalogue[d.catalogue["code"] == indicator]) for level, d in data.items()}
    public = indicator.startswith("STAT-")
    # Every territory's table at once per level (t0.t0_tables_of: each level's frames read once, not per territory).
    tables: list[pd.DataFrame] = []
    where: dict[tuple[str, str], int] = {}  # (level, code) -> its row in `table`
    for level, codes in terr.groupby("level", sort=False)["code"]:
        both = t0.t0_tables_of(data[level], scope, codes.tolist(), t0_year, include_missing=True)
        both = both[both["Code"] == indicator]
        offset = sum(len(t) for t in tables)
        for i, c in enumerate(both[positions.REQUEST_CODE].tolist()):
            where.setdefault((level, c), offset + i)
        tables.append(both)
    table = pd.concat(tables, ignore_index=True).drop(columns=positions.REQUEST_CODE) if tables else None
    ranked_col = "Valeur classée" if table is not None and "Valeur classée" in table.columns else "Valeur"
    rows: list[dict] = []
    found: list[tuple[int, int]] = []  # (row of the output, row of `table`)
    for r in terr.itertuples(index=False):
        at = where.get((r.level, r.code))
        if at is None:
            reason = (OUT_OF_RIGHTS if not r.visible and not public
                      else NOT_AT_EPCI if r.level == LEVEL_EPCI and public else MISSING_TEXT)
            rows.append({"code": r.code, "ranked_value": float("nan"),
                         **{c: MISSING_TEXT for c in T0_COLUMNS}, "Valeur": reason})
            continue
        ranked = table[ranked_col].iat[at]
        reason = table["Motif de non-classement"].iat[at]
        unranked = isinstance(reason, str) and reason
        rows.append({"code": r.code, "ranked_value": float("nan") if unranked or pd.isna(table["Rang"].iat[at])
                     else float(ranked)})
        found.append((len(rows) - 1, at))
    if found:
        shown = t0.format_t0_table(table.take([at for _, at in found]).reset_index(drop=True),
                                   T0_COLUMNS).to_dict("records")
        for (out_at, _), text in zip(found, shown):
            rows[out_at].update({c: text.get(c, "") for c in T0_COLUMNS})
    out = pd.DataFrame(rows, columns=["code", "ranked_value", *T0_COLUMNS])
    out["Classé sur"] = out["Classé sur"].replace({"la valeur": "", "": ""})
    return pd.concat([_head(terr), out], axis=1)


def key_figures_display(figures: pd.DataFrame) -> pd.DataFrame:
    """The table shown: a column that says nothing for this indicator (no rate basis, nothing left unranked) is
    left out, so that the figures fit the screen."""
    out = figures.drop(columns=["code", "ranked_value"])
    quiet = [c for c in ("Classé sur", "Motif de non-classement") if out[c].isin(["", MISSING_TEXT]).all()]
    return out.drop(columns=quiet)


def region_map(figures: pd.DataFrame, terr: pd.DataFrame, layer: DisplayLayer, indicator_label: str, unit: str,
               source: str, year: int) -> go.Figure:
    """The région's départements zoomed (levier.charts.maps.zoom_map), coloured by the key figure as ranked (a
    value kept out of the ranking stays grey); the métropoles are in the tables, not on this map. The shapes are the
    layer's static file, fetched once by the browser, as on the Panorama page: not a copy inlined in every figure."""
    deps = terr[terr["level"] == LEVEL_DEP]
    frame = figures[figures["code"].isin(set(deps["code"]))][["code", "ranked_value", "Rang"]]
    frame = frame.merge(deps[["code", "name"]], on="code")
    frame["rank_text"] = frame["Rang"]
    return maps.zoom_map(
        frame, layer, deps["code"].tolist(), value_col="ranked_value", unit=unit, k=min(4, max(1, len(frame) - 1)),
        title=f"{indicator_label} — départements de la région", source=source, year=year,
        hover_extra=[("Rang national", "rank_text")], height=520,
        geojson_url=geo.static_url(LEVEL_DEP, layer.vintage, "true"),
    )


# ------------------------------------------------------------------------------------------------ the page's view


def region_view(db: Database, reg: str, programme: str, bundle: QualityBundle, region_name: str = "",
                terr: pd.DataFrame | None = None, cat: pd.DataFrame | None = None) -> RegionView:
    """Everything the région page shows but the key figure (key_figures, one indicator at a time). `terr`:
    region_territories(db, reg), `cat`: common.catalogue(db), when the caller holds them (the app keeps both)."""
    terr = region_territories(db, reg) if terr is None else terr
    cat = catalogue(db) if cat is None else cat
    statuses, status_counts = status_table(db, terr, programme, cat)
    returns = returns_table(terr, bundle, programme)
    choice = {p.code: p for p in funding_programmes(db)}.get(programme)
    years = choice.years if choice is not None else None
    funding = funding_of(db, terr, programme)
    money, totals = money_table(terr, funding, years)
    is_demo = bool(funding["is_demo"].any()) if len(funding) else (choice.is_demo if choice is not None else False)
    notes = []
    headline = region_headline(terr, status_counts, returns_counts(terr, bundle, programme), totals)
    if not terr["visible"].all():
        notes.append("Les territoires marqués « hors de vos droits » ne montrent que les statistiques publiques : "
                     "vos droits ne couvrent pas leurs retours, cibles et financements.")
    return RegionView(
        reg=reg, name=region_name or reg, programme=programme, territories=terr, statuses=statuses,
        status_counts=status_counts, returns=returns, money=money, money_totals=totals,
        money_years=(years[0], years[-1]) if years else None, money_source=funding_source(is_demo),
        returns_demo=bundle.demo, key_choices=key_choices(cat), notes=notes, headline=headline,
    )


def returns_counts(terr: pd.DataFrame, bundle: QualityBundle, programme: str) -> dict[str, dict[str, int]]:
    """return_counts of every territory the user reads that has returns of the programme."""
    completeness = bundle.report.completeness
    followed = set(completeness.loc[completeness["Programme"] == programme, "Code territoire"])
    return {r.code: return_counts(completeness, r.code, programme) for r in terr.itertuples(index=False)
            if r.visible and r.code in followed}


def region_headline(terr: pd.DataFrame, statuses: Mapping[str, Mapping[str, int]],
                    returns: Mapping[str, Mapping[str, int]], money: Mapping[str, Mapping[str, float]]
                    ) -> list[tuple[str, str, str]]:
    """The tiles above the tables: sums over the territories the user reads (counts of targets and returns are
    added, never ranked; the consumption rate is recomputed on the summed euros)."""
    n_deps = int((terr["level"] == LEVEL_DEP).sum())
    n_metros = int((terr["level"] == LEVEL_EPCI).sum())
    late = sum(c.get(STATUS_LATE, 0) for c in statuses.values())
    targets = sum(sum(c.values()) for c in statuses.values())
    late_returns = sum(c["late"] for c in returns.values())
    missing_returns = sum(c["missing"] for c in returns.values())
    spent = sum(_sum(m[f"{lever.STATE}_spent"], m[f"{lever.OWN}_spent"]) for m in money.values()) if money else float("nan")
    planned = sum(_sum(m[f"{lever.STATE}_planned"], m[f"{lever.OWN}_planned"]) for m in money.values()) if money \
        else float("nan")
    return [
        ("Départements + métropoles", f"{fmt_int(n_deps)} + {fmt_int(n_metros)}",
         "Départements de la région et métropoles (EPCI titulaires d'un contrat) dont le département principal y est."),
        ("Cibles en retard", f"{fmt_int(late)} sur {fmt_int(targets)}" if targets else MISSING_TEXT,
         "Indicateurs à cible « en retard », additionnés sur les territoires (données fictives de démonstration)."),
        ("Retours en retard", fmt_int(late_returns) if returns else MISSING_TEXT,
         f"Retours (territoire × année échue) envoyés après l'échéance ; {fmt_int(missing_returns)} manquant(s)."),
        ("Consommé / prévu", fmt_pct(100.0 * lever.ratio(spent, planned)),
         "€ consommés ÷ € prévus (État et territoires), sommés sur les territoires et les années du programme."),
    ]


@dataclass(frozen=True)
class KeyView:
    indicator: str
    label: str
    table: pd.DataFrame  # one row per territory, French text as the T0 page shows it
    figure: go.Figure | None  # the région's départements coloured by the figure
    caption: str


def key_view(db: Database, reg: str, indicator: str, data: Mapping[str, t0.T0Data], layer: DisplayLayer,
             t0_year: int = T0_YEAR, terr: pd.DataFrame | None = None) -> KeyView:
    """One key T0 figure of every territory of the région, against the national median of its comparison set, and
    the région's map of it. `terr`: region_territories(db, reg) when the caller holds it."""
    terr = region_territories(db, reg) if terr is None else terr
    figures = key_figures(db.scope, terr, data, indicator, t0_year)
    cat = indexed_catalogue(data[LEVEL_DEP].catalogue)
    label = str(cat.at[indicator, "label"]) if indicator in cat.index else indicator
    stats = data[LEVEL_DEP].values
    stats = stats[stats["indicator"] == indicator]
    basis = str(stats["rank_basis"].dropna().iloc[0]) if "rank_basis" in stats.columns and stats["rank_basis"].notna().any() \
        else ""
    unit = (str(stats["rank_unit"].dropna().iloc[0]) if basis and stats["rank_unit"].notna().any()
            else str(cat.at[indicator, "unit"]) if indicator in cat.index else "")
    source = common_source(cat, indicator)
    figure = None
    if (terr["level"] == LEVEL_DEP).any():
        figure = region_map(figures, terr, layer, label + (f" ({basis})" if basis else ""), unit, source, t0_year)
    caption = (f"Valeur lue à sa dernière année disponible jusqu'à {t0_year}, comme sur la page Situation de départ "
               "(T0). Rang et médiane nationale : parmi tous les départements pour un département, parmi les "
               "métropoles pour une métropole" + (f" ; classé sur : {basis}" if basis else "") + ". Source : "
               + source + ".")
    if figures["Valeur"].eq(NOT_AT_EPCI).any():
        caption += " « non publié (EPCI) » : l'INSEE ne publie pas cette statistique à l'échelle des intercommunalités."
    return KeyView(indicator, label, key_figures_display(figures), figure, caption)


def territory_links(terr: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(label, région, département, EPCI) of each territory, for the buttons that open its pages."""
    return [(r.label, str(r.reg), str(r.dep),
             str(r.code) if r.level == LEVEL_EPCI else "")
            for r in terr.itertuples(index=False)]


def status_share_text(counts: Mapping[str, int]) -> str:
    """« 3 en retard sur 12 » for a territory's counts."""
    total = sum(counts.values())
    return f"{fmt_int(counts.get(STATUS_LATE, 0))}{NBSP}en retard sur {fmt_int(total)}" if total else MISSING_TEXT


# The pages a territory button opens (scripts of pages/ and their menu titles).
PAGE_TITLES = {"t0.py": "Situation de départ (T0)", "mi-parcours.py": "Comparaison mi-parcours",
               "effet-levier.py": "Effet levier", "qualite.py": "Qualité des données"}


def table_height(rows: int) -> int:
    """Pixels for a table showing all its rows without an inner scroll bar (Streamlit's rows are 35 px)."""
    return 35 * (rows + 1) + 3
