"""The project's single French number formatter: '1 234,5', '12,3 %', '1 234 €' (thousands separator U+00A0)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from numbers import Real

# U+00A0 (no-break space) rather than U+202F (narrow no-break space): every font used by browsers, Excel and
# PDF exporters has it, it never wraps, and text normalisation (levier.core.text) already treats it as a space.
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


def _num(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def unit_decimals(unit: object) -> int:
    """Decimals a value of this unit is shown with: counts and euros 0, ratios 2, the rest (percentages) 1."""
    unit = unit if isinstance(unit, str) else ""
    if unit in {"€", "personnes", "nombre", "habitants", "jours", "minutes"}:
        return 0
    if unit == "ratio":
        return 2
    return 1


def value_decimals(x: object, unit: object) -> int:
    """Decimals for one number: as unit_decimals(), but a ratio below 1 in absolute value (Gini 0,258, intensity
    0,199, a gap of 0,004) keeps three, so it never reads as 0,00."""
    d = unit_decimals(unit)
    v = _num(x)
    if unit == "ratio" and not math.isnan(v) and abs(v) < 1:
        return 3
    return d


def fmt_signed(x: object, unit: str = "", decimals: int | None = None) -> str:
    """A difference with its sign: '+1,2 pt' for a percentage, '−340 €', '+0,05'."""
    v = _num(x)
    if math.isnan(v):
        return MISSING_TEXT
    d = value_decimals(v, unit) if decimals is None else decimals
    text = fmt_number(abs(v), d)
    zero = float(text.replace(NBSP, "").replace(",", ".")) == 0
    sign = "" if zero else ("+" if v > 0 else "−")
    if unit == "%":
        return f"{sign}{text}{NBSP}pt"
    if unit and unit not in {"nombre", "ratio"}:
        return f"{sign}{text}{NBSP}{unit}"
    return f"{sign}{text}"


def fmt_signed_pct(x: object, decimals: int = 1) -> str:
    """A relative change: '+4,4 %', '−12,0 %'."""
    v = _num(x)
    if math.isnan(v):
        return MISSING_TEXT
    text = fmt_pct(abs(v), decimals)
    zero = float(text.split(NBSP + "%")[0].replace(NBSP, "").replace(",", ".")) == 0
    return ("" if zero else ("+" if v > 0 else "−")) + text


def fmt_euros(x: object) -> str:
    """'1 234 €' (whole euros)."""
    v = _num(x)
    return MISSING_TEXT if math.isnan(v) else f"{fmt_number(v, 0)}{NBSP}€"


def fmt_compact_euros(x: object) -> str:
    """Headline amounts that fit a metric tile: '6,45 M€', '845 k€', '950 €'."""
    v = _num(x)
    if math.isnan(v):
        return MISSING_TEXT
    if abs(v) >= 1e6:
        return f"{fmt_number(v / 1e6, 2)}{NBSP}M€"
    if abs(v) >= 1e4:
        return f"{fmt_number(v / 1e3, 0)}{NBSP}k€"
    return f"{fmt_number(v, 0)}{NBSP}€"


def fmt_ratio(x: object, decimals: int = 2) -> str:
    return fmt_number(x, decimals)


def fmt_years(year: object) -> str:
    """2020 -> '2020'; (2014, 2020) or [2014, 2016, 2020] -> '2014–2020'; a string is kept."""
    if year is None:
        return ""
    if isinstance(year, str):
        return year
    if isinstance(year, Iterable):
        ys = sorted({int(y) for y in year if not _is_missing(y)})
        if not ys:
            return ""
        return str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}–{ys[-1]}"
    return str(int(year))  # type: ignore[call-overload]


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def fmt_date(d: date) -> str:
    """date(2026, 11, 23) -> '23 novembre 2026'; the first of the month is '1er'."""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def fmt_bool(x: object) -> str:
    """True -> 'oui', False -> 'non', missing -> '–' (exports never write True/False)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING_TEXT
    return "oui" if bool(x) else "non"
