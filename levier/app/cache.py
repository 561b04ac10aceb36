"""The only place Streamlit caching is used: every cached reader is keyed by the data version and the user's rights."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import plotly.graph_objects as go

from levier.analysis.peers import PeerGroup
from levier.geo.display import DisplayLayer
from levier.ingest.service_lists import Referential, build_referential
from levier.views import indicateurs, panorama, qualite, services
from levier.views.effet_levier import LeverView, ProgrammeChoice, funding_programmes, lever_view
from levier.views.evaluation import (
    DoseView,
    EvaluationChoices,
    EventStudyView,
    dose_response_view,
    evaluation_choices,
    event_study_view,
)
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


# --- lever pages ---
# Effet levier and Évaluation: one wrapper per view function, keyed like _home_summary plus the page's choices.


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _lever_programmes(db_path: str, version: str, scope_key: str, _scope: Scope) -> list[ProgrammeChoice]:
    return funding_programmes(Database(db_path, scope=_scope))


def lever_programmes() -> list[ProgrammeChoice]:
    """The programmes the Effet levier page offers (views.effet_levier.funding_programmes)."""
    db = database()
    return _lever_programmes(str(db.path), db.version_token(), db.scope.key(), db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _lever_page(db_path: str, version: str, scope_key: str, level: str, code: str, programme: str, stage: str,
                year_from: int, year_to: int, _scope: Scope) -> LeverView:
    return lever_view(Database(db_path, scope=_scope), level, code, programme, stage, year_from, year_to)


def lever_page(level: str, code: str, programme: str, stage: str, year_from: int, year_to: int) -> LeverView:
    """The Effet levier page of one territory (views.effet_levier.lever_view)."""
    db = database()
    return _lever_page(str(db.path), db.version_token(), db.scope.key(), level, code, programme, stage,
                       int(year_from), int(year_to), db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _evaluation_choices(db_path: str, version: str, scope_key: str, _scope: Scope) -> EvaluationChoices:
    return evaluation_choices(Database(db_path, scope=_scope))


def evaluation_indicator_choices() -> EvaluationChoices:
    """The indicators of the Évaluation page's two tabs (views.evaluation.evaluation_choices)."""
    db = database()
    return _evaluation_choices(str(db.path), db.version_token(), db.scope.key(), db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _event_study_page(db_path: str, version: str, scope_key: str, indicator: str, selected: str | None,
                      _scope: Scope) -> EventStudyView:
    return event_study_view(Database(db_path, scope=_scope), indicator, selected)


def event_study_page(indicator: str, selected: str | None) -> EventStudyView:
    """The event-study tab of the Évaluation page (views.evaluation.event_study_view)."""
    db = database()
    return _event_study_page(str(db.path), db.version_token(), db.scope.key(), indicator, selected, db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _dose_response_page(db_path: str, version: str, scope_key: str, indicator: str, selected: str | None,
                        _scope: Scope) -> DoseView:
    return dose_response_view(Database(db_path, scope=_scope), indicator, selected)


def dose_response_page(indicator: str, selected: str | None) -> DoseView:
    """The dose-response tab of the Évaluation page (views.evaluation.dose_response_view)."""
    db = database()
    return _dose_response_page(str(db.path), db.version_token(), db.scope.key(), indicator, selected, db.scope)


# --- end of lever pages ---


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
def _comparer_indicators(db_path: str, version: str, scope_key: str, _scope: Scope, level: str,
                         programmes: tuple[str, ...]) -> pd.DataFrame:
    return comparer.indicator_choices(Database(db_path, scope=_scope), level, programmes)


def comparer_indicators(level: str, programmes: tuple[str, ...] = ()) -> pd.DataFrame:
    return _comparer_indicators(*_key(database()), level, tuple(programmes))


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


# --- territory and trust pages ---
# Panorama, Services, Qualité, Indicateurs: one explicit wrapper per cached view function, keyed on the database path,
# the data version and the rights (scope.key()); the page's own arguments (a MapArea is a frozen dataclass) complete
# the key. Heavy shared objects (display geometry, the service referential) are resources, one per data version.


def _door() -> tuple[Database, str, str, str]:
    db = database()
    return db, str(db.path), db.version_token(), db.scope.key()


@st.cache_resource(ttl=3600, max_entries=8, show_spinner=False)
def _display_layer(level: str, version: str) -> DisplayLayer:
    return panorama.display_layer(level)


def display_layer(level: str) -> DisplayLayer:
    """The display geometry of a level, built once per process and data version: callers must not mutate it."""
    return _display_layer(level, data_version())


@st.cache_resource(ttl=3600, max_entries=2, show_spinner=False)
def _service_referential(version: str) -> Referential:
    return build_referential()


def service_referential() -> Referential:
    """Communes, their points and the layers that place service points (about 1 s), shared: never mutate it."""
    return _service_referential(data_version())


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _panorama_indicators(db_path: str, version: str, scope_key: str, _scope: Scope) -> list[panorama.Indicator]:
    return panorama.indicator_choices(Database(db_path, scope=_scope))


def panorama_indicators() -> list[panorama.Indicator]:
    db, path, version, key = _door()
    return _panorama_indicators(path, version, key, db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _panorama_view(db_path: str, version: str, scope_key: str, indicator: str, period: int, area: panorama.MapArea,
                   _scope: Scope) -> panorama.PanoramaView:
    return panorama.panorama_view(Database(db_path, scope=_scope), indicator, period, area)


def panorama_view(indicator: str, period: int, area: panorama.MapArea) -> panorama.PanoramaView:
    db, path, version, key = _door()
    return _panorama_view(path, version, key, indicator, int(period), area, db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _service_lists(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    return panorama.service_lists(Database(db_path, scope=_scope))


def service_lists() -> pd.DataFrame:
    db, path, version, key = _door()
    return _service_lists(path, version, key, db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _service_points(db_path: str, version: str, scope_key: str, service_types: tuple[str, ...],
                    _scope: Scope) -> pd.DataFrame:
    return panorama.service_points(Database(db_path, scope=_scope), service_types)


def service_points(service_types: tuple[str, ...]) -> pd.DataFrame:
    db, path, version, key = _door()
    return _service_points(path, version, key, tuple(service_types), db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _coverage_view(db_path: str, version: str, scope_key: str, service_type: str, distance_km: float,
                   area: panorama.MapArea, _scope: Scope) -> services.CoverageView:
    # The shared referential's commune points: built only when this view is not cached already.
    return services.coverage_view(Database(db_path, scope=_scope), service_type, distance_km, area,
                                  service_referential().points)


def coverage_view(service_type: str, distance_km: float, area: panorama.MapArea) -> services.CoverageView:
    db, path, version, key = _door()
    return _coverage_view(path, version, key, service_type, float(distance_km), area, db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _quality_bundle(db_path: str, version: str, scope_key: str, _scope: Scope) -> qualite.QualityBundle:
    return qualite.quality_bundle(Database(db_path, scope=_scope))


def quality_bundle() -> qualite.QualityBundle:
    db, path, version, key = _door()
    return _quality_bundle(path, version, key, db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _catalogue(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    return indicateurs.catalogue(Database(db_path, scope=_scope))


def catalogue() -> pd.DataFrame:
    db, path, version, key = _door()
    return _catalogue(path, version, key, db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _indicator_detail(db_path: str, version: str, scope_key: str, code: str,
                      _scope: Scope) -> indicateurs.IndicatorDetail:
    return indicateurs.indicator_detail(Database(db_path, scope=_scope), code)


def indicator_detail(code: str) -> indicateurs.IndicatorDetail:
    db, path, version, key = _door()
    return _indicator_detail(path, version, key, code, db.scope)


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _declarations(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    return indicateurs.declarations(Database(db_path, scope=_scope))


def declarations() -> pd.DataFrame:
    db, path, version, key = _door()
    return _declarations(path, version, key, db.scope)


def clear() -> None:
    st.cache_data.clear()
