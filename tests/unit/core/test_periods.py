"""Yearly and monthly periods share the fact table without being confused."""

import pytest

from levier.core.periods import is_monthly_period, month_of, monthly_period, year_of


def test_monthly_period_round_trip():
    p = monthly_period(2020, 10)
    assert p == 202010 and is_monthly_period(p) and year_of(p) == 2020 and month_of(p) == 10


def test_a_year_is_not_a_month():
    assert not is_monthly_period(2019) and year_of(2019) == 2019 and month_of(2019) is None


def test_month_out_of_range_refused():
    with pytest.raises(ValueError):
        monthly_period(2020, 13)
