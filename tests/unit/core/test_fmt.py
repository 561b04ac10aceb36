"""The French formatter: what a reader sees of a number, a percentage, an amount, a gap or a date, everywhere."""

from __future__ import annotations

import math
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from levier.core import fmt
from levier.core.fmt import (
    MINUS,
    MISSING_TEXT,
    NBSP,
    fmt_bool,
    fmt_compact_euros,
    fmt_date,
    fmt_euros,
    fmt_int,
    fmt_number,
    fmt_pct,
    fmt_plain,
    fmt_range,
    fmt_signed,
    fmt_signed_pct,
    fmt_value,
    fmt_years,
    shown_value,
    unit_suffix,
)

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
props = settings(max_examples=200, deadline=None)


def test_numbers_in_french():
    assert fmt_number(1234.5) == "1\u00a0234,5"
    assert fmt_number(1234567.891, 2) == "1\u00a0234\u00a0567,89"
    assert fmt_number(-1234.5, 0) == "-1\u00a0234"
    assert fmt_int(12345) == "12\u00a0345"
    assert fmt_number(0.35) == "0,3"  # the binary float 0.35 is just below 0.35: rounded as the app always showed it
    assert fmt_number(None) == MISSING_TEXT and fmt_number(math.nan, missing="") == ""
    assert fmt_number("abc") == MISSING_TEXT
    assert fmt_number(math.inf) == "∞" and fmt_number(-math.inf) == "-∞"


def test_huge_numbers_keep_every_digit_instead_of_raising():
    """A float beyond Decimal's default 28 digits (an absurd 1e25 persons in an import) still prints."""
    assert fmt_plain(1.0000000714945030e25) == "10000000714945030854279168"
    assert fmt_number(1e25, 2) == "10\u00a0000\u00a0000\u00a0000\u00a0000\u00a0000\u00a0905\u00a0969\u00a0664,00"


def test_never_a_negative_zero():
    assert fmt_number(-0.04) == "0,0" and fmt_number(-0.0) == "0,0" and fmt_int(-0.4) == "0"
    assert fmt_pct(-0.01) == "0,0\u00a0%"
    assert fmt_signed(-0.0001, "%") == "0,0\u00a0pt"
    assert fmt_signed_pct(-0.04) == "0,0\u00a0%"
    assert fmt_plain(-0.0001) == "0" and shown_value(-0.04, 1) == 0


def test_percentages_euros_and_units():
    assert fmt_pct(12.345) == "12,3\u00a0%"
    assert fmt_pct(12.345, 0) == "12\u00a0%"
    assert fmt_euros(1234.4) == "1\u00a0234\u00a0€"
    assert fmt_euros(-1234.6) == "-1\u00a0235\u00a0€"
    assert fmt_value(1234, "€") == "1\u00a0234\u00a0€"
    assert fmt_value(1234.5, "€") == "1\u00a0234,5\u00a0€"
    assert fmt_value(202.0, "personnes") == "202\u00a0personnes"  # a whole count carries no decimals
    assert fmt_value(1234, "nombre") == "1\u00a0234" and fmt_value(0.5, "ratio", 2) == "0,50"
    assert fmt_value(12.345, "%") == "12,3\u00a0%"
    assert fmt_value(None, "%") == MISSING_TEXT
    assert fmt_range(12.34, 15.81, "%") == "12,3 – 15,8\u00a0%"
    assert fmt_compact_euros(6_450_000) == "6,45\u00a0M€"
    assert fmt_compact_euros(845_000) == "845\u00a0k€"
    assert fmt_compact_euros(950) == "950\u00a0€"
    assert unit_suffix("%") == "\u00a0%" and unit_suffix("€") == "\u00a0€" and unit_suffix("personnes") == ""


def test_signed_gaps_use_the_typographic_minus():
    assert fmt_signed(1.234, "%") == "+1,2\u00a0pt"
    assert fmt_signed(-1234.4, "€") == MINUS + "1\u00a0234\u00a0€"
    assert fmt_signed(0.004, "ratio") == "+0,004"
    assert fmt_signed(-3, "personnes") == MINUS + "3\u00a0personnes"
    assert fmt_signed(math.nan, "%") == MISSING_TEXT
    assert fmt_signed_pct(4.44) == "+4,4\u00a0%" and fmt_signed_pct(-12) == MINUS + "12,0\u00a0%"
    assert fmt_signed(-math.inf) == MINUS + "∞"


