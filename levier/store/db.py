"""The one door to DuckDB: one read-only connection per file and data version, a cursor per query, one writer."""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from levier.core.config import settings
from levier.rights.disclosure import masked_keys
from levier.rights.scope import Scope
from levier.store.queries import Query, migrations, sql_text

__all__ = [
    "AccessDenied", "Database", "DatabaseBusy", "DatabaseDamaged", "DatabaseMissing", "DatabaseUnavailable", "Query",
    "Reader", "Writer", "migrations", "replace_database", "sql_text", "wal_path",
]

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

# DuckDB locks the file for as long as a connection to it is open (shared for read-only, exclusive for
# read-write), so a process with no reader lets its connection go after this long: an import started by another
# process (the command line) gets in, and the next read opens the data version it published.
IDLE_CLOSE_SECONDS = 2.0
# Idle cursors kept per set of rights, and sets of rights kept per connection.
_CURSORS_KEPT = 8
_RIGHTS_KEPT = 32


class AccessDenied(PermissionError):
    """The user's role does not allow this operation (a write without the administrator role)."""


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened now; the French message says why and what to do."""


class DatabaseBusy(DatabaseUnavailable):
    """The file is locked by another process for longer than we are willing to wait."""


class DatabaseDamaged(DatabaseUnavailable):
    """The file cannot be opened as it is: a write-ahead log (.wal) beside it that belongs to another file."""


class DatabaseMissing(RuntimeError):
    """The database file does not exist yet."""


def _harden(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyConnection:
    """External access off except the database's own folder (its WAL and spill files), then the settings locked.

    DuckDB takes allowed_directories only once the database is started; each connection the door opens starts
    a new database instance (the previous one is closed first), so this runs once per connection."""
    try:
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


def wal_path(path: Path) -> Path:
    """DuckDB's write-ahead log of a database file: committed writes not yet copied into the file itself."""
    return path.with_name(path.name + ".wal")


def _is_foreign_wal(exc: Exception) -> bool:
    text = str(exc)
    return "WAL" in text and ("does not match" in text or "replaying WAL" in text)


def _damaged(path: Path) -> DatabaseDamaged:
    wal = wal_path(path)
    return DatabaseDamaged(
        f"La base {path} ne peut pas être ouverte : le journal de transactions « {wal.name} » posé à côté "
        "d'elle ne lui correspond pas (reste d'un import interrompu, la base ayant été remplacée depuis). "
        f"Reconstruisez la base (`levier demo`), ou, si la base elle-même est la bonne, déplacez « {wal} » hors "
        "de ce dossier (les écritures qu'il contient sont perdues) puis relancez la commande."
    )


def _connect(path: Path, read_only: bool, lock_wait: float) -> duckdb.DuckDBPyConnection:
    """A hardened connection; while another process holds the file, retries for `lock_wait` seconds."""
    if read_only and not path.exists():
        raise DatabaseMissing(f"La base {path} n'existe pas encore.")
    deadline = time.monotonic() + lock_wait
    delay = 0.05
    while True:
        try:
            return _harden(duckdb.connect(str(path), read_only=read_only, config=dict(_CONFIG)), path)
        except duckdb.IOException as exc:
            if _is_foreign_wal(exc):
                raise _damaged(path) from exc
            if not _is_lock_conflict(exc) or time.monotonic() >= deadline:
                if _is_lock_conflict(exc):
                    raise DatabaseBusy(
                        "La base de données est occupée par un autre programme (import en cours ?). "
                        f"Nouvel essai abandonné après {lock_wait:.0f} s ; réessayez dans un instant."
                    ) from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def version_token(path: Path) -> str:
    """Changes whenever a connection of any process commits (or the file is replaced): cache keys are built on it."""
    parts = []
    for p in (path, wal_path(path)):
        try:
            st = p.stat()
            parts.append(f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}")
        except FileNotFoundError:
            parts.append("-")
    return "|".join(parts)


# Session variables read by the views of 005_access.sql. Every cursor is a new DuckDB client context whose
# variables start unset (= public statistics only), so each cursor is given the user's rights once, when made.
_FULL_ACCESS = {"levier_all": True, "levier_codes": [], "levier_masked": []}
_FULL_KEY = "*"
_SET_VARIABLE = {
    "levier_all": "SET VARIABLE levier_all = $v",
    "levier_codes": "SET VARIABLE levier_codes = CAST($v AS TEXT[])",
    "levier_masked": "SET VARIABLE levier_masked = CAST($v AS TEXT[])",
}


def _apply_access(cur: duckdb.DuckDBPyConnection, access: dict[str, Any]) -> None:
    for name, statement in _SET_VARIABLE.items():
        cur.execute(statement, {"v": access[name]})


