"""Versioned database files: the configured path is a pointer (a symbolic link) to the current version, switched by rename.

`data/levier.duckdb` -> `levier.v000042.duckdb` beside it. A write copies the current version into the next number,
writes and verifies it there, then publishes it by replacing the link (os.replace: atomic, a reader resolves either
the old or the new version, never half of one). Published versions are never written again. One writer at a time
across processes (an flock on `levier.duckdb.lock` beside the pointer). A configured path that is a plain file
(a database made before versioning, a copy made by a test) is the current version until the first write publishes
a link in its place."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Versions older than the current and the previous one are deleted once they stopped being current this long ago:
# a process still reading one (a query that started before the switch) has long finished by then (and on Linux a
# deleted file stays readable by whoever has it open). A version a killed writer never published is removed by the
# next writer.
PRUNE_AFTER_SECONDS = 600.0
KEEP_VERSIONS = 2


def absolute(path: Path | str) -> Path:
    """The configured path made absolute without following the pointer (resolving it would pin one version)."""
    p = Path(path).expanduser()
    return p.parent.resolve() / p.name


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def version_file(path: Path, number: int) -> Path:
    return path.with_name(f"{path.stem}.v{number:06d}{path.suffix}")


def _pattern(path: Path) -> re.Pattern[str]:
    return re.compile(re.escape(path.stem) + r"\.v(\d{6,})" + re.escape(path.suffix) + "$")


def versions(path: Path) -> dict[int, Path]:
    """Every version file of this pointer present on disk (published or not), by number."""
    pattern = _pattern(path)
    found = {}
    try:
        names = os.listdir(path.parent)
    except FileNotFoundError:
        return {}
    for name in names:
        m = pattern.match(name)
        if m:
            found[int(m.group(1))] = path.parent / name
    return found


def current(path: Path) -> Path | None:
    """The file the pointer designates now (the path itself when it is a plain file); None when there is none."""
    target = Path(os.path.realpath(path))
    return target if target.is_file() else None


def number_of(path: Path, file: Path | None) -> int | None:
    if file is None:
        return None
    m = _pattern(path).match(file.name)
    return int(m.group(1)) if m and file.parent == path.parent else None


def is_versioned(path: Path) -> bool:
    return path.is_symlink()


def reserve_next(path: Path) -> Path:
    """A new, empty version file numbered after the current one. Called with the writer lock held: a version file
    numbered above the current one was left by a writer that died before publishing, and is removed."""
    found = versions(path)
    live = number_of(path, current(path))
    if live is None:  # a plain file (or nothing yet): the first version comes after any file already there
        live = max(found, default=0)
    for number, file in found.items():
        if number > live:
            remove(file)
    candidate = version_file(path, live + 1)
    os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    return candidate


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish(path: Path, version: Path) -> None:
    """Switches the pointer to `version` (a file beside it) in one rename."""
    staged = path.with_name(f".{path.name}.next-{os.getpid()}")
    staged.unlink(missing_ok=True)
    os.symlink(version.name, staged)  # relative: the folder may be mounted elsewhere by another replica
    os.replace(staged, path)
    _fsync_dir(path.parent)


def remove(file: Path) -> None:
    file.unlink(missing_ok=True)
    wal_of(file).unlink(missing_ok=True)


def prune(path: Path, now: float | None = None, grace: float | None = None) -> list[Path]:
    """Deletes the versions nobody should still read: not the current one nor the `KEEP_VERSIONS - 1` before it,
    and only once they stopped being current `grace` seconds ago (the age of the version after them). Called with
    the writer lock held. Returns the files deleted."""
    now = time.time() if now is None else now
    grace = PRUNE_AFTER_SECONDS if grace is None else grace
    live = number_of(path, current(path))
    if live is None:
        return []
    found = versions(path)
    older = sorted(n for n in found if n < live)
    deleted = []
    for i, number in enumerate(older):
        if live - number < KEEP_VERSIONS:
            continue
        successor = older[i + 1] if i + 1 < len(older) else live
        replaced_at = _mtime(found[successor])
        if replaced_at is not None and now - replaced_at >= grace:
            remove(found[number])
            deleted.append(found[number])
    return deleted


def _mtime(file: Path) -> float | None:
    try:
        return file.stat().st_mtime
    except FileNotFoundError:
        return None


def copy_version(source: Path | None, target: Path) -> None:
    """The new version starts as a copy of the current one (and of its WAL, if a writer outside Levier left one)."""
    if source is None:
        target.unlink(missing_ok=True)  # DuckDB creates a new database in a missing file, not in an empty one
        return
    shutil.copyfile(source, target)
    if wal_of(source).exists():
        shutil.copyfile(wal_of(source), wal_of(target))


@contextmanager
def writer_lock(path: Path, wait: float) -> Iterator[None]:
    """One writer at a time across processes and threads: an exclusive flock on `<name>.lock` beside the pointer.
    Raises TimeoutError after `wait` seconds."""
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        deadline = time.monotonic() + wait
        delay = 0.02
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    if exc.errno in (errno.EAGAIN, errno.EACCES):
                        raise TimeoutError(str(lock)) from exc
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.25)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
