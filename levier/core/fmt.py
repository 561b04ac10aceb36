"""The project's single French number and date formatter, on Babel's fr_FR rules: '1 234,5', '12,3 %', '1 234 €',
'+1,2 pt', '1er janvier 2027' (thousands separator U+00A0)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, localcontext
from functools import lru_cache
from numbers import Real

from babel import Locale
from babel.dates import format_date, get_month_names
from babel.numbers import NumberPattern, parse_pattern

LOCALE = Locale.parse("fr_FR")
# U+00A0 (no-break space) rather than U+202F (narrow no-break space, what Babel's fr_FR data gives): every font used
# by browsers, Excel and PDF exporters has it, it never wraps, and text normalisation (levier.core.text) already
# treats it as a space. Every Babel output goes through _nbsp().
NBSP = "\u00a0"
_NARROW_NBSP = "\u202f"
MINUS = "\u2212"  # the typographic minus of signed gaps ('−340 €'); plain numbers keep '-' (a spreadsheet reads it)
MISSING_TEXT = "–"  # en dash: the French convention for "no value" in a table cell
SEPARATORS = "," + NBSP  # plotly's layout.separators: decimal comma, the same thousands separator as the text
COUNT_UNITS = frozenset({"€", "personnes", "nombre", "habitants", "jours", "minutes"})  # whole numbers, 0 decimals
BARE_UNITS = frozenset({"nombre", "ratio"})  # units written nowhere: '1 234', not '1 234 nombre'
EXPORT_DECIMALS = 3  # a number without a known unit, in an export: at most what a French browser shows of it


def _is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def as_float(x: object) -> float:
    """A cell as a float; anything that is not a number (None, text, a missing marker) is NaN."""
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _nbsp(text: str) -> str:
    return text.replace(_NARROW_NBSP, NBSP)


def _digits(value: float, decimals: int) -> str:
    """|value| rounded to `decimals` places as Python rounds the binary float (the rounding every figure of the app
    has always shown: 0.35 -> '0.3'), as plain digits; Babel then only lays them out, it never rounds a second time."""
    return f"{abs(value):.{decimals}f}"


def _pattern(decimals: int, grouped: bool = True, optional: bool = False) -> str:
    whole = "#,##0" if grouped else "0"
    return whole + ("." + ("#" if optional else "0") * decimals if decimals else "")


# Babel parses its pattern on every call (~40 µs); a page lays out thousands of numbers, most of them repeated once
# rounded (map hovers, table cells), so the layout of a rounded number is kept, keyed by its digits as text (a
# Decimal made and hashed for every number cost more than the lookup saved).
@lru_cache(maxsize=16384)
def _layout(digits: str, decimals: int, kind: str) -> str:
    """The digits of a rounded, non-negative number (_digits) laid out by Babel's fr_FR rules, U+00A0 between
    thousands.

    Babel quantizes in the current decimal context, 28 digits by default: a float beyond 1e25 with three decimals
    would raise InvalidOperation, so the context holds every digit a float can have."""
    with localcontext() as context:
        context.prec = 400
        return _layout_digits(Decimal(digits), decimals, kind)


@lru_cache(maxsize=None)
def _compiled(decimals: int, kind: str) -> NumberPattern:
    """Babel's pattern of a kind of number, parsed once. format_decimal, format_percent and format_currency parse
    their pattern, then apply it, on every call: the parse was half the cost of a number not laid out before."""
    if kind == "percent":
        return parse_pattern(_pattern(decimals) + NBSP + "%")
    if kind == "euros":
        return parse_pattern(_pattern(decimals) + NBSP + "¤")
    if kind == "plain":  # no thousands separator, trailing zeros dropped
        return parse_pattern(_pattern(decimals, grouped=False, optional=True))
    if kind == "fixed":  # no thousands separator
        return parse_pattern(_pattern(decimals, grouped=False))
    return parse_pattern(_pattern(decimals))


def _layout_digits(rounded: Decimal, decimals: int, kind: str) -> str:
    """What format_percent / format_currency / format_decimal give with the kind's pattern (the same apply call)."""
    pattern = _compiled(decimals, kind)
    if kind == "percent":
        text = pattern.apply(rounded / 100, LOCALE)
    elif kind == "euros":
        text = pattern.apply(rounded, LOCALE, currency="EUR", currency_digits=False)
    else:
        text = pattern.apply(rounded, LOCALE)
    return _nbsp(text)


