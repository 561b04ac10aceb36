"""Series over time for the T0, Panorama and Comparer pages: a territory's values over every published year beside
the per-year national and regional medians (loaded once per indicator set), series breaks, changes between two years.

What the y-axis shows: the value as published, with the median of the same quantity. A count with a denominator in
the catalogue (rate_base) is drawn as its rate — the figure every ranking and median reads (views.common.
ranking_values) — and the chart's title says so; a median of counts is never drawn against a département's count.
A count without a denominator is drawn as published, without medians. A value kept out of rankings (a quality
rejection, a published floor, a missing denominator) is shown, marked, and enters no median. Medians are over the
départements of the référentiel only (level `departement`: never the `collectivite` rows 69D / 69M).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.analysis import positions, rates
from levier.analysis.rates import shown_value
from levier.charts import indicators as ranking_charts
from levier.charts import series as charts
from levier.core.fmt import fmt_int, fmt_signed, fmt_source, fmt_value, value_decimals
from levier.core.periods import MONTHLY, PROVISIONAL_COMMENT, is_monthly_period
from levier.store.db import Database, Query
from levier.views.common import (
    WARNED_COLUMN,
    WARNED_MARK,
    LevelRows,
    derived_serves,
    has_warning,
    indexed_catalogue,
    indicators_with_values,
    periods_with_value,
    ranking_values,
    warned_caveat,
    warnings_by_year,
    years_text,
)
from levier.views.selection import Selection, TerritoryOptions
from levier.views.t0 import T0Data, load_positioned_values, load_t0_data

LEVEL = positions.LEVEL_DEPARTEMENT
STAT = "STAT"
MIN_YEARS = 2  # a series needs two years to be a series
DEFAULT_MAX = 6  # charts shown by default: three rows of two, readable on a projected 1280×720 screen
QUALITY_MARK = "contrôle qualité"
NATIONAL_LABEL = "Médiane nationale"


# ------------------------------------------------------------------------------------------------ loading


@dataclass(frozen=True)
class SeriesData:
    """Every yearly value of a set of indicators for every département, ranked figures prepared
    (ranking_values) and the per-year medians computed once for all territories."""

    territories: pd.DataFrame  # code, name, reg, reg_name, population…
    catalogue: pd.DataFrame  # series_catalogue, indexed by code
    values: pd.DataFrame  # code, indicator, period, value (drawn), raw_value (published), unranked_reason, provisional…
    medians: pd.DataFrame  # indicator, period, scope ('national' | 'regional'), reg ('' for national), value, n
    # When the values are a few territories' only (series_data_of_territories), what the whole level's values say,
    # read from its statistics: published_span, and each indicator's ranking basis (drawn_frame's title).
    span: pd.DataFrame | None = None
    bases: dict[str, str] | None = None

    def families(self) -> dict[str, list[str]]:
        return self._families

    # Computed once per data set, not once per chart (the page draws six).
    @cached_property
    def _families(self) -> dict[str, list[str]]:
        return families(self.catalogue)

    # What a family's chart draws for every territory (drawn_frame, its rows by territory, its medians by région),
    # kept for the next territory: a territory change only picks its rows. Filled by series_figure.
    @cached_property
    def _memo(self) -> dict[tuple, object]:
        return {}

    # Each indicator's rows in `values` and in `medians` (positions), grouped once: a family takes its rows by
    # position instead of testing every row of the data set.
    @cached_property
    def _value_rows(self) -> dict[str, np.ndarray]:
        return self.values.groupby("indicator", sort=False).indices

    @cached_property
    def _median_rows(self) -> dict[str, np.ndarray]:
        return self.medians.groupby("indicator", sort=False).indices

    @cached_property
    def published_span(self) -> pd.DataFrame:
        """First and last published period of each indicator (index indicator, columns min, max)."""
        if self.span is not None:
            return self.span
        return self.values[self.values["raw_value"].notna()].groupby("indicator")["period"].agg(["min", "max"])


def families(cat: pd.DataFrame) -> dict[str, list[str]]:
    """Each series family, keyed by its latest code, oldest series first: a series that continues another after a
    break (catalogue series_before) is drawn with it, never joined to it. {'B': ['A', 'B'], 'X': ['X']}."""
    # Whole columns as lists: iterating an Arrow-backed column reads it element by element (1,700 rows at ×30).
    before = {str(c): str(b) for c, b in zip(cat["code"].tolist(),
                                             cat.get("series_before", pd.Series(index=cat.index)).tolist())
              if isinstance(b, str) and b.strip()}
    continued = set(before.values())
    out: dict[str, list[str]] = {}
    for code in map(str, cat["code"].tolist()):
        if code in continued:
            continue  # drawn in the family of the series that continues it
        chain = [code]
        while chain[0] in before and before[chain[0]] not in chain:
            chain.insert(0, before[chain[0]])
        out[code] = chain
    return out


def yearly_codes(cat: pd.DataFrame) -> list[str]:
    """Indicators kept in yearly series: every one but the monthly ones (periodicity « mensuelle »)."""
    periodicity = cat["periodicity"].fillna("") if "periodicity" in cat.columns else pd.Series("", index=cat.index)
    return [str(c) for c, p in zip(cat["code"].tolist(), periodicity.tolist()) if str(p).strip().lower() != MONTHLY]


def medians_of(values: pd.DataFrame, territories: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and year, the median over départements of the rankable values (no unranked_reason), nationally
    and per région: indicator, period, scope, reg, value, n."""
    ok = values[values["value"].notna() & values["unranked_reason"].isna()]
    ok = ok[ok["code"].isin(set(territories["code"].astype(str)))]
    cols = ["indicator", "period", "scope", "reg", "value", "n"]
    if ok.empty:
        return pd.DataFrame(columns=cols)
    nat = ok.groupby(["indicator", "period"])["value"].agg(["median", "count"]).reset_index()
    nat = nat.assign(scope=charts.NATIONAL, reg="")
    reg_of = dict(zip(territories["code"].astype(str), territories["reg"].astype(str)))
    reg = ok.assign(reg=ok["code"].map(reg_of)).groupby(["indicator", "period", "reg"])["value"]
    reg = reg.agg(["median", "count"]).reset_index().assign(scope=charts.REGIONAL)
    out = pd.concat([nat, reg], ignore_index=True).rename(columns={"median": "value", "count": "n"})
    return out[cols]


