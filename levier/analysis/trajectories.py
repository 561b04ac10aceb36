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

from collections.abc import Iterator

import numpy as np
import pandas as pd

from levier.analysis.positions import (
    AHEAD_THRESHOLD, DOWN, ON_TRACK_THRESHOLD, STATUS_AHEAD, STATUS_EXCLUDED, STATUS_LATE, STATUS_NO_DATA,
    STATUS_ON_TRACK, STATUSES, assess, direction_label, direction_of, relative_change, status_of_rate,
)

_STATUS_CODE = {status: code for code, status in enumerate(STATUSES)}
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
    (t0_key ≤ to_key): GRID_COLUMNS, one row per (code, indicator, t0_key, to_key), sorted by code, t0_key, to_key,
    indicator.

    values: code, indicator, period, value[, unranked_reason, quality_warning] of a level (the quality gates of
    levier.views.gating applied); targets: code, indicator, target_year, target_value of the same level (every
    target row: an indicator whose targets are all missing is still listed); indicators: the catalogue.

    Computed as arrays over the grid's rows (no Python per row): each (territory, indicator) — a *unit* — has its
    values laid out densely over its window's years, so a row's T0 value and its latest value up to the comparison
    year are array lookups, and its dated targets are a slice of one sorted array, so the plan of a T0 year (final
    target, milestones) and the segment of the trajectory its current year falls on are binary searches."""
    listing = targets[["code", "indicator"]].drop_duplicates().sort_values(["code", "indicator"])
    if listing.empty:
        return pd.DataFrame(columns=GRID_COLUMNS)
    listing = listing.reset_index(drop=True)
    units = _Units(listing, windows(values, targets), indicators)
    dense = _Dense(values, listing, units)
    u, a, b = _grid_rows(units)
    base = units.base[u]
    i0, i1 = base + a, base + b  # dense positions of the T0 year and of the comparison year
    lo = units.lo[u]
    t0_key, to_key = lo + a, lo + b

    # The current value: the latest valued year after T0, up to the comparison year.
    last = dense.last[i1]
    has_current = last > i0
    cur = np.where(has_current, last, 0)
    current_period = np.where(has_current, lo + (last - base), 0)
    current_value = np.where(has_current, dense.value[cur], np.nan)
    t0_value = dense.value[i0]

    # Targets after T0: the latest is the final one, the others milestones (a suffix of the unit's dated targets).
    plans = _Plans(targets, listing, units)
    k0 = plans.first_after[i0]
    end = plans.end[u]
    after = end - k0
    has_target = after >= 1
    final = np.where(has_target, end - 1, 0)
    target_period = plans.years[final]
    target_value = np.where(has_target, plans.values[final], np.nan)
    plan_id = k0 + u
    milestone_years, milestone_values = plans.milestone_lists()

    # Statuses: only rows with a trajectory (a T0 value, a target after it) and a current value are assessed.
    live = has_target & ~np.isnan(t0_value) & has_current
    excluded = live & (dense.has_reason[i0] | (has_current & dense.has_reason[cur]))
    expected = np.full(len(u), np.nan)
    expected[live] = plans.expected(u[live], k0[live], t0_key[live], t0_value[live], current_period[live])
    rated = live & ~excluded
    attainment = np.full(len(u), np.nan)
    attainment[rated] = _attainment(t0_value[rated], expected[rated], current_value[rated])
    # Statuses as small codes into STATUSES (a column of texts per row cost gigabytes at ×10).
    status = np.full(len(u), _STATUS_CODE[STATUS_NO_DATA], dtype="int8")
    status[excluded] = _STATUS_CODE[STATUS_EXCLUDED]
    status[rated] = _rated_status(attainment[rated], current_value[rated] - expected[rated], units.down[u[rated]])

    warned = ~excluded & (dense.has_warning[i0] | (has_current & dense.has_warning[cur]))
    status_reason = np.full(len(u), None, dtype=object)
    for flagged, texts, verb in ((excluded, dense.reason, "écartée"), (warned, dense.warning, "signalée")):
        if flagged.any():
            later = has_current[flagged]
            t0_slot, cur_slot = i0[flagged], np.where(later, cur[flagged], -1)
            status_reason[flagged] = _reasons(t0_slot, cur_slot, t0_key[flagged], current_period[flagged],
                                              texts[t0_slot], np.where(later, texts[np.maximum(cur_slot, 0)], None),
                                              verb, units.size)

    columns = {
        "code": listing["code"].take(u).reset_index(drop=True),
        "indicator": listing["indicator"].take(u).reset_index(drop=True),
        "t0_key": pd.Series(t0_key, dtype="int64"),
        "to_key": pd.Series(to_key, dtype="int64"),
        "label": units.label.take(u).reset_index(drop=True),
        "unit": units.unit.take(u).reset_index(drop=True),
        "direction": units.direction.take(u).reset_index(drop=True),
        "t0_value": pd.Series(t0_value, dtype="float64"),
        "target_period": pd.Series(pd.arrays.IntegerArray(target_period.astype("int64"), ~has_target)),
        "target_value": pd.Series(target_value, dtype="float64"),
        "milestones": pd.Series(np.maximum(after - 1, 0), dtype="int64"),
        "milestone_years": pd.Series(milestone_years[plan_id], dtype=object),
        "milestone_values": pd.Series(milestone_values[plan_id], dtype=object),
        "current_period": pd.Series(pd.arrays.IntegerArray(current_period.astype("int64"), ~has_current)),
        "current_value": pd.Series(current_value, dtype="float64"),
        "expected": pd.Series(expected, dtype="float64"),
        "attainment": pd.Series(attainment, dtype="float64"),
        "status": pd.Series(pd.Categorical.from_codes(status, categories=pd.Index(STATUSES, dtype=object))).astype(
            pd.Series([STATUS_NO_DATA]).dtype),  # the text type pandas infers for a column of texts
        "status_reason": pd.Series(status_reason),
    }
    return pd.DataFrame(columns, columns=GRID_COLUMNS, copy=False)


def target_grid_blocks(values: pd.DataFrame, targets: pd.DataFrame, indicators: pd.DataFrame,
                       territories_per_block: int) -> Iterator[pd.DataFrame]:
    """target_grid in blocks of `territories_per_block` territories (in code order), one frame per block: a
    territory's rows depend on its own values and targets only (its window, its plans), so the blocks put end to
    end are target_grid itself, while only one block is held at a time (the publication step writes each as it
    comes: the whole EPCI grid is millions of rows)."""
    codes = sorted(set(targets["code"]))
    for start in range(0, len(codes), territories_per_block):
        block = set(codes[start:start + territories_per_block])
        yield target_grid(values[values["code"].isin(block)], targets[targets["code"].isin(block)], indicators)


class _Units:
    """The grid's units (territory, indicator with a target) in `listing` order (code, indicator): their window
    (lo, width), where their years start in the dense layout (base: one slot per year of the unit's window, units
    one after the other), and their catalogue fields."""

    def __init__(self, listing: pd.DataFrame, win: pd.DataFrame, indicators: pd.DataFrame):
        self.count = len(listing)
        self.code_position = pd.Index(win["code"]).get_indexer(listing["code"])
        self.lo = win["lo"].to_numpy(dtype="int64")[self.code_position]
        self.width = win["hi"].to_numpy(dtype="int64")[self.code_position] - self.lo + 1
        self.base = np.concatenate([[0], np.cumsum(self.width)[:-1]]).astype("int64")
        self.size = int(self.width.sum())
        cat = indicators.drop_duplicates("code").set_index("code")
        directions = cat["direction"].to_dict() if "direction" in cat.columns else {}
        labels = cat["label"].to_dict() if "label" in cat.columns else {}
        units = cat["unit"].to_dict() if "unit" in cat.columns else {}
        indicator = listing["indicator"].to_numpy(dtype=object)
        # Series inferred from Python lists of the values, as the per-row lists they replace were.
        self.label = pd.Series([labels.get(i, i) for i in indicator])
        self.unit = pd.Series([units.get(i, "") for i in indicator])
        self.direction = pd.Series([direction_of(directions.get(i)) for i in indicator])
        self.down = np.array([direction_of(directions.get(i)) == DOWN for i in indicator], dtype=bool)

    def dense_unit(self) -> np.ndarray:
        """The unit of every dense slot."""
        return np.repeat(np.arange(self.count, dtype="int64"), self.width)

    def dense_year(self) -> np.ndarray:
        """The year of every dense slot."""
        unit = self.dense_unit()
        return self.lo[unit] + np.arange(self.size, dtype="int64") - self.base[unit]


def _grid_rows(units: _Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit, a, b) of every grid row, a ≤ b positions in the unit's window (T0 and comparison year), in the grid's
    order: territory, then pair (a, b), then indicator (a territory's units are consecutive, in indicator order)."""
    position = units.code_position
    starts = np.flatnonzero(np.r_[True, position[1:] != position[:-1]])
    counts = np.diff(np.r_[starts, units.count])
    pairs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    us, as_, bs = [], [], []
    for first, n in zip(starts.tolist(), counts.tolist()):
        width = int(units.width[first])
        if width not in pairs:
            pairs[width] = np.triu_indices(width)
        a, b = pairs[width]
        us.append(np.tile(np.arange(first, first + n, dtype="int64"), len(a)))
        as_.append(np.repeat(a.astype("int64"), n))
        bs.append(np.repeat(b.astype("int64"), n))
    return np.concatenate(us), np.concatenate(as_), np.concatenate(bs)


