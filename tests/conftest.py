"""Shared fixtures: a base database (schema, catalogue, real reference geography) built once, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from levier.core.config import settings
from levier.store import db as door
from levier.store.db import Database

REFERENCE_DIR = settings().reference_dir


def _built_once(tmp_path_factory, worker_id: str, name: str, build) -> Path:
    """A session database built once per run: under pytest-xdist the workers share one build (the first to take the
    lock builds it in the run's common temporary directory, the others wait and reuse it), so that two workers on two
    cores never both pay the demo build."""
    if worker_id == "master":  # not distributed
        path = tmp_path_factory.mktemp(name) / f"{name}.duckdb"
        build(path)
        return path
    shared = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    shared.mkdir(exist_ok=True)
    path = shared / f"{name}.duckdb"
    with FileLock(str(shared / "build.lock")):
        if not (shared / "built").exists():
            build(path)
            (shared / "built").touch()
    return path


@pytest.fixture(scope="session")
def base_db_path(tmp_path_factory, worker_id) -> Path:
    from levier.demo.build import init_database
    from levier.ingest.reference import load_reference

    def build(path: Path) -> None:
        db = Database(path)
        init_database(db)
        load_reference(db, REFERENCE_DIR)

    return _built_once(tmp_path_factory, worker_id, "base", build)


@pytest.fixture
def db(base_db_path, tmp_path, monkeypatch) -> Database:
    """A private copy of the base database; LEVIER_DB points at it for code that builds its own Database."""
    path = tmp_path / "levier.duckdb"
    shutil.copy(base_db_path, path)
    monkeypatch.setenv("LEVIER_DB", str(path))
    return Database(path)


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory, worker_id) -> Path:
    """The full demo database, built once through the real `build_demo` (reference, INSEE, fictitious returns)."""
    from levier.demo.build import build_demo
    from levier.views import derived

    return _built_once(tmp_path_factory, worker_id, "demo",
                       lambda path: build_demo(path, REFERENCE_DIR, progress=lambda _m: None, publish=derived.refresh))


@pytest.fixture
def demo_db(demo_db_path, tmp_path, monkeypatch) -> Database:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("LEVIER_DB", str(path))
    return Database(path)


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The queries run through the door from now on, by name, in order (a test clears the list when it wants)."""
    log: list[str] = []
    original = door.Reader._run

    def spy(self, query, params, fetch):
        log.append(str(query))
        return original(self, query, params, fetch)

    monkeypatch.setattr(door.Reader, "_run", spy)
    return log
