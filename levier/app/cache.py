"""The only place Streamlit caching is used: every cached reader is keyed by the data version and the user's rights."""

from __future__ import annotations

import streamlit as st

import pandas as pd
import plotly.graph_objects as go

from levier.analysis.peers import PeerGroup
from levier.rights.scope import Scope
from levier.store.db import Database
from levier.views import common, comparer, mi_parcours, t0
from levier.views.accueil import HomeSummary, load_home_summary

TTL_SECONDS = 600

# Cached results are keyed by `scope.key()` (the rights, not the person): users with the same rights share an
# entry, and no entry computed under some rights is ever served under others. The Scope itself rides along
# unhashed (leading underscore) to rebuild the Database inside the cached function.


def database() -> Database:
    """The database as the signed-in user may read it: rows filtered and small counts masked by the data layer."""
    from levier.app import auth

    return Database(scope=auth.current_scope())


def system_database() -> Database:
    """Full rights, for the app's own start-up (migrations, first demo build) only: never for a user's reads."""
    return Database()


def data_version(db: Database | None = None) -> str:
    return (db or database()).version_token()


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _home_summary(db_path: str, version: str, scope_key: str, _scope: Scope) -> HomeSummary:
    return load_home_summary(Database(db_path, scope=_scope))


def home_summary() -> HomeSummary:
    db = database()
    return _home_summary(str(db.path), db.version_token(), db.scope.key(), db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=4, show_spinner=False)
def _territory_options(db_path: str, version: str):
    from levier.views.selection import load_options

    return load_options(Database(db_path))


def territory_options():
    db = database()
    return _territory_options(str(db.path), db.version_token())


# --- diagnostic pages ---
# T0, mi-parcours and comparer: one wrapper per cached view function, keyed on the database file, its data version
# and the rights (scope.key()); the Scope rides along unhashed to rebuild the Database inside.


def _key(db: Database) -> tuple[str, str, str, Scope]:
    return str(db.path), db.version_token(), db.scope.key(), db.scope


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _t0_view(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, level: str, t0_year: int) -> t0.T0View:
    return t0.t0_view(Database(db_path, scope=_scope), code, level, t0_year)


def t0_view(code: str, level: str, t0_year: int) -> t0.T0View:
    return _t0_view(*_key(database()), code, level, t0_year)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _distribution_figure(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, period: int,
                         level: str, code: str, peer_codes: tuple[str, ...]) -> go.Figure:
    return t0.distribution_figure(Database(db_path, scope=_scope), indicator, period, level, code, peer_codes)


def distribution_figure(indicator: str, period: int, level: str, code: str, peer_codes: tuple[str, ...]) -> go.Figure:
    return _distribution_figure(*_key(database()), indicator, period, level, code, tuple(peer_codes))


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _peer_group(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, level: str) -> PeerGroup:
    return common.load_peer_group(Database(db_path, scope=_scope), code, level)


def peer_codes(code: str, level: str) -> tuple[str, ...]:
    """The codes of a territory's peer group (as on the T0 page), for the mi-parcours and comparer pages."""
    return tuple(_peer_group(*_key(database()), code, level).codes)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _available_periods(db_path: str, version: str, scope_key: str, _scope: Scope, level: str, code: str) -> list[int]:
    return common.available_periods(Database(db_path, scope=_scope), level, code)