class _Door:
    """The read-only connection of one database file in this process, shared by every thread.

    DuckDB allows one configuration per file and process: the writer (read-write) waits until no reader is inside,
    closes the read-only connection, writes, and the next reader opens the data version it published. Readers get
    cursors made from the shared connection (a cursor is safe in the one thread using it), kept by rights so that
    the rights are set once per cursor, not once per query."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cond = threading.Condition()
        self.con: duckdb.DuckDBPyConnection | None = None
        self.token: str | None = None
        self.readers = 0
        self.writing = False
        self.writers_waiting = 0
        self.last_used = 0.0
        self._idle: dict[str, list[duckdb.DuckDBPyConnection]] = {}
        self._pool_guard = threading.Lock()

    # -- readers ------------------------------------------------------------------------------------------------
    def enter(self, lock_wait: float) -> duckdb.DuckDBPyConnection:
        """Counts a reader in; opens the connection when there is none or the data version moved on."""
        with self.cond:
            while self.writing or self.writers_waiting:
                self.cond.wait()
            if self.con is not None and version_token(self.path) != self.token:
                # Published by someone else (a replaced file): readers still on the old version finish first.
                while self.readers or self.writing:
                    self.cond.wait()
                self._close()
            if self.con is None:
                # Under the lock: threads arriving meanwhile wait for this connection rather than race to open.
                self.con = _connect(self.path, read_only=True, lock_wait=lock_wait)
                self.token = version_token(self.path)
                _start_reaper()
            self.readers += 1
            return self.con

    def leave(self) -> None:
        with self.cond:
            self.readers -= 1
            self.last_used = time.monotonic()
            if not self.readers:
                self.cond.notify_all()

    @contextmanager
    def borrow(self, key: str, access: dict[str, Any]) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor carrying `access`, for the calling thread alone until the block ends."""
        cur = self._cursor(key, access)
        try:
            yield cur
        except BaseException:
            cur.close()  # a cursor left in an unknown state is not handed to the next reader
            raise
        self._give_back(key, cur)

    def _cursor(self, key: str, access: dict[str, Any]) -> duckdb.DuckDBPyConnection:
        with self._pool_guard:
            idle = self._idle.get(key)
            if idle:
                return idle.pop()
            cur = self.con.cursor()
        try:
            _apply_access(cur, access)
        except BaseException:
            cur.close()
            raise
        return cur

    def _give_back(self, key: str, cur: duckdb.DuckDBPyConnection) -> None:
        with self._pool_guard:
            idle = self._idle.setdefault(key, [])
            if len(idle) < _CURSORS_KEPT:
                idle.append(cur)
                cur = None
            if len(self._idle) > _RIGHTS_KEPT:
                for old in self._idle.pop(next(iter(self._idle))):
                    old.close()
        if cur is not None:
            cur.close()

    # -- the writer ---------------------------------------------------------------------------------------------
    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """No reader inside, none let in, the read-only connection closed: this process may open the file to write."""
        with self.cond:
            self.writers_waiting += 1
            try:
                while self.writing or self.readers:
                    self.cond.wait()
            finally:
                self.writers_waiting -= 1
                self.cond.notify_all()  # readers held back for this writer look again (it may have given up)
            self.writing = True
            self._close()
        try:
            yield
        finally:
            with self.cond:
                self.writing = False
                self.cond.notify_all()

    # -- closing ------------------------------------------------------------------------------------------------
    def close_if_idle(self, now: float) -> None:
        with self.cond:
            if self.con is not None and not self.readers and now - self.last_used >= IDLE_CLOSE_SECONDS:
                self._close()

    def _close(self) -> None:
        """Called with the condition held and no reader inside (no cursor is in use)."""
        with self._pool_guard:
            idle, self._idle = self._idle, {}
        for cursors in idle.values():
            for cur in cursors:
                cur.close()
        if self.con is not None:
            self.con.close()
        self.con, self.token = None, None


_doors: dict[Path, _Door] = {}
_doors_guard = threading.Lock()
_reaper: threading.Thread | None = None


def _door(path: Path) -> _Door:
    with _doors_guard:
        door = _doors.get(path)
        if door is None:
            door = _doors[path] = _Door(path)
        return door


def _reap_forever() -> None:
    while True:
        time.sleep(max(IDLE_CLOSE_SECONDS / 4, 0.05))
        now = time.monotonic()
        with _doors_guard:
            doors = list(_doors.values())
        for door in doors:
            door.close_if_idle(now)


@atexit.register
def _close_all() -> None:
    """Connections still open at exit are closed before the interpreter tears DuckDB's bindings down."""
    with _doors_guard:
        doors = list(_doors.values())
    for door in doors:
        door.close_if_idle(float("inf"))


def _start_reaper() -> None:
    global _reaper
    with _doors_guard:
        if _reaper is None:
            _reaper = threading.Thread(target=_reap_forever, name="levier-db-idle-close", daemon=True)
            _reaper.start()


def replace_database(new: Path, target: Path) -> None:
    """Moves a finished database file over `target`, with its WAL if it has one.

    The WAL of the file being replaced goes first: one left by a killed writer belongs to the old file, and DuckDB
    refuses to open the new file beside it. This process's readers of `target` leave and its connection closes
    before the move (the next read opens the new file)."""
    new, target = Path(new).resolve(), Path(target).resolve()
    with _door(target).exclusive():
        wal_path(target).unlink(missing_ok=True)
        os.replace(new, target)
        if wal_path(new).exists():
            os.replace(wal_path(new), wal_path(target))


