"""The project's single French number formatter: '1 234,5', '12,3 %', '1 234 €' (thousands separator U+00A0)."""

from __future__ import annotations

import math
from numbers import Real

# U+00A0 (no-break space) rather than U+202F (narrow no-break space): every font used by browsers, Excel and
# PDF exporters has it, it never wraps, and text normalisation (levier.text) already treats it as a space.
NBSP = "\u00a0"
MISSING_TEXT = "–"  # en dash: the French convention for "no value" in a table cell


def _is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def fmt_number(x: object, decimals: int = 1, missing: str = MISSING_TEXT) -> str:
    """1234.5 -> '1 234,5' (U+00A0 between thousands); None/NaN -> `missing`; never '-0,0'."""
    if _is_missing(x):
        return missing
    value = float(x)  # type: ignore[arg-type]
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    decimals = max(0, int(decimals))
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        negative = False  # '-0,0' would read as a real negative value
    else:
        negative = value < 0
    text = text.replace(",", NBSP).replace(".", ",")
    return ("-" if negative else "") + text


def fmt_int(x: object, missing: str = MISSING_TEXT) -> str:
    """12345 -> '12 345'."""
    return fmt_number(x, 0, missing)


def fmt_pct(x: object, decimals: int = 1, missing: str = MISSING_TEXT) -> str:
    """12.345 (already a percentage) -> '12,3 %' (no-break space before the sign, as French typography wants)."""
    if _is_missing(x):
        return missing
    return f"{fmt_number(x, decimals)}{NBSP}%"


def fmt_value(x: object, unit: str = "", decimals: int = 1, missing: str = MISSING_TEXT) -> str:
    """A value with its unit: '%' -> '12,3 %', '€' -> '1 234 €', 'personnes' -> '1 234 personnes'."""
    if _is_missing(x):
        return missing
    unit = (unit or "").strip()
    if unit == "%":
        return fmt_pct(x, decimals)
    if unit in {"€", "personnes", "nombre", "habitants", "jours", "minutes"} and isinstance(x, Real):
        if float(x) == int(float(x)):
            decimals = 0  # counts and whole euros carry no decimals
    text = fmt_number(x, decimals)
    if unit and unit not in {"nombre", "ratio"}:
        return f"{text}{NBSP}{unit}"
    return text


def fmt_range(low: float, high: float, unit: str = "", decimals: int = 1) -> str:
    """A class of a map legend: '12,3 – 15,8 %' (the unit once, after the upper bound)."""
    unit = (unit or "").strip()
    text = f"{fmt_number(low, decimals)} – {fmt_number(high, decimals)}"
    if unit and unit not in {"nombre", "ratio"}:
        text += f"{NBSP}{unit}"
    return text
