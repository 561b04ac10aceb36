"""« Calcul en cours… » shown whenever a run of the page takes more than 0.3 s, in place of Streamlit's own running
indicator (English « Running… » / « Stop » in the header), which is hidden."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx

DELAY_SECONDS = 0.3  # below this a run feels immediate; a message would only flicker
MESSAGE = "Calcul en cours…"

# Streamlit's status widget (running man, « Running… », « Stop ») speaks English and cannot be translated: hidden.
# The French notice is fixed to the top right of the window, so it shows wherever the reader has scrolled.
_CSS = """<style>
[data-testid="stStatusWidget"] { display: none !important; }
.levier-busy { position: fixed; top: 0.6rem; right: 5rem; z-index: 999990; background: #000091; color: #fff;
  padding: 0.45rem 1rem; border-radius: 0.25rem; font-weight: 600; font-size: 1rem;
  box-shadow: 0 2px 6px rgba(0, 0, 18, 0.35); }
</style>"""
_NOTICE = '<div class="levier-busy" role="status" aria-live="polite">⏳ ' + MESSAGE + "</div>"


@contextmanager
def busy() -> Iterator[None]:
    """Around a page run: the French notice appears after DELAY_SECONDS and goes when the run ends (or stops)."""
    st.html(_CSS)
    placeholder = st.empty()
    lock = threading.Lock()
    running = [True]

    def show() -> None:
        with lock:
            if running[0]:
                placeholder.html(_NOTICE)

    timer = threading.Timer(DELAY_SECONDS, show)
    add_script_run_ctx(timer)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            running[0] = False
            placeholder.empty()
