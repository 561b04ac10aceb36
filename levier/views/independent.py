"""Declared contract figures next to the independent public series the catalogue links them to
(levier.analysis.independent), formatted for the Qualité page (every département) and the T0 page (one département):
the two values with their own years, the gap, the tolerance and the badge when the gap exceeds it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from levier.analysis import independent
from levier.core.fmt import fmt_value
from levier.store.db import Database, Query
from levier.views.common import LevelRows, derived_serves, is_demo
from levier.views.findings import frames_of

DEPARTEMENT = "departement"
DECLARED_DEMO = "déclaré (données fictives)"
DECLARED_REAL = "déclaré"
PUBLIC_REAL = "DREES (réel)"
BADGE = independent.BADGE
SECTION_TITLE = "Déclaré et source indépendante"


def _years_text(year: object) -> str:
    return "" if year is None or pd.isna(year) else f" ({int(year)})"


def display_frame(t: pd.DataFrame, indicators: pd.DataFrame, names: dict[str, str], demo: bool) -> pd.DataFrame:
    """One row per comparison, French columns: Département, Indicateur déclaré, the declared value (year), Source
    indépendante, the public value (year) and what it bounds, Écart, Tolérance, Badge. The declared side says
    « données fictives » on demo returns; the public side says DREES (réel)."""
    declared_label = DECLARED_DEMO if demo else DECLARED_REAL
    # The catalogue's columns as lists: iterating Arrow-backed columns boxes each of their 1,770 values (×30).
    labels = dict(zip(indicators["code"].tolist(), indicators["label"].tolist()))
    out = pd.DataFrame(
        {
            "Département": [f"{names.get(c, c)} ({c})" for c in t["territory_code"]],
            "Indicateur déclaré": [f"{labels.get(c, c)} ({c})" for c in t["declared"]],
            f"{declared_label.capitalize()} : valeur (année)": [
                fmt_value(v, u) + _years_text(y)
                for v, u, y in zip(t["declared_value"], t["declared_unit"], t["declared_year"])],
            "Source indépendante": [f"{labels.get(c, c)} ({c})" for c in t["public"]],
            f"{PUBLIC_REAL} : valeur (année)": [
                fmt_value(v, u, 0 if u != "%" else 1) + _years_text(y)
                for v, u, y in zip(t["public_value"], t["public_unit"], t["public_year"])],
            "Comparée à": t["reference_text"].to_numpy(),
            "Écart": [independent.gap_text(g, u) for g, u in zip(t["gap"], t["gap_unit"])],
            "Tolérance": [independent.tolerance_text(x, u) for x, u in zip(t["tolerance"], t["gap_unit"])],
            "Badge": [BADGE if f else s for f, s in zip(t["flagged"], t["status"])],
        }
    )
    # The verdict right after the territory: on a 1280×720 projector the wide label columns push the last ones out.
    return out[["Département", "Badge"] + [c for c in out.columns if c not in ("Département", "Badge")]]


@dataclass(frozen=True)
class IndependentView:
    comparisons: pd.DataFrame  # levier.analysis.independent.COLUMNS
    table: pd.DataFrame  # display_frame
    n_flagged: int
    links: pd.DataFrame  # documentation of each link (links_table)


def links_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """The catalogue's links, documented: declared indicator, independent source, what is compared, tolerance."""
    lk = independent.links(indicators)
    labels = dict(zip(indicators["code"].tolist(), indicators["label"].tolist()))
    rows = []
    for declared, public, tol in zip(lk["declared"].tolist(), lk["public"].tolist(), lk["tolerance"].tolist()):
        method = independent.METHODS.get((declared, public))
        rows.append({
            "Indicateur déclaré": f"{labels.get(declared, declared)} ({declared})",
            "Source indépendante": f"{labels.get(public, public)} ({public})",
            "Ce qui est comparé": method.what if method else independent.NO_METHOD,
            "Années": ("même année seulement" if method.same_year_only else "même année, sinon la plus proche")
            if method else "",
            "Tolérance": independent.tolerance_text(tol, method.gap_unit if method else ""),
        })
    return pd.DataFrame(rows, columns=["Indicateur déclaré", "Source indépendante", "Ce qui est comparé", "Années",
                                       "Tolérance"])