def _sign(value: float, digits: str, minus: str = "-", plus: str = "") -> str:
    """The sign shown before a rounded number (_digits): none when it rounds to zero ('-0,0' would read as a real
    negative)."""
    if not digits.strip("0."):
        return ""
    return minus if value < 0 else plus


def _unit_suffix(text: str, unit: str) -> str:
    return f"{text}{NBSP}{unit}" if unit and unit not in BARE_UNITS else text


def fmt_number(x: object, decimals: int = 1, missing: str = MISSING_TEXT) -> str:
    """1234.5 -> '1 234,5' (U+00A0 between thousands); None/NaN -> `missing`; never '-0,0'."""
    if _is_missing(x):
        return missing
    value = float(x)  # type: ignore[arg-type]
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    decimals = max(0, int(decimals))
    digits = _digits(value, decimals)
    return _sign(value, digits) + _layout(digits, decimals, "decimal")


def fmt_int(x: object, missing: str = MISSING_TEXT) -> str:
    """12345 -> '12 345'."""
    return fmt_number(x, 0, missing)


def fmt_pct(x: object, decimals: int = 1, missing: str = MISSING_TEXT) -> str:
    """12.345 (already a percentage) -> '12,3 %' (no-break space before the sign, as French typography wants)."""
    if _is_missing(x):
        return missing
    value = float(x)  # type: ignore[arg-type]
    if math.isinf(value):
        return f"{fmt_number(value)}{NBSP}%"
    decimals = max(0, int(decimals))
    digits = _digits(value, decimals)
    return _sign(value, digits) + _layout(digits, decimals, "percent")


def _euros(value: float, decimals: int) -> str:
    digits = _digits(value, decimals)
    return _sign(value, digits) + _layout(digits, decimals, "euros")


def fmt_value(x: object, unit: str = "", decimals: int = 1, missing: str = MISSING_TEXT) -> str:
    """A value with its unit: '%' -> '12,3 %', '€' -> '1 234 €', 'personnes' -> '1 234 personnes'."""
    if _is_missing(x):
        return missing
    unit = (unit or "").strip()
    if unit == "%":
        return fmt_pct(x, decimals)
    if unit in COUNT_UNITS and isinstance(x, Real) and float(x).is_integer():
        decimals = 0  # counts and whole euros carry no decimals
    if unit == "€" and not math.isinf(float(x)):  # type: ignore[arg-type]
        return _euros(float(x), max(0, int(decimals)))  # type: ignore[arg-type]
    return _unit_suffix(fmt_number(x, decimals), unit)


def fmt_range(low: float, high: float, unit: str = "", decimals: int = 1) -> str:
    """A class of a map legend: '12,3 – 15,8 %' (the unit once, after the upper bound)."""
    unit = (unit or "").strip()
    return _unit_suffix(f"{fmt_number(low, decimals)} – {fmt_number(high, decimals)}", unit)


def unit_suffix(unit: object) -> str:
    """What follows a number of this unit on a chart axis: ' %', ' €', '' for counts and ratios."""
    unit = unit.strip() if isinstance(unit, str) else ""
    return f"{NBSP}{unit}" if unit in {"%", "€"} else ""


def unit_decimals(unit: object) -> int:
    """Decimals a value of this unit is shown with: counts and euros 0, ratios 2, the rest (percentages) 1."""
    unit = unit if isinstance(unit, str) else ""
    if unit in COUNT_UNITS:
        return 0
    if unit == "ratio":
        return 2
    return 1


def value_decimals(x: object, unit: object) -> int:
    """Decimals for one number: as unit_decimals(), but a ratio below 1 in absolute value (Gini 0,258, intensity
    0,199, a gap of 0,004) keeps three, so it never reads as 0,00."""
    d = unit_decimals(unit)
    v = as_float(x)
    if unit == "ratio" and not math.isnan(v) and abs(v) < 1:
        return 3
    return d


def _signed_prefix(v: float, decimals: int) -> str:
    if math.isinf(v):
        return MINUS if v < 0 else "+"
    return _sign(v, _digits(v, max(0, int(decimals))), MINUS, "+")


