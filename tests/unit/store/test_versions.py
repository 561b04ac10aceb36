"""Versioned database files: a write publishes a new version by switching the pointer; readers of this process and of
others open it at their next query without restart; a query under way ends on its version; a killed writer
publishes nothing; old versions are pruned."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from levier.core.config import PROJECT_ROOT
from levier.store import versions
from levier.store.db import Database, DatabaseBusy, Query


def _data_version(db: Database) -> int:
    return int(db.read(Query.DATA_STATE)["version"].iloc[0])


def _write(db: Database) -> None:
    with db.transaction():
        pass  # a transaction raises the data version by itself


def test_a_write_publishes_a_new_version_and_leaves_the_old_file_as_it_was(db):
    before = _data_version(db)
    _write(db)  # a plain database file becomes a pointer at its first write
    assert db.path.is_symlink()
    first = db.current_file()
    assert first.name == "levier.v000001.duckdb" and first.parent == db.path.parent
    _write(db)
    second = db.current_file()
    assert second.name == "levier.v000002.duckdb"
    assert _data_version(db) == before + 2
    # The version it replaced was not written again: it still holds the data as it was published.
    assert _data_version(Database(first)) == before + 1
    assert not versions.wal_of(second).exists()


def test_readers_see_every_version_whole_while_writes_publish(db):
    _write(db)
    start = _data_version(db)
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_forever() -> None:
        try:
            while not stop.is_set():
                seen.append(_data_version(Database(db.path)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    reader = threading.Thread(target=read_forever)
    reader.start()
    try:
        for _ in range(5):
            _write(db)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert not errors
    assert seen == sorted(seen) and set(seen) <= set(range(start, start + 6))
    assert _data_version(db) == start + 5


def test_a_query_under_way_ends_on_its_version_and_the_next_one_reads_the_new(db):
    _write(db)
    with db.reader() as r:
        old = int(r.df(Query.DATA_STATE)["version"].iloc[0])
        old_connection = db.open_connection()
        # The writer does not wait for this reader: it writes another file (another thread, to prove it).
        writer = threading.Thread(target=_write, args=(db,))
        writer.start()
        writer.join(timeout=60)
        assert not writer.is_alive(), "the writer waited for a reader"
        assert int(r.df(Query.DATA_STATE)["version"].iloc[0]) == old
    assert _data_version(db) == old + 1
    assert db.open_connection() is not old_connection


def test_old_versions_are_pruned_once_nobody_reads_them(db, monkeypatch):
    for _ in range(4):
        _write(db)
    # Within the grace period nothing is deleted: a process may still read an old version.
    assert sorted(versions.versions(db.path)) == [1, 2, 3, 4]
    monkeypatch.setattr(versions, "PRUNE_AFTER_SECONDS", 0.0)
    abandoned = versions.version_file(db.path, 5)  # what a writer killed before publishing leaves
    abandoned.write_bytes(b"half")
    versions.wal_of(abandoned).write_bytes(b"half")
    _write(db)
    assert sorted(versions.versions(db.path)) == [4, 5]  # the current one and the one before it
    assert db.current_file() == abandoned and not versions.wal_of(abandoned).exists()
    assert _data_version(db) == _data_version(Database(versions.version_file(db.path, 4))) + 1
    assert not {"levier.v000001.duckdb", "levier.v000002.duckdb"} & set(os.listdir(db.path.parent))


# A writer that stops inside its transaction, after writing, until it is killed.
_STUCK_WRITER = """
import sys, time
from levier.store.db import Database, Query
db = Database(sys.argv[1])
with db.transaction() as w:
    w.execute(Query.BUMP_DATA_VERSION)
    print("writing", flush=True)
    time.sleep(60)
"""


def test_a_killed_writer_leaves_the_published_version_untouched(db):
    _write(db)
    published, version = db.current_file(), _data_version(db)
    size = published.stat().st_size
    writer = subprocess.Popen([sys.executable, "-c", _STUCK_WRITER, str(db.path)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
        # Meanwhile readers read the published version, and another writer is told the base is busy, in French.
        assert _data_version(Database(db.path)) == version
        with pytest.raises(DatabaseBusy, match="occupée par un autre programme"):
            _write(Database(db.path, lock_wait_seconds=0.2))
    finally:
        writer.kill()
        writer.wait()
    assert db.current_file() == published and published.stat().st_size == size
    assert _data_version(db) == version
    assert not versions.wal_of(published).exists()
    _write(db)  # the lock died with the writer
    assert _data_version(db) == version + 1


# Another process: reads, waits for a line on its input, reads again (no restart in between).
_SECOND_PROCESS = """
import sys
from levier.store.db import Database, Query
db = Database(sys.argv[1])
with db.reader() as r:
    print(int(r.df(Query.DATA_STATE)["version"].iloc[0]), flush=True)
    sys.stdin.readline()
    print(int(r.df(Query.DATA_STATE)["version"].iloc[0]), flush=True)
print(int(db.read(Query.DATA_STATE)["version"].iloc[0]), flush=True)
"""


def test_another_process_sees_a_publication_without_restart_and_does_not_hold_the_writer(db):
    _write(db)
    version = _data_version(db)
    other = subprocess.Popen([sys.executable, "-c", _SECOND_PROCESS, str(db.path)], cwd=PROJECT_ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert int(other.stdout.readline()) == version
        started = time.monotonic()
        _write(Database(db.path, lock_wait_seconds=5))  # the other process's open read connection does not block it
        assert time.monotonic() - started < 30
        other.stdin.write("go\n")
        other.stdin.flush()
        assert int(other.stdout.readline()) == version  # the query it had under way: its version
        assert int(other.stdout.readline()) == version + 1  # its next query: the published one
        assert other.wait(timeout=60) == 0
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()


def test_a_batch_publishes_once_and_an_error_publishes_nothing(db):
    _write(db)
    version, file = _data_version(db), db.current_file()
    with db.batch():
        for _ in range(3):
            _write(db)
        assert _data_version(db) == version + 3  # this process reads its batch's working version
        assert db.current_file() == file  # the others still read the published one
    assert _data_version(db) == version + 3 and db.current_file() != file
    published = db.current_file()
    with pytest.raises(RuntimeError), db.batch():
        _write(db)
        raise RuntimeError("interrompu")
    assert db.current_file() == published and _data_version(db) == version + 3
