"""What every territory's T0 page shares is read once per data version: the level's territories and the indicator
catalogue (T0 table), the series catalogue (series choices), the independent comparisons' links, names and demo
mark. Each territory's figures equal those read alone, on the derived tables and served live, and the shared rows
(kept as objects by the app) are left as read."""

from __future__ import annotations

import pandas as pd
import pytest

from levier.store.db import Database
from levier.views import common, comparer, independent, series, t0


@pytest.fixture(scope="module")
def db(demo_db_path) -> Database:
    return Database(demo_db_path)


def _copies(*frames: pd.DataFrame) -> list[pd.DataFrame]:
    return [f.copy() for f in frames]


@pytest.mark.parametrize("served", ["derived", "live"])
def test_a_territory_table_from_the_level_rows_read_once(derived_and_live, served):
    db = derived_and_live[0] if served == "derived" else derived_and_live[1]
    rows = common.level_rows(db, "departement")
    kept = _copies(*rows)
    for codes in (("38", "73", "26"), ("59", "62"), ("971",)):
        held = t0.load_t0_data(db, "departement", territories=codes, rows=rows)
        alone = t0.load_t0_data(db, "departement", territories=codes)
        for name in ("territories", "catalogue", "values", "stats"):
            pd.testing.assert_frame_equal(getattr(held, name), getattr(alone, name), obj=f"{codes} {name}")
        table = t0.t0_table_of(held, db.scope, codes[0], 2023, codes[1:])
        pd.testing.assert_frame_equal(table, t0.t0_table_of(alone, db.scope, codes[0], 2023, codes[1:]))
    for before, now in zip(kept, rows):
        pd.testing.assert_frame_equal(now, before)


@pytest.mark.parametrize("level, code", [("departement", "38"), ("epci", "200040715")])
def test_a_distribution_and_a_ranking_from_the_level_rows_read_once(db, level, code):
    """T0's distribution chart and Comparer's ranking read the territories and the catalogue the app keeps (level
    rows) instead of again: the same values, labels and positions, the rows left as read."""
    rows = common.level_rows(db, level)
    kept = _copies(*rows)
    for indicator, period in (("STAT-TP60", 2020), ("STAT-Q2", 2020)):
        held = t0.distribution_data(db, indicator, period, level, t0.distribution_set(level, code), rows=rows)
        alone = t0.distribution_data(db, indicator, period, level, t0.distribution_set(level, code))
        pd.testing.assert_frame_equal(held.drawn, alone.drawn)
        assert (held.label, held.unit, held.source, held.direction) == (alone.label, alone.unit, alone.source,
                                                                        alone.direction)
        assert held.drawn["value"].notna().sum() > 0 or level == "epci"
        if level == "departement":
            mine = comparer.ranking_data(db, indicator, period, rows=rows)
            again = comparer.ranking_data(db, indicator, period)
            pd.testing.assert_frame_equal(mine.pos.table, again.pos.table)
            pd.testing.assert_frame_equal(mine.catalogue, again.catalogue)
    for before, now in zip(kept, rows):
        pd.testing.assert_frame_equal(now, before)


def test_the_series_catalogue_taken_from_the_kept_indicator_catalogue_is_the_one_read(db):
    """The app takes the series' catalogue from the indicator catalogue it keeps: the same frame as
    series_catalogue.sql gives (columns, order, types), for the catalogue as shipped."""
    pd.testing.assert_frame_equal(series.catalogue_from(common.load_indicators(db)), series.load_catalogue(db))


def test_series_choices_from_the_catalogue_read_once(db):
    cat = series.load_catalogue(db)
    kept = cat.copy()
    for code in ("38", "971", "2A", None):
        pd.testing.assert_frame_equal(series.series_choices(db, code, cat), series.series_choices(db, code), obj=code)
    pd.testing.assert_frame_equal(cat, kept)


def test_independent_comparisons_from_the_context_read_once(db):
    context = independent.load_independent_context(db)
    kept = _copies(context.indicators, context.links)
    assert context.codes and context.names["38"] == "Isère" and context.demo
    flagged = 0
    # The context made from the level's rows the app keeps is the one read.
    kept_rows = independent.load_independent_context(db, rows=common.level_rows(db, "departement"))
    pd.testing.assert_frame_equal(kept_rows.indicators, context.indicators)
    pd.testing.assert_frame_equal(kept_rows.links, context.links)
    assert (kept_rows.codes, kept_rows.names, kept_rows.demo) == (context.codes, context.names, context.demo)
    for code in ("38", "59", "13", None):
        held = independent.load_independent(db, code, context)
        alone = independent.load_independent(db, code)
        pd.testing.assert_frame_equal(held.comparisons, alone.comparisons, obj=str(code))
        pd.testing.assert_frame_equal(held.table, alone.table, obj=str(code))
        pd.testing.assert_frame_equal(held.links, alone.links)
        assert held.n_flagged == alone.n_flagged
        flagged += held.n_flagged
    assert flagged  # the demo's planted gaps are found through the shared context too
    for before, now in zip(kept, (context.indicators, context.links)):
        pd.testing.assert_frame_equal(now, before)


@pytest.mark.parametrize("code,level", [("38", "departement"), ("974", "departement"), ("200046977", "epci")])
def test_mi_parcours_and_the_glance_from_the_level_rows_read_once(db, code, level):
    """Mi-parcours' table, series chart and change comparison, and Accueil's glance, given the level's rows the app
    keeps, are the figures they read alone; the rows are left as read."""
    from levier.views import glance, mi_parcours
    from levier.views.selection import load_options

    rows = common.level_rows(db, level)
    kept = _copies(*rows)
    periods = mi_parcours.available_periods(db, level, code)
    start, end = mi_parcours.default_periods(periods, "PACTE")
    held = mi_parcours.midterm_view(db, code, level, start, end, start, "PACTE", rows)
    alone = mi_parcours.midterm_view(db, code, level, start, end, start, "PACTE")
    pd.testing.assert_frame_equal(held.changes, alone.changes)
    pd.testing.assert_frame_equal(held.tracking, alone.tracking)
    assert held.status_counts == alone.status_counts and sum(held.status_counts.values())
    indicator = held.changes["Code"].iloc[0]
    peers = ("01", "26", "73") if level == "departement" else ()
    assert (mi_parcours.series_figure(db, indicator, level, code, start, end, peers, rows).to_json()
            == mi_parcours.series_figure(db, indicator, level, code, start, end, peers).to_json())
    pd.testing.assert_frame_equal(mi_parcours.change_comparison(db, code, indicator, start, end, level, peers, rows),
                                  mi_parcours.change_comparison(db, code, indicator, start, end, level, peers))
    name = load_options(db).name(level, code)
    data = t0.load_t0_data(db, level, glance.KEY_FIGURES, territories=[code], rows=rows)
    with_rows = glance.glance_view(db, code, level, name, data=data)
    default = glance.glance_view(db, code, level, name)
    assert with_rows.figures == default.figures and with_rows.status_counts == default.status_counts
    assert with_rows.alerts == default.alerts
    for before, now in zip(kept, rows):
        pd.testing.assert_frame_equal(now, before)