def fmt_signed(x: object, unit: str = "", decimals: int | None = None) -> str:
    """A difference with its sign: '+1,2 pt' for a percentage, '−340 €', '+0,05' (U+2212 minus)."""
    v = as_float(x)
    if math.isnan(v):
        return MISSING_TEXT
    d = value_decimals(v, unit) if decimals is None else decimals
    text = fmt_number(abs(v), d)
    sign = _signed_prefix(v, d)
    if unit == "%":
        return f"{sign}{text}{NBSP}pt"
    return sign + _unit_suffix(text, unit)


def fmt_signed_pct(x: object, decimals: int = 1) -> str:
    """A relative change: '+4,4 %', '−12,0 %'."""
    v = as_float(x)
    if math.isnan(v):
        return MISSING_TEXT
    sign = _signed_prefix(v, decimals)
    return sign + fmt_pct(abs(v), decimals)


def fmt_euros(x: object) -> str:
    """'1 234 €' (whole euros)."""
    v = as_float(x)
    if math.isnan(v):
        return MISSING_TEXT
    return f"{fmt_number(v, 0)}{NBSP}€" if math.isinf(v) else _euros(v, 0)


def fmt_compact_euros(x: object) -> str:
    """Headline amounts that fit a metric tile: '6,45 M€', '845 k€', '950 €'."""
    v = as_float(x)
    if math.isnan(v):
        return MISSING_TEXT
    if abs(v) >= 1e6:
        return f"{fmt_number(v / 1e6, 2)}{NBSP}M€"
    if abs(v) >= 1e4:
        return f"{fmt_number(v / 1e3, 0)}{NBSP}k€"
    return f"{fmt_number(v, 0)}{NBSP}€"


def fmt_ratio(x: object, decimals: int = 2) -> str:
    return fmt_number(x, decimals)


def fmt_plain(x: object, decimals: int | None = None, missing: str = "") -> str:
    """A number for a French spreadsheet cell: decimal comma, no thousands separator, '-' minus, never '-0':
    -1.8999999999999986 -> '-1,9' (1 decimal), 202.0 -> '202' (0). `decimals=None`: at most EXPORT_DECIMALS,
    trailing zeros dropped, as a French browser shows a number of unknown unit."""
    if _is_missing(x):
        return missing
    value = float(x)  # type: ignore[arg-type]
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    d = EXPORT_DECIMALS if decimals is None else max(0, int(decimals))
    digits = _digits(value, d)
    return _sign(value, digits) + _layout(digits, d, "plain" if decimals is None else "fixed")


def shown_value(x: object, decimals: int | None = None) -> float | int | None:
    """The number a screen shows, as a number (for a spreadsheet cell): rounded like fmt_plain, an int when whole,
    None when missing; never -0."""
    if _is_missing(x):
        return None
    value = float(x)  # type: ignore[arg-type]
    if math.isinf(value):
        return value
    rounded = float(f"{value:.{EXPORT_DECIMALS if decimals is None else max(0, int(decimals))}f}") + 0.0
    return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded


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


MONTHS = tuple(get_month_names("wide", locale=LOCALE)[m] for m in range(1, 13))  # 'janvier' … 'décembre'


def fmt_date(d: date) -> str:
    """date(2026, 11, 23) -> '23 novembre 2026'; the first of the month is '1er'."""
    text = format_date(d, format="d MMMM y", locale=LOCALE)
    return "1er" + text[1:] if d.day == 1 else text


def fmt_bool(x: object, missing: str = MISSING_TEXT) -> str:
    """True -> 'oui', False -> 'non', missing -> '–' (exports never write True/False)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return missing
    try:
        return "oui" if bool(x) else "non"
    except TypeError:  # pandas.NA refuses bool(): a missing value
        return missing


def fmt_source(source: object, table: object = None) -> str:
    """The source line of a figure: its producer, then the producer's table when the catalogue names one
    ('DREES, enquête Aide sociale — séries longues 1996-2020, tableau Tab1-ase')."""
    parts = [str(p).strip() for p in (source, table) if isinstance(p, str) and p.strip()]
    return " — ".join(parts)
