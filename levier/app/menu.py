"""The router's menu: every page of pages/ with its French title and address, and the st.navigation call of app.py.

Why a page can run without app.py, and how it is sent back: Streamlit treats a `pages/` folder beside the entry
script (app.py) as its legacy multipage mode until st.navigation has been called once in the process; from then on
every session ignores the folder (documented on st.navigation). Before that first call, the first run of a fresh
server shows Streamlit's file-name menu and, on a deep link such as /t0, executes pages/t0.py alone: no router, no
banner, no sign-in gate. Every page's first statement is `db = auth.database()`, hence `auth.current_scope()`
(tests/unit/test_architecture.py checks it); outside app.py's gate, `route_through_app` leaves the legacy
mode (st.navigation over the same pages, hidden) and reruns, so the run starts over from app.py on the same page
and query string. The sign-in screen, shown before app.py navigates, leaves the legacy mode too. For that first run
to find the page, each page's file is named as its address (pages/effet-levier.py is /effet-levier): a file named
otherwise gave its first visitor Streamlit's « Page not found » box over the right page, whichever way the server
was started.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

from levier.core.config import PROJECT_ROOT

PAGES_DIR = PROJECT_ROOT / "pages"

# Whether st.navigation has been called in this process (Streamlit then ignores pages/ for every session).
_navigated = False


def _page(script: str, title: str, icon: str, url_path: str, **kwargs) -> st.Page:
    # Absolute paths: the pages are found beside app.py whatever script Streamlit (or AppTest) started from.
    return st.Page(PAGES_DIR / script, title=title, icon=icon, url_path=url_path, **kwargs)


def page_file(script: str) -> str:
    """A page script's path for st.page_link, valid whatever script Streamlit (or AppTest) started from."""
    return str(PAGES_DIR / script)


def pages(can_import: bool) -> dict[str, list[st.Page]]:
    """The menu by section. The importer is out of the menu without the import right, yet still routed, so that an
    address typed by hand gets the page's own refusal."""
    return {
        # Streamlit serves the default page at the root only, yet reserves its url_path: the home page reserves a
        # path nobody types, and its address /accueil (in the issue's and users' links) is a hidden alias of it.
        "Levier": [
            _page("accueil.py", "Accueil", ":material/home:", "levier-accueil", default=True),
            _page("accueil.py", "Accueil", ":material/home:", "accueil", visibility="hidden"),
        ],
        "Diagnostic et suivi": [
            _page("region.py", "Vue régionale", ":material/travel_explore:", "region"),
            _page("t0.py", "Situation de départ (T0)", ":material/flag:", "t0"),
            _page("mi-parcours.py", "Comparaison mi-parcours", ":material/timeline:", "mi-parcours"),
            _page("france-mi-parcours.py", "France à mi-parcours", ":material/public:", "france-mi-parcours"),
            _page("comparer.py", "Comparer les départements", ":material/leaderboard:", "comparer"),
        ],
        "Territoires": [
            _page("panorama.py", "Panorama des besoins", ":material/map:", "panorama"),
            _page("services.py", "Offre de services et couverture", ":material/location_on:", "services"),
        ],
        "Confiance": [
            _page("indicateurs.py", "Indicateurs et définitions", ":material/menu_book:", "indicateurs"),
            _page("qualite.py", "Qualité des données", ":material/fact_check:", "qualite"),
        ],
        "Effet levier": [
            _page("effet-levier.py", "Effet levier", ":material/euro:", "effet-levier"),
            _page("evaluation.py", "Évaluation", ":material/science:", "evaluation"),
        ],
        "Comité de suivi": [
            _page("pack.py", "Pack du comité de suivi", ":material/picture_as_pdf:", "pack"),
            _page("presentation.py", "Mode présentation", ":material/slideshow:", "presentation"),
        ],
        "Données": [
            _page("importer.py", "Importer", ":material/upload_file:", "importer",
                  visibility="visible" if can_import else "hidden"),
        ],
    }


def navigation(can_import: bool) -> st.Page:
    """app.py's st.navigation: every page stays listed (a commissaire should not have to click « View more » to find
    the pack)."""
    global _navigated
    page = st.navigation(pages(can_import), position="sidebar", expanded=True)
    _navigated = True
    return page


def _entry_has_pages() -> bool:
    # Streamlit runs its entry script as the module __main__ (so that pickle works), with its __file__: the legacy
    # mode applies when a pages/ folder sits beside it, until the first st.navigation call of the process. A page
    # started as the entry itself (a test of one page) has no app.py to go through.
    entry = getattr(sys.modules.get("__main__"), "__file__", None)
    return bool(entry) and (Path(entry).parent / "pages").is_dir()


def _legacy_mode_possible() -> bool:
    return not _navigated and _entry_has_pages()


def leave_legacy_mode() -> None:
    """Make Streamlit ignore pages/ for good, if it may still use it: st.navigation over the same pages, hidden (app.py
    draws the menu), which keeps the requested page and replaces a legacy menu already sent."""
    global _navigated
    if not _legacy_mode_possible():
        return
    _navigated = True
    st.navigation(pages(can_import=False), position="hidden")


def route_through_app() -> None:
    """Send a page that Streamlit started on its own (legacy pages/ mode, see the module docstring) through app.py:
    leave the legacy mode, then rerun; the rerun executes app.py on the same page and query string.

    It reruns even when the legacy mode has already been left: visitors arriving together on a fresh server each
    start in it, and the first app.py run to reach st.navigation ends it for the process while the others' pages
    are already running alone (measured: 7 of 12 sessions opened together were shown a page without its sidebar,
    for « France entière »). Their rerun goes through app.py."""
    if _entry_has_pages():
        leave_legacy_mode()
        st.rerun()
