"""A year's movement of a monthly stock and its entries, on planted series whose answers are computed by hand."""

from __future__ import annotations

import math

import pandas as pd

from levier.analysis.monthly import MOVEMENT_COLUMNS, stock_movement
from levier.core.periods import PROVISIONAL_COMMENT


def _months(code: str, year: int, values: list[float | None], comment: str | None = None) -> list[dict]:
    return [{"code": code, "period": 100 * year + m, "value": v, "comment": comment}
            for m, v in enumerate(values, start=1)]


def test_movement_is_december_minus_previous_december_and_entries_sum_twelve_months():
    stock = pd.DataFrame(
        _months("01", 2018, [100.0] * 11 + [120.0])  # December 2018: 120
        + _months("01", 2019, [130.0] * 11 + [150.0])  # December 2019: 150 → movement 2019 = +30
        + _months("02", 2018, [50.0] * 12) + _months("02", 2019, [40.0] * 11 + [45.0]))  # 45 − 50 = −5
    entries = pd.DataFrame(_months("01", 2019, [10.0] * 12) + _months("02", 2019, [1.0, 2.0] * 6))
    out = stock_movement(stock, 2019, entries)
    assert list(out.columns) == MOVEMENT_COLUMNS
    a, b = out.set_index("code").loc["01"], out.set_index("code").loc["02"]
    assert (a["stock_start"], a["stock_end"], a["movement"], a["entries"]) == (120, 150, 30, 120)  # 12 × 10
    assert (b["movement"], b["entries"], b["entry_months"]) == (-5, 18, 12)  # 6 × (1 + 2)
    assert a["note"] is None and not a["provisional"]


def test_a_missing_december_or_month_gives_no_figure_and_says_which():
    stock = pd.DataFrame(_months("01", 2019, [5.0] * 12) + _months("01", 2020, [6.0] * 10))  # stops in October
    entries = pd.DataFrame(_months("01", 2020, [1.0] * 7 + [None] * 3))
    out = stock_movement(stock, 2020, entries).iloc[0]
    assert math.isnan(out["movement"]) and math.isnan(out["entries"]) and out["entry_months"] == 7
    assert "décembre 2020" in out["note"] and "août 2020" in out["note"]


def test_provisional_months_mark_the_movement():
    stock = pd.DataFrame(_months("01", 2019, [5.0] * 12) + _months("01", 2020, [6.0] * 12, PROVISIONAL_COMMENT))
    out = stock_movement(stock, 2020).iloc[0]
    assert out["movement"] == 1 and out["provisional"] and math.isnan(out["entries"])
