"""Set-up shared by the benchmark scripts: the demo database to measure on, and AppTest sessions routed by app.py."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def demo_db(path: str | None) -> Path:
    """The database given with --db, or a demo database built now in a temporary folder."""
    if path:
        return Path(path)
    from levier.demo.build import build_demo
    from levier.views import derived

    target = Path(tempfile.mkdtemp(prefix="levier-bench-")) / "demo.duckdb"
    t0 = time.perf_counter()
    build_demo(target, progress=lambda _m: None, publish=derived.refresh)
    print(f"Base de démonstration construite en {time.perf_counter() - t0:.1f} s : {target}")
    return target


def router_app_test(default_timeout: float = 300):
    """A new AppTest session of the app with app.py as the router of every run, as tests/app/conftest.py does:
    started from a two-line entry in a folder of its own (AppTest would otherwise treat the pages/ folder beside
    app.py as Streamlit's legacy multipage mode on every run). Pages are named from the project root."""
    from streamlit.testing.v1 import AppTest

    from levier.core.config import PROJECT_ROOT

    entry = Path(tempfile.mkdtemp(prefix="levier-bench-app-")) / "entry.py"
    entry.write_text(f"import runpy\n\nrunpy.run_path({str(PROJECT_ROOT / 'app.py')!r}, run_name='app')\n")

    class RouterAppTest(AppTest):
        def switch_page(self, page_path: str) -> AppTest:
            return super().switch_page(str(PROJECT_ROOT / page_path))

    return RouterAppTest(str(entry), default_timeout=default_timeout)