def yearly_rows(values: pd.DataFrame) -> np.ndarray:
    """Which rows hold a year, not a month, as a boolean mask (a Python pass over the whole column: a lambda per row
    through pandas cost ten times more on a national frame)."""
    return np.array([not is_monthly_period(int(p)) for p in values["period"].tolist()], dtype=bool)


def load_catalogue(db: Database) -> pd.DataFrame:
    """The series catalogue (series_catalogue.sql), indexed by code."""
    return indexed_catalogue(db.read(Query.SERIES_CATALOGUE))


# series_catalogue.sql's columns, all of them in indicator_catalogue.sql (same rows, same order).
SERIES_CATALOGUE_COLUMNS = [
    "code", "label", "programme", "axis", "kind", "unit", "direction", "numerator", "denominator", "source",
    "definition", "territory", "periodicity", "source_table", "series_before", "rate_base", "rate_scale", "rate_noun",
    "published_floor",
]


def catalogue_from(indicators: pd.DataFrame) -> pd.DataFrame:
    """load_catalogue() from the indicator catalogue already read (common.load_indicators: the app keeps it), not
    read a second time."""
    return indexed_catalogue(indicators[SERIES_CATALOGUE_COLUMNS])


def load_series_data(db: Database, heads: Sequence[str], cat: pd.DataFrame | None = None,
                     terr: pd.DataFrame | None = None) -> SeriesData:
    """One read for the catalogue, the départements and every value of the chosen families (each head with the
    series it continues), then the ranked figures and the medians — once for every territory. `cat`
    (load_catalogue) and `terr` (the départements, territories_of_level.sql): when the caller holds them."""
    with db.reader() as r:
        cat = indexed_catalogue(r.df(Query.SERIES_CATALOGUE)) if cat is None else cat
        terr = r.df(Query.TERRITORIES_OF_LEVEL, {"level": LEVEL}) if terr is None else terr
        wanted = wanted_codes(cat, heads)
        values = r.df(Query.SERIES_VALUES, {"level": LEVEL, "codes": wanted, "provisional": PROVISIONAL_COMMENT})
    values = values[yearly_rows(values)]
    values = values[values["code"].isin(set(terr["code"].astype(str)))]
    values = ranking_values(db, values, cat, LEVEL, terr).reset_index(drop=True)
    return SeriesData(terr, cat, values, medians_of(values, terr))


def load_series_data_positioned(db: Database, heads: Sequence[str], cat: pd.DataFrame | None = None,
                                rows: LevelRows | None = None) -> SeriesData:
    """series_data_from over the chosen families' positioned values of the départements (the T0 page's figures,
    t0.load_positioned_values of those indicators only): the same figures as the T0 table, without the level's
    other rows nor its statistics.
    `cat` (load_catalogue) and `rows` (common.level_rows of the départements): when the caller holds them."""
    cat = load_catalogue(db) if cat is None else cat
    territories, values = load_positioned_values(db, LEVEL, wanted_codes(cat, heads), rows=rows)
    return series_data_from(db, values, territories, heads, cat=cat)