@dataclass(frozen=True)
class IndependentContext:
    """What every département's comparisons share: the catalogue's links, the départements' names, whether the
    returns are the demo's, and the links' documentation."""

    indicators: pd.DataFrame  # quality_indicators.sql
    codes: list[str]  # the indicators a comparison reads (declared and public)
    names: dict[str, str]  # département code -> name
    demo: bool
    links: pd.DataFrame  # links_table


# quality_indicators.sql's columns, all of them in indicator_catalogue.sql (which orders its rows otherwise).
QUALITY_INDICATOR_COLUMNS = ["code", "label", "programme", "kind", "unit", "numerator", "denominator", "territory",
                             "independent_source", "independent_tolerance"]


def load_independent_context(db: Database, rows: LevelRows | None = None) -> IndependentContext:
    """`rows`: common.level_rows(db, 'departement') when the caller holds them (the app keeps them): the catalogue
    and the départements' names are taken from them, not read again."""
    if rows is None:
        with db.reader() as r:
            indicators = r.df(Query.QUALITY_INDICATORS)
            terr = r.df(Query.IMPORT_CONTEXT_TERRITORIES)
        deps = terr[terr["level"] == DEPARTEMENT]
    else:
        deps, cat = rows
        indicators = cat[QUALITY_INDICATOR_COLUMNS].sort_values("code", kind="stable").reset_index(drop=True)
    return IndependentContext(indicators, sorted(independent.needed_codes(indicators)),
                              dict(zip(deps["code"], deps["name"])), is_demo(db), links_table(indicators))


def load_independent(db: Database, territory: str | None = None,
                     context: IndependentContext | None = None) -> IndependentView:
    """The comparisons of one département (None: every département): a département's own rows only, not every
    département's. `context`: load_independent_context(db), already read for this data version (the app keeps it:
    a département change then reads its own rows only)."""
    context = context if context is not None else load_independent_context(db)
    codes = context.codes
    t = None
    if codes:
        with db.reader() as r:  # one cursor: the check and the rows it vouches for are of one data version
            if territory is not None and derived_serves(db, r, DEPARTEMENT):
                # The comparisons the publication step stored: the same rows, the scans of every current value
                # for the département's own (two of them, growing with the database) not made again.
                t = frames_of(r.df(Query.DERIVED_INDEPENDENT_OF_TERRITORY, {"territory": territory}))["independent"][0]
            else:
                values = r.df(Query.QUALITY_VALUES, {"level": DEPARTEMENT, "codes": codes, "territory": territory})
                public = (r.df(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": codes}) if territory is None else
                          r.df(Query.CURRENT_VALUES_OF_TERRITORY, {"codes": codes, "territory": territory}))
    else:
        values = public = pd.DataFrame(columns=["territory_level", "territory_code", "indicator", "period", "value"])
    if t is None:
        t = independent.compare(values, public, context.indicators)
    table = display_frame(t, context.indicators, context.names, context.demo)
    return IndependentView(t, table, int(t["flagged"].astype(bool).sum()) if len(t) else 0, context.links)


def flagged_only(view: IndependentView) -> pd.DataFrame:
    return view.table[view.table["Badge"] == BADGE].reset_index(drop=True)


def t0_summary(view: IndependentView) -> str:
    """One French sentence above the T0 block."""
    if view.comparisons.empty:
        return ("Aucune valeur déclarée de ce département n'a de source publique indépendante reliée par le "
                "catalogue, ou la source n'est pas importée.")
    n = view.n_flagged
    head = (f"{n} comparaison(s) avec un **{BADGE}**." if n else
            "Aucun écart ne dépasse la tolérance.")
    return (f"{head} Chaque côté est lu à sa propre année (affichée) ; un écart au-delà de la tolérance est un "
            "avertissement, la série publique ayant ses propres limites.")
