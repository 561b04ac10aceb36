"""The whole-level target grid gives, pair of years by pair of years, the tracking positions.target_tracking gives
for one territory: same T0 and current values, expected value, attainment, status and reason."""

from __future__ import annotations

import math

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
