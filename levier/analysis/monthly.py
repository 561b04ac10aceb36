"""A year's movement of a monthly stock (December − previous December) and, when given, the year's entries: what a
declared count of new entrants can be held against (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from levier.core.fmt import fmt_int
from levier.core.periods import PROVISIONAL_COMMENT, monthly_period

MOVEMENT_COLUMNS = ["code", "year", "stock_start", "stock_end", "movement", "entries", "entry_months", "provisional",
                    "note"]
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def _month_text(period: int) -> str:
    return f"{_MONTHS[period % 100 - 1]} {period // 100}"


def _provisional(frame: pd.DataFrame) -> pd.Series:
    if "comment" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["comment"].eq(PROVISIONAL_COMMENT)


def stock_movement(stock: pd.DataFrame, year: int, entries: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per territory: the stock at the end of December of `year - 1` and of `year`, their difference (the net
    movement of the year: entries minus exits), and the sum of the year's monthly entries when `entries` is given.

    stock, entries: monthly values of one indicator, columns code, period (YYYYMM), value[, comment]. A movement is
    computed only from two published Decembers, and entries only from twelve published months (never a partial sum);
    otherwise it is NaN and `note` says which month is missing, in French. `provisional` is True when a month used is
    marked « provisoire ». One row per territory of `stock` (and of `entries`), sorted by code; columns
    MOVEMENT_COLUMNS."""
    start_p, end_p = monthly_period(year - 1, 12), monthly_period(year, 12)
    stock = stock.assign(code=stock["code"].astype(str), _prov=_provisional(stock))
    codes = set(stock["code"])
    if entries is not None:
        entries = entries.assign(code=entries["code"].astype(str), _prov=_provisional(entries))
        codes |= set(entries["code"])
    by = {p: stock[stock["period"] == p].drop_duplicates("code").set_index("code") for p in (start_p, end_p)}
    rows = []
    for code in sorted(codes):
        notes, provisional = [], False
        values = {}
        for p in (start_p, end_p):
            frame = by[p]
            v = float(frame.at[code, "value"]) if code in frame.index else np.nan
            if code in frame.index:
                provisional |= bool(frame.at[code, "_prov"])
            if np.isnan(v):
                notes.append(f"stock de fin {_month_text(p)} non publié")
            values[p] = v
        total, months = np.nan, 0
        if entries is not None:
            own = entries[(entries["code"] == code) & (entries["period"] // 100 == year)]
            own = own.drop_duplicates("period")
            valued = own[own["value"].notna()]
            months = len(valued)
            provisional |= bool(own["_prov"].any())
            if months == 12:
                total = float(valued["value"].sum())
            else:
                missing = sorted({monthly_period(year, m) for m in range(1, 13)} - set(valued["period"]))
                notes.append(f"entrées de {_month_text(missing[0])} non publiées"
                             + (f" (et {fmt_int(len(missing) - 1)} autres mois)" if len(missing) > 1 else ""))
        start, end = values[start_p], values[end_p]
        rows.append({"code": code, "year": int(year), "stock_start": start, "stock_end": end,
                     "movement": end - start, "entries": total, "entry_months": months, "provisional": provisional,
                     "note": " ; ".join(notes) or None})
    frame = pd.DataFrame(rows, columns=MOVEMENT_COLUMNS)
    for col in ("stock_start", "stock_end", "movement", "entries"):
        frame[col] = frame[col].astype("float64")
    return frame
