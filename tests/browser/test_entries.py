"""Both ways of starting the app serve the same app on a deep link: `streamlit run app.py` (what Streamlit's
documentation and hosting platforms run) and `levier app`. Each starts a fresh server whose very first request is
/t0?dep=38, the case where Streamlit would otherwise run pages/t0.py alone in its legacy pages/ mode."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from levier.core.config import PROJECT_ROOT
from tests.browser.conftest import (
    _free_port,
    levier_app_command,
    running_app,
    streamlit_run_command,
    wait_for_app,
)

pytestmark = pytest.mark.browser

MENU = [
    "Accueil", "Vue régionale", "Situation de départ (T0)", "Comparaison mi-parcours", "France à mi-parcours",
    "Comparer les départements",
    "Panorama des besoins", "Offre de services et couverture", "Indicateurs et définitions", "Qualité des données",
    "Effet levier", "Évaluation", "Pack du comité de suivi", "Mode présentation", "Importer",
]
# Streamlit's legacy menu names each page after its file, in lower case: none of these may be offered.
LEGACY = {"app", "accueil", "t0", "mi-parcours", "comparer", "effet-levier", "evaluation", "pack", "presentation",
          "region", "france-mi-parcours"}
ENTRIES = {"streamlit-run": streamlit_run_command, "levier-app": levier_app_command}


@contextmanager
def first_visitor(demo_db_path: Path, tmp_path: Path, browser, command=levier_app_command,
                  viewport: dict | None = None) -> Iterator[tuple[str, object]]:
    """A fresh server over a copy of the demo, and the browser page of its very first visitor: (address, page)."""
    db = tmp_path / "levier.duckdb"
    shutil.copy(demo_db_path, db)
    env = dict(os.environ, LEVIER_DB=str(db))
    with running_app(_free_port(), env, PROJECT_ROOT, tmp_path / "streamlit.log", command=command) as url:
        context = browser.new_context(viewport=viewport or {"width": 1440, "height": 1000}, locale="fr-FR")
        try:
            yield url, context.new_page()
        finally:
            context.close()


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_a_deep_link_on_a_fresh_server_runs_app_py(entry, demo_db_path, tmp_path, browser):
    with first_visitor(demo_db_path, tmp_path, browser, ENTRIES[entry]) as (url, page):
        page.goto(f"{url}/t0?dep=38")
        wait_for_app(page)
        page.get_by_role("heading", name="Isère (38)").wait_for(timeout=90_000)
        page.locator('[data-testid="stDataFrame"] >> visible=true').first.wait_for(timeout=120_000)  # the T0 table: the run ended
        shot = Path("/tmp") / f"levier-entry-{entry}.png"
        page.screenshot(path=str(shot), full_page=True)

        assert page.locator("h1").all_inner_texts() == ["Situation de départ (T0)"]
        assert "Données fictives de démonstration" in page.inner_text('[data-testid="stMain"]')
        # Each menu entry reads « icon-name\n\nTitle »: keep the title.
        links = page.locator('[data-testid="stSidebarNav"] a')
        labels = [text.split("\n")[-1].strip() for text in links.all_inner_texts()]
        assert labels == MENU
        assert not LEGACY & set(labels)
        assert not [h for h in (links.nth(i).get_attribute("href") for i in range(links.count()))
                    if re.search(r"/(app|mi_parcours|effet_levier)$", h or "")]
        departement = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Département")
        assert departement.input_value() == "38 – Isère"
        assert re.search(r"[?&]dep=38(&|$)", page.url)


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_the_first_visitor_of_a_fresh_server_on_a_hyphenated_address_sees_no_not_found_box(
        entry, demo_db_path, tmp_path, browser):
    """Streamlit's legacy pages/ mode names each page after its file: when /effet-levier was pages/effet_levier.py,
    it put its « Page not found » box (in French, « Page introuvable ») over the right page for the first visitor
    after a start. Each file is named as its address, so both ways of starting the server find the page."""
    with first_visitor(demo_db_path, tmp_path, browser, ENTRIES[entry], {"width": 1280, "height": 720}) as (url, page):
        page.goto(f"{url}/effet-levier?dep=38")
        wait_for_app(page)
        page.get_by_role("heading", name="Isère (38)").wait_for(timeout=90_000)
        assert page.locator("h1").all_inner_texts() == ["Effet levier"]
        assert page.locator('[role="dialog"]').count() == 0
        assert "introuvable" not in page.inner_text("body").lower()
        # The page answers at once: its sidebar is not behind a modal box.
        page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Département").click(timeout=10_000)


def test_visitors_arriving_together_on_a_fresh_server_each_get_the_whole_app(demo_db_path, tmp_path, browser):
    """Each visitor's first run on a fresh server starts in Streamlit's legacy pages/ mode; the first app.py run to
    reach st.navigation ends it for the process while the others' pages are already running alone. Those pages
    were shown without the sidebar and its territory, for « France entière » (7 of 12 sessions opened together).
    Each is now sent through app.py: every visitor gets the menu and the département of the address."""
    addresses = ["t0", "qualite", "services", "effet-levier", "pack", "evaluation"]
    db = tmp_path / "levier.duckdb"
    shutil.copy(demo_db_path, db)
    env = dict(os.environ, LEVIER_DB=str(db))
    with running_app(_free_port(), env, PROJECT_ROOT, tmp_path / "streamlit.log") as url:
        contexts = [browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR") for _ in addresses]
        try:
            pages = [context.new_page() for context in contexts]
            for page, address in zip(pages, addresses):  # all arrive before the first run has routed anyone
                page.goto(f"{url}/{address}?dep=38", wait_until="commit")
            for page, address in zip(pages, addresses):
                wait_for_app(page, 180_000)
                departement = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Département")
                departement.wait_for(timeout=10_000)
                assert departement.input_value() == "38 – Isère", address
                assert page.locator('[data-testid="stSidebarNav"] a').count() == len(MENU), address
        finally:
            for context in contexts:
                context.close()