class Reader:
    """Reads with one user's rights through one cursor, used by one thread at a time.

    From Database.reader the cursor already carries the rights (it comes from the door's pool); given a plain
    connection, a fresh cursor is made, given the rights and closed for every query."""

    def __init__(self, con: duckdb.DuckDBPyConnection, access: dict[str, Any] | None = None, *,
                 ready: bool = False) -> None:
        self._con = con
        self._access = access or _FULL_ACCESS
        self._ready = ready

    def _run(self, query: str, params: dict[str, Any] | None, fetch: Callable[[Any], Any]) -> Any:
        if self._ready:
            return fetch(self._con.execute(sql_text(query), params or {}))
        cur = self._con.cursor()
        try:
            _apply_access(cur, self._access)
            return fetch(cur.execute(sql_text(query), params or {}))
        finally:
            cur.close()

    def df(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return self._run(query, params, lambda result: result.df())

    def rows(self, query: str, params: dict[str, Any] | None = None) -> list[tuple]:
        return self._run(query, params, lambda result: result.fetchall())


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


def _bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    """Every write transaction moves the data version on (migration 011), inside the transaction: derived tables
    computed before it stop being read, and those written in it (levier.store.derived) are marked for it."""
    if con.execute(sql_text(Query.DATA_STATE_EXISTS)).fetchone()[0]:
        con.execute(sql_text(Query.BUMP_DATA_VERSION))


# Rights resolved to session variables, per database state and user rights: the small-count rule reads every
# sensitive value once per data version, not once per query (nor once per connection the door reopens).
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

    def with_scope(self, scope: Scope) -> Database:
        return Database(self.path, self.lock_wait, scope)

    def exists(self) -> bool:
        return self.path.exists()

    def version_token(self) -> str:
        """Changes whenever another connection or process commits: cache keys are built on it."""
        return version_token(self.path)

    def open_connection(self) -> duckdb.DuckDBPyConnection | None:
        """The read-only connection this process holds on the file right now (None: closed), for tests and benches."""
        return _door(self.path).con

    def _access(self, door: _Door) -> tuple[dict[str, Any], str]:
        """The session variables for this user (005_access.sql) and the key of the cursors carrying them, computed
        once per data version and rights."""
        scope = self.scope
        if scope.all_territories and not scope.masks_anything:
            return _FULL_ACCESS, _FULL_KEY
        key = scope.key()
        cache_key = (str(self.path), door.token or "", key)
        with _access_guard:
            if cache_key in _access_cache:
                return _access_cache[cache_key], key
        with door.borrow(_FULL_KEY, _FULL_ACCESS) as cur:
            internal = Reader(cur, _FULL_ACCESS, ready=True)
            codes: list[str] = []
            if not scope.all_territories and scope.departements:
                deps = sorted(scope.departements)
                codes = deps + [r[0] for r in internal.rows(Query.SCOPE_EPCI_CODES, {"deps": deps})]
            masked: list[str] = []
            if scope.masks_anything:
                masked = masked_keys(
                    internal.df(Query.SENSITIVE_COUNT_VERSIONS), detail_all=False,
                    detail_deps=scope.detail_departements, threshold=scope.small_count_max,
                )
        access = {"levier_all": scope.all_territories, "levier_codes": codes, "levier_masked": masked}
        with _access_guard:
            if len(_access_cache) >= _ACCESS_CACHE_MAX:
                _access_cache.pop(next(iter(_access_cache)))
            _access_cache[cache_key] = access
        return access, key

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """Reads of one data version: the writer waits until the block is left."""
        door = _door(self.path)
        door.enter(self.lock_wait)
        try:
            access, key = self._access(door)
            with door.borrow(key, access) as cur:
                yield Reader(cur, access, ready=True)
        finally:
            door.leave()

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
        with _door(self.path).exclusive():
            con = _connect(self.path, read_only=False, lock_wait=self.lock_wait)
            try:
                # A writer compares incoming rows with everything stored, whoever the rows belong to.
                _apply_access(con, _FULL_ACCESS)
                con.execute("BEGIN TRANSACTION")
                try:
                    _bump_data_version(con)
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
            w.execute(Query.SCHEMA_MIGRATION_TABLE)
            done = {row[0] for row in w.execute(Query.APPLIED_MIGRATIONS)}
        for version, name, path in migrations():
            if version in done:
                continue
            with self.transaction() as w:
                w._con.execute(path.read_text(encoding="utf-8"))
                w.execute(Query.RECORD_MIGRATION, {"version": version, "name": name})
            applied.append(name)
        return applied

    def schema_version(self) -> int:
        rows = self.read(Query.APPLIED_MIGRATIONS)
        return int(rows["version"].max()) if len(rows) else 0