def test_dates_and_years():
    assert fmt_date(date(2026, 11, 23)) == "23 novembre 2026"
    assert fmt_date(date(2027, 1, 1)) == "1er janvier 2027"
    assert fmt_date(date(2026, 8, 15)) == "15 août 2026"
    assert fmt.MONTHS[1] == "février" and len(fmt.MONTHS) == 12
    assert fmt_years(2020) == "2020" and fmt_years([2016, 2014, 2020]) == "2014–2020" and fmt_years("T0") == "T0"
    assert fmt_years([]) == "" and fmt_years(None) == ""


def test_booleans_are_words():
    assert fmt_bool(True) == "oui" and fmt_bool(False) == "non" and fmt_bool(None) == MISSING_TEXT
    pd = pytest.importorskip("pandas")
    assert fmt_bool(pd.NA, missing="") == ""


def test_exports_write_what_the_screen_shows():
    assert fmt_plain(-1.8999999999999986) == "-1,9"
    assert fmt_plain(202.0) == "202"
    assert fmt_plain(12.3456) == "12,346"
    assert fmt_plain(1234567.5) == "1234567,5"  # no thousands separator: a spreadsheet reads it as a number
    assert fmt_plain(12.3, 1) == "12,3" and fmt_plain(12, 1) == "12,0" and fmt_plain(None) == ""
    assert shown_value(-1.8999999999999986) == -1.9 and shown_value(202.0) == 202 and isinstance(shown_value(202.0), int)
    assert shown_value(math.nan) is None


@props
@given(x=finite, decimals=st.integers(0, 3))
def test_any_number_reads_back_as_its_rounded_value(x, decimals):
    text = fmt_number(x, decimals)
    assert "\u202f" not in text and " " not in text  # only U+00A0 separates thousands
    assert not re.fullmatch(r"-0(,0*)?", text)
    parts = text.lstrip("-").split(",")
    assert len(parts) == (2 if decimals else 1) and (not decimals or len(parts[1]) == decimals)
    assert re.fullmatch(r"\d{1,3}(\u00a0\d{3})*", parts[0])
    back = float(text.replace(NBSP, "").replace(",", "."))
    assert back == pytest.approx(float(f"{x:.{decimals}f}"), abs=10 ** -decimals / 2, rel=1e-12)
    plain = fmt_plain(x, decimals)
    assert float(plain.replace(",", ".")) == back and (back != 0 or not plain.startswith("-"))


@props
@given(x=finite, unit=st.sampled_from(["%", "€", "personnes", "nombre", "ratio", "jours", ""]))
def test_signed_gaps_carry_one_sign_and_no_negative_zero(x, unit):
    text = fmt_signed(x, unit)
    assert "-" not in text  # the typographic minus only
    if text.startswith("+"):
        assert x > 0
    elif text.startswith(MINUS):
        assert x < 0
    else:
        assert all(ch in "0," for ch in text.split(NBSP)[0])  # unsigned only when it rounds to zero
    value = fmt_value(x, unit)
    assert value.lstrip("-") == fmt_value(abs(x), unit)  # a negative value is its opposite with '-' before it


def test_french_number_formats():
    assert fmt_number(1234.5) == f"1{NBSP}234,5"
    assert fmt_number(1234567.891, 2) == f"1{NBSP}234{NBSP}567,89"
    assert fmt_int(68350798) == f"68{NBSP}350{NBSP}798"
    assert fmt_pct(12.345) == f"12,3{NBSP}%"
    assert fmt_pct(7, 0) == f"7{NBSP}%"
    assert fmt_value(1234, "€") == f"1{NBSP}234{NBSP}€"
    assert fmt_range(12.34, 15.78, "%") == f"12,3 – 15,8{NBSP}%"
    assert fmt_number(-1234.56, 1) == f"-1{NBSP}234,6"


def test_missing_is_never_zero_and_no_negative_zero():
    assert fmt_number(None) == "–"
    assert fmt_number(float("nan")) == "–"
    assert fmt_pct(None) == "–"
    assert fmt_number(-0.04) == "0,0"  # '-0,0' would read as a real negative value


def test_source_line_names_the_producers_table():
    from levier.core.fmt import fmt_source
    assert fmt_source("DREES, enquête Aide sociale", "tableau Tab1-ase") == "DREES, enquête Aide sociale — tableau Tab1-ase"
    assert fmt_source("INSEE, Filosofi", None) == "INSEE, Filosofi"
    assert fmt_source("INSEE, Filosofi", float("nan")) == "INSEE, Filosofi"
