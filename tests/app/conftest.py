"""AppTest fixtures: every page runs against a private copy of the demo database, with caches cleared."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from levier.config import PROJECT_ROOT


@pytest.fixture
def app(demo_db):
    """A fresh app on the demo database; caches cleared so nothing leaks between tests."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    yield at
    st.cache_data.clear()


def texts(at: AppTest) -> str:
    """Everything a user reads on the page, as one string (markdown, titles, captions, alerts, metrics)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)
