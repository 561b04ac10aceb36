"""The only place Streamlit caching is used: every cached reader is keyed by the database's data version."""

from __future__ import annotations

import streamlit as st

from levier.db import Database
from levier.home import HomeSummary, load_home_summary

TTL_SECONDS = 600


def database() -> Database:
    return Database()


def data_version(db: Database | None = None) -> str:
    return (db or database()).version_token()


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _home_summary(db_path: str, version: str) -> HomeSummary:
    return load_home_summary(Database(db_path))


def home_summary() -> HomeSummary:
    db = database()
    return _home_summary(str(db.path), db.version_token())


@st.cache_data(ttl=TTL_SECONDS, max_entries=4, show_spinner=False)
def _territory_options(db_path: str, version: str):
    from levier.selection import load_options

    return load_options(Database(db_path))


def territory_options():
    db = database()
    return _territory_options(str(db.path), db.version_token())


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def _load(name: str, db_path: str, version: str, args: tuple, kwargs: tuple):
    return _registry()[name](Database(db_path), *args, **dict(kwargs))


def _registry() -> dict:
    """The loaders a page may call through the cache; each takes a Database first."""
    from levier import metrics, peers, views

    fns = [
        views.t0_view,
        views.distribution_figure,
        views.midterm_view,
        views.series_figure,
        views.change_comparison,
        views.ranking_view,
        views.scatter_view,
        views.small_multiples_view,
        views.indicator_choices,
        views.available_periods,
        metrics.load_t0_table,
        metrics.load_positions,
        metrics.load_target_tracking,
        metrics.load_target_assessment,
        metrics.load_change_comparison,
        metrics.load_values,
        metrics.load_territories,
        metrics.load_indicators,
        peers.load_peer_group,
    ]
    return {f"{f.__module__}.{f.__name__}": f for f in fns}


def load(fn, *args, **kwargs):
    """Calls a registered loader with the current database, cached until the data changes (or the TTL ends)."""
    name = f"{fn.__module__}.{fn.__name__}"
    if name not in _registry():
        raise KeyError(f"{name} is not a registered cached loader")
    db = database()
    return _load(name, str(db.path), db.version_token(), tuple(args), tuple(sorted(kwargs.items())))


def clear() -> None:
    st.cache_data.clear()
