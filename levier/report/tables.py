"""CSV and XLSX exports of displayed tables: codes kept as text, spreadsheet formulas neutralised."""

from __future__ import annotations

import io

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
            mask = s.notna() & s.astype(str).str.startswith(_FORMULA_START)
            if mask.any():
                out.loc[mask, col] = "'" + s[mask].astype(str)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    # CRLF rows: with bare LF rows pandas does not quote a cell holding a lone CR, which a spreadsheet reads as a
    # row break, so text after it would start a new, un-neutralised cell.
    return neutralise(frame).to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "donnees") -> bytes:
    buf = io.BytesIO()
    safe = neutralise(frame)
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_numbers": False}}) as xl:
        safe.to_excel(xl, sheet_name=sheet[:31], index=False)
        ws = xl.sheets[sheet[:31]]
        for j, col in enumerate(safe.columns):
            lengths = safe[col].astype(object).fillna("").astype(str).str.len()
            typical = int(lengths.quantile(0.9)) if len(lengths) else 0
            ws.set_column(j, j, min(60, max(10, typical + 2, len(str(col)) + 2)))
    return buf.getvalue()
