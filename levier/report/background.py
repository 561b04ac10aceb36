"""Builds that run in a background thread (a prepared pack, a presentation's deck): stopped before the process exits."""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from typing import Protocol

STOP_TIMEOUT = 15  # seconds the process's exit waits for builds to stop at their next chart


class Job(Protocol):
    _thread: threading.Thread

    def cancel(self) -> None: ...


class Cancelled(Exception):
    """Raised inside a background build when nobody wants its result any more (another territory was chosen)."""


_LIVE: weakref.WeakSet = weakref.WeakSet()  # builds still running


def register(job: Job) -> None:
    """Keeps `job` to be stopped at exit (it is forgotten once nothing else holds it)."""
    _LIVE.add(job)


def stop_all() -> None:
    """A build's thread must not be running native code (DuckDB, GEOS) while the interpreter shuts down."""
    live = list(_LIVE)
    for job in live:
        job.cancel()
    deadline = time.monotonic() + STOP_TIMEOUT
    for job in live:
        job._thread.join(max(0.0, deadline - time.monotonic()))


atexit.register(stop_all)
