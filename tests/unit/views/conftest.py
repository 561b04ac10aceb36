"""Fixtures of the views tests: the demo database as published, and a copy written to since (served live)."""

from __future__ import annotations

import shutil

import pytest

from levier.store import derived as derived_store
from levier.store.db import Database


@pytest.fixture(scope="module")
def derived_and_live(demo_db_path, tmp_path_factory) -> tuple[Database, Database]:
    """The demo database as published (derived tables current), and a copy written to since (stale: served live)."""
    folder = tmp_path_factory.mktemp("published")
    shutil.copy(demo_db_path, folder / "derived.duckdb")
    shutil.copy(demo_db_path, folder / "live.duckdb")
    live = Database(folder / "live.duckdb")
    with live.transaction():
        pass  # a write after the publication: the derived tables are no longer those of the data
    derived = Database(folder / "derived.duckdb")
    assert derived_store.available(derived) and not derived_store.available(live)
    return derived, live