def positions_serve(db: Database) -> bool:
    """Whether the départements' positioned values stored at publication serve this user
    (load_series_data_positioned then gives load_series_data's figures from them, without ranking again)."""
    with db.reader() as r:
        return derived_serves(db, r, LEVEL)


def wanted_codes(cat: pd.DataFrame, heads: Sequence[str]) -> list[str]:
    """The yearly indicators of the chosen families: each head with the series it continues."""
    fam = families(cat)
    yearly = set(yearly_codes(cat))
    return [c for h in heads for c in fam.get(h, []) if c in yearly]


def series_data_of_territories(db: Database, data: T0Data, heads: Sequence[str],
                               cat: pd.DataFrame | None = None) -> SeriesData:
    """The series of the territories a T0 table was read for (load_t0_data of a département and its peers: what the
    T0 page holds), without reading the whole level again: their values, and the national and regional medians and
    each indicator's published years from the statistics read with them, which hold the medians_of and published
    span of every département's values (the same figures: tests/unit/views/test_series.py)."""
    cat, wanted, values = _series_values(db, data.values, data.territories, heads, cat)
    stats = data.stats[data.stats["indicator"].isin(wanted)]
    stats = stats[yearly_rows(stats)]
    if "cset" in stats.columns:  # the départements are one comparison set
        stats = stats[stats["cset"] == positions.ALL_TERRITORIES]
    national = stats["reg"].isna()
    # In medians_of's order: the national rows by indicator and year, then the regional ones by région.
    nat = stats[national & stats["nat_median"].notna()].sort_values(["indicator", "period"], kind="stable")
    reg = stats[~national & stats["reg_median"].notna()].sort_values(["indicator", "period", "reg"], kind="stable")
    medians = pd.concat([
        pd.DataFrame({"indicator": nat["indicator"], "period": nat["period"], "scope": charts.NATIONAL, "reg": "",
                      "value": nat["nat_median"], "n": nat["n_ranked"]}),
        pd.DataFrame({"indicator": reg["indicator"], "period": reg["period"], "scope": charts.REGIONAL,
                      "reg": reg["reg"], "value": reg["reg_median"], "n": reg["n_reg"]}),
    ], ignore_index=True)
    medians = (medians.astype({"value": "float64", "n": "int64"}) if len(medians)
               else pd.DataFrame(columns=["indicator", "period", "scope", "reg", "value", "n"]))
    published = stats[national & (stats["n_values"] > 0)]
    span = published.groupby("indicator")["period"].agg(["min", "max"])
    based = stats[national & stats["rank_basis"].notna()].sort_values(["indicator", "period"], kind="stable")
    bases: dict[str, str] = {}
    for indicator, basis in zip(based["indicator"].tolist(), based["rank_basis"].tolist()):
        bases.setdefault(str(indicator), str(basis))  # an indicator's basis is the same every year
    return SeriesData(data.territories, cat, values, medians, span=span, bases=bases)


def territory_series_data(db: Database, code: str, heads: Sequence[str], cat: pd.DataFrame,
                          rows: LevelRows | None = None) -> SeriesData:
    """series_data_of_territories of one département read for these series alone (its own rows of their indicators
    and their statistics, no peer): the series of a T0 page whose table was read whole (views.t0.stored_t0_view),
    which holds no positioned values to draw them from. `cat`: load_catalogue(db); `rows`: level_rows(db, LEVEL)."""
    data = load_t0_data(db, LEVEL, indicators=wanted_codes(cat, heads), territories=(code,), rows=rows)
    return series_data_of_territories(db, data, heads, cat=cat)


def series_data_from(db: Database, ranked: pd.DataFrame, territories: pd.DataFrame, heads: Sequence[str],
                     cat: pd.DataFrame | None = None) -> SeriesData:
    """The same as load_series_data from values of level `departement` already ranked (T0Data.values holding at
    least the chosen families' indicators, as load_series_data_positioned reads them): only the catalogue (unless
    given: load_catalogue) and the provisional marks are read, the ranking is not done again."""
    cat, _, values = _series_values(db, ranked, territories, heads, cat)
    return SeriesData(territories, cat, values, medians_of(values, territories))


