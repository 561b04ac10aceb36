"""The only place Streamlit caching is used: every cached reader is keyed by the data version and the user's rights."""

from __future__ import annotations

import dataclasses

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from levier.analysis.peers import PeerGroup
from levier.geo.display import DisplayLayer
from levier.ingest.service_lists import Referential, build_referential
from levier.rights import access
from levier.rights.scope import Scope
from levier.store.db import Database
from levier.store.geography import load_geography
from levier.views import (
    common,
    comparer,
    france,
    glance,
    independent,
    indicateurs,
    mi_parcours,
    panorama,
    qualite,
    region,
    series,
    services,
    t0,
)
from levier.views.accueil import HomeSummary, load_home_summary, load_recent_imports
from levier.views.effet_levier import (
    LeverBase,
    LeverData,
    LeverLevel,
    LeverView,
    ProgrammeChoice,
    funding_programmes,
    holder_level,
    lever_base,
    lever_level,
    lever_poor,
    lever_view,
    load_lever_data,
)
from levier.views.evaluation import (
    DoseView,
    EvaluationChoices,
    EventStudyView,
    dose_response_view,
    evaluation_choices,
    event_study_view,
    wave_of,
)
from levier.views.selection import TerritoryOptions, load_options

TTL_SECONDS = 600

# Cached results are keyed by `scope.key()` (the rights, not the person): users with the same rights share an
# entry, and no entry computed under some rights is ever served under others. The Scope itself rides along
# unhashed (leading underscore) to rebuild the Database inside the cached function.
#
# Views that hold plotly figures are kept as objects (st.cache_resource), not as pickles (st.cache_data): unpickling
# a figure validates it again, property by property, on every rerun of its page (30 ms for T0's distribution chart,
# 80 ms for the Effet levier view: a third to half of a widget change on those pages). Their readers (the pages,
# the pack, the presentation) never change them: Streamlit and the pack's renderer send copies, and a reader that
# needs a changed figure makes its own (comparer.name_highlight). tests/app/test_shared_views.py holds them to it.


def system_database() -> Database:
    """Full rights, for the app's own start-up (migrations, first demo build) only: never for a user's reads."""
    return Database()


def data_version() -> str:
    """The version of the database file: the same for every user (it keys the shared geometry and geography)."""
    return system_database().version_token()


def _key(db: Database) -> tuple[str, str, str, Scope]:
    """The cache key of a view for this user: the database, its data version and the rights (the Scope rides along
    unhashed to rebuild the Database inside the cached function)."""
    return str(db.path), db.version_token(), db.scope.key(), db.scope


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _home_summary(db_path: str, version: str, scope_key: str, _scope: Scope) -> HomeSummary:
    return load_home_summary(Database(db_path, scope=_scope))


def home_summary(db: Database) -> HomeSummary:
    return _home_summary(*_key(db))


# What every page's banner needs (app.py): whether the stored returns include demo values. Not the home summary,
# whose per-programme counts scan every current value (×30: 0.5 s) and which only the home page without a
# territory and the importer show.
@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _demo_data(db_path: str, version: str, scope_key: str, _scope: Scope) -> bool:
    return common.is_demo(Database(db_path, scope=_scope))


