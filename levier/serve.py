"""Starts the Streamlit server in-process with app.py as the only router of the pages/ scripts."""

from __future__ import annotations

import sys

from levier.config import PROJECT_ROOT


def run_server(port: int, extra: list[str] | None = None) -> None:
    # Streamlit treats a `pages/` folder beside the main script as the legacy multipage mode and, until the
    # main script has called st.navigation once, runs a deep link such as /importer without app.py (no
    # banner, no router). Our pages/ are st.Page scripts routed by app.py, so the legacy mode is switched off
    # before the server starts.
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli as streamlit_cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.port", str(port), *(extra or [])]
    streamlit_cli.main()
