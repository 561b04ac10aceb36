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

from levier.core.config import QUERIES_DIR, SCHEMA_DIR, settings
from levier.rights.scope import Scope

# Query names come from the files shipped in queries/: an unknown name is an AttributeError, never SQL.
Query = StrEnum(  # type: ignore[misc]
    "Query", {p.stem.upper(): p.stem for p in sorted(QUERIES_DIR.glob("*.sql"))}
)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

# Queries only ever read the database file and DataFrames handed to them: no extension download, no file outside
# the database's own folder, no network, and a query cannot loosen these settings (see _harden).
_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
_HARDEN = (
    "SET allowed_directories = CAST($dirs AS TEXT[])",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


class AccessDenied(PermissionError):
    """The user's role does not allow this operation (a write without the administrator role)."""


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


# Connections to one file in one process share a DuckDB instance and its settings: hardening is done once, by
# one thread at a time (another thread could otherwise switch external access off between our two SETs).
_harden_guard = threading.Lock()


def _harden(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyConnection:
    """External access off except the database's own folder (its WAL and spill files), then the settings locked.

    DuckDB takes allowed_directories only once the database is started, and settings belong to the database
    instance that connections to one file share: a second connection finds them locked already."""
    try:
        with _harden_guard:
            if not con.execute("SELECT current_setting('lock_configuration')").fetchone()[0]:
                con.execute(_HARDEN[0], {"dirs": [str(path.parent) + "/"]})
                for statement in _HARDEN[1:]:
                    con.execute(statement)
    except BaseException:
        con.close()
        raise
    return con


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting lock" in text or "Could not set lock" in text)


# Session variables read by the views of 005_access.sql. Every cursor is a new DuckDB client context whose
# variables start unset (= public statistics only), so each one is given the user's rights before its query.
_FULL_ACCESS = {"levier_all": True, "levier_codes": [], "levier_masked": []}
_SET_VARIABLE = {
    "levier_all": "SET VARIABLE levier_all = $v",
    "levier_codes": "SET VARIABLE levier_codes = CAST($v AS TEXT[])",
    "levier_masked": "SET VARIABLE levier_masked = CAST($v AS TEXT[])",
}


def _apply_access(cur: duckdb.DuckDBPyConnection, access: dict[str, Any]) -> None:
    for name, statement in _SET_VARIABLE.items():
        cur.execute(statement, {"v": access[name]})


class Reader:
    """Reads through one connection, a fresh cursor per query (a cursor is safe to use from its thread), each
    cursor carrying the user's rights."""

    def __init__(self, con: duckdb.DuckDBPyConnection, access: dict[str, Any] | None = None) -> None:
        self._con = con
        self._access = access or _FULL_ACCESS

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._con.cursor()
        _apply_access(cur, self._access)
        return cur

    def df(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        cur = self._cursor()
        try:
            return cur.execute(sql_text(query), params or {}).df()
        finally:
            cur.close()

    def rows(self, query: str, params: dict[str, Any] | None = None) -> list[tuple]:
        cur = self._cursor()
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


# Rights resolved to session variables, per database state and user rights: the small-count rule reads every
# sensitive value once per data version, not once per query.
_access_cache: dict[tuple[str, str, str], dict[str, Any]] = {}
_access_guard = threading.Lock()
_ACCESS_CACHE_MAX = 64


class Database:
    """One DuckDB file seen with one user's rights (`scope`; default: the whole database, for the CLI and builders)."""

    def __init__(
        self, path: Path | str | None = None, lock_wait_seconds: float | None = None, scope: Scope | None = None
    ) -> None:
        cfg = settings()
        self.path = Path(path).resolve() if path else cfg.db_path
        self.lock_wait = cfg.lock_wait_seconds if lock_wait_seconds is None else lock_wait_seconds
        self.scope = scope or Scope.local_admin()
        self._lock = _lock_for(self.path)

    def with_scope(self, scope: Scope) -> Database:
        return Database(self.path, self.lock_wait, scope)

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
                return _harden(duckdb.connect(str(self.path), read_only=read_only, config=dict(_CONFIG)), self.path)
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

    def _access(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        """The session variables for this user (005_access.sql), computed once per data version and rights."""
        scope = self.scope
        if scope.all_territories and not scope.masks_anything:
            return _FULL_ACCESS
        key = (str(self.path), self.version_token(), scope.key())
        with _access_guard:
            if key in _access_cache:
                return _access_cache[key]
        from levier.rights.disclosure import masked_keys

        internal = Reader(con, _FULL_ACCESS)
        codes: list[str] = []
        if not scope.all_territories and scope.departements:
            deps = sorted(scope.departements)
            codes = deps + [r[0] for r in internal.rows("scope_epci_codes", {"deps": deps})]
        masked: list[str] = []
        if scope.masks_anything:
            masked = masked_keys(
                internal.df("sensitive_count_versions"), detail_all=False,
                detail_deps=scope.detail_departements, threshold=scope.small_count_max,
            )
        access = {"levier_all": scope.all_territories, "levier_codes": codes, "levier_masked": masked}
        with _access_guard:
            if len(_access_cache) >= _ACCESS_CACHE_MAX:
                _access_cache.pop(next(iter(_access_cache)))
            _access_cache[key] = access
        return access

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        with self._lock.shared():
            con = self._connect(read_only=True)
            try:
                access = self._access(con)
                _apply_access(con, access)  # the connection itself carries the rights too, not only its cursors
                yield Reader(con, access)
            finally:
                con.close()

    def read(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        with self.reader() as r:
            return r.df(query, params)

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        """All or nothing: an exception (or a killed process) leaves the file as it was. Administrators only."""
        if not self.scope.can_import:
            raise AccessDenied(
                "Droits insuffisants : seuls les administrateurs de Levier peuvent modifier la base "
                f"(utilisateur : {self.scope.user})."
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock.exclusive():
            con = self._connect(read_only=False)
            try:
                # A writer compares incoming rows with everything stored, whoever the rows belong to.
                _apply_access(con, _FULL_ACCESS)
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