def demo_data(db: Database) -> bool:
    return _demo_data(*_key(db))


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _recent_imports(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    return load_recent_imports(Database(db_path, scope=_scope))


def recent_imports(db: Database) -> pd.DataFrame:
    return _recent_imports(*_key(db))


# --- a territory at a glance (Accueil with a selection) ---
# Lookups in the level's positioned values and the quality bundle, both kept per data version (below).
@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _glance_view(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, level: str, name: str,
                 reg: str, dep: str) -> glance.Glance:
    # The key figures read the territory's own rows, not the level's (with the level's territories and catalogue
    # the app keeps).
    db = Database(db_path, scope=_scope)
    rows = _level_rows(db_path, version, scope_key, _scope, level)
    return glance.glance_view(db, code, level, name, reg=reg, dep=dep,
                              data=t0.load_t0_data(db, level, glance.KEY_FIGURES, territories=[code], rows=rows),
                              bundle=_quality_bundle(db_path, version, scope_key, _scope))


def glance_view(db: Database, code: str, level: str, name: str, reg: str, dep: str) -> glance.Glance:
    return _glance_view(*_key(db), code, level, name, reg, dep)


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _region_glance(db_path: str, version: str, scope_key: str, _scope: Scope, reg: str) -> pd.DataFrame:
    deps = territory_options().departements
    deps = deps[deps["reg"] == reg]
    return glance.region_table(Database(db_path, scope=_scope), deps)  # the région's départements' rows only


def region_glance(db: Database, reg: str) -> pd.DataFrame:
    return _region_glance(*_key(db), reg)


# --- lever pages ---
# Effet levier and Évaluation: one wrapper per view function, keyed like _home_summary plus the page's choices.


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _lever_programmes(db_path: str, version: str, scope_key: str, _scope: Scope, level: str,
                      code: str | None) -> list[ProgrammeChoice]:
    return funding_programmes(Database(db_path, scope=_scope), level, code)


def lever_programmes(db: Database, level: str = "departement", code: str | None = None) -> list[ProgrammeChoice]:
    """The programmes the Effet levier page offers (views.effet_levier.funding_programmes): those of the
    départements, or those of an EPCI's own contract."""
    if level != "epci":
        level, code = "departement", None  # one list for a département, a région and France
    return _lever_programmes(*_key(db), level, code)


# A programme's national funding and values (the same for every territory, stage and years of the page), and what a
# stage and years give every holder (amounts, leverage, poor population): kept as objects (cache_resource, never
# changed by lever_view), so that a territory change unpickles and recomputes none of them.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _lever_data(db_path: str, version: str, scope_key: str, _scope: Scope, programme: str, level: str) -> LeverData:
    return load_lever_data(Database(db_path, scope=_scope), programme, level)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _lever_poor(db_path: str, version: str, scope_key: str, _scope: Scope, programme: str, level: str,
                year: int) -> pd.DataFrame:
    # The poor population behind the € per poor inhabitant: the same for every stage compared.
    return lever_poor(_lever_data(db_path, version, scope_key, _scope, programme, level), year)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _lever_level(db_path: str, version: str, scope_key: str, _scope: Scope, programme: str, level: str, stage: str,
                 year_from: int, year_to: int) -> LeverLevel:
    data = _lever_data(db_path, version, scope_key, _scope, programme, level)
    return lever_level(data, stage, year_from, year_to,
                       poor=_lever_poor(db_path, version, scope_key, _scope, programme, level, year_from))


# A territory's money per action, its chart and checks (views.effet_levier.lever_base): a change of the stage
# compared computes the page's other figures only.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _lever_base(db_path: str, version: str, scope_key: str, _scope: Scope, level: str, code: str, programme: str,
                year_from: int, year_to: int) -> LeverBase:
    data = _lever_data(db_path, version, scope_key, _scope, programme, holder_level(level))
    return lever_base(Database(db_path, scope=_scope), data, level, code, year_from, year_to)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _lever_page(db_path: str, version: str, scope_key: str, _scope: Scope, level: str, code: str, programme: str, stage: str,
                year_from: int, year_to: int) -> LeverView:
    holders = holder_level(level)
    data = _lever_data(db_path, version, scope_key, _scope, programme, holders)
    level_data = _lever_level(db_path, version, scope_key, _scope, programme, holders, stage, year_from, year_to)
    base = _lever_base(db_path, version, scope_key, _scope, level, code, programme, year_from, year_to)
    return lever_view(Database(db_path, scope=_scope), level, code, programme, stage, year_from, year_to, data=data,
                      level_data=level_data, base=base)


def lever_page(db: Database, level: str, code: str, programme: str, stage: str, year_from: int, year_to: int) -> LeverView:
    """The Effet levier page of one territory (views.effet_levier.lever_view)."""
    return _lever_page(*_key(db), level, code, programme, stage, int(year_from), int(year_to))


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _evaluation_choices(db_path: str, version: str, scope_key: str, _scope: Scope) -> EvaluationChoices:
    return evaluation_choices(Database(db_path, scope=_scope))


def evaluation_indicator_choices(db: Database) -> EvaluationChoices:
    """The indicators of the Évaluation page's two tabs (views.evaluation.evaluation_choices)."""
    return _evaluation_choices(*_key(db))


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _event_study_page(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str,
                      controls: str) -> EventStudyView:
    # Estimated once per indicator and controls: the chosen département only changes one sentence (_wave_of).
    return event_study_view(Database(db_path, scope=_scope), indicator, None, controls=controls)


@st.cache_data(ttl=TTL_SECONDS, max_entries=128, show_spinner=False)
def _wave_of(db_path: str, version: str, scope_key: str, _scope: Scope, selected: str | None) -> str:
    return wave_of(Database(db_path, scope=_scope), selected)


def event_study_page(db: Database, indicator: str, selected: str | None, controls: str) -> EventStudyView:
    """The event-study tab of the Évaluation page (views.evaluation.event_study_view) against the chosen controls."""
    view = _event_study_page(*_key(db), indicator, controls)
    return dataclasses.replace(view, wave_of_selected=_wave_of(*_key(db), selected))


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _dose_response_page(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, selected: str | None) -> DoseView:
    return dose_response_view(Database(db_path, scope=_scope), indicator, selected)


