"""Shared fixtures: a base database (schema, catalogue, real reference geography) built once, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from levier.core.config import settings
from levier.store.db import Database

REFERENCE_DIR = settings().reference_dir


@pytest.fixture(scope="session")
def base_db_path(tmp_path_factory) -> Path:
    from levier.demo.build import init_database
    from levier.ingest.reference import load_reference

    path = tmp_path_factory.mktemp("base") / "base.duckdb"
    db = Database(path)
    init_database(db)
    load_reference(db, REFERENCE_DIR)
    return path


@pytest.fixture
def db(base_db_path, tmp_path, monkeypatch) -> Database:
    """A private copy of the base database; LEVIER_DB points at it for code that builds its own Database."""
    path = tmp_path / "levier.duckdb"
    shutil.copy(base_db_path, path)
    monkeypatch.setenv("LEVIER_DB", str(path))
    return Database(path)


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory) -> Path:
    """The full demo database, built once through the real `build_demo` (reference, INSEE, fictitious returns)."""
    from levier.demo.build import build_demo
    from levier.views import derived

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, REFERENCE_DIR, progress=lambda _m: None, publish=derived.refresh)
    return path


@pytest.fixture
def demo_db(demo_db_path, tmp_path, monkeypatch) -> Database:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("LEVIER_DB", str(path))
    return Database(path)