class _Dense:
    """Each unit's valued years laid out over its window: value (NaN when none), quality reason and warning (the
    text, or None), and `last`, the slot of the latest valued year up to each slot (-1 when none; a slot before the
    unit's base belongs to another unit)."""

    def __init__(self, values: pd.DataFrame, listing: pd.DataFrame, units: _Units):
        vals = values.copy()
        for col in ("unranked_reason", "quality_warning"):
            if col not in vals.columns:
                vals[col] = None
        vals["value"] = pd.to_numeric(vals["value"], errors="coerce").astype("float64")
        vals = vals[vals["value"].notna()].merge(listing.assign(_unit=np.arange(len(listing))), on=["code", "indicator"])
        vals = vals.assign(period=vals["period"].astype("int64")).drop_duplicates(["code", "indicator", "period"])
        unit = vals["_unit"].to_numpy(dtype="int64")
        offset = vals["period"].to_numpy(dtype="int64") - units.lo[unit]
        if ((offset < 0) | (offset >= units.width[unit])).any():
            raise ValueError("a value outside its territory's window")  # windows() holds every valued year
        slot = units.base[unit] + offset
        self.value = np.full(units.size, np.nan)
        self.value[slot] = vals["value"].to_numpy(dtype="float64")
        self.reason = np.full(units.size, None, dtype=object)
        self.reason[slot] = _texts(vals["unranked_reason"])
        self.warning = np.full(units.size, None, dtype=object)
        self.warning[slot] = _texts(vals["quality_warning"])
        self.has_reason = np.array([t is not None for t in self.reason], dtype=bool)
        self.has_warning = np.array([t is not None for t in self.warning], dtype=bool)
        valued = np.full(units.size, -1, dtype="int64")
        valued[slot] = slot
        self.last = np.maximum.accumulate(valued) if units.size else valued


