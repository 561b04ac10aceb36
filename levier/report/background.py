"""Builds that run in a background thread (a prepared pack, a presentation's deck): stopped before the process exits."""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

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

Item = TypeVar("Item")


class Build(Generic[Item]):
    """A build run in a daemon thread that hands over its items (charts, slides) as it makes them, so a reader can
    use the first ones while the next are made. `build(add)` is called once with `add`, which the build calls with
    each chart; `_item(*args)` turns what it hands over into the item kept. A failure is kept for the reader; a
    cancelled build stops at its next item, before making it."""

    thread_name = "levier-build"

    def __init__(self, build: Callable[[Callable[..., None]], Any]) -> None:
        self._items: list[Item] = []
        self._result: Any = None
        self._error: BaseException | None = None
        self._done = False
        self._cancelled = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, args=(build,), name=self.thread_name, daemon=True)
        self._thread.start()
        register(self)

    def _item(self, *args: Any) -> Item:
        raise NotImplementedError

    def _run(self, build: Callable[[Callable[..., None]], Any]) -> None:
        result = None
        try:
            result = build(self._add)
        except Cancelled:
            pass
        except Exception as exc:  # noqa: BLE001 - raised again to whoever waits for what the build did not make
            self._error = exc
        finally:
            with self._cond:
                self._result, self._done = result, True
                self._cond.notify_all()

    def _add(self, *args: Any) -> None:
        if self._cancelled:
            raise Cancelled
        made = self._item(*args)
        with self._cond:
            self._items.append(made)
            self._cond.notify_all()

    @property
    def done(self) -> bool:
        """The build is over: finished, failed or stopped."""
        with self._cond:
            return self._done

    def cancel(self) -> None:
        """Stop building (at the next item): nobody will use what it makes."""
        self._cancelled = True
