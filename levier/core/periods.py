"""Periods of a fact: a year (2019) for yearly figures, YYYYMM (201912) for monthly ones, and the provisional mark."""

from __future__ import annotations

# A monthly figure (catalogue periodicity « mensuelle ») is stored with period = 100 × year + month; a yearly one with
# the year. The two never share an indicator code: a monthly series' December value is its own yearly indicator.
MONTHLY = "mensuelle"
# The producer's provisional figures (DREES's last months) are stored with this comment and shown marked.
PROVISIONAL_COMMENT = "provisoire"


def monthly_period(year: int, month: int) -> int:
    if not 1 <= month <= 12:
        raise ValueError(f"mois invalide : {month}")
    return 100 * year + month


def is_monthly_period(period: int) -> bool:
    return period >= 100_000


def year_of(period: int) -> int:
    return period // 100 if is_monthly_period(period) else period


def month_of(period: int) -> int | None:
    return period % 100 if is_monthly_period(period) else None
