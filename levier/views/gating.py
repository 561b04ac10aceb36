"""Quality findings gate the figures: load the findings a set of values needs and mark those values — error-level
ones kept out of ranks, medians and trajectories (`unranked_reason`), warning-level ones only flagged
(`quality_warning`), each with a French reason pointing to the quality page."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from levier.analysis import gating, independent, quality
from levier.analysis.positions import LEVEL_DEPARTEMENT
from levier.store.db import Database, Query
from levier.store import derived


def _quality_data(db: Database, level: str | None, wanted: Iterable[str] | None) -> tuple[quality.QualityData, set[str] | None]:
    """What the checks read, restricted to what gating `wanted` needs (None: every indicator)."""
    subs, totals = zip(*quality.SUBCOUNT_PAIRS)
    public_codes = {p.declared for p in quality.PUBLIC_PAIRINGS}
    with db.reader() as r:
        cat = r.df(Query.QUALITY_INDICATORS)
        if wanted is None:
            base = None
            needed = sorted(set(cat["code"]))
        else:
            base, needs = gating.checked_indicators(cat, wanted)
            needed = sorted(needs)
        declared = sorted(public_codes if base is None else public_codes & base)
        # Percentages: typed-in ones of the base, and the ratios a base indicator is a part of (the check puts a
        # derived rate's doubt on its numerator). Sub-counts: the pairs whose sub-count is in the base.
        pct_codes = None if base is None else sorted(base | set(cat.loc[cat["numerator"].isin(base)
                                                                        | cat["denominator"].isin(base), "code"]))
        only_subs = None if base is None else sorted(base)
        public = sorted(set(declared) | {quality.POOR_RATE, quality.PERSONS, quality.MINIMA}) if declared else []
        public = sorted(set(public) | set(independent.links(cat)["public"]))  # declared vs independent source
        data = quality.QualityData(
            values=r.df(Query.QUALITY_VALUES, {"level": level, "codes": needed, "territory": None}),
            indicators=cat,
            # The checks' tables name territories; gating only reads the keys of the values in doubt.
            territories=pd.DataFrame({"level": pd.Series(dtype=str), "code": pd.Series(dtype=str),
                                      "name": pd.Series(dtype=str)}),
            declarations=pd.DataFrame(),
            cells=pd.DataFrame(),
            subcounts=r.df(Query.QUALITY_SUBCOUNTS, {"sub_codes": list(subs), "total_codes": list(totals),
                                                     "only_subs": only_subs}),
            percentages=r.df(Query.QUALITY_PERCENTAGES, {"codes": pct_codes}),
            public=r.df(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": public}),
            level=level,
        )
    return data, base


def load_gates(db: Database, indicators: Iterable[str] | None = None, level: str = LEVEL_DEPARTEMENT) -> pd.DataFrame:
    """The values in doubt among `indicators` (None: all) of one level, typed-in or derived (analysis.gating.gates):
    territory_level, territory_code, indicator, period, severity, checks, reason, source_indicator. Read from the
    derived table when it is current and the user reads everything (levier.views.derived.available); otherwise only
    the indicators the gating needs are checked (about a tenth of the full quality run for one indicator)."""
    wanted = None if indicators is None else list(dict.fromkeys(str(c) for c in indicators))
    if wanted is not None and not wanted:
        return gating.gates([], pd.DataFrame())
    if derived.available(db):
        return derived_gates(db, wanted, level)
    return live_gates(db, wanted, level)


def derived_gates(db: Database, wanted: list[str] | None, level: str) -> pd.DataFrame:
    """load_gates() read from the derived table (the same frame: columns, order, types)."""
    rows = db.read(Query.DERIVED_QUALITY_GATES, {"level": level, "codes": wanted})
    if rows.empty:
        return gating.gates([], pd.DataFrame())
    return rows[gating.GATE_COLUMNS].astype({"period": "int64"}).reset_index(drop=True)


def live_gates(db: Database, wanted: list[str] | None, level: str | None) -> pd.DataFrame:
    """load_gates() computed from the stored values the user may read (the checks of the indicators needed); level
    None: every level at once (every check compares territories of one level only)."""
    data, _ = _quality_data(db, level, wanted)
    checks = [c for c in quality.CHECKS if c is not quality.declared_vs_public or len(data.public)]
    rows = gating.gates([check(data) for check in checks], data.indicators)
    if level is not None:
        rows = rows[rows["territory_level"] == level]
    if wanted is not None:
        rows = rows[rows["indicator"].isin(wanted)]
    return rows.reset_index(drop=True)


def gate_values(db: Database, values: pd.DataFrame, level: str = LEVEL_DEPARTEMENT, *, indicator: str | None = None,
                period: int | None = None, gate_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The values with `unranked_reason` (error-level findings: no rank, quartile, median, trajectory or cost) and
    `quality_warning` (warning-level: still ranked, marked) added or merged with the reasons already there.

    values: code, indicator, period, value… of one level (a frame of one indicator and year without those columns
    names them with `indicator` and `period`); gate_rows: load_gates() already computed (an export gating many
    frames computes it once)."""
    frame = values
    added = [c for c, v in (("indicator", indicator), ("period", period)) if c not in values.columns and v is not None]
    if added:
        frame = values.assign(**{c: v for c, v in (("indicator", indicator), ("period", period)) if c in added})
    missing = {"code", "indicator", "period"} - set(frame.columns)
    if missing:
        raise ValueError(f"gate_values: colonnes manquantes {sorted(missing)}")
    if gate_rows is None:
        # The distinct codes first: a set over an Arrow text column reads it one cell at a time (×30: 20 ms).
        gate_rows = load_gates(db, sorted(set(frame["indicator"].astype(str).unique().tolist())), level)
    out = gating.apply_gates(frame, gate_rows, level)
    return out.drop(columns=added)


def build_derived(db: Database) -> dict[str, pd.DataFrame]:
    """The publication step's ranking gates (levier.views.derived.BUILDERS): every level's values in doubt, computed
    live over everything stored. A gate is public only when its value and the value its doubt comes from are public
    statistics (in practice never: the checks read the territories' returns)."""
    with db.reader() as r:
        programme = dict(zip(*(r.df(Query.QUALITY_INDICATORS)[c] for c in ("code", "programme"))))
    frame = live_gates(db, None, None)
    public = [programme.get(i) == "STAT" and all(programme.get(s.strip()) == "STAT" for s in str(src or i).split(","))
              for i, src in zip(frame["indicator"], frame["source_indicator"])]
    return {"quality_gates": frame.assign(is_public=pd.Series(public, index=frame.index, dtype=bool))}
