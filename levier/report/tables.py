"""CSV and XLSX exports of displayed tables: numbers rounded as the screen shows them, booleans « oui » / « non »,
codes kept as text, spreadsheet formulas neutralised."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from numbers import Real

import numpy as np
import pandas as pd

from levier.core.fmt import fmt_bool, fmt_plain, shown_value, value_decimals

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UNIT_COLUMNS = ("Unité", "unité", "Unite", "unite", "unit")  # a column giving each row's unit (T0, mi-parcours…)
# A unit written at the end of a column's name: 'Évolution (%)', 'Montant (€)', 'Distance (km)'.
_NAME_UNIT = re.compile(r"\((%|€|personnes|nombre|habitants|jours|minutes|ratio|pt|points|km)\)\s*$")
# Years, ranks and counters are whole numbers whatever the row's unit ('2021', not '2021,0').
_WHOLE_NAMES = ("année", "annee", "period", "millésime", "depuis", "n°", "rang", "quartile", "nombre de", "nb ")


def _safe_text(value: object) -> object:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A cell (or a header) starting like a formula is prefixed with an apostrophe, so a spreadsheet shows it as
    text."""
    out = frame.copy()
    out.columns = [_safe_text(c) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            s = out[col]
            # Numbers are left alone: '-1,9' is a value, not a formula (strings, dates and other objects are checked).
            numbers = s.map(lambda v: isinstance(v, Real) and not isinstance(v, bool)).astype(bool)
            mask = s.notna() & ~numbers & s.astype(str).str.startswith(_FORMULA_START)
            if mask.any():
                out.loc[mask, col] = "'" + s[mask].astype(str)
    return out


def _is_bool(s: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(s):
        return True
    present = s.dropna()
    return s.dtype == object and len(present) > 0 and all(isinstance(v, (bool, np.bool_)) for v in present)


def _is_float(s: pd.Series) -> bool:
    """Numbers that may carry decimals: float columns, or object columns holding only numbers (integer columns are
    exact and left alone)."""
    if pd.api.types.is_float_dtype(s):
        return True
    present = s.dropna()
    return (s.dtype == object and len(present) > 0
            and all(isinstance(v, Real) and not isinstance(v, (bool, np.bool_)) for v in present))


def _row_units(frame: pd.DataFrame) -> pd.Series | None:
    col = next((c for c in UNIT_COLUMNS if c in frame.columns), None)
    return None if col is None else frame[col]


def _decimals(name: object, values: pd.Series, units: Mapping[str, str], row_units: pd.Series | None) -> list:
    """Decimals of every cell of a number column, as the screen shows it: the column's unit (given, or written in
    its name), else the row's unit (a 'Unité' column), else None (at most three decimals, trailing zeros dropped,
    as a French browser shows a number of unknown unit)."""
    label = str(name)
    if any(w in label.lower() for w in _WHOLE_NAMES):
        return [None] * len(values)
    unit = units.get(label)
    if unit is None and (m := _NAME_UNIT.search(label)):
        unit = m.group(1)
    if unit is not None:
        return [value_decimals(v, unit) for v in values]
    if row_units is not None:
        return [value_decimals(v, u) if isinstance(u, str) and u.strip() else None
                for v, u in zip(values, row_units)]
    return [None] * len(values)


def displayed(frame: pd.DataFrame, units: Mapping[str, str] | None = None, *, as_text: bool,
              decimals: Mapping[str, int | Sequence[int]] | None = None, rounded: bool = True) -> pd.DataFrame:
    """The table as an export writes it: numbers rounded as shown (text with a decimal comma when `as_text`, for a
    CSV; numbers otherwise, for a workbook), never -1,8999999999999986 nor 202,0; booleans « oui » / « non ».
    `decimals`: how the screen rounds a column, when the caller knows it (one number, or one per row); otherwise
    the column's unit decides. `rounded=False` keeps every number at full precision (analysts' CSV)."""
    units = dict(units or {})
    decimals = dict(decimals or {})
    row_units = _row_units(frame)
    out = frame.copy()
    for i, col in enumerate(frame.columns):
        s = frame.iloc[:, i]
        if _is_bool(s):
            out.isetitem(i, pd.Series([fmt_bool(v, missing="") if pd.notna(v) else None for v in s], index=s.index,
                                      dtype=object))
        elif rounded and _is_float(s):
            given = decimals.get(col)
            if given is None:
                places = _decimals(col, s, units, row_units)
            else:
                places = [given] * len(s) if isinstance(given, int) else list(given)
            cells = ([fmt_plain(v, d) for v, d in zip(s, places)] if as_text
                     else [shown_value(v, d) for v, d in zip(s, places)])
            out.isetitem(i, pd.Series(cells, index=s.index, dtype=object))
    return out


def _safe_units(units: Mapping[str, str] | None) -> dict[str, str]:
    """`units` keyed by the neutralised headers (a header starting like a formula gains an apostrophe)."""
    return {str(_safe_text(k)): v for k, v in (units or {}).items()}


def to_csv_bytes(frame: pd.DataFrame, units: Mapping[str, str] | None = None) -> bytes:
    """UTF-8 (with BOM, for Excel) ';'-separated, decimal comma. `units`: column -> unit, when the caller knows it."""
    # Neutralise first: a negative number written as text ('-1,9') is a number, not a formula to defuse.
    text = displayed(neutralise(frame), _safe_units(units), as_text=True)
    # CRLF rows: with bare LF rows pandas does not quote a cell holding a lone CR, which a spreadsheet reads as a
    # row break, so text after it would start a new, un-neutralised cell.
    return text.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "donnees", units: Mapping[str, str] | None = None,
                  decimals: Mapping[str, int | Sequence[int]] | None = None) -> bytes:
    """A workbook of real numbers rounded as shown (`units`, `decimals`: as `displayed`), codes as text."""
    buf = io.BytesIO()
    safe = displayed(neutralise(frame), _safe_units(units), as_text=False, decimals=_safe_units(decimals))
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_numbers": False}}) as xl:
        safe.to_excel(xl, sheet_name=sheet[:31], index=False)
        ws = xl.sheets[sheet[:31]]
        for j, col in enumerate(safe.columns):
            lengths = safe[col].astype(object).fillna("").astype(str).str.len()
            typical = int(lengths.quantile(0.9)) if len(lengths) else 0
            ws.set_column(j, j, min(60, max(10, typical + 2, len(str(col)) + 2)))
    return buf.getvalue()
