"""Python's full garbage collection, moved from the end of every page run to the server's idle moments.

Streamlit collects (gc.collect(2)) right after each run by default (its option runner.postScriptGC): on a server that
has shown a few pages, about 180,000 objects are tracked and a collection holds the interpreter for 80–150 ms
(2026-12-06), while the run's last messages are still to be sent and a user's next click waits behind it. Levier turns
that option off (.streamlit/config.toml) and collects here instead: once no run has been going for IDLE_SECONDS, and
only if a run has ended since the last collection. A server that is never idle still collects, by Python's own
generational thresholds."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

IDLE_SECONDS = 1.0  # a reader looks at a page for longer than this before the next click

_lock = threading.Lock()
_active = 0  # runs going now
_last_end = 0.0  # time.monotonic() at the end of the last run
_pending = False  # a run has ended since the last collection
_thread: threading.Thread | None = None


@contextmanager
def page_run() -> Iterator[None]:
    """Around a page run (app.py): counted while it goes; once it ends, a collection is due when the server idles.
    Streamlit's own control flow (st.stop, st.rerun, a newer run interrupting this one) ends the run too."""
    global _active, _last_end, _pending
    _start()
    with _lock:
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            _last_end = time.monotonic()
            _pending = True


def collect_if_idle(now: float) -> bool:
    """Collects when a run has ended since the last collection, none is going and the last ended IDLE_SECONDS
    before `now` (time.monotonic()); True when it collected."""
    global _pending
    with _lock:
        if not _pending or _active or now - _last_end < IDLE_SECONDS:
            return False
        _pending = False
    gc.collect()
    return True


def _collect_forever() -> None:
    while True:
        time.sleep(IDLE_SECONDS / 4)
        collect_if_idle(time.monotonic())


def _start() -> None:
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_collect_forever, name="levier-idle-gc", daemon=True)
            _thread.start()
