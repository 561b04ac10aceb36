"""The Mi-parcours page served from its derived tables (issue 16, item 1) shows the very figures of the live
computation, for any T0 and comparison year, and a scoped user reads no contract row through those tables."""

from __future__ import annotations


import pytest
from pandas.testing import assert_frame_equal

from levier.rights.scope import Role, Scope
from levier.store import derived as derived_store
from levier.store.db import Database
from levier.views import mi_parcours
from levier.views.gating import load_gates
from tests.queries import ProbeQuery

TERRITORIES = [("38", "departement"), ("2A", "departement"), ("974", "departement"), ("200046977", "epci")]
PEERS = ("01", "26", "73")


def _page(db: Database, code: str, level: str, programme: str, shared: bool = False):
    """What the page shows; `shared`: as the app makes it, the statuses and the indicator's values read once and
    handed to the view, the chart and the comparison table (mi_parcours.status_rows, indicator_values)."""
    periods = mi_parcours.available_periods(db, level, code)
    period_from, period_to = mi_parcours.default_periods(periods, programme)
    statuses = mi_parcours.status_rows(db, code, level, period_from, period_to) if shared else None
    view = mi_parcours.midterm_view(db, code, level, period_from, period_to, period_from, programme, statuses=statuses)
    if view.changes.empty:  # the page then shows no chart (the Lyon métropole has no CDPPE value)
        return periods, view, None, None
    indicator = view.changes["Code"].iloc[0]
    values = mi_parcours.indicator_values(db, level, indicator) if shared else None
    figure = mi_parcours.series_figure(db, indicator, level, code, period_from, period_to, PEERS, statuses=statuses,
                                       values=values)
    comparison = mi_parcours.change_comparison(db, code, indicator, period_from, period_to, level, PEERS,
                                               values=values)
    return periods, view, figure.to_json(), comparison


@pytest.mark.parametrize("code,level", TERRITORIES)
@pytest.mark.parametrize("programme", ["PACTE", "CDPPE"])
@pytest.mark.parametrize("shared", [False, True])
def test_the_page_shows_the_same_figures_from_derived_tables_as_live(derived_and_live, code, level, programme, shared):
    derived, live = derived_and_live
    if shared:  # the rows handed over are the derived tables' (the live database has none to hand over)
        assert mi_parcours.status_rows(derived, code, level, 2023, 2025) is not None
        assert mi_parcours.status_rows(live, code, level, 2023, 2025) is None
    (periods, view, figure, comparison), (live_periods, live_view, live_figure, live_comparison) = (
        _page(derived, code, level, programme, shared), _page(live, code, level, programme))
    assert periods == live_periods
    assert_frame_equal(view.changes, live_view.changes)
    assert_frame_equal(view.tracking, live_view.tracking)
    assert view.status_counts == live_view.status_counts
    assert figure == live_figure
    if comparison is not None:
        assert_frame_equal(comparison, live_comparison)
    if programme == "PACTE":
        assert sum(view.status_counts.values()) > 0  # a comparison of real statuses, not of two empty tables


@pytest.mark.parametrize("code,level", [("38", "departement"), ("200046977", "epci")])
def test_statuses_match_live_for_any_t0_and_comparison_year_even_outside_the_window(derived_and_live, code, level):
    derived, live = derived_and_live
    gates = load_gates(live, None, level)  # the live quality gates computed once for the many years compared
    for t0 in (2010, 2020, 2022, 2023, 2024, 2027, 2030):
        for current in (2015, 2021, 2024, 2025, 2026, 2031):
            shown = mi_parcours.load_target_tracking(derived, code, t0, level, current)
            assert_frame_equal(shown, mi_parcours.load_target_tracking(live, code, t0, level, current, gates))
            assert (shown["t0_period"] == t0).all()


def test_a_scoped_user_reads_no_contract_row_through_the_derived_tables(derived_and_live):
    derived, _ = derived_and_live
    full = derived.read(ProbeQuery.VISIBLE_MIDTERM_DERIVED)
    assert (full["derived_table"] == "target_status").any() and (full["programme"] != "STAT").any()
    for scope in (Scope.territorial("isere@x.fr", Role.DEPARTEMENTAL, {"38"}), Scope.national("n@x.fr")):
        seen = derived.with_scope(scope).read(ProbeQuery.VISIBLE_MIDTERM_DERIVED)
        assert not seen.empty  # public statistics stay readable
        assert (seen["programme"] == "STAT").all(), "a contract row read through a derived table"
        assert (seen["derived_table"] != "target_status").all()
        assert not derived_store.available(derived.with_scope(scope))
    # The scoped user's own page is computed live from the rows they may read: their own targets, nobody else's.
    isere = derived.with_scope(Scope.territorial("isere@x.fr", Role.DEPARTEMENTAL, {"38"}))
    assert len(mi_parcours.load_target_tracking(isere, "38", 2023, current_period=2026)) > 0
    other = mi_parcours.load_target_tracking(isere, "69", 2023, current_period=2026)
    assert other.empty
