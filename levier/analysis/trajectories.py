"""Target trajectories and statuses of every territory of a level at once, for every T0 and comparison year.

Pure: DataFrames in, DataFrames out. The figures are those of levier.analysis.positions.target_tracking (same rule,
same thresholds, same reasons), computed for a whole level in one pass so that they can be derived once per data
version and read by lookup.

A territory's results only change at its *event years* (the years of its values and targets of the indicators
with a target): its window is [first event − 1, last event + 1]. A T0 year before the window reads exactly as the
window's first year (no value at T0, every target after it), one after it as its last (no value, no target after
it); a comparison year before T0 reads as T0 (no value after T0). So the pairs (t0_key, to_key) of the window with
t0_key ≤ to_key hold every answer, and `window_keys` maps any requested pair onto one of them (the lookup query
target_status.sql does the same in SQL); the T0 year shown is the one asked for, not the key.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from levier.analysis.positions import (
    BAD, GOOD, STATUS_AHEAD, STATUS_EXCLUDED, STATUS_LATE, STATUS_NO_DATA, STATUS_ON_TRACK, UP, assess,
    attainment_rate, direction_label, direction_of, relative_change, status_of_rate,
)

GRID_COLUMNS = [
    "code", "indicator", "t0_key", "to_key", "label", "unit", "direction", "t0_value", "target_period",
    "target_value", "milestones", "milestone_years", "milestone_values", "current_period", "current_value",
    "expected", "attainment", "status", "status_reason",
]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def window_keys(lo: int, hi: int, t0: int, current: int) -> tuple[int, int]:
    """The grid pair (t0_key, to_key) answering a requested (T0 year, comparison year) in a window [lo, hi]."""
    return min(max(t0, lo), hi), min(max(current, t0, lo), hi)


def windows(values: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """One row per territory having a target (code, lo, hi): its window of keys, one year on each side of its event
    years (valued years and target years of its indicators with a target); [0, 0] when it has no event at all."""
    listing = targets[["code", "indicator"]].drop_duplicates()
    valued = values[pd.to_numeric(values["value"], errors="coerce").notna()]
    valued = valued.merge(listing, on=["code", "indicator"])[["code", "period"]]
    dated = targets[pd.to_numeric(targets["target_value"], errors="coerce").notna()]
    dated = dated[["code", "target_year"]].rename(columns={"target_year": "period"})
    events = pd.concat([valued, dated], ignore_index=True)
    events["period"] = events["period"].astype("int64")
    span = events.groupby("code")["period"].agg(["min", "max"])
    out = pd.DataFrame({"code": sorted(set(listing["code"]))})
    out["lo"] = out["code"].map(span["min"] - 1).fillna(0).astype("int64")
    out["hi"] = out["code"].map(span["max"] + 1).fillna(0).astype("int64")
    return out


def target_grid(values: pd.DataFrame, targets: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """The target tracking of every territory and indicator with a target, for every pair of its window
    (t0_key ≤ to_key): GRID_COLUMNS, one row per (code, indicator, t0_key, to_key).

    values: code, indicator, period, value[, unranked_reason, quality_warning] of a level (the quality gates of
    levier.views.gating applied); targets: code, indicator, target_year, target_value of the same level (every
    target row: an indicator whose targets are all missing is still listed); indicators: the catalogue."""
    cat = indicators.drop_duplicates("code").set_index("code")
    listing = targets[["code", "indicator"]].drop_duplicates().sort_values(["code", "indicator"])
    if listing.empty:
        return pd.DataFrame(columns=GRID_COLUMNS)
    vals = values.copy()
    for col in ("unranked_reason", "quality_warning"):
        if col not in vals.columns:
            vals[col] = None
    vals["value"] = pd.to_numeric(vals["value"], errors="coerce").astype("float64")
    vals = vals[vals["value"].notna()].merge(listing, on=["code", "indicator"])
    vals = vals.assign(period=vals["period"].astype("int64")).drop_duplicates(["code", "indicator", "period"])
    vals = vals[["code", "indicator", "period", "value", "unranked_reason", "quality_warning"]]

    # The grid: every pair t0_key ≤ to_key of each territory's window, for each of its indicators with a target.
    # Built as arrays, one frame at the end: a frame per territory cost more than the grid (1,350 of them).
    win = windows(values, targets)
    codes, t0_keys, to_keys = [], [], []
    for code, lo, hi in zip(win["code"].to_numpy(dtype=object), win["lo"].to_numpy(), win["hi"].to_numpy()):
        keys = np.arange(lo, hi + 1)
        a, b = np.triu_indices(len(keys))
        codes.append(np.full(len(a), code, dtype=object))
        t0_keys.append(keys[a])
        to_keys.append(keys[b])
    grid = pd.DataFrame({"code": pd.Series(np.concatenate(codes), dtype=listing["code"].dtype),
                         "t0_key": np.concatenate(t0_keys), "to_key": np.concatenate(to_keys)}).merge(listing, on="code")

    # The T0 value: exactly at the T0 year.
    t0 = vals.rename(columns={"period": "t0_key", "value": "t0_value", "unranked_reason": "t0_reason",
                              "quality_warning": "t0_warning"})
    grid = grid.merge(t0, on=["code", "indicator", "t0_key"], how="left")
    # The current value: the latest after T0, up to the comparison year.
    cur = vals.rename(columns={"period": "current_period", "value": "current_value", "unranked_reason": "cur_reason",
                               "quality_warning": "cur_warning"}).sort_values("current_period")
    grid = pd.merge_asof(grid.sort_values("to_key"), cur.assign(to_key=cur["current_period"]), on="to_key",
                         by=["code", "indicator"], direction="backward")
    later = grid["current_period"].notna() & (grid["current_period"] > grid["t0_key"])
    for col in ("current_period", "current_value", "cur_reason", "cur_warning"):
        grid[col] = grid[col].where(later, None if col in ("cur_reason", "cur_warning") else np.nan)

    # Targets after T0: the latest is the final one, the others milestones; the path from the T0 value through them.
    # Each (territory, indicator)'s dated targets in year order, as slices of two arrays (a pandas group per pair
    # cost more than the plans themselves).
    dated = targets[pd.to_numeric(targets["target_value"], errors="coerce").notna()]
    dated = dated.sort_values(["code", "indicator", "target_year"], kind="stable")
    pairs = list(zip(dated["code"].to_numpy(dtype=object), dated["indicator"].to_numpy(dtype=object)))
    all_years = dated["target_year"].astype("int64").to_numpy()
    all_values = dated["target_value"].astype("float64").to_numpy()
    by_unit = {}
    start = 0
    for i in range(1, len(pairs) + 1):
        if i == len(pairs) or pairs[i] != pairs[start]:
            by_unit[pairs[start]] = (all_years[start:i], all_values[start:i])
            start = i
    plans = grid[["code", "indicator", "t0_key", "t0_value"]].drop_duplicates(["code", "indicator", "t0_key"])
    plan_rows = []
    # Rows read as plain Python objects: pandas' text columns (Arrow) yield one value at a time ten times slower.
    for code, indicator, key, t0_value in plans.astype(object).itertuples(index=False):
        years, tvals = by_unit.get((code, indicator), (np.empty(0, dtype="int64"), np.empty(0)))
        after = years > key
        if not after.any():
            plan_rows.append((code, indicator, key, None, math.nan, [], [], None))
            continue
        ys, vs = years[after], tvals[after]
        final_year, final_value = int(ys[-1]), float(vs[-1])
        ms_years, ms_values = [int(y) for y in ys[:-1]], [float(v) for v in vs[:-1]]
        path = None
        if not math.isnan(t0_value):
            xs = [int(key)] + ms_years + [final_year]
            path = np.interp(np.arange(int(key), final_year + 1), xs, [float(t0_value)] + ms_values + [final_value])
        plan_rows.append((code, indicator, key, final_year, final_value, ms_years, ms_values, path))
    plan = pd.DataFrame(plan_rows, columns=["code", "indicator", "t0_key", "target_period", "target_value",
                                            "milestone_years", "milestone_values", "path"])
    grid = grid.merge(plan, on=["code", "indicator", "t0_key"], how="left")

    # Catalogue fields as plain dicts: a Series lookup per grid row cost most of a level's build.
    directions = cat["direction"].to_dict() if "direction" in cat.columns else {}
    labels = cat["label"].to_dict() if "label" in cat.columns else {}
    units = cat["unit"].to_dict() if "unit" in cat.columns else {}
    rows = []
    for r in grid.astype(object).itertuples(index=False):
        direction = directions.get(r.indicator)
        has_current = not pd.isna(r.current_period)
        reasons = [f"{label} ({int(p)}) écartée, {text}" for label, p, text in (
            ("valeur T0", r.t0_key, _text(r.t0_reason)), ("dernière valeur", r.current_period, _text(r.cur_reason)))
            if text]
        warnings = [f"{label} ({int(p)}) signalée, {text}" for label, p, text in (
            ("valeur T0", r.t0_key, _text(r.t0_warning)), ("dernière valeur", r.current_period, _text(r.cur_warning)))
            if text]
        expected, rate, reason = math.nan, math.nan, None
        if r.path is None or not isinstance(r.path, np.ndarray) or not has_current:
            status = STATUS_NO_DATA
        else:
            period = int(r.current_period)
            expected = float(r.path[-1]) if period >= int(r.target_period) else float(r.path[period - int(r.t0_key)])
            if reasons:
                status, reason = STATUS_EXCLUDED, " ; ".join(reasons)
            else:
                rate = attainment_rate(r.t0_value, expected, r.current_value)
                if math.isnan(rate):
                    # A 'maintain' target: the current value against the expected one, in the indicator's direction.
                    verdict = assess(float(r.current_value) - expected, direction if direction_of(direction) else UP)
                    status = {GOOD: STATUS_AHEAD, BAD: STATUS_LATE}.get(verdict, STATUS_ON_TRACK)
                else:
                    status = status_of_rate(rate)
        if warnings and status != STATUS_EXCLUDED:
            reason = " ; ".join(warnings)
        rows.append((expected, rate, status, reason, direction))
    computed = pd.DataFrame(rows, columns=["expected", "attainment", "status", "status_reason", "raw_direction"],
                            index=grid.index)
    grid = pd.concat([grid, computed], axis=1)
    indicator = grid["indicator"].to_numpy(dtype=object)
    grid["label"] = [labels.get(i, i) for i in indicator]
    grid["unit"] = [units.get(i, "") for i in indicator]
    grid["direction"] = [direction_of(d) for d in grid["raw_direction"].to_numpy(dtype=object)]
    grid["milestones"] = [len(m) if isinstance(m, list) else 0 for m in grid["milestone_years"].to_numpy(dtype=object)]
    for col in ("milestone_years", "milestone_values"):
        grid[col] = [m if isinstance(m, list) else [] for m in grid[col].to_numpy(dtype=object)]
    for col in ("target_period", "current_period"):
        grid[col] = pd.to_numeric(grid[col], errors="coerce").astype("Int64")
    grid = grid.sort_values(["code", "t0_key", "to_key", "indicator"], kind="stable").reset_index(drop=True)
    return grid[GRID_COLUMNS]


def changes_table(own: pd.DataFrame, cat: pd.DataFrame, period_from: int, period_to: int,
                  assessment_text: dict[str, str]) -> pd.DataFrame:
    """The Mi-parcours changes table of one territory (levier.views.mi_parcours.midterm_view) in one pass: one row
    per indicator of the catalogue having a row at either period and a value at one of them, indicators in code
    order. own: code_ind, period, value of ONE territory; cat: the catalogue indexed by code."""
    v = own[own["code_ind"].isin(cat.index)][["code_ind", "period", "value"]].copy()
    v["value"] = pd.to_numeric(v["value"], errors="coerce").astype("float64")
    a = v[v["period"] == period_from].drop_duplicates("code_ind", keep="last").set_index("code_ind")["value"]
    b = v[v["period"] == period_to].drop_duplicates("code_ind", keep="last").set_index("code_ind")["value"]
    codes = sorted(set(a.index) | set(b.index))
    vf = pd.Series(codes, dtype=object).map(a).astype("float64").to_numpy()
    vt = pd.Series(codes, dtype=object).map(b).astype("float64").to_numpy()
    keep = ~(np.isnan(vf) & np.isnan(vt))
    rows = []
    for code, x, y in zip(np.asarray(codes, dtype=object)[keep], vf[keep], vt[keep]):
        direction = cat.at[code, "direction"]
        change = y - x
        rows.append(
            {
                "Programme": cat.at[code, "programme"],
                "Code": code,
                "Indicateur": cat.at[code, "label"],
                "Unité": str(cat.at[code, "unit"]),
                "Sens souhaité": direction_label(direction),
                f"Valeur {period_from}": x,
                f"Valeur {period_to}": y,
                "Évolution": change,
                "Évolution (%)": relative_change(x, y),
                "Lecture": assessment_text.get(assess(change, direction), assess(change, direction)),
            }
        )
    return pd.DataFrame(rows)
