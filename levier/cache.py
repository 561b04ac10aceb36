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
    return _resolve(name)(Database(db_path), *args, **dict(kwargs))


# Modules whose loaders (functions taking a Database first) pages may call through the cache.
CACHEABLE_MODULES = frozenset(
    {
        "levier.metrics",
        "levier.peers",
        "levier.views",
        "levier.needs",
        "levier.quality",
        "levier.quality_views",
        "levier.definitions",
        "levier.lever",
        "levier.evaluation",
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
    return _load(name, str(db.path), db.version_token(), tuple(args), tuple(sorted(kwargs.items())))


RESOURCE_MODULES = frozenset({"levier.geo", "levier.needs", "levier.coverage", "levier.services"})


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