def _texts(column: pd.Series) -> np.ndarray:
    """_text of every cell: the text, or None."""
    cells = column.to_numpy(dtype=object)
    return np.array([_text(c) for c in cells], dtype=object) if len(cells) else cells


class _Plans:
    """Every unit's dated targets in year order, as slices [start, end) of two arrays (with one unused slot at the
    end, so that a row without a target can still index them). A T0 year's targets are a suffix of its unit's:
    `first_after` gives, per dense slot, where the targets after that year start."""

    def __init__(self, targets: pd.DataFrame, listing: pd.DataFrame, units: _Units):
        dated = targets[pd.to_numeric(targets["target_value"], errors="coerce").notna()]
        dated = dated.sort_values(["code", "indicator", "target_year"], kind="stable")
        unit = pd.MultiIndex.from_frame(listing[["code", "indicator"]]).get_indexer(
            pd.MultiIndex.from_frame(dated[["code", "indicator"]])).astype("int64")
        years = dated["target_year"].astype("int64").to_numpy()
        self.count = len(years)
        self.years = np.r_[years, 0].astype("int64")
        self.values = np.r_[dated["target_value"].astype("float64").to_numpy(), np.nan]
        index = np.arange(units.count)
        self.start = np.searchsorted(unit, index, side="left")
        self.end = np.searchsorted(unit, index, side="right")
        # One sorted key (unit, year) for binary searches of every unit at once; a year outside the targets' span
        # is clipped to just before or after it, which keeps every comparison with a target year.
        low = int(years.min()) if len(years) else 0
        self.span = (int(years.max()) - low + 3) if len(years) else 3
        self.low = low
        self.key = unit * self.span + self._offset(years)
        self.units = units
        same = np.flatnonzero(np.diff(self.key) == 0)
        self.repeated = np.zeros(units.count, dtype=bool)  # units with two targets the same year
        self.repeated[unit[same]] = True
        self.first_after = self._after(units.dense_unit(), units.dense_year())

    def _offset(self, years: np.ndarray) -> np.ndarray:
        return np.clip(years - self.low + 1, 0, self.span - 1)

    def _after(self, unit: np.ndarray, year: np.ndarray) -> np.ndarray:
        """Index of the unit's first target after the year."""
        return np.searchsorted(self.key, unit * self.span + self._offset(year), side="right")

    def milestone_lists(self) -> tuple[np.ndarray, np.ndarray]:
        """Milestone years and values of every plan, indexed by plan id = first target after T0 + unit: the
        targets from there on but the last (the final target). Plans share their lists across comparison years."""
        n = self.count + self.units.count
        years, values = np.empty(n, dtype=object), np.empty(n, dtype=object)
        for u, (start, end) in enumerate(zip(self.start.tolist(), self.end.tolist())):
            for k in range(start, end + 1):
                years[k + u] = self.years[k:end - 1].tolist() if k < end - 1 else []
                values[k + u] = self.values[k:end - 1].tolist() if k < end - 1 else []
        return years, values

    def expected(self, unit: np.ndarray, first: np.ndarray, key: np.ndarray, t0_value: np.ndarray,
                 period: np.ndarray) -> np.ndarray:
        """The expected value at `period` on each row's path (np.interp from (T0, T0 value) through the
        milestones to the final target, beyond it the target), row by row as np.interp computes it: the value at
        a milestone's year, else slope × (x − x0) + y0 on the segment holding x."""
        final = self.end[unit] - 1
        out = self.values[final].copy()
        inside = period < self.years[final]
        u, k, x, y_t0, p = unit[inside], first[inside], key[inside], t0_value[inside], period[inside]
        j = self._after(u, p) - 1  # the latest target up to the period
        from_t0 = j < k  # none between T0 and the period: the first segment starts at the T0 value
        x0 = np.where(from_t0, x, self.years[j]).astype("float64")
        y0 = np.where(from_t0, y_t0, self.values[j])
        x1 = np.where(from_t0, self.years[k], self.years[np.minimum(j + 1, self.count)]).astype("float64")
        y1 = np.where(from_t0, self.values[k], self.values[np.minimum(j + 1, self.count)])
        pf = p.astype("float64")
        with np.errstate(all="ignore"):
            slope = (y1 - y0) / (x1 - x0)
            value = slope * (pf - x0) + y0
            # np.interp's own fallbacks for a non-finite slope.
            retry = np.isnan(value)
            value[retry] = slope[retry] * (pf[retry] - x1[retry]) + y1[retry]
            flat = np.isnan(value) & (y0 == y1)
            value[flat] = y0[flat]
        value = np.where(~from_t0 & (self.years[j] == p), self.values[j], value)
        out[inside] = value
        # Two targets the same year: np.interp itself, on the path as it was drawn.
        for i in np.flatnonzero(self.repeated[unit]).tolist():
            if inside[i]:
                end = self.end[unit[i]]
                xs = [int(key[i])] + self.years[first[i]:end].tolist()
                fs = [float(t0_value[i])] + self.values[first[i]:end].tolist()
                path = np.interp(np.arange(int(key[i]), int(xs[-1]) + 1), xs, fs)
                out[i] = float(path[int(period[i]) - int(key[i])])
        return out


