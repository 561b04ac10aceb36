"""Set-up shared by the benchmark scripts: the demo database to measure on, and AppTest routed through app.py."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def demo_db(path: str | None) -> Path:
    """The database given with --db, or a demo database built now in a temporary folder."""
    if path:
        return Path(path)
    from levier.demo.build import build_demo

    target = Path(tempfile.mkdtemp(prefix="levier-bench-")) / "demo.duckdb"
    t0 = time.perf_counter()
    build_demo(target, progress=lambda _m: None)
    print(f"Base de démonstration construite en {time.perf_counter() - t0:.1f} s : {target}")
    return target


def route_pages_through_app() -> None:
    """Like levier.app.serve and tests/app/conftest.py: AppTest keeps app.py as the router of the pages/ scripts
    instead of Streamlit's legacy pages/ mode."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test as app_test_module

    class RouterPagesManager(PagesManager):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            PagesManager.uses_pages_directory = False

    app_test_module.PagesManager = RouterPagesManager