def dose_response_page(db: Database, indicator: str, selected: str | None) -> DoseView:
    """The dose-response tab of the Évaluation page (views.evaluation.dose_response_view)."""
    return _dose_response_page(*_key(db), indicator, selected)


# --- end of lever pages ---


# --- series over time (T0, Panorama, Comparer) ---


# The series catalogue, kept as an object (never changed by its readers): every territory's choices read it.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _series_catalogue(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    # Its columns are the indicator catalogue's the pages keep: taken from it, not read again.
    return series.catalogue_from(_catalogue_rows(db_path, version, scope_key, _scope))


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _series_choices(db_path: str, version: str, scope_key: str, _scope: Scope, code: str | None) -> pd.DataFrame:
    return series.series_choices(Database(db_path, scope=_scope), code,
                                 _series_catalogue(db_path, version, scope_key, _scope))


def series_choices(db: Database, code: str | None) -> pd.DataFrame:
    """The series a département has two years or more of (code None: any département) (views.series)."""
    return _series_choices(*_key(db), code)


# Kept as an object (cache_resource, its frames never changed by their readers): what its charts draw for every
# territory is kept in it (SeriesData._memo), so that a territory change only picks its own rows.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _series_data(db_path: str, version: str, scope_key: str, _scope: Scope, heads: tuple[str, ...]) -> series.SeriesData:
    # Every département's values and the per-year medians of an indicator set: the same for every territory.
    # The series catalogue and the départements as the page's other blocks keep them, not read again.
    db = Database(db_path, scope=_scope)
    cat = _series_catalogue(db_path, version, scope_key, _scope)
    rows = _level_rows(db_path, version, scope_key, _scope, series.LEVEL)
    if series.positions_serve(db):  # the stored positions: the same figures, not ranked again
        return series.load_series_data_positioned(db, heads, cat=cat, rows=rows)
    return series.load_series_data(db, heads, cat=cat, terr=rows[0])


# Figures kept as objects (cache_resource), not pickled: unpickling six plotly figures on every rerun cost as much
# as drawing them (0,9 s). Streamlit only reads a figure it is given, never changes it.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _series_panels(db_path: str, version: str, scope_key: str, _scope: Scope, heads: tuple[str, ...],
                   target: series.SeriesTarget, from_t0: bool) -> list[tuple[str, go.Figure]]:
    db = Database(db_path, scope=_scope)
    if from_t0 and target.code is not None and t0.tables_serve(db, series.LEVEL):
        # A département's T0 page read whole from the derived tables: its own rows of these series alone.
        data = series.territory_series_data(db, target.code, tuple(sorted(heads)),
                                            _series_catalogue(db_path, version, scope_key, _scope),
                                            rows=_level_rows(db_path, version, scope_key, _scope, series.LEVEL))
    elif from_t0 and target.code is not None:
        # A département's T0 page: the values and statistics its T0 table was read with (its own and its peers'),
        # not every département's values of the series again.
        peers = _peer_group(db_path, version, scope_key, _scope, target.code, series.LEVEL).codes
        t0_data = _t0_territory_data(db_path, version, scope_key, _scope, series.LEVEL, (target.code, *peers))
        data = series.series_data_of_territories(db, t0_data, tuple(sorted(heads)),
                                                 cat=_series_catalogue(db_path, version, scope_key, _scope))
    else:
        data = _series_data(db_path, version, scope_key, _scope, tuple(sorted(heads)))
    return series.series_figures(data, heads, target.code, target.name, target.reg, target.reg_name)


def series_panels(db: Database, heads: tuple[str, ...], target: series.SeriesTarget,
                  from_t0: bool = False) -> list[tuple[str, go.Figure]]:
    """One chart per chosen series for a département, a région or France (views.series.series_figures); from_t0:
    a département's T0 page, whose own values and statistics are loaded already, or whose table was read whole
    (views.t0.stored_t0_view: then its own rows of the chosen series alone are read)."""
    return _series_panels(*_key(db), tuple(heads), target, from_t0)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _change_ranking(db_path: str, version: str, scope_key: str, _scope: Scope, head: str, year_from: int, year_to: int,
                    selected: str | None, peer_codes: tuple[str, ...]) -> series.ChangeView:
    data = _series_data(db_path, version, scope_key, _scope, (head,))
    return series.change_view(data, head, year_from, year_to, selected, peer_codes)


def change_ranking(db: Database, head: str, year_from: int, year_to: int, selected: str | None,
                   peer_codes: tuple[str, ...]) -> series.ChangeView:
    """Départements ranked on a change between two years, refused across a series break (views.series.change_view)."""
    return _change_ranking(*_key(db), head, int(year_from), int(year_to), selected, tuple(peer_codes))


