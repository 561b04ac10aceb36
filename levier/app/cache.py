"""The only place Streamlit caching is used: every cached reader is keyed by the data version and the user's rights."""

from __future__ import annotations

import streamlit as st

from levier.rights import access
from levier.store.db import Database
from levier.views.accueil import HomeSummary, load_home_summary
from levier.rights.scope import Scope

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


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def _load(name: str, db_path: str, version: str, scope_key: str, args: tuple, kwargs: tuple, _scope: Scope):
    return _resolve(name)(Database(db_path, scope=_scope), *args, **dict(kwargs))


# Modules whose loaders (functions taking a Database first) pages may call through the cache.
CACHEABLE_MODULES = frozenset(
    {
        "levier.analysis.positions",
        "levier.analysis.peers",
        "levier.views.diagnostic",
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


# --- rights ---


@st.cache_data(max_entries=8, show_spinner=False)
def access_rights(path: str, token: tuple[int, int]) -> tuple[access.AccessConfig, access.Geography]:
    """The access file, read and checked against the reference geography, shared by every session. Keyed on the
    file's (mtime, size) token: an edited file applies at the next rerun, without restart. A file that fails its
    checks raises AccessError and is not cached, so its correction applies just as soon."""
    config = access.read_access(path)
    # Reference geography is public: read it with full rights; each user's own Database is built from their scope.
    geography = access.load_geography(system_database())
    access.check_codes(config, geography)
    return config, geography
