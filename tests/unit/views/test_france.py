"""The « France à mi-parcours » view on the demo database: every département's statuses are Mi-parcours's own (from
the derived table or live), a départemental user reads only its own rows, the wave filter follows the contracts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levier.analysis.positions import STATUS_NO_DATA
from levier.rights.scope import Role, Scope
from levier.store.db import Database
from levier.views import common, france, mi_parcours

ISERE = Scope.territorial("agent@isere.fr", Role.DEPARTEMENTAL, {"38"})


@pytest.fixture(scope="module")
def pacte(derived_and_live) -> france.FranceData:
    return france.france_data(derived_and_live[0], "PACTE", 2023, 2026)


def _same(ours, theirs) -> None:
    ours, theirs = ours.set_index("indicator").sort_index(), theirs.set_index("indicator").sort_index()
    assert list(ours.index) == list(theirs.index)
    assert list(ours["status"]) == list(theirs["status"])
    assert np.allclose(ours["attainment"].astype(float), theirs["attainment"].astype(float), equal_nan=True)


@pytest.mark.parametrize("code", ["38", "2A"])
def test_each_departement_has_the_statuses_the_mi_parcours_page_gives_it(derived_and_live, pacte, code):
    live_page = mi_parcours.tracking_of(derived_and_live[1], code, "departement", 2023, 2026, "PACTE")
    assert len(live_page) > 0
    _same(pacte.tracking[pacte.tracking["code"] == code], live_page)


def test_the_live_computation_gives_the_derived_statuses_of_every_departement(derived_and_live):
    derived = france.france_data(derived_and_live[0], "CDPPE", 2020, 2022)
    live = france.france_data(derived_and_live[1], "CDPPE", 2020, 2022)
    assert derived.derived and not live.derived
    assert derived.tracking["code"].nunique() > 95
    keys = ["code", "indicator"]
    a = derived.tracking.sort_values(keys).reset_index(drop=True)
    b = live.tracking.sort_values(keys).reset_index(drop=True)
    assert a[keys].equals(b[keys]) and list(a["status"]) == list(b["status"])


def test_the_national_view_lists_every_departement_in_code_order_never_ranked(pacte):
    indicator = next(iter(france.indicator_choices(pacte)))
    view = france.france_view(pacte, indicator)
    assert len(view.table) == len(pacte.territories) > 100
    assert list(view.table["Code"]) == list(pacte.territories["code"])
    assert sum(view.counts.values()) == len(view.table)
    assert view.counts[STATUS_NO_DATA] < len(view.table)  # the demo sets a target everywhere
    # Per action: the shares of each action sum to 100 % and the counts to the pairs.
    assert view.by_action["n"].sum() == view.pairs == len(pacte.tracking)
    assert np.allclose(view.by_action.groupby("action_label")["share"].sum(), 100.0)


def test_the_axis_filter_keeps_the_axis_indicators_and_pairs(pacte):
    axis = next(iter(pacte.axes))
    choices = france.indicator_choices(pacte, axis)
    assert 0 < len(choices) < len(france.indicator_choices(pacte))
    view = france.france_view(pacte, next(iter(choices)), axis)
    assert view.pairs == int(pacte.tracking["indicator"].isin(set(choices)).sum())


def test_waves_come_from_the_contracts_and_are_said_missing_where_there_are_none(derived_and_live, pacte):
    assert france.wave_choices(pacte) == {} and "Aucune vague" in france.wave_note(pacte)
    cdppe = france.france_data(derived_and_live[0], "CDPPE", 2020, 2022)
    waves = france.wave_choices(cdppe)
    assert waves == {1: "Vague 1 (2020)", 2: "Vague 2 (2021)", 3: "Vague 3 (2022)"}
    indicator = next(iter(france.indicator_choices(cdppe)))
    first = france.france_view(cdppe, indicator, wave=1)
    assert 25 <= len(first.table) <= 35 and set(first.table["Vague"]) == {"Vague 1 (2020)"}
    assert (first.map_frame["status"] == france.OUTSIDE_WAVE).sum() == len(cdppe.territories) - len(first.table)


def test_a_departemental_user_reads_its_own_departement_only(derived_and_live):
    db = Database(derived_and_live[0].path, scope=ISERE)
    data = france.france_data(db, "PACTE", 2023, 2026)
    assert not data.derived and set(data.tracking["code"]) == {"38"}
    _same(data.tracking, mi_parcours.tracking_of(db, "38", "departement", 2023, 2026, "PACTE"))
    view = france.france_view(data, next(iter(france.indicator_choices(data))))
    assert list(view.table["Code"]) == ["38"]
    others = view.map_frame[view.map_frame["code"] != "38"]
    assert set(others["status"]) == {france.OUTSIDE_RIGHTS} and set(others["attainment"]) == {""}


def test_the_view_from_the_kept_departements_and_catalogue_is_the_one_read(derived_and_live, reads):
    """The app hands over the départements and the catalogue it keeps (common.level_rows): the same view, without
    reading them again."""
    db = derived_and_live[0]
    kept = common.level_rows(db, france.LEVEL)
    for programme, t0_year, period_to in (("PACTE", 2023, 2026), ("CDPPE", 2020, 2022)):
        read = france.france_data(db, programme, t0_year, period_to)
        reads.clear()
        given = france.france_data(db, programme, t0_year, period_to, rows=kept)
        assert not {"catalogue/indicator_catalogue", "reference/territories_of_level"} & set(reads)
        for name in ("tracking", "indicators", "territories", "waves"):
            pd.testing.assert_frame_equal(getattr(given, name), getattr(read, name))
        assert (given.axes, given.actions, given.reads_all, given.derived) == (read.axes, read.actions,
                                                                               read.reads_all, read.derived)
