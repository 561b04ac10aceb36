"""AppTest fixtures: every page runs against a private copy of the demo database, with caches cleared."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from levier.core.config import PROJECT_ROOT


class _RouterPagesManager(PagesManager):
    """AppTest resets Streamlit's legacy `pages/` detection before every run; like levier.app.serve in production,
    app.py stays the router of the pages/ scripts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture
def app(demo_db, monkeypatch):
    """A fresh app on the demo database; caches cleared so nothing leaks between tests."""
    monkeypatch.setattr(app_test_module, "PagesManager", _RouterPagesManager)
    PagesManager.uses_pages_directory = False
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    yield at
    st.cache_data.clear()
    PagesManager.uses_pages_directory = None


def texts(at: AppTest) -> str:
    """Everything a user reads on the page, as one string (markdown, titles, captions, alerts, metrics)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def frame_with(at: AppTest, *columns: str):
    """The first table on the page having all these columns (tables are found by what they show, not position)."""
    for df in at.dataframe:
        if all(c in df.value.columns for c in columns):
            return df.value
    raise AssertionError(f"no table with columns {columns}: {[list(d.value.columns)[:5] for d in at.dataframe]}")
