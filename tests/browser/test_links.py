"""Browser tests of shared links: a link copied from the address bar reopens the whole view in another browser, a
click on a map selects its territory, a wrong code is said in French, and no English Streamlit default shows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import wait_for_app

pytestmark = pytest.mark.browser

ENGLISH_DEFAULTS = ("Running", "Page not found", "Drag and drop", "Upload", "Stop")
SIZE = {"width": 1280, "height": 720}
# Records every « Calcul en cours… » notice the reader could see, however briefly (polled every 50 ms).
WATCH_BUSY = """setInterval(() => document.querySelectorAll('.levier-busy').forEach((e) => {
  if (e.checkVisibility({visibilityProperty: true})) window.levierBusy = (window.levierBusy || []).concat([e.innerText]);
}), 50);"""


def _open(browser, url: str):
    context = browser.new_context(viewport=SIZE, locale="fr-FR")
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    return context, page


def _chosen_tab(page) -> str:
    return page.locator('[role="tab"][aria-selected="true"]').first.inner_text().strip()


def test_a_copied_link_reopens_the_view_and_a_map_click_selects(server, browser):
    first, page = _open(browser, f"{server}/comparer?reg=84&dep=38")
    page.get_by_role("tab", name="Deux indicateurs").click()
    page.wait_for_function("() => location.search.includes('onglet=deux-indicateurs')", timeout=60_000)
    wait_for_app(page)
    link = page.url
    assert "annee_nuage=" in link and "abscisse=" in link
    first.close()

    second, page = _open(browser, link)  # a colleague's browser: no session, only the link
    assert _chosen_tab(page) == "Deux indicateurs"
    assert page.get_by_role("combobox", name="Département").input_value() == "38 – Isère"
    assert "Lien partagé" not in page.inner_text("body")

    page.goto(f"{server}/panorama?reg=84")
    wait_for_app(page)
    dep_map = page.locator(".js-plotly-plot").nth(1)
    dep_map.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot')[1]?.querySelectorAll("
                           "'path.choroplethlocation').length > 0", timeout=60_000)
    wait_for_app(page)  # the run is over: the map is not drawn again under the click
    # Clicked again, as a user would, when a click is lost: under CI's load one was, once (no selection in 60 s).
    for attempt in range(3):
        shape = dep_map.locator("path.choroplethlocation").nth(3).bounding_box()
        page.mouse.click(shape["x"] + shape["width"] / 2, shape["y"] + shape["height"] / 2)
        try:
            page.wait_for_function("() => /[?&]dep=/.test(location.search)", timeout=30_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    wait_for_app(page)
    clicked = re.search(r"[?&]dep=(\w+)", page.url).group(1)
    assert page.locator("h3", has_text="Par EPCI — ").first.inner_text().strip().endswith(f"({clicked})")
    second.close()


def test_wrong_code_said_in_french_and_no_english_default(server, browser):
    context, page = _open(browser, f"{server}/t0?dep=1")
    body = page.inner_text("body")
    assert "Le département « 1 » du lien n'existe pas (les codes s'écrivent sur deux chiffres : 01 pour Ain)" in body
    assert "Affiché à la place : France entière" in body
    busy_seen = []
    page.add_init_script(WATCH_BUSY)
    for path in ("inconnu", "accueil?reg=84&dep=38", "pack?reg=84&dep=38", "importer",
                 "panorama?reg=84&dep=38&classes=jenks"):
        page.goto(f"{server}/{path}")
        wait_for_app(page)
        if path.startswith("pack"):
            # A run longer than 0.3 s says so in French. A page's first run no longer is on every machine (the
            # pages' national reads are kept by the server): the pack's preparation, seconds long, always is.
            page.get_by_role("button", name="Préparer le PDF (à imprimer)").click()
            page.get_by_role("button", name="Télécharger le PDF (à imprimer)").wait_for(timeout=180_000)
            wait_for_app(page)
        busy_seen += page.evaluate("window.levierBusy || []")
        assert not page.locator(".levier-busy").is_visible(), path  # gone once the run ends, st.stop() or not
        text = page.inner_text("body")
        assert not [w for w in ENGLISH_DEFAULTS if w in text], (path, [w for w in ENGLISH_DEFAULTS if w in text])
        if path == "inconnu":  # Streamlit's own box for an address that is no page, in French
            assert "Page introuvable" in text and "aucune page de Levier" in text
    assert busy_seen and all("Calcul en cours…" in t for t in busy_seen)
    context.close()