def available_periods(level: str, code: str) -> list[int]:
    return _available_periods(*_key(database()), level, code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _midterm_view(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, level: str, period_from: int,
                  period_to: int, t0_year: int, programme: str | None) -> mi_parcours.MidtermView:
    return mi_parcours.midterm_view(Database(db_path, scope=_scope), code, level, period_from, period_to, t0_year,
                                    programme)


def midterm_view(code: str, level: str, period_from: int, period_to: int, t0_year: int,
                 programme: str | None) -> mi_parcours.MidtermView:
    return _midterm_view(*_key(database()), code, level, period_from, period_to, t0_year, programme)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _series_figure(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, level: str, code: str,
                   t0_year: int, current_period: int, peer_codes: tuple[str, ...]) -> go.Figure:
    return mi_parcours.series_figure(Database(db_path, scope=_scope), indicator, level, code, t0_year, current_period,
                                     peer_codes)


def series_figure(indicator: str, level: str, code: str, t0_year: int, current_period: int,
                  peer_codes: tuple[str, ...]) -> go.Figure:
    return _series_figure(*_key(database()), indicator, level, code, t0_year, current_period, tuple(peer_codes))


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _change_comparison(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, indicator: str,
                       period_from: int, period_to: int, level: str, peer_codes: tuple[str, ...]) -> pd.DataFrame:
    return mi_parcours.change_comparison(Database(db_path, scope=_scope), code, indicator, period_from, period_to,
                                         level, peer_codes)


def change_comparison(code: str, indicator: str, period_from: int, period_to: int, level: str,
                      peer_codes: tuple[str, ...]) -> pd.DataFrame:
    return _change_comparison(*_key(database()), code, indicator, period_from, period_to, level, tuple(peer_codes))


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _indicator_choices(db_path: str, version: str, scope_key: str, _scope: Scope, level: str,
                       programmes: tuple[str, ...]) -> pd.DataFrame:
    return comparer.indicator_choices(Database(db_path, scope=_scope), level, programmes)


def indicator_choices(level: str, programmes: tuple[str, ...] = ()) -> pd.DataFrame:
    return _indicator_choices(*_key(database()), level, tuple(programmes))


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _ranking_view(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, period: int,
                  selected: str | None, peer_codes: tuple[str, ...], reference_only: bool) -> comparer.RankingView:
    return comparer.ranking_view(Database(db_path, scope=_scope), indicator, period, selected, peer_codes,
                                 reference_only)


def ranking_view(indicator: str, period: int, selected: str | None, peer_codes: tuple[str, ...],
                 reference_only: bool) -> comparer.RankingView:
    return _ranking_view(*_key(database()), indicator, period, selected, tuple(peer_codes), reference_only)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _scatter_view(db_path: str, version: str, scope_key: str, _scope: Scope, x_indicator: str, y_indicator: str,
                  period: int, selected: str | None, peer_codes: tuple[str, ...]) -> comparer.ScatterView:
    return comparer.scatter_view(Database(db_path, scope=_scope), x_indicator, y_indicator, period, selected,
                                 peer_codes)


def scatter_view(x_indicator: str, y_indicator: str, period: int, selected: str | None,
                 peer_codes: tuple[str, ...]) -> comparer.ScatterView:
    return _scatter_view(*_key(database()), x_indicator, y_indicator, period, selected, tuple(peer_codes))


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _small_multiples_view(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str,
                          codes: tuple[str, ...], selected: str | None) -> go.Figure:
    return comparer.small_multiples_view(Database(db_path, scope=_scope), indicator, codes, selected)


def small_multiples_view(indicator: str, codes: tuple[str, ...], selected: str | None) -> go.Figure:
    return _small_multiples_view(*_key(database()), indicator, tuple(codes), selected)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def _load(name: str, db_path: str, version: str, scope_key: str, args: tuple, kwargs: tuple, _scope: Scope):
    return _resolve(name)(Database(db_path, scope=_scope), *args, **dict(kwargs))


# Modules whose loaders (functions taking a Database first) pages may call through the cache.
CACHEABLE_MODULES = frozenset(
    {
        "levier.views.panorama",
        "levier.analysis.quality",
        "levier.views.qualite",
        "levier.ingest.variants",
        "levier.analysis.lever",
        "levier.analysis.evaluation",
    }
)


def _resolve(name: str):
    import importlib

    module, _, attr = name.rpartition(".")
    if module not in CACHEABLE_MODULES:
        raise KeyError(f"{name} is not in a cacheable module")
    return getattr(importlib.import_module(module), attr)


def load(fn, *args, **kwargs):
    """Calls a loader with the current database, cached until the data changes (or the TTL ends)."""
    name = f"{fn.__module__}.{fn.__name__}"
    if fn.__module__ not in CACHEABLE_MODULES:
        raise KeyError(f"{name} is not in a cacheable module")
    db = database()
    return _load(name, str(db.path), db.version_token(), db.scope.key(), tuple(args), tuple(sorted(kwargs.items())),
                 db.scope)


RESOURCE_MODULES = frozenset({"levier.geo.display", "levier.views.panorama", "levier.analysis.coverage", "levier.ingest.service_lists"})


@st.cache_resource(ttl=3600, max_entries=16, show_spinner=False)
def _resource(name: str, version: str, args: tuple, kwargs: tuple):
    import importlib

    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)(*args, **dict(kwargs))


def resource(fn, *args, **kwargs):
    """Heavy shared objects (display geometry, GeoDataFrames) built once per process and data version, never
    copied per session: callers must not mutate them."""
    if fn.__module__ not in RESOURCE_MODULES:
        raise KeyError(f"{fn.__module__}.{fn.__name__} is not in a resource module")
    return _resource(f"{fn.__module__}.{fn.__name__}", data_version(), tuple(args), tuple(sorted(kwargs.items())))


def clear() -> None:
    st.cache_data.clear()
