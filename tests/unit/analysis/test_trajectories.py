"""The whole-level target grid gives, pair of years by pair of years, the tracking positions.target_tracking gives
for one territory: same T0 and current values, expected value, attainment, status and reason."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from levier.analysis import positions, trajectories

CAT = pd.DataFrame({
    "code": ["UP", "DOWN", "KEEP", "NONE"], "label": ["Hausse", "Baisse", "Maintien", "Sans cible"],
    "unit": ["%", "personnes", "%", "%"], "direction": ["hausse", "baisse", None, "hausse"],
})
# Territory A: UP climbs 10 → 20 by 2026 through a 2024 milestone; its 2025 value is rejected by a quality check.
# DOWN is to fall 100 → 80 (its 2024 value is only doubtful); KEEP is to stay at 50; NONE's targets are all missing.
VALUES = pd.DataFrame({
    "code": ["A"] * 9 + ["B"] * 2,
    "indicator": ["UP", "UP", "UP", "UP", "DOWN", "DOWN", "DOWN", "KEEP", "KEEP", "UP", "UP"],
    "period": [2022, 2023, 2024, 2025, 2022, 2023, 2024, 2022, 2024, 2020, 2023],
    "value": [10.0, 13.0, 15.5, 19.0, 100.0, 97.0, 85.0, 50.0, 49.0, 5.0, 6.0],
    "unranked_reason": [None, None, None, "unité douteuse", None, None, None, None, None, None, None],
    "quality_warning": [None, None, None, None, None, None, "valeur atypique", None, None, None, None],
})
YEARS = (2015, 2021, 2022, 2023, 2024, 2025, 2026, 2030)  # before, inside and after the windows
TARGETS = pd.DataFrame({
    "code": ["A", "A", "A", "A", "A", "B"],
    "indicator": ["UP", "UP", "DOWN", "KEEP", "NONE", "UP"],
    "target_year": [2024, 2026, 2026, 2026, 2026, 2025],
    "target_value": [16.0, 20.0, 80.0, 50.0, math.nan, 9.0],
})


def _grid_frame(grid: pd.DataFrame, code: str, t0: int, current: int) -> pd.DataFrame:
    windows = trajectories.windows(VALUES, TARGETS).set_index("code")
    t0_key, to_key = trajectories.window_keys(windows.at[code, "lo"], windows.at[code, "hi"], t0, current)
    rows = grid[(grid["code"] == code) & (grid["t0_key"] == t0_key) & (grid["to_key"] == to_key)]
    out = rows.drop(columns=["code", "t0_key", "to_key", "milestone_years", "milestone_values"]).reset_index(drop=True)
    out.insert(4, "t0_period", t0)
    return out


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Texts as objects with None for missing, numbers as floats: the figures compared, not their pandas storage."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind in "iuf" or str(out[col].dtype) in ("Int64",):
            out[col] = pd.to_numeric(out[col]).astype("float64")
        else:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def test_every_pair_of_years_reads_as_the_one_territory_tracking():
    grid = trajectories.target_grid(VALUES, TARGETS, CAT)
    statuses = set()
    for code in ("A", "B"):
        own = VALUES[VALUES["code"] == code].drop(columns="code")
        targets = TARGETS[TARGETS["code"] == code].drop(columns="code")
        for t0 in YEARS:
            for current in YEARS:
                live = positions.target_tracking(own, targets, CAT, t0, current)
                shown = _grid_frame(grid, code, t0, current)
                assert_frame_equal(_plain(shown[live.columns]), _plain(live), check_dtype=False)
                statuses |= set(live["status"])
    assert statuses == set(positions.STATUSES)  # every status met, so every branch compared


def test_the_milestones_kept_are_those_after_t0_before_the_final_target():
    grid = trajectories.target_grid(VALUES, TARGETS, CAT)
    row = grid[(grid["code"] == "A") & (grid["indicator"] == "UP") & (grid["t0_key"] == 2022)
               & (grid["to_key"] == 2024)].iloc[0]
    assert (row["milestone_years"], row["milestone_values"], row["milestones"]) == ([2024], [16.0], 1)
    # 2024: 15,5 against an expected 16 (the milestone): (15,5 − 10) ÷ (16 − 10) = 91,7 % → on track.
    assert row["expected"] == 16.0 and round(row["attainment"], 1) == 91.7
    assert row["status"] == positions.STATUS_ON_TRACK


def _one(grid: pd.DataFrame, code: str, indicator: str, t0_key: int, to_key: int) -> pd.Series:
    rows = grid[(grid["code"] == code) & (grid["indicator"] == indicator) & (grid["t0_key"] == t0_key)
                & (grid["to_key"] == to_key)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_rate_next_to_a_threshold_is_rounded_as_the_one_territory_tracking_rounds_it():
    # (10,11 − 10) ÷ (10,1 − 10) = 109,99999999999982 in floating point: 110 % once rounded, so ahead;
    # (0,39 − 0,3) ÷ (0,4 − 0,3) = 89,99999999999999: 90 %, so on track.
    values = pd.DataFrame({"code": ["A", "A", "B", "B"], "indicator": ["UP"] * 4, "period": [2020, 2021] * 2,
                           "value": [10.0, 10.11, 0.3, 0.39]})
    targets = pd.DataFrame({"code": ["A", "B"], "indicator": ["UP", "UP"], "target_year": [2021, 2021],
                            "target_value": [10.1, 0.4]})
    grid = trajectories.target_grid(values, targets, CAT)
    ahead, on_track = _one(grid, "A", "UP", 2020, 2021), _one(grid, "B", "UP", 2020, 2021)
    assert ahead["attainment"] < 110 and ahead["status"] == positions.STATUS_AHEAD
    assert on_track["attainment"] < 90 and on_track["status"] == positions.STATUS_ON_TRACK
    for code in ("A", "B"):
        live = positions.target_tracking(values[values["code"] == code].drop(columns="code"),
                                         targets[targets["code"] == code].drop(columns="code"), CAT, 2020, 2021)
        assert live["status"].tolist() == [_one(grid, code, "UP", 2020, 2021)["status"]]


def test_two_targets_the_same_year_give_the_path_np_interp_draws():
    values = pd.DataFrame({"code": ["A"] * 4, "indicator": ["UP"] * 4, "period": [2020, 2021, 2022, 2023],
                           "value": [10.0, 14.0, 26.0, 36.0]})
    targets = pd.DataFrame({"code": ["A"] * 3, "indicator": ["UP"] * 3, "target_year": [2022, 2022, 2024],
                            "target_value": [20.0, 30.0, 40.0]})
    grid = trajectories.target_grid(values, targets, CAT)
    xs, fs = [2020, 2022, 2022, 2024], [10.0, 20.0, 30.0, 40.0]
    for year in (2021, 2022, 2023):
        row = _one(grid, "A", "UP", 2020, year)
        assert row["expected"] == float(np.interp(year, xs, fs))
        assert (row["milestone_years"], row["milestone_values"]) == ([2022, 2022], [20.0, 30.0])


def test_targets_without_any_value_give_rows_without_data():
    values = pd.DataFrame({"code": pd.Series(dtype=object), "indicator": pd.Series(dtype=object),
                           "period": pd.Series(dtype="int64"), "value": pd.Series(dtype="float64")})
    grid = trajectories.target_grid(values, TARGETS, CAT)
    assert len(grid) and set(grid["status"]) == {positions.STATUS_NO_DATA}
    assert grid["current_period"].isna().all() and grid["t0_value"].isna().all()
    row = _one(grid, "A", "UP", 2023, 2025)  # no value: the window is the target years' (2023–2027)
    assert (row["target_period"], row["target_value"], row["milestones"]) == (2026, 20.0, 1)


def test_the_grid_is_sorted_and_typed_as_the_derived_table_expects():
    grid = trajectories.target_grid(VALUES, TARGETS, CAT)
    assert list(grid.columns) == trajectories.GRID_COLUMNS
    assert grid.equals(grid.sort_values(["code", "t0_key", "to_key", "indicator"]).reset_index(drop=True))
    assert str(grid["target_period"].dtype) == "Int64" and str(grid["current_period"].dtype) == "Int64"
    assert grid["status"].map(type).eq(str).all() and set(grid["status"]) <= set(positions.STATUSES)
    assert not grid.duplicated(["code", "indicator", "t0_key", "to_key"]).any()


def test_the_grid_made_block_by_block_is_the_whole_grid_put_end_to_end():
    """The publication step writes the grid a block of territories at a time: the blocks, whatever their size, put
    end to end are the grid of the whole level, row for row and in the same order (a block without any reason holds
    its empty reasons as objects, not as pandas' text type: the texts are compared, not their storage)."""
    whole = trajectories.target_grid(VALUES, TARGETS, CAT)
    for per in (1, 2, 5):
        blocks = list(trajectories.target_grid_blocks(VALUES, TARGETS, CAT, per))
        assert len(blocks) == -(-2 // per)  # territories A and B
        assert_frame_equal(_plain(pd.concat(blocks, ignore_index=True)), _plain(whole))
    only_a = list(trajectories.target_grid_blocks(VALUES, TARGETS, CAT, 1))[0]
    assert set(only_a["code"]) == {"A"} and len(only_a) == (whole["code"] == "A").sum()
