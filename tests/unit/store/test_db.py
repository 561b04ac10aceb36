"""The DB door stays open: one read-only connection per file and data version, reused by every read and every
thread, replaced once a write publishes a new version, let go when idle so that another process can write."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from levier.core.config import PROJECT_ROOT
from levier.ingest.detect import import_file
from levier.rights.scope import Role, Scope
from levier.store import db as door
from levier.store.db import Database, DatabaseBusy, Query
from levier.store.queries import query_registry, sql_text
from tests.queries import ProbeQuery

NE = "CALPAE-3.1.1-NE"


def _returns(rows: list[tuple]) -> bytes:
    lines = ["territoire;indicateur;periode;valeur"] + [";".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_reads_of_one_version_share_one_connection_and_a_write_replaces_it(db):
    db.read(Query.DEMO_STATUS)
    first = db.open_connection()
    assert first is not None
    for query in (Query.DEMO_STATUS, Query.PROGRAMME_YEARS, Query.TERRITORY_COUNTS):
        db.read(query)
        assert db.open_connection() is first
    # Another Database object on the same file, with other rights, reads through the same connection.
    isere = db.with_scope(Scope.territorial("agent@isere.fr", Role.DEPARTEMENTAL, {"38"}))
    isere.read(ProbeQuery.VISIBLE_ROWS_BY_TERRITORY)
    assert isere.open_connection() is first
    before = db.version_token()

    assert not import_file(db, _returns([("38", NE, 2021, 12)]), "isere.csv", kind="retours").errors
    assert db.version_token() != before
    # The new version is read without restart, through a new connection.
    assert db.read(Query.DEMO_STATUS)["all_values"].iloc[0] == 1
    second = db.open_connection()
    assert second is not None and second is not first
    db.read(Query.DEMO_STATUS)
    assert db.open_connection() is second


def test_concurrent_readers_with_different_rights_each_read_their_own_rows(db):
    rows = [("38", NE, 2021, 12), ("69", NE, 2021, 40), ("13", NE, 2021, 70)]
    assert not import_file(db, _returns(rows), "trois.csv", kind="retours").errors
    scopes = {
        "38": Scope.territorial("a@isere.fr", Role.DEPARTEMENTAL, {"38"}),
        "69": Scope.territorial("a@rhone.fr", Role.DEPARTEMENTAL, {"69"}),
        "all": Scope.local_admin(),
    }

    def codes(name: str) -> set[str]:
        seen = set()
        for _ in range(10):
            frame = Database(db.path, scope=scopes[name]).read(ProbeQuery.VISIBLE_ROWS_BY_TERRITORY)
            seen |= set(frame["territory_code"])
        return seen

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = {name: pool.submit(codes, name) for name in [*scopes, *scopes]}
        found = {name: future.result() for name, future in results.items()}
    assert found["38"] == {"38"} and found["69"] == {"69"}
    assert {"38", "69", "13"} <= found["all"]


def test_an_idle_process_lets_the_file_go_for_another_process_to_write(db, monkeypatch):
    monkeypatch.setattr(door, "IDLE_CLOSE_SECONDS", 0.1)
    db.read(Query.DEMO_STATUS)
    deadline = time.monotonic() + 10
    while db.open_connection() is not None:
        assert time.monotonic() < deadline, "the idle connection was never closed"
        time.sleep(0.05)
    writer = subprocess.run(
        [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()", str(db.path)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert writer.returncode == 0, writer.stderr


def test_a_reader_still_waits_then_says_the_base_is_busy(db):
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
                                "time.sleep(30)"), str(db.path)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(DatabaseBusy, match="occupée par un autre programme"):
            Database(db.path, lock_wait_seconds=0.2).read(Query.DEMO_STATUS)
    finally:
        holder.kill()
        holder.wait()
    assert len(Database(db.path, lock_wait_seconds=30).read(Query.DEMO_STATUS)) == 1


def test_a_replaced_file_is_read_at_its_new_version(db, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db.path, copy)
    assert not import_file(Database(copy), _returns([("38", NE, 2021, 12)]), "isere.csv", kind="retours").errors
    assert db.read(Query.DEMO_STATUS)["all_values"].iloc[0] == 0
    os.replace(copy, db.path)
    assert db.read(Query.DEMO_STATUS)["all_values"].iloc[0] == 1


def test_a_query_file_is_read_once(tmp_path):
    (tmp_path / "probe").mkdir()
    path = tmp_path / "probe" / "answer.sql"
    path.write_text("-- The answer.\n-- One row. No parameters.\nSELECT 42 AS answer;\n", encoding="utf-8")
    registry = query_registry("AnswerQuery", tmp_path)
    assert registry.ANSWER.value == "probe/answer"
    first = sql_text(registry.ANSWER)
    path.write_text("-- Changed.\nSELECT 43;\n", encoding="utf-8")
    assert sql_text(registry.ANSWER) == first


def test_the_hardening_holds_on_every_connection_the_door_opens(db):
    for n in range(2):  # before and after a write replaced the connection
        with db.reader() as r, pytest.raises(duckdb.Error, match="disabled by configuration|locked|Permission"):
            r._con.execute("SELECT * FROM read_csv('/etc/passwd')")
        assert not import_file(db, _returns([("38", NE, 2021, 10 + n)]), f"f{n}.csv", kind="retours").errors


# A writer killed mid-import (kill -9): its committed statements are still in the WAL, not yet in the file.
_KILLED_WRITER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE scratch AS SELECT 1 AS x")
con.execute("BEGIN TRANSACTION")
con.execute("INSERT INTO scratch SELECT range FROM range(2000000)")
print("writing", flush=True)
time.sleep(60)
"""


def _kill_a_writer(path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(path)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
    finally:
        writer.kill()
        writer.wait()
    assert door.wal_path(path).exists(), "the killed writer left no WAL: the test reproduces nothing"


def _fresh_database(path) -> None:
    """Another database file (another identity than the one the WAL belongs to), as a rebuild makes."""
    with Database(path).transaction() as w:
        w.execute(Query.SCHEMA_MIGRATION_TABLE)


def test_a_rebuilt_database_does_not_inherit_the_wal_of_a_killed_import(db, tmp_path):
    _kill_a_writer(db.path)
    new = tmp_path / "build" / "levier.duckdb"
    new.parent.mkdir()
    _fresh_database(new)
    door.replace_database(new, db.path)
    assert not door.wal_path(db.path).exists()
    assert Database(db.path).read(Query.APPLIED_MIGRATIONS).empty  # the new file, opened without complaint


def test_a_foreign_wal_is_explained_in_french_and_the_journal_command_says_what_to_do(db, tmp_path, capsys):
    from levier.cli import main

    _kill_a_writer(db.path)
    new = tmp_path / "build" / "levier.duckdb"
    new.parent.mkdir()
    _fresh_database(new)
    # What `levier demo` did before versions: the file moved over a plain database, the old .wal stayed beside it.
    os.replace(Database(new).current_file(), db.path)
    with pytest.raises(door.DatabaseDamaged, match="ne lui correspond pas"):
        Database(db.path).read(Query.DEMO_STATUS)
    assert main(["imports"]) == 3
    err = capsys.readouterr().err
    assert "levier.duckdb.wal" in err and "levier demo" in err and "Traceback" not in err