# --- end of series ---


@st.cache_data(ttl=TTL_SECONDS, max_entries=4, show_spinner=False)
def _territory_options(db_path: str, version: str) -> TerritoryOptions:
    # Geography only (public): read with the database's own rights, shared by every user.
    return load_options(Database(db_path))


def territory_options() -> TerritoryOptions:
    db = system_database()
    return _territory_options(str(db.path), db.version_token())


# --- diagnostic pages ---
# T0, mi-parcours and comparer: one wrapper per cached view function, keyed on the database file, its data version
# and the rights (scope.key()); the Scope rides along unhashed to rebuild the Database inside.


# A level's territories and the catalogue; one territory's and its peers' positioned values; a level's peer
# profiles (the same for every territory of it): kept as objects (cache_resource, never changed by their readers):
# a T0 year change reads no row again, a territory change its own rows only.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _level_territories(db_path: str, version: str, scope_key: str, _scope: Scope, level: str) -> pd.DataFrame:
    return common.load_territories(Database(db_path, scope=_scope), level)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _catalogue_rows(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    return common.load_indicators(Database(db_path, scope=_scope))


def _level_rows(db_path: str, version: str, scope_key: str, _scope: Scope,
                level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    # The catalogue is the same at every level: a page that shows both levels reads it once.
    return (_level_territories(db_path, version, scope_key, _scope, level),
            _catalogue_rows(db_path, version, scope_key, _scope))


@st.cache_resource(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _t0_territory_data(db_path: str, version: str, scope_key: str, _scope: Scope, level: str,
                       codes: tuple[str, ...]) -> t0.T0Data:
    # codes: a territory, then its peers. Only its own table is made (T0 page, series of the T0 page): the peers'
    # régions' statistics are not read.
    return t0.load_t0_data(Database(db_path, scope=_scope), level, territories=codes, tables_for=codes[:1],
                           rows=_level_rows(db_path, version, scope_key, _scope, level))


@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _peer_inputs(db_path: str, version: str, scope_key: str, _scope: Scope, level: str) -> common.PeerInputs:
    # The level's territories and catalogue as the page's other blocks keep them, not read again.
    return common.load_peer_inputs(Database(db_path, scope=_scope), level,
                                   rows=_level_rows(db_path, version, scope_key, _scope, level))


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _t0_view(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, level: str, t0_year: int) -> t0.T0View:
    # The peer group is the page's for every T0 year: a year change reuses it (_peer_group). The table reads the
    # territory's and its peers' rows, not the level's: a first view costs the same whatever the level holds.
    peers = _peer_group(db_path, version, scope_key, _scope, code, level)
    db = Database(db_path, scope=_scope)
    stored = t0.stored_t0_view(db, code, level, t0_year, peers)  # the page as it opens, derived at publication
    if stored is not None:
        return stored
    return t0.t0_view(db, code, level, t0_year, peers=peers,
                      data=_t0_territory_data(db_path, version, scope_key, _scope, level, (code, *peers.codes)))


def t0_view(db: Database, code: str, level: str, t0_year: int) -> t0.T0View:
    return _t0_view(*_key(db), code, level, t0_year)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _independent_context(db_path: str, version: str, scope_key: str, _scope: Scope) -> independent.IndependentContext:
    # The catalogue and the départements' names as the page's other blocks keep them, not read again.
    rows = _level_rows(db_path, version, scope_key, _scope, independent.DEPARTEMENT)
    return independent.load_independent_context(Database(db_path, scope=_scope), rows=rows)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _independent_view(db_path: str, version: str, scope_key: str, _scope: Scope, code: str) -> independent.IndependentView:
    return independent.load_independent(Database(db_path, scope=_scope), code,
                                        _independent_context(db_path, version, scope_key, _scope))


def independent_view(db: Database, code: str) -> independent.IndependentView:
    """A département's declared figures held against the independent public series (views.independent)."""
    return _independent_view(*_key(db), code)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _distribution_figure(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, period: int,
                         level: str, code: str, peer_codes: tuple[str, ...]) -> go.Figure:
    # The values drawn are the same for every département: a territory change only highlights another one.
    data = _distribution_data(db_path, version, scope_key, _scope, indicator, period, level,
                              t0.distribution_set(level, code))
    return t0.distribution_chart(data, code, peer_codes)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _distribution_data(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, period: int,
                       level: str, code: str | None) -> t0.Distribution:
    return t0.distribution_data(Database(db_path, scope=_scope), indicator, period, level, code,
                                rows=_level_rows(db_path, version, scope_key, _scope, level))


def distribution_figure(db: Database, indicator: str, period: int, level: str, code: str, peer_codes: tuple[str, ...]) -> go.Figure:
    return _distribution_figure(*_key(db), indicator, period, level, code, tuple(peer_codes))


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _peer_group(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, level: str) -> PeerGroup:
    return common.peer_group_of(_peer_inputs(db_path, version, scope_key, _scope, level), code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _peer_codes(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, level: str) -> tuple[str, ...]:
    # One derived row when the publication step's peer groups serve; otherwise the group the T0 page forms and keeps.
    return common.peer_codes(Database(db_path, scope=_scope), code, level,
                             lambda: _peer_group(db_path, version, scope_key, _scope, code, level))


def peer_codes(db: Database, code: str, level: str) -> tuple[str, ...]:
    """The codes of a territory's peer group (as on the T0 page), for the mi-parcours and comparer pages."""
    return _peer_codes(*_key(db), code, level)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _available_periods(db_path: str, version: str, scope_key: str, _scope: Scope, level: str, code: str) -> list[int]:
    return mi_parcours.available_periods(Database(db_path, scope=_scope), level, code)


def available_periods(db: Database, level: str, code: str) -> list[int]:
    return _available_periods(*_key(db), level, code)


# Mi-parcours' view and its chart read the territory's target statuses for the same years, its chart and its
# comparison table the same indicator's values: each read once, kept as objects (their readers never change them).
@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _status_rows(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, level: str, t0_year: int,
                 current_period: int) -> pd.DataFrame | None:
    return mi_parcours.status_rows(Database(db_path, scope=_scope), code, level, t0_year, current_period)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _midterm_indicator_values(db_path: str, version: str, scope_key: str, _scope: Scope, level: str,
                              indicator: str) -> pd.DataFrame | None:
    return mi_parcours.indicator_values(Database(db_path, scope=_scope), level, indicator)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _midterm_view(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, level: str, period_from: int,
                  period_to: int, t0_year: int, programme: str | None) -> mi_parcours.MidtermView:
    return mi_parcours.midterm_view(Database(db_path, scope=_scope), code, level, period_from, period_to, t0_year,
                                    programme, _level_rows(db_path, version, scope_key, _scope, level),
                                    _status_rows(db_path, version, scope_key, _scope, code, level, t0_year, period_to))


def midterm_view(db: Database, code: str, level: str, period_from: int, period_to: int, t0_year: int,
                 programme: str | None) -> mi_parcours.MidtermView:
    return _midterm_view(*_key(db), code, level, period_from, period_to, t0_year, programme)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _series_figure(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, level: str, code: str,
                   t0_year: int, current_period: int, peer_codes: tuple[str, ...]) -> go.Figure:
    return mi_parcours.series_figure(
        Database(db_path, scope=_scope), indicator, level, code, t0_year, current_period, peer_codes,
        _level_rows(db_path, version, scope_key, _scope, level),
        _status_rows(db_path, version, scope_key, _scope, code, level, t0_year, current_period),
        _midterm_indicator_values(db_path, version, scope_key, _scope, level, indicator))


def series_figure(db: Database, indicator: str, level: str, code: str, t0_year: int, current_period: int,
                  peer_codes: tuple[str, ...]) -> go.Figure:
    return _series_figure(*_key(db), indicator, level, code, t0_year, current_period, tuple(peer_codes))


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _change_comparison(db_path: str, version: str, scope_key: str, _scope: Scope, code: str, indicator: str,
                       period_from: int, period_to: int, level: str, peer_codes: tuple[str, ...]) -> pd.DataFrame:
    return mi_parcours.change_comparison(Database(db_path, scope=_scope), code, indicator, period_from, period_to,
                                         level, peer_codes, _level_rows(db_path, version, scope_key, _scope, level),
                                         _midterm_indicator_values(db_path, version, scope_key, _scope, level, indicator))


def change_comparison(db: Database, code: str, indicator: str, period_from: int, period_to: int, level: str,
                      peer_codes: tuple[str, ...]) -> pd.DataFrame:
    return _change_comparison(*_key(db), code, indicator, period_from, period_to, level, tuple(peer_codes))


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _comparer_indicators(db_path: str, version: str, scope_key: str, _scope: Scope, level: str,
                         programmes: tuple[str, ...]) -> pd.DataFrame:
    return comparer.indicator_choices(Database(db_path, scope=_scope), level, programmes)


def comparer_indicators(db: Database, level: str, programmes: tuple[str, ...] = ()) -> pd.DataFrame:
    return _comparer_indicators(*_key(db), level, tuple(programmes))


# Every département's ranked values of one indicator and year, whoever is highlighted, kept as an object
# (cache_resource, never changed by its readers): a département change draws its bar from them, it reads nothing.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _ranking_data(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, period: int,
                  reference_only: bool) -> comparer.RankingData:
    return comparer.ranking_data(Database(db_path, scope=_scope), indicator, period, reference_only,
                                 rows=_level_rows(db_path, version, scope_key, _scope, "departement"))


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _ranking_view(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, period: int,
                  selected: str | None, peer_codes: tuple[str, ...], reference_only: bool) -> comparer.RankingView:
    data = _ranking_data(db_path, version, scope_key, _scope, indicator, period, reference_only)
    return comparer.ranking_view_of(data, selected, peer_codes)


def ranking_view(db: Database, indicator: str, period: int, selected: str | None, peer_codes: tuple[str, ...],
                 reference_only: bool) -> comparer.RankingView:
    return _ranking_view(*_key(db), indicator, period, selected, tuple(peer_codes), reference_only)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _scatter_view(db_path: str, version: str, scope_key: str, _scope: Scope, x_indicator: str, y_indicator: str,
                  period: int, selected: str | None, peer_codes: tuple[str, ...]) -> comparer.ScatterView:
    return comparer.scatter_view(Database(db_path, scope=_scope), x_indicator, y_indicator, period, selected,
                                 peer_codes)


def scatter_view(db: Database, x_indicator: str, y_indicator: str, period: int, selected: str | None,
                 peer_codes: tuple[str, ...]) -> comparer.ScatterView:
    return _scatter_view(*_key(db), x_indicator, y_indicator, period, selected, tuple(peer_codes))


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _small_multiples_view(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str,
                          codes: tuple[str, ...], selected: str | None) -> comparer.SmallMultiplesView:
    return comparer.small_multiples_view(Database(db_path, scope=_scope), indicator, codes, selected)


def small_multiples_view(db: Database, indicator: str, codes: tuple[str, ...],
                         selected: str | None) -> comparer.SmallMultiplesView:
    return _small_multiples_view(*_key(db), indicator, tuple(codes), selected)


# --- territory and trust pages ---
# Panorama, Services, Qualité, Indicateurs: one explicit wrapper per cached view function, keyed on the database path,
# the data version and the rights (scope.key()); the page's own arguments (a MapArea is a frozen dataclass) complete
# the key. Heavy shared objects (display geometry, the service referential) are resources, one per data version.


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
    return panorama.indicator_choices(Database(db_path, scope=_scope),
                                      catalogue=_catalogue_rows(db_path, version, scope_key, _scope))


def panorama_indicators(db: Database) -> list[panorama.Indicator]:
    return _panorama_indicators(*_key(db))


# Every territory's values of one indicator and year, whatever the area in view, kept as an object (cache_resource,
# never changed by its readers): a territory change ranks them again within its area, it does not read them again.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _panorama_data(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str,
                   period: int) -> panorama.PanoramaData:
    return panorama.panorama_data(Database(db_path, scope=_scope), indicator, period,
                                  choices=_panorama_indicators(db_path, version, scope_key, _scope),
                                  cat=common.indexed_catalogue(_catalogue_rows(db_path, version, scope_key, _scope)),
                                  territories={level: _level_territories(db_path, version, scope_key, _scope, level)
                                               for level in (panorama.LEVEL_DEP, panorama.LEVEL_EPCI)})


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _panorama_view(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, period: int, area: panorama.MapArea) -> panorama.PanoramaView:
    return panorama.panorama_view_of(_panorama_data(db_path, version, scope_key, _scope, indicator, period), area)


def panorama_view(db: Database, indicator: str, period: int, area: panorama.MapArea) -> panorama.PanoramaView:
    return _panorama_view(*_key(db), indicator, int(period), area)


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _service_lists(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    return panorama.service_lists(Database(db_path, scope=_scope))


def service_lists(db: Database) -> pd.DataFrame:
    return _service_lists(*_key(db))


# One service type's points, kept as an object (never changed by its readers): the Services page's two maps ask
# for all the types shown and for the one covered, and each type is read and prepared once for both.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _service_points_of_type(db_path: str, version: str, scope_key: str, _scope: Scope,
                            service_type: str) -> pd.DataFrame:
    return panorama.service_points(Database(db_path, scope=_scope), (service_type,))


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _service_points(db_path: str, version: str, scope_key: str, _scope: Scope, service_types: tuple[str, ...]) -> pd.DataFrame:
    frames = [_service_points_of_type(db_path, version, scope_key, _scope, t) for t in service_types]
    if not any(len(f) for f in frames):  # no point at all: the empty frame as service_points makes it
        return panorama.service_points(Database(db_path, scope=_scope), service_types)
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


def service_points(db: Database, service_types: tuple[str, ...]) -> pd.DataFrame:
    return _service_points(*_key(db), tuple(service_types))


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _coverage_view(db_path: str, version: str, scope_key: str, _scope: Scope, service_type: str, distance_km: float,
                   area: panorama.MapArea) -> services.CoverageView:
    # The shared referential's commune points (seconds to build the first time): built only when the derived tables
    # cannot serve this view (not current, or a distance that is not a standard one).
    return services.coverage_view(Database(db_path, scope=_scope), service_type, distance_km, area,
                                  lambda: service_referential().points,
                                  territories={level: _level_territories(db_path, version, scope_key, _scope, level)
                                               for level in (panorama.LEVEL_EPCI, panorama.LEVEL_DEP)})


def coverage_view(db: Database, service_type: str, distance_km: float, area: panorama.MapArea) -> services.CoverageView:
    return _coverage_view(*_key(db), service_type, float(distance_km), area)


# The Services page's two maps, kept as figures (see the note at the top): each of its widgets changes one of them,
# and the page's other map is then not drawn again (0.05 to 0.1 s each with its service points).
@st.cache_resource(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _needs_map(db_path: str, version: str, scope_key: str, _scope: Scope, indicator: str, period: int,
               area: panorama.MapArea, service_types: tuple[str, ...]) -> go.Figure | None:
    view = _panorama_view(db_path, version, scope_key, _scope, indicator, period, area)
    points = _service_points(db_path, version, scope_key, _scope, service_types) if service_types else None
    return services.needs_figure(view, display_layer(panorama.LEVEL_EPCI), points, area)


def needs_map(db: Database, indicator: str, period: int, area: panorama.MapArea,
              service_types: tuple[str, ...]) -> go.Figure | None:
    """The needs map of the Services page (views.services.needs_figure): an indicator by EPCI, the places over it."""
    return _needs_map(*_key(db), indicator, int(period), area, tuple(service_types))


@st.cache_resource(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _coverage_map(db_path: str, version: str, scope_key: str, _scope: Scope, service_type: str, distance_km: float,
                  area: panorama.MapArea, level: str) -> go.Figure:
    cv = _coverage_view(db_path, version, scope_key, _scope, service_type, distance_km, area)
    # On the France map the shares say it all: thousands of points would only cover them (and weigh on the page).
    points = None if area.is_france else _service_points(db_path, version, scope_key, _scope, (service_type,))
    return services.coverage_figure(cv, display_layer(level), "jenks", 5, points)


def coverage_map(db: Database, service_type: str, distance_km: float, area: panorama.MapArea, level: str) -> go.Figure:
    """The coverage map of the Services page (views.services.coverage_figure) by EPCI or by département."""
    return _coverage_map(*_key(db), service_type, float(distance_km), area, level)


# Kept as one shared object, not a pickle: a copy of every completeness cell of the country (6 MB pickled) held
# beside the pickle and made again on every rerun of Qualité and Accueil would only weigh on the server's memory.
# Its readers (the pages, the pack) never change it (tests/app/test_shared_views.py).
@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _quality_bundle(db_path: str, version: str, scope_key: str, _scope: Scope) -> qualite.QualityBundle:
    return qualite.quality_bundle(Database(db_path, scope=_scope))


def quality_bundle(db: Database) -> qualite.QualityBundle:
    return _quality_bundle(*_key(db))


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _catalogue(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    return indicateurs.catalogue(Database(db_path, scope=_scope),
                                 _variant_declarations(db_path, version, scope_key, _scope))


# The declarations in force, read once for the catalogue's counts and the list of declarations (Indicateurs).
@st.cache_resource(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _variant_declarations(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    return indicateurs.load_declarations(Database(db_path, scope=_scope))


def catalogue(db: Database) -> pd.DataFrame:
    return _catalogue(*_key(db))


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _indicator_detail(db_path: str, version: str, scope_key: str, _scope: Scope, code: str) -> indicateurs.IndicatorDetail:
    # The catalogue the page has just listed, not read again.
    return indicateurs.indicator_detail(Database(db_path, scope=_scope), code,
                                        _catalogue(db_path, version, scope_key, _scope))


def indicator_detail(db: Database, code: str) -> indicateurs.IndicatorDetail:
    return _indicator_detail(*_key(db), code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _declarations(db_path: str, version: str, scope_key: str, _scope: Scope) -> pd.DataFrame:
    return indicateurs.declarations(Database(db_path, scope=_scope),
                                    _variant_declarations(db_path, version, scope_key, _scope))


def declarations(db: Database) -> pd.DataFrame:
    return _declarations(*_key(db))


# --- région view ---
# The région page and the région block of T0, Mi-parcours, Effet levier and Qualité: the view reuses the cached
# quality bundle and each level's positioned values (the T0 page's own objects).


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _region_view(db_path: str, version: str, scope_key: str, _scope: Scope, reg: str, programme: str,
                 name: str) -> region.RegionView:
    db = Database(db_path, scope=_scope)
    # The région's territories and the catalogue as the page's other blocks keep them, not read again.
    return region.region_view(db, reg, programme, _quality_bundle(db_path, version, scope_key, _scope), name,
                              terr=_region_territories(db_path, version, scope_key, _scope, reg),
                              cat=common.catalogue(db, _level_rows(db_path, version, scope_key, _scope, "departement")))


def region_view(db: Database, reg: str, programme: str, name: str = "") -> region.RegionView:
    return _region_view(*_key(db), reg, programme, name)


@st.cache_resource(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def _region_key_view(db_path: str, version: str, scope_key: str, _scope: Scope, reg: str,
                     indicator: str) -> region.KeyView:
    data = {level: _t0_indicator_data(db_path, version, scope_key, _scope, level, indicator) for level in region.LEVELS}
    return region.key_view(Database(db_path, scope=_scope), reg, indicator, data, display_layer("departement"),
                           terr=_region_territories(db_path, version, scope_key, _scope, reg))


# One indicator's positioned values (the Région page's key figure, every région): its rows only, not the level's
# whole T0 data, which grows with every indicator imported (2.3 M rows at ×10) while the key figure reads one.
@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _t0_indicator_data(db_path: str, version: str, scope_key: str, _scope: Scope, level: str,
                       indicator: str) -> t0.T0Data:
    return t0.load_t0_data(Database(db_path, scope=_scope), level, [indicator],
                           rows=_level_rows(db_path, version, scope_key, _scope, level))


def region_key_view(db: Database, reg: str, indicator: str) -> region.KeyView:
    return _region_key_view(*_key(db), reg, indicator)


@st.cache_data(ttl=TTL_SECONDS, max_entries=32, show_spinner=False)
def _region_territories(db_path: str, version: str, scope_key: str, _scope: Scope, reg: str) -> pd.DataFrame:
    return region.region_territories(Database(db_path, scope=_scope), reg)


def region_territories(db: Database, reg: str) -> pd.DataFrame:
    return _region_territories(*_key(db), reg)


def clear() -> None:
    st.cache_data.clear()


# --- rights ---


@st.cache_data(max_entries=8, show_spinner=False)
def access_rights(path: str, token: tuple[int, int]) -> tuple[access.AccessConfig, access.Geography]:
    """The access file, read and checked against the reference geography, shared by every session. Keyed on the
    file's (mtime, size) token: an edited file applies at the next rerun, without restart. A file that fails its
    checks raises AccessError and is not cached, so its correction applies just as soon."""
    config = access.read_access(path)
    # Reference geography is public: read it with full rights; each user's own Database is built from their scope.
    geography = load_geography(system_database())
    access.check_codes(config, geography)
    return config, geography


# --- France à mi-parcours ---


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _france_data(db_path: str, version: str, scope_key: str, _scope: Scope, programme: str, t0_year: int,
                 period_to: int) -> france.FranceData:
    # The départements and the catalogue as the app keeps them, not read again (24 + 11 ms at ×30).
    return france.france_data(Database(db_path, scope=_scope), programme, t0_year, period_to,
                              rows=_level_rows(db_path, version, scope_key, _scope, france.LEVEL))


def france_data(db: Database, programme: str, t0_year: int, period_to: int) -> france.FranceData:
    """Every département's target statuses of a programme (a lookup, or seconds of live computation for a user the
    derived tables do not serve): the page's filters are then applied without reading the database again."""
    return _france_data(*_key(db), programme, int(t0_year), int(period_to))


# --- committee pack ---
# The pack and the presentation read their heavier views through the pages' own wrappers above (same signatures and
# results as the views): a pack reuses what Panorama, T0, Mi-parcours, Effet levier and Qualité computed for the same
# rights and data version, and those pages then reuse what a pack computed.

from levier.report.pack import PackSources  # noqa: E402 - this part of the file was added after the others


def pack_sources() -> PackSources:
    """The cached readers the pack and the presentation hand to levier.report.pack.build_pack."""
    return PackSources(
        display_layer=display_layer, quality_bundle=quality_bundle, indicator_choices=panorama_indicators,
        funding_programmes=lever_programmes, lever_view=lever_page, series_figure=series_figure,
        distribution_figure=distribution_figure,
    )