def _attainment(t0_value: np.ndarray, expected: np.ndarray, current: np.ndarray) -> np.ndarray:
    """positions.attainment_rate of every row."""
    with np.errstate(all="ignore"):
        close = (expected == t0_value) | (np.abs(expected - t0_value) <= 1e-12)
        rate = 100.0 * (current - t0_value) / (expected - t0_value)
    missing = np.isnan(t0_value) | np.isnan(expected) | np.isnan(current) | close
    return np.where(missing, np.nan, rate)


def _rated_status(rate: np.ndarray, delta: np.ndarray, down: np.ndarray) -> np.ndarray:
    """positions.status_of_rate of every rate, as codes into STATUSES; a 'maintain' target (no rate) compares the
    current value with the expected one in the indicator's direction (none: upwards), as the one-territory tracking
    does."""
    ahead, on_track, late = (_STATUS_CODE[s] for s in (STATUS_AHEAD, STATUS_ON_TRACK, STATUS_LATE))
    good = np.where(down, delta < 0, delta > 0)
    bad = np.where(down, delta > 0, delta < 0)
    kept = np.where(good, ahead, np.where(bad, late, on_track))
    rated = np.where(rate >= AHEAD_THRESHOLD, ahead, np.where(rate >= ON_TRACK_THRESHOLD, on_track, late))
    out = np.where(np.isnan(rate), kept, rated).astype("int8")
    # status_of_rate rounds to 9 decimals first: next to a threshold, its own answer.
    near = (np.abs(rate - AHEAD_THRESHOLD) < 1e-6) | (np.abs(rate - ON_TRACK_THRESHOLD) < 1e-6)
    for i in np.flatnonzero(near).tolist():
        out[i] = _STATUS_CODE[status_of_rate(float(rate[i]))]
    return out


