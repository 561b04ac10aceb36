"""The one door to DuckDB: one read-only connection per file and data version, a cursor per query, one writer."""

from __future__ import annotations

import atexit
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from levier.core.config import settings
from levier.rights.disclosure import masked_keys
from levier.rights.scope import Scope
from levier.store import versions
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

# A process with no reader lets its connection go after this long: its memory is given back, and a database file
# from before versions (a plain file, written in place by another program holding DuckDB's exclusive lock) is
# free for that program. Published versions are never written, so a connection to one blocks no writer.
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


def _token_of(file: Path | None) -> str:
    if file is None:
        return "-"
    parts = [file.name]
    for p in (file, wal_path(file)):
        try:
            st = p.stat()
            parts.append(f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}")
        except FileNotFoundError:
            parts.append("-")
    return "|".join(parts)


def version_token(path: Path) -> str:
    """Changes whenever a version is published (the pointer names another file), a connection of any process
    commits into a plain file, or the file is replaced: cache keys are built on it."""
    return _token_of(versions.current(path))


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


class _Version:
    """One open connection to one version file, the readers inside it and its idle cursors, kept by rights so that
    the rights are set once per cursor, not once per query. A cursor is safe in the one thread using it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, file: Path, token: str, owned: bool = True) -> None:
        self.con = con
        self.file = file
        self.token = token
        self.owned = owned  # False: a batch's read-write connection, closed by the batch itself
        self.readers = 0
        self.retired = False
        self._idle: dict[str, list[duckdb.DuckDBPyConnection]] = {}
        # Answers that cannot change while this file is open (Reader.once): a published version file is never
        # written again. None for a batch's working version, which each of its transactions changes.
        self.answers: dict[str, list[tuple]] | None = {} if owned else None
        self._pool_guard = threading.Lock()

    def cursor(self, key: str, access: dict[str, Any]) -> duckdb.DuckDBPyConnection:
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

    def give_back(self, key: str, cur: duckdb.DuckDBPyConnection) -> None:
        if not self.owned:  # a batch's rights are worked out afresh for each read (its data moves on)
            cur.close()
            return
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

    def close(self) -> None:
        """Called with no reader inside (no cursor is in use)."""
        with self._pool_guard:
            idle, self._idle = self._idle, {}
        for cursors in idle.values():
            for cur in cursors:
                cur.close()
        if self.owned:
            self.con.close()


class _Door:
    """This process's way into one configured database: the read-only connection of its current version, shared
    by every thread, and the writers.

    Readers resolve the pointer (levier.store.versions) when they come in: once another version is published, the
    next reader opens it, and the connection of the old one is closed when its last reader leaves (a query that
    started before the switch ends on the version it started on). A writer never waits for readers: it writes a
    new version file. While a batch is open (Database.batch), this process's readers read its working version."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cond = threading.Condition()
        self.live: _Version | None = None
        self.batch: _Version | None = None
        self.write_lock = threading.RLock()  # one writer of this process at a time; a batch's own thread re-enters
        self.last_used = 0.0

    @property
    def con(self) -> duckdb.DuckDBPyConnection | None:
        live = self.batch or self.live
        return live.con if live is not None else None

    # -- readers ------------------------------------------------------------------------------------------------
    def enter(self, lock_wait: float) -> _Version:
        """Counts a reader in; opens the connection when there is none or another version was published."""
        with self.cond:
            if self.batch is not None:
                self.batch.readers += 1
                return self.batch
            file = versions.current(self.path)
            token = _token_of(file)
            live = self.live
            if live is not None and token != live.token:
                self.live = None
                if file is not None and live.file == file:
                    # The same file changed under us (written in place, or replaced): DuckDB keeps one instance
                    # per file and process, so the readers of the old one finish before it is reopened.
                    while live.readers:
                        self.cond.wait()
                    live.close()
                else:
                    self._retire(live)
            if self.live is None:
                if file is None:
                    raise DatabaseMissing(f"La base {self.path} n'existe pas encore.")
                # Under the lock: threads arriving meanwhile wait for this connection rather than race to open.
                self.live = _Version(_connect(file, read_only=True, lock_wait=lock_wait), file, token)
                _start_reaper()
            self.live.readers += 1
            return self.live

    def leave(self, version: _Version) -> None:
        with self.cond:
            version.readers -= 1
            self.last_used = time.monotonic()
            if not version.readers:
                if version.retired:
                    version.close()
                self.cond.notify_all()

    def _retire(self, version: _Version) -> None:
        """The version stops being read by newcomers; closed now if nobody reads it, else by its last reader."""
        version.retired = True
        if not version.readers:
            version.close()

    @contextmanager
    def borrow(self, version: _Version, key: str, access: dict[str, Any]) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor carrying `access`, for the calling thread alone until the block ends."""
        cur = version.cursor(key, access)
        try:
            yield cur
        except BaseException:
            cur.close()  # a cursor left in an unknown state is not handed to the next reader
            raise
        version.give_back(key, cur)

    # -- batches ------------------------------------------------------------------------------------------------
    def open_batch(self, con: duckdb.DuckDBPyConnection, file: Path) -> None:
        with self.cond:
            self.batch = _Version(con, file, "batch", owned=False)

    def close_batch(self) -> None:
        """Readers of the working version leave first (their cursors come from the batch's connection)."""
        with self.cond:
            batch, self.batch = self.batch, None
            if batch is not None:
                while batch.readers:
                    self.cond.wait()
                batch.close()

    # -- closing ------------------------------------------------------------------------------------------------
    def close_if_idle(self, now: float) -> None:
        with self.cond:
            live = self.live
            if live is not None and not live.readers and now - self.last_used >= IDLE_CLOSE_SECONDS:
                self.live = None
                live.close()


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


@contextmanager
def _writer_lock(path: Path, lock_wait: float) -> Iterator[None]:
    """This process's writers one at a time, then the other processes' (flock beside the pointer)."""
    door = _door(path)
    with door.write_lock:
        if door.batch is not None:  # the batch's own thread: it already holds the file lock
            yield
            return
        try:
            with versions.writer_lock(path, lock_wait):
                yield
        except TimeoutError as exc:
            raise DatabaseBusy(
                "La base de données est occupée par un autre programme (import en cours ?). "
                f"Nouvel essai abandonné après {lock_wait:.0f} s ; réessayez dans un instant."
            ) from exc


def _shape(con: duckdb.DuckDBPyConnection) -> tuple:
    """What a version is checked on before publication: its tables and columns, and its data version."""
    shape = tuple(con.execute(sql_text(Query.VERSION_SHAPE)).fetchone())
    if con.execute(sql_text(Query.DATA_STATE_EXISTS)).fetchone()[0]:
        shape += (tuple(con.execute(sql_text(Query.DATA_STATE)).fetchall()),)
    return shape


def _seal(path: Path, file: Path, con: duckdb.DuckDBPyConnection, lock_wait: float) -> None:
    """Writes the version out (no WAL left), reopens it read-only, checks it is what was written, publishes it and
    prunes the versions nobody reads any more. The caller removes the file if this raises."""
    expected = _shape(con)
    con.execute("CHECKPOINT")
    con.close()
    if wal_path(file).exists():
        raise DatabaseDamaged(f"La nouvelle version {file.name} garde un journal de transactions : non publiée.")
    check = _connect(file, read_only=True, lock_wait=lock_wait)
    try:
        found = _shape(check)
    finally:
        check.close()
    if found != expected or (len(found) > 2 and len(found[2]) != 1):
        raise DatabaseDamaged(
            f"La nouvelle version {file.name} ne se relit pas comme elle a été écrite : non publiée, la version "
            "en service reste celle d'avant."
        )
    versions.publish(path, file)
    versions.prune(path)


@contextmanager
def _new_version(path: Path, lock_wait: float, fresh: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a new version file (a copy of the current one, or empty), published when the
    block ends without an exception; otherwise (or if the process is killed) the published version is untouched."""
    file = versions.reserve_next(path)
    try:
        versions.copy_version(None if fresh else versions.current(path), file)
        con = _connect(file, read_only=False, lock_wait=lock_wait)
        try:
            yield con
        except BaseException:
            con.close()
            raise
        _seal(path, file, con, lock_wait)
    except BaseException:
        versions.remove(file)
        raise


def replace_database(new: Path, target: Path) -> None:
    """Publishes a finished database file (or the current version of a pointer) as the next version of `target`.

    A WAL beside `new` is folded into it first, and a WAL beside a plain `target` (a killed writer's, from before
    versioning) is dropped: DuckDB would refuse to open the new file beside it."""
    new, target = Path(new), versions.absolute(target)
    source = versions.current(new)
    if source is None:
        raise DatabaseMissing(f"La base {new} n'existe pas.")
    if wal_path(source).exists():
        _connect(source, read_only=False, lock_wait=30).close()  # a clean close checkpoints the WAL into the file
    target.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(target, settings().lock_wait_seconds):
        file = versions.reserve_next(target)
        try:
            shutil.move(source, file)
            if new.is_symlink():
                new.unlink()
            if not versions.is_versioned(target):
                wal_path(target).unlink(missing_ok=True)
            versions.publish(target, file)
        except BaseException:
            versions.remove(file)
            raise
        versions.prune(target)


# The positioned values and statistics of a level, or of a territory and its peers (thousands of rows, twenty
# columns), made into frames through Arrow. DuckDB's own conversion (`df()`) makes a Python object of every text cell,
# which pandas 3 turns into Arrow strings again, and builds each nullable integer column cell by cell: a T0 page's
# reads for Isère and its ten peers 46 → 35 ms, a level's 270 → 160 ms. Measured on the other large reads (the
# quality report, funding, series), Arrow gained nothing, and below about a thousand rows its fixed cost outweighs
# the gain: every other read keeps `df()`. Both give the same frame (tests/unit/store/test_frames.py and
# tests/app/test_frames_through_arrow.py).
_ARROW_QUERIES = frozenset({
    Query.T0_VALUES_OF_LEVEL, Query.T0_VALUES_OF_TERRITORIES, Query.T0_STATS_OF_LEVEL, Query.T0_STATS_OF_SETS,
    Query.T0_PEER_VALUES,
})
# Column types made through Arrow; any other (dates, decimals, lists, huge integers…) sends the read to df().
_ARROW_TYPES = frozenset({
    "VARCHAR", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
    "FLOAT", "DOUBLE", "TIMESTAMP",
})
# DuckDB 2 warns that Arrow from an executed statement copies the rows once more than from a relation: measured, the
# copy costs nothing next to the conversion it saves, and the executed statement keeps the cursor's rights and
# parameters as every other read.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result makes an extra copy", category=UserWarning)


def _df(result: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return result.df()


def _fetcher(query: str) -> Callable[[duckdb.DuckDBPyConnection], pd.DataFrame]:
    return _arrow_frame if query in _ARROW_QUERIES else _df


def _arrow_frame(result: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """A query's rows as the very DataFrame DuckDB's `df()` makes (same dtypes, same missing values), through
    Arrow when every column's type allows it."""
    description = result.description
    if description is None:
        return result.df()
    names = [d[0] for d in description]
    if len(set(names)) < len(names) or any(str(d[1]) not in _ARROW_TYPES for d in description):
        return result.df()
    table = result.to_arrow_table()
    return pd.DataFrame({name: _column(table.column(i)) for i, name in enumerate(names)}, columns=names)


def _column(col: pa.ChunkedArray) -> Any:
    """One column as DuckDB's df() gives it: text as pandas strings (no value at all: objects, None), integers and
    booleans with a missing value as pandas' nullable types, numbers with NaN, timestamps as datetime64."""
    arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    kind = arr.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        if arr.null_count == len(arr):
            return np.full(len(arr), None, dtype=object)
        return arr.to_pandas()
    if arr.null_count and (pa.types.is_integer(kind) or pa.types.is_boolean(kind)):
        values = arr.fill_null(False if pa.types.is_boolean(kind) else 0).to_numpy(zero_copy_only=False)
        mask = arr.is_null().to_numpy(zero_copy_only=False)
        return (pd.arrays.BooleanArray if pa.types.is_boolean(kind) else pd.arrays.IntegerArray)(values, mask)
    if pa.types.is_timestamp(kind):
        return arr.to_pandas()
    return arr.to_numpy(zero_copy_only=False)


class Reader:
    """Reads with one user's rights through one cursor, used by one thread at a time.

    From Database.reader the cursor already carries the rights (it comes from the door's pool); given a plain
    connection, a fresh cursor is made, given the rights and closed for every query."""

    def __init__(self, con: duckdb.DuckDBPyConnection, access: dict[str, Any] | None = None, *,
                 ready: bool = False, answers: dict[str, list[tuple]] | None = None) -> None:
        self._con = con
        self._access = access or _FULL_ACCESS
        self._ready = ready
        self._answers = answers

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
        return self._run(query, params, _fetcher(query))

    def rows(self, query: str, params: dict[str, Any] | None = None) -> list[tuple]:
        return self._run(query, params, lambda result: result.fetchall())

    def once(self, query: str) -> list[tuple]:
        """rows(query) for a query without parameters whose answer is a property of the data version (the schema, the
        state of the derived tables), read once per version file this process opens rather than by every view that
        checks it (1–3 ms each, several times a page). Rights play no part in such answers."""
        if self._answers is None:
            return self.rows(query)
        rows = self._answers.get(query)
        if rows is None:
            rows = self._answers[query] = self.rows(query)
        return rows


class Writer(Reader):
    """Inside one transaction: statements from queries/, DataFrames exposed to them as `incoming`.

    Reads go through the transaction's own connection (a new cursor would not see its uncommitted rows)."""

    def df(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return _fetcher(query)(self._con.execute(sql_text(query), params or {}))

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

    def insert_facts(self, facts: pd.DataFrame, import_id: int, recorded_at: Any, is_demo: bool) -> int:
        """The one way facts are written: the new or changed ones appended under `import_id`, then the rows they
        replace marked as no longer current (fact.is_current, which current_fact reads). Returns rows appended."""
        written = self.insert(Query.INSERT_CHANGED_FACTS, facts,
                              {"import_id": import_id, "recorded_at": recorded_at, "is_demo": is_demo})
        if written:
            self.execute(Query.RETIRE_REPLACED_FACTS, {"import_id": import_id})
        return written


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[Writer]:
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
        # The configured path is a pointer to versions (levier.store.versions): made absolute, never resolved.
        self.path = versions.absolute(path) if path else versions.absolute(cfg.db_path)
        self.lock_wait = cfg.lock_wait_seconds if lock_wait_seconds is None else lock_wait_seconds
        self.scope = scope or Scope.local_admin()

    def with_scope(self, scope: Scope) -> Database:
        return Database(self.path, self.lock_wait, scope)

    def exists(self) -> bool:
        return versions.current(self.path) is not None

    def version_token(self) -> str:
        """Changes whenever another connection or process commits: cache keys are built on it."""
        return version_token(self.path)

    def open_connection(self) -> duckdb.DuckDBPyConnection | None:
        """The connection this process reads through right now (None: closed), for tests and benches."""
        return _door(self.path).con

    def current_file(self) -> Path | None:
        """The version file the pointer designates now (the path itself for a plain file)."""
        return versions.current(self.path)

    def _access(self, door: _Door, version: _Version) -> tuple[dict[str, Any], str]:
        """The session variables for this user (005_access.sql) and the key of the cursors carrying them, computed
        once per data version and rights."""
        scope = self.scope
        if scope.all_territories and not scope.masks_anything:
            return _FULL_ACCESS, _FULL_KEY
        key = scope.key()
        cache_key = (str(self.path), version.token, key)
        cacheable = version.owned  # a batch's working version changes with each of its transactions
        with _access_guard:
            if cacheable and cache_key in _access_cache:
                return _access_cache[cache_key], key
        with door.borrow(version, _FULL_KEY, _FULL_ACCESS) as cur:
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
        if not cacheable:
            return access, key
        with _access_guard:
            if len(_access_cache) >= _ACCESS_CACHE_MAX:
                _access_cache.pop(next(iter(_access_cache)))
            _access_cache[cache_key] = access
        return access, key

    @contextmanager
    def reader(self) -> Iterator[Reader]:
        """Reads of one data version: the writer waits until the block is left."""
        door = _door(self.path)
        version = door.enter(self.lock_wait)
        try:
            access, key = self._access(door, version)
            with door.borrow(version, key, access) as cur:
                yield Reader(cur, access, ready=True, answers=version.answers)
        finally:
            door.leave(version)

    def read(self, query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        with self.reader() as r:
            return r.df(query, params)

    def _check_can_write(self) -> None:
        if not self.scope.can_import:
            raise AccessDenied(
                "Droits insuffisants : seuls les administrateurs de Levier peuvent modifier la base "
                f"(utilisateur : {self.scope.user})."
            )

    @contextmanager
    def transaction(self) -> Iterator[Writer]:
        """All or nothing: written into a new version of the database, verified, then published in one rename; an
        exception (or a killed process) leaves the published version as it was. Inside a batch, the batch's
        version is written instead (published with it). Administrators only."""
        self._check_can_write()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        door = _door(self.path)
        with _writer_lock(self.path, self.lock_wait):
            if door.batch is not None:
                with _transaction(door.batch.con) as w:
                    yield w
                return
            with _new_version(self.path, self.lock_wait) as con, _transaction(con) as w:
                yield w

    @contextmanager
    def batch(self, fresh: bool = False) -> Iterator[None]:
        """Many transactions, one new version: every transaction of this process on this database until the block
        ends writes into one working version (a copy of the current one, or an empty database if `fresh`), which is
        published at the end, all at once (an exception publishes nothing: the transactions committed inside are
        dropped with it). This process's readers read the working version meanwhile; other processes read the
        published one. Used by the demo build: a copy per transaction would be too slow."""
        self._check_can_write()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        door = _door(self.path)
        with _writer_lock(self.path, self.lock_wait):
            if door.batch is not None:  # nested: the outer batch publishes
                yield
                return
            with _new_version(self.path, self.lock_wait, fresh=fresh) as con:
                _apply_access(con, _FULL_ACCESS)
                door.open_batch(con, self.path)
                try:
                    yield
                finally:
                    door.close_batch()

    def migrate(self) -> list[str]:
        """Apply the numbered files of queries/schema/ not yet recorded, each in its own transaction, all published
        as one new version."""
        applied: list[str] = []
        with self.batch():
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
        with self.reader() as r:
            versions_applied = [row[0] for row in r.once(Query.APPLIED_MIGRATIONS)]
        return int(max(versions_applied)) if versions_applied else 0