def _series_values(db: Database, ranked: pd.DataFrame, territories: pd.DataFrame, heads: Sequence[str],
                   cat: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    """(the series catalogue, the chosen families' yearly indicators, their values with their provisional marks) of
    series_data_from."""
    with db.reader() as r:
        cat = indexed_catalogue(r.df(Query.SERIES_CATALOGUE)) if cat is None else cat
        wanted = wanted_codes(cat, heads)
        # Only the indicators that hold provisional marks at all are looked up (most series hold none).
        marked = {indicator for level, indicator in r.once(Query.PROVISIONAL_INDICATORS) if level == LEVEL}
        asked = [c for c in wanted if c in marked]
        marks = (r.df(Query.PROVISIONAL_VALUES, {"level": LEVEL, "codes": asked, "provisional": PROVISIONAL_COMMENT})
                 if asked else pd.DataFrame({"code": [], "indicator": [], "period": []}))
    values = ranked[ranked["indicator"].isin(wanted) & ranked["code"].isin(set(territories["code"].astype(str)))]
    values = values[yearly_rows(values)]
    keys = set(zip(marks["code"].astype(str), marks["indicator"].astype(str), marks["period"].astype(int)))
    flag = [(str(c), str(i), int(p)) in keys
            for c, i, p in zip(values["code"].tolist(), values["indicator"].tolist(), values["period"].tolist())]
    return cat, wanted, values.assign(provisional=flag).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ choices

# Shown first when present: the poverty rate and the independent public series of the contracts' themes.
PREFERRED = ("STAT-TP60", "STAT-RSA-ALLOCATAIRES", "STAT-ASE-ACCUEILLIS", "STAT-OARSA-ORIENTES", "STAT-PPMINI",
             "STAT-DEP-RSA-INSERTION", "STAT-DEP-ASE-NETTES", "STAT-PPSOC", "STAT-Q2")
DEFAULT_STAT = 4  # public statistics shown by default; the rest of DEFAULT_MAX goes to the chosen programmes


def choices_from_periods(cat: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Families with at least MIN_YEARS yearly periods with a value: head, label, programme, unit, periods (list), in
    catalogue order. periods: indicator, period (one row per indicator and year with a value)."""
    # Each indicator's years in one sort of whole columns (a territory has 14,000 pairs at ×30), not a test per row.
    per = periods["period"].to_numpy(dtype=np.int64)
    yearly_rows = ~is_monthly_period(per)
    codes, names = pd.factorize(periods["indicator"].array[yearly_rows])
    per, codes = per[yearly_rows][codes >= 0], codes[codes >= 0]
    order = np.lexsort((per, codes))
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    years: dict[str, set[int]] = dict(zip(names.tolist(), (set(c.tolist()) for c in np.split(per[order], bounds))))
    yearly = set(yearly_codes(cat))
    meta = dict(zip(cat.index.tolist(), zip(cat["label"].tolist(), cat["programme"].tolist(), cat["unit"].tolist())))
    rows = []
    for head, chain in families(cat).items():
        if head not in yearly:
            continue
        ys = sorted({y for c in chain for y in years.get(c, set())})
        if len(ys) < MIN_YEARS:
            continue
        label, programme, unit = meta[head]
        rows.append({"head": head, "label": str(label), "programme": str(programme),
                     "unit": str(unit or ""), "periods": ys})
    return pd.DataFrame(rows, columns=["head", "label", "programme", "unit", "periods"])


def series_choices(db: Database, code: str | None, cat: pd.DataFrame | None = None) -> pd.DataFrame:
    """The families a territory has at least MIN_YEARS years of (code None: any département has); `cat`:
    load_catalogue(db), already read for this data version."""
    cat = cat if cat is not None else load_catalogue(db)
    if code is None:
        have = indicators_with_values(db, LEVEL)
        periods = have[["code", "periods"]].explode("periods").rename(columns={"code": "indicator", "periods": "period"})
    else:
        periods = periods_with_value(db, LEVEL, code)
    return choices_from_periods(cat, periods.dropna(subset=["period"])[["indicator", "period"]])


def default_choices(choices: pd.DataFrame, programmes: Sequence[str] = (), limit: int = DEFAULT_MAX) -> list[str]:
    """Shown first: up to DEFAULT_STAT public statistics (PREFERRED first), then the chosen programmes' indicators,
    at most `limit` in all."""
    heads, programme_of = choices["head"].tolist(), choices["programme"].tolist()
    stat = [h for h, p in zip(heads, programme_of) if p == STAT]
    # Counts last: a rate or a share says more about a territory at a glance than its number of households.
    units = dict(zip(heads, choices["unit"].tolist())) if "unit" in choices.columns else {}
    rest = sorted((h for h in stat if h not in PREFERRED), key=lambda h: units.get(h) in rates.COUNT_UNITS)
    stat = [h for h in PREFERRED if h in stat] + rest
    wanted = set(programmes)
    others = [h for h, p in zip(heads, programme_of) if p != STAT and p in wanted]
    picked = stat[:DEFAULT_STAT]
    return (picked + others + stat[DEFAULT_STAT:])[:limit]


# ------------------------------------------------------------------------------------------------ one chart


def source_of(cat: pd.DataFrame, codes: Sequence[str]) -> str:
    """« DREES, enquête Aide sociale — <table> ; <table> »: the producer and the source tables of a family; a
    declared figure of the demo is said to be fictive."""
    head = codes[-1]
    producer = str(cat.at[head, "source"] or "").strip().rstrip(".")
    tables = list(dict.fromkeys(str(cat.at[c, "source_table"]).strip() for c in codes
                                if "source_table" in cat.columns and isinstance(cat.at[c, "source_table"], str)
                                and cat.at[c, "source_table"].strip()))
    text = fmt_source(producer, " ; ".join(tables))
    if cat.at[head, "programme"] != STAT:
        text = (text + " — " if text else "") + "données fictives de démonstration"
    return text


def break_notes(data: SeriesData, chain: Sequence[str]) -> list[tuple[int, str]]:
    """(year, note) for every break of a family: the year is the later series' first published period."""
    out = []
    firsts = data.published_span
    for before, after in zip(chain, chain[1:]):
        if after not in firsts.index:
            continue
        year = int(firsts.at[after, "min"])
        last = int(firsts.at[before, "max"]) if before in firsts.index else None
        label_b, label_a = data.catalogue.at[before, "label"], data.catalogue.at[after, "label"]
        note = (f"Rupture de série en {year} : « {label_b} » ({before})"
                + (f" jusqu'en {last}" if last else "")
                + f", puis « {label_a} » ({after}) à partir de {year} ; les deux séries ne sont pas raccordées et "
                "aucune évolution n'est calculée à travers la rupture.")
        out.append((year, note))
    return out


def drawn_frame(data: SeriesData, head: str) -> tuple[pd.DataFrame, str, str, str]:
    """The family's values as drawn (all départements), the unit of the axis, the title's basis and a note."""
    chain = data.families()[head]
    rule = rates.rule_of(head, data.catalogue)
    unit = str(data.catalogue.at[head, "unit"] or "")
    v = data.values.take(_family_rows(data._value_rows, chain))
    if rule.is_rate:
        # The rate: a count whose rate could not be computed keeps its count in `value` (rates.ranking_frame); on a
        # rate axis it is not drawn.
        lost = v["value"].eq(v["raw_value"]) & v["unranked_reason"].notna()
        v.loc[lost, "value"] = math.nan
        if data.bases is not None:  # the first of the family's indicators (in the values' order) ranked on a basis
            basis = next((data.bases[c] for c in sorted(set(chain)) if c in data.bases), rule.rate_unit())
        else:
            basis = str(v["rank_basis"].dropna().iloc[0]) if v["rank_basis"].notna().any() else rule.rate_unit()
        return v, rule.rate_unit(), rule.rate_unit(), (
            f"Effectif rapporté à son dénominateur ({basis}) : courbe et médianes portent sur ce taux ; l'effectif "
            "publié est dans l'info-bulle.")
    v["value"] = v["raw_value"]
    if rule.unrankable:
        return v, unit, "", ("Effectif sans dénominateur : montré tel que publié, sans médiane (une médiane "
                             "d'effectifs ne compare pas des départements de tailles différentes).")
    return v, unit, "", ""


def _family_rows(rows_of: dict[str, np.ndarray], chain: Sequence[str]) -> np.ndarray:
    """The positions of a family's rows, in the frame's order (as a mask of indicator in chain would take them)."""
    parts = [rows_of[c] for c in dict.fromkeys(chain) if c in rows_of]
    return np.sort(np.concatenate(parts)) if parts else np.array([], dtype=np.intp)


def _drawn_by_code(data: SeriesData, head: str) -> tuple[pd.DataFrame, str, str, str, dict]:
    """drawn_frame() of a family and the positions of each territory's rows in it, computed once per data set."""
    key = ("drawn", head)
    if key not in data._memo:
        v, unit, basis, note = drawn_frame(data, head)
        data._memo[key] = (v, unit, basis, note, v.groupby("code", sort=False).indices)
    return data._memo[key]


def _family_medians(data: SeriesData, chain: list[str], reg: str | None) -> pd.DataFrame:
    """The medians drawn beside a family: national, and the région's when one is given (computed once per région)."""
    key = ("medians", tuple(chain), reg or None)
    if key not in data._memo:
        m = data.medians.take(_family_rows(data._median_rows, chain))
        scope, where = m["scope"].tolist(), m["reg"].tolist()
        keep = [s == charts.NATIONAL or (bool(reg) and s == charts.REGIONAL and w == str(reg))
                for s, w in zip(scope, where)]
        data._memo[key] = m[np.array(keep, dtype=bool)]
    return data._memo[key]


def series_figure(data: SeriesData, head: str, code: str | None, name: str, reg: str | None,
                  reg_name: str | None) -> go.Figure:
    """The chart of one family for a département (code), a région (code None, reg set: its median beside the
    national one) or France (both None: the national median)."""
    chain = data.families()[head]
    v, unit, basis, note, rows_of = _drawn_by_code(data, head)
    rule = rates.rule_of(head, data.catalogue)
    raw_unit = str(data.catalogue.at[head, "unit"] or "")
    # The territory's rows in the frame's order (as a mask of code == code would take them), made into the chart's
    # frame from plain columns: a few points, for which each pandas step cost more than the figure.
    sub = v.iloc[rows_of.get(code, [])] if code is not None else v.iloc[0:0]
    raw, censored, value = sub["raw_value"].tolist(), sub["censored"].tolist(), sub["value"].tolist()
    excluded = ["" if pd.isna(u) else u for u in sub["unranked_reason"].tolist()]
    own = pd.DataFrame({
        "period": sub["period"].to_numpy(), "value": sub["value"].to_numpy(), "segment": sub["indicator"].to_numpy(),
        "provisional": sub["provisional"].to_numpy(),
        "alert": np.array([QUALITY_MARK in str(u) for u in excluded], dtype=bool),
        "shown": [shown_value(r, raw_unit, bool(c), value_decimals(r, raw_unit))
                  + (f" ({fmt_value(x, unit, value_decimals(x, unit))})" if rule.is_rate and pd.notna(x) else "")
                  for r, c, x in zip(raw, censored, value)],
        "excluded": excluded,
    })
    med = pd.DataFrame(columns=["period", "value", "segment", "scope", "scope_label", "n"])
    if not rule.unrankable:
        m = _family_medians(data, chain, reg)
        labels = {charts.NATIONAL: NATIONAL_LABEL, charts.REGIONAL: f"Médiane {reg_name or 'régionale'}"}
        med = pd.DataFrame({"indicator": m["indicator"].to_numpy(), "period": m["period"].to_numpy(),
                            "scope": m["scope"].to_numpy(), "reg": m["reg"].to_numpy(), "value": m["value"].to_numpy(),
                            "n": m["n"].to_numpy(), "segment": m["indicator"].to_numpy(),
                            "scope_label": [labels.get(x) for x in m["scope"].tolist()]})
    label = str(data.catalogue.at[head, "label"])
    title = label + (f" ({basis})" if basis else "")
    return charts.series_chart(
        own, med, name=name, label=label,
        unit=unit, source=source_of(data.catalogue, chain), breaks=break_notes(data, chain),
        note=(note + ("" if rule.unrankable else " Médianes sur les départements, hors valeurs écartées des "
                                                 "classements.")).strip(), title=title,
    )


def series_figures(data: SeriesData, heads: Sequence[str], code: str | None, name: str, reg: str | None = None,
                   reg_name: str | None = None) -> list[tuple[str, go.Figure]]:
    """(head, figure) per chosen family, in the order given."""
    fam = data.families()
    return [(h, series_figure(data, h, code, name, reg, reg_name)) for h in heads if h in fam]


# ------------------------------------------------------------------------------------------------ change ranking


@dataclass(frozen=True)
class ChangeView:
    refusal: str  # French reason no change is computed ('' when one is)
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    missing: pd.DataFrame | None = None
    caveats: tuple[str, ...] = ()
    indicator: str = ""  # the series the change is computed on
    method: str = ""  # what the change is, in French


def default_change_head(heads: Sequence[str]) -> int:
    """Index of the series the change ranking opens on: the first PREFERRED one offered, else the first."""
    for h in PREFERRED:
        if h in heads:
            return list(heads).index(h)
    return 0


def change_unit(unit: str) -> str:
    """The unit of a change: points for a percentage, the unit itself otherwise."""
    return "points" if unit == "%" else unit


def segment_for(data: SeriesData, head: str, year_from: int, year_to: int) -> tuple[str | None, str]:
    """The series of a family holding both years (the latest one when two do, as in 2016), or (None, refusal)."""
    chain = data.families().get(head, [head])
    v = data.values[data.values["indicator"].isin(chain) & data.values["raw_value"].notna()]
    years = v.groupby("indicator")["period"].agg(lambda p: {int(x) for x in p})
    if year_from == year_to:
        return None, "Choisissez deux années différentes."
    for y in (year_from, year_to):
        if not any(y in years.get(c, set()) for c in chain):
            return None, f"Aucune valeur publiée en {y} pour cet indicateur : pas d'évolution calculable."
    for c in reversed(chain):
        if {year_from, year_to} <= years.get(c, set()):
            return c, ""
    notes = [n for y, n in break_notes(data, chain) if min(year_from, year_to) < y <= max(year_from, year_to)
             or min(year_from, year_to) <= y < max(year_from, year_to)]
    return None, ("Évolution refusée : une rupture de série sépare " f"{min(year_from, year_to)} et "
                  f"{max(year_from, year_to)}. " + " ".join(notes))


def change_view(data: SeriesData, head: str, year_from: int, year_to: int, selected: str | None,
                peer_codes: Sequence[str] = ()) -> ChangeView:
    """Every département ranked on its change between two years (year_to − year_from, in points for a percentage,
    in the rate's unit for a count), never across a series break; values kept out of rankings at either year are
    listed with their reason, not ranked."""
    seg, refusal = segment_for(data, head, int(year_from), int(year_to))
    if seg is None:
        return ChangeView(refusal)
    rule = rates.rule_of(seg, data.catalogue)
    if rule.unrankable:
        return ChangeView("Effectif sans dénominateur : son évolution grandit avec la taille du département et n'est "
                          "pas classée.", indicator=seg)
    v, unit, basis, _ = drawn_frame(data, head)
    v = v[v["indicator"] == seg]
    direction = data.catalogue.at[seg, "direction"]
    ch = positions.changes(v, int(year_from), int(year_to), direction)
    two = v[v["period"].isin([int(year_from), int(year_to)])]
    reason = (two[two["unranked_reason"].notna()].sort_values("period").groupby("code")["unranked_reason"]
              .agg(lambda r: " ; ".join(dict.fromkeys(map(str, r)))))
    terr = data.territories.drop_duplicates("code").set_index("code")
    ch = ch[ch["code"].isin(terr.index)]
    ch["name"] = ch["code"].map(terr["name"])
    ch["reason"] = ch["code"].map(reason)
    ch["ok"] = ch["has_both"] & ch["reason"].isna()
    # A warning at either year keeps the change ranked (an error would not: `reason` above) but puts it in doubt: it
    # is marked in the chart, the table and a caveat, with the year(s) and the reason.
    flagged = two[has_warning(two)].sort_values("period")
    by_code = {code: g for code, g in flagged.groupby("code")}
    signal = {code: warnings_by_year(g["period"].tolist(), g["quality_warning"].tolist()) for code, g in by_code.items()}
    warned_years = {code: g["period"].tolist() for code, g in by_code.items()}
    ch["quality_warning"] = ch["code"].map(signal)
    ch["warned"] = ch["ok"] & ch["quality_warning"].notna()
    unit_ch = change_unit(unit)
    label = str(data.catalogue.at[seg, "label"]) + (f" ({basis})" if basis else "")
    drawn = ch.assign(value=ch["change_abs"].where(ch["ok"]), missing_reason=None,
                      name=ch["name"].where(~ch["warned"], ch["name"] + f" {WARNED_MARK}"))
    drawn = drawn[["code", "name", "value", "missing_reason"]]
    fig = ranking_charts.ranking_chart(
        drawn, selected, peer_codes, label=f"Évolution {year_from} → {year_to}", unit=unit_ch, direction=direction,
        source=source_of(data.catalogue, [seg]), year=(int(year_from), int(year_to)),
        title=f"Évolution {year_from} → {year_to} : {label}",
    )
    ranked = ch[ch["ok"]].copy()
    ranked["rank"] = positions.rank_values(ranked["change_abs"], direction)
    ranked = ranked.sort_values(["rank", "code"])
    raw = v.pivot_table(index="code", columns="period", values="raw_value", aggfunc="last")
    raw_unit = str(data.catalogue.at[seg, "unit"] or "")
    table = pd.DataFrame({
        "Rang": ranked["rank"].astype("Int64"),
        "Code": ranked["code"],
        "Département": ranked["name"],
        f"Valeur {year_from}": ranked["code"].map(raw.get(int(year_from), pd.Series(dtype=float))),
        f"Valeur {year_to}": ranked["code"].map(raw.get(int(year_to), pd.Series(dtype=float))),
    })
    if basis:
        table[f"Taux {year_from} ({unit})"] = ranked["value_from"]
        table[f"Taux {year_to} ({unit})"] = ranked["value_to"]
    table[f"Évolution ({unit_ch})"] = ranked["change_abs"]
    table["Évolution relative (%)"] = ranked["change_rel"]
    table["Unité"] = raw_unit
    warned = ranked[ranked["warned"]]
    if len(warned):
        table[WARNED_COLUMN] = ranked["quality_warning"]
    lacking = ch[~ch["ok"]]
    missing = pd.DataFrame({
        "Code": lacking["code"], "Département": lacking["name"],
        "Motif": [r if isinstance(r, str) else f"pas de valeur en {year_from if pd.isna(a) else year_to}"
                  for r, a in zip(lacking["reason"], lacking["value_from"])],
    })
    method = (f"Évolution = valeur {year_to} − valeur {year_from}, en {unit_ch}"
              + (f" ; l'effectif est rapporté à son dénominateur ({basis})" if basis else "")
              + ". Une valeur écartée des classements à l'une des deux années n'est pas classée (motif ci-dessous).")
    caveats = []
    if len(warned):
        details = [("valeurs " if len(warned_years[c]) > 1 else "valeur ") + years_text(warned_years[c])
                   for c in warned["code"]]
        caveats.append(warned_caveat(
            warned.assign(detail=details),
            lead="Évolution(s) calculée(s) sur une valeur signalée par un contrôle de qualité, classée(s) mais "
                 "douteuse(s)",
            advice="Un avertissement n'écarte pas la valeur du classement ; lisez son motif (colonne « Signalement "
                   "qualité » et page Qualité des données) avant de citer ce rang ou cette évolution."))
    prov = two[two["provisional"].fillna(False).astype(bool)]
    if len(prov):
        caveats.append(f"Valeurs provisoires du producteur pour {fmt_int(prov['code'].nunique())} département(s) "
                       f"({', '.join(sorted(map(str, set(prov['period']))))}) : l'évolution pourra être révisée.")
    if data.catalogue.at[seg, "programme"] != STAT:
        caveats.append("Données déclaratives transmises par les départements (ici fictives) : non vérifiées par une "
                       "source indépendante.")
    if selected and selected in set(ranked["code"]):
        own = ranked.set_index("code").loc[selected]
        # The territory against the median change of its région and of France (positions.compare_changes: the
        # medians over départements with a rankable value at both years).
        cc = positions.compare_changes(v, data.territories, selected, int(year_from), int(year_to), direction,
                                       peer_codes).set_index("scope")
        reg_name = data.territories.set_index("code")["reg_name"].get(selected) or "région"
        names = {"région": str(reg_name), "national": "France"}
        medians = ", ".join(
            f"{names[scope]} {fmt_signed(cc.at[scope, 'change_abs'], unit_ch)}"
            for scope in ("région", "national") if scope in cc.index and int(cc.at[scope, "n"]) > 0)
        mark = f" {WARNED_MARK}" if own["warned"] else ""
        caveats.insert(0, f"{own['name']}{mark} : {fmt_signed(own['change_abs'], unit_ch)}, rang {int(own['rank'])} / "
                          f"{len(ranked)}" + (f" ; médiane des évolutions : {medians}" if medians else "") + ".")
    if selected and selected in set(lacking["code"]):
        row = missing.set_index("Code").loc[selected]
        caveats.insert(0, f"{row['Département']} : évolution non classée ({row['Motif']}).")
    return ChangeView("", fig, table.reset_index(drop=True), missing.reset_index(drop=True), tuple(caveats), seg,
                      method)


# ------------------------------------------------------------------------------------------------ what a page shows


@dataclass(frozen=True)
class SeriesTarget:
    """Whose series a page draws: a département (code), or a région's / France's medians only (code None)."""

    code: str | None
    name: str
    reg: str | None
    reg_name: str | None
    note: str = ""


def series_target(sel: Selection, options: TerritoryOptions) -> SeriesTarget:
    """The sidebar selection as a series target: an EPCI is drawn through its département (the medians are over
    départements); a région shows its median beside the national one; France the national median."""
    dep = sel.dep
    if dep:
        reg = str(options.departements.at[dep, "reg"]) if dep in options.departements.index else (sel.reg or None)
        note = ""
        if sel.epci:
            note = (f"Séries du département {options.name('departement', dep)} ({dep}), auquel l'EPCI est rattaché : "
                    "les séries et leurs médianes annuelles sont publiées et calculées par département.")
        return SeriesTarget(dep, f"{options.name('departement', dep)} ({dep})", reg,
                            options.name("region", reg) if reg else None, note)
    if sel.reg:
        name = options.name("region", sel.reg)
        return SeriesTarget(None, name, sel.reg, name,
                            f"Région {name} : médiane de ses départements, année par année, à côté de la médiane "
                            "nationale. Choisissez un département pour voir ses propres séries.")
    return SeriesTarget(None, "France", None, None,
                        "France entière : médiane nationale des départements, année par année. Choisissez un "
                        "département pour voir ses propres séries.")