def _reasons(t0_slot: np.ndarray, cur_slot: np.ndarray, t0_key: np.ndarray, current_period: np.ndarray,
             t0_text: np.ndarray, cur_text: np.ndarray, verb: str, size: int) -> np.ndarray:
    """« valeur T0 (année) <verb>, motif ; dernière valeur (année) <verb>, motif » of every row, built once per
    (T0 slot, current slot): the texts and years only depend on them."""
    key = t0_slot * (size + 1) + (cur_slot + 1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    texts = []
    for i in first.tolist():
        parts = [f"{label} ({int(year)}) {verb}, {text}" for label, year, text in (
            ("valeur T0", t0_key[i], t0_text[i]), ("dernière valeur", current_period[i], cur_text[i])) if text]
        texts.append(" ; ".join(parts))
    return np.array(texts, dtype=object)[inverse.ravel()]


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
    # The catalogue's fields as plain lists once: a lookup by label per row and field cost most of the table at ×30.
    meta = dict(zip(cat.index.tolist(), zip(*(cat[c].tolist() for c in ("direction", "programme", "label", "unit")))))
    rows = []
    for code, x, y in zip(np.asarray(codes, dtype=object)[keep], vf[keep], vt[keep]):
        direction, programme, label, unit = meta[code]
        change = y - x
        rows.append(
            {
                "Programme": programme,
                "Code": code,
                "Indicateur": label,
                "Unité": str(unit),
                "Sens souhaité": direction_label(direction),
                f"Valeur {period_from}": x,
                f"Valeur {period_to}": y,
                "Évolution": change,
                "Évolution (%)": relative_change(x, y),
                "Lecture": assessment_text.get(assess(change, direction), assess(change, direction)),
            }
        )
    return pd.DataFrame(rows)
