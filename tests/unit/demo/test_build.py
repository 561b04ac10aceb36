"""Building a database: the reference geography and its journal row are committed together or not at all."""

from __future__ import annotations

import pytest

from levier.demo import build
from levier.store.db import Database, Query
from tests.conftest import REFERENCE_DIR


def test_reference_load_and_its_journal_row_are_one_transaction(tmp_path, monkeypatch):
    db = Database(tmp_path / "levier.duckdb")
    build.init_database(db)

    def fail(*_args, **_kwargs):
        raise RuntimeError("panne entre la géographie et son journal")

    monkeypatch.setattr(build, "journal_params", fail)  # the geography is stored, then the journal row fails
    with pytest.raises(RuntimeError, match="panne"):
        build.load_reference_journaled(db, REFERENCE_DIR)
    assert db.read(Query.TERRITORY_COUNTS)["count"].sum() == 0  # no geography without its record
    assert db.read(Query.RECENT_IMPORTS, {"limit": 10}).empty

    monkeypatch.undo()
    counts = build.load_reference_journaled(db, REFERENCE_DIR)
    assert counts[("departement", 2026)] == 101
    journal = db.read(Query.RECENT_IMPORTS, {"limit": 10})
    assert list(journal["kind"]) == ["référence"] and journal["rows_accepted"].iloc[0] == sum(counts.values())
