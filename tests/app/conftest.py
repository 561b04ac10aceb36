"""AppTest fixtures: every page runs against a private copy of the demo database, with caches cleared."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from levier.core.config import PROJECT_ROOT

# AppTest recomputes Streamlit's legacy `pages/` detection before every run, from the folder of the script it
# starts: started from app.py, a switch to a page whose address is its file name (/t0 for pages/t0.py) would run
# that page alone. The tests start from a two-line entry in a folder of its own that runs app.py unchanged, so
# app.py routes every run, as it does every run of a browser session. (run_name is not __main__: the entry stays
# Streamlit's __main__, the script whose folder Streamlit looks into.)
ROUTER_ENTRY = Path(tempfile.mkdtemp(prefix="levier-apptest-")) / "entry.py"
ROUTER_ENTRY.write_text(f"import runpy\n\nrunpy.run_path({str(PROJECT_ROOT / 'app.py')!r}, run_name='app')\n")


class RouterAppTest(AppTest):
    """The app with app.py as the router; pages are named from the project root, as in app.py ("pages/t0.py")."""

    def switch_page(self, page_path: str) -> AppTest:
        return super().switch_page(str(PROJECT_ROOT / page_path))


def router_app(default_timeout: float = 120) -> RouterAppTest:
    """A new session of the app."""
    return RouterAppTest(str(ROUTER_ENTRY), default_timeout=default_timeout)


@pytest.fixture
def app(demo_db):
    """A fresh app on the demo database; caches cleared so nothing leaks between tests."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield router_app()
    st.cache_data.clear()


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
