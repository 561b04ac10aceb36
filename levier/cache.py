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


def clear() -> None:
    st.cache_data.clear()
