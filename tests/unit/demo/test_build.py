"""Building a database: the reference geography and its journal row are committed together or not at all."""

from __future__ import annotations

import shutil

import pytest

from levier.demo import build
from levier.store.db import Database, Query
from tests.conftest import REFERENCE_DIR
from tests.queries import ProbeQuery


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


def test_an_upgraded_database_gets_the_shipped_plausibility_rules(demo_db_path, tmp_path, monkeypatch):
    """A database that had to be migrated (here: its rules as migration 006 leaves them, empty) stores the shipped
    catalogue again at start-up: its next import checks whole counts and ceilings, not nothing."""
    path = tmp_path / "ancienne.duckdb"
    shutil.copy(demo_db_path, path)
    db = Database(path)
    with db.transaction() as w:
        w.execute(ProbeQuery.FORGET_PLAUSIBILITY_RULES)
    assert not db.read(ProbeQuery.INDICATOR_RULES)["whole_number"].any()
    monkeypatch.setattr(build, "_needs_migration", lambda _db: True)
    monkeypatch.setattr(Database, "migrate", lambda self: ["006_plausibility_rules"])
    assert build.ensure_database(db) is False  # not rebuilt: migrated, then its catalogue stored again
    rules = db.read(ProbeQuery.INDICATOR_RULES).set_index("code")
    assert bool(rules.loc["CALPAE-3.1.1-NE", "whole_number"]) and rules.loc["CALPAE-3.1.1-NE", "max_value"] == 1e8
