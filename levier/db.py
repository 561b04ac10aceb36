"""The one door to DuckDB: migrations, cursor-per-query reads, and one transaction-wrapped write path."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from levier.config import QUERIES_DIR, SCHEMA_DIR, settings

# Query names come from the files shipped in queries/: an unknown name is an AttributeError, never SQL.
Query = StrEnum(  # type: ignore[misc]
    "Query", {p.stem.upper(): p.stem for p in sorted(QUERIES_DIR.glob("*.sql"))}
)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

# Queries only ever read the database file and DataFrames handed to them: no file system, no network, no
# extension download, and a query cannot loosen these settings.
_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


class DatabaseBusy(RuntimeError):
    """The file is locked by another process for longer than we are willing to wait."""


class DatabaseMissing(RuntimeError):
    """The database file does not exist yet."""


def sql_text(name: str) -> str:
    path = QUERIES_DIR / f"{Query(name).value}.sql"
    return path.read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(SCHEMA_DIR.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            raise ValueError(f"Nom de migration invalide : {path.name} (attendu NNN_nom.sql)")
        found.append((int(m.group(1)), path.stem, path))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError("Deux migrations portent le même numéro.")
    return found


class _ReadWriteLock:
    """Within one process DuckDB refuses a read-only and a read-write connection to the same file at once,
    so readers share the file and a writer waits until they are gone (and blocks new ones)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


_locks: dict[Path, _ReadWriteLock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> _ReadWriteLock:
    with _locks_guard:
        return _locks.setdefault(path, _ReadWriteLock())


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting lock" in text or "Could not set lock" in text)


class Reader:
    """Reads through one connection, a fresh cursor per query (a cursor is safe to use from its thread)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def df(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        cur = self._con.cursor()
        try:
            return cur.execute(sql_text(query), params or {}).df()
        finally:
            cur.close()

    def rows(self, query: str, params: dict[str, Any] | None = None) -> list[tuple]:
        cur = self._con.cursor()
        try:
            return cur.execute(sql_text(query), params or {}).fetchall()
        finally:
            cur.close()


class Writer(Reader):
    """Inside one transaction: statements from queries/, DataFrames exposed to them as `incoming`.

    Reads go through the transaction's own connection (a new cursor would not see its uncommitted rows)."""

    def df(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return self._con.execute(sql_text(query), params or {}).df()

    def rows(self, query: str, params: dict[str, Any] | None = None) -> list[tuple]:
        return self._con.execute(sql_text(query), params or {}).fetchall()

    def execute(self, query: str, params: dict[str, Any] | None = None) -> list[tuple]:
        return self._con.execute(sql_text(query), params or {}).fetchall()

    def insert(self, query: str, frame: pd.DataFrame, params: dict[str, Any] | None = None) -> int:
        """Runs an INSERT reading `incoming`; returns the number of rows it wrote."""
        if frame.empty:
            return 0
        self._con.register("incoming", frame)
        try:
            rows = self._con.execute(sql_text(query), params or {}).fetchall()
        finally:
            self._con.unregister("incoming")
        return int(rows[0][0]) if rows and rows[0] and isinstance(rows[0][0], int) else len(frame)


class Database:
    def __init__(self, path: Path | str | None = None, lock_wait_seconds: float | None = None) -> None:
        cfg = settings()
        self.path = Path(path).resolve() if path else cfg.db_path
        self.lock_wait = cfg.lock_wait_seconds if lock_wait_seconds is None else lock_wait_seconds
        self._lock = _lock_for(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    def version_token(self) -> str:
        """Changes whenever another connection or process commits: cache keys are built on it."""
        parts = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
                parts.append(f"{st.st_mtime_ns}:{st.st_size}")
            except FileNotFoundError:
                parts.append("-")
        return "|".join(parts)

    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        if read_only and not self.path.exists():
            raise DatabaseMissing(f"La base {self.path} n'existe pas encore.")
        deadline = time.monotonic() + self.lock_wait
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only, config=dict(_CONFIG))
            except duckdb.IOException as exc:
                if not _is_lock_conflict(exc) or time.monotonic() >= deadline:
                    if _is_lock_conflict(exc):
                        raise DatabaseBusy(
                            "La base de données est occupée par un autre programme (import en cours ?). "
                            f"Nouvel essai abandonné après {self.lock_wait:.0f} s ; réessayez dans un instant."
                        ) from exc
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        with self._lock.shared():
            con = self._connect(read_only=True)
            try:
                yield Reader(con)
            finally:
                con.close()

    def read(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        with self.reader() as r:
            return r.df(query, params)

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        """All or nothing: an exception (or a killed process) leaves the file as it was."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock.exclusive():
            con = self._connect(read_only=False)
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield Writer(con)
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                con.close()

    def migrate(self) -> list[str]:
        """Apply the numbered files of queries/schema/ not yet recorded, each in its own transaction."""
        applied: list[str] = []
        with self.transaction() as w:
            w.execute("schema_migration_table")
            done = {row[0] for row in w.execute("applied_migrations")}
        for version, name, path in migrations():
            if version in done:
                continue
            with self.transaction() as w:
                w._con.execute(path.read_text(encoding="utf-8"))
                w.execute("record_migration", {"version": version, "name": name})
            applied.append(name)
        return applied

    def schema_version(self) -> int:
        rows = self.read("applied_migrations")
        return int(rows["version"].max()) if len(rows) else 0
