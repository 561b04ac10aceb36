"""Browser tests: the catalogue and data-quality pages render in Chromium with their charts (heat-maps, map) and no
exception; screenshots saved as screenshots/indicateurs.png and screenshots/qualite.png."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture
def tall_page(browser):
    """A tall window, so the full-page screenshot shows the page down to its tables (Streamlit scrolls inside)."""
    context = browser.new_context(viewport={"width": 1440, "height": 3200}, locale="fr-FR")
    pg = context.new_page()
    yield pg
    context.close()


def _no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Données fictives de démonstration" in page.inner_text("body")


def test_catalogue_page_renders_with_its_charts(server, tall_page):
    page = tall_page
    page.goto(f"{server}/indicateurs")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Indicateurs et définitions"
    page.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=60_000)  # the comparability matrix
    # Data available per year, and the matrix: each chart is drawn when its turn comes, so wait for both rather
    # than count them as the first appears (CI once counted one).
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=60_000)
    assert page.locator(".js-plotly-plot").count() >= 2
    _no_error(page)
    body = page.inner_text("body")
    assert "définitions mélangées" in body and "Variantes connues de la définition" in body
    shot = screenshot(page, "indicateurs")
    assert shot.stat().st_size > 50_000


def test_quality_page_renders_the_heatmap_and_the_map(server, tall_page):
    page = tall_page
    page.goto(f"{server}/qualite")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Qualité des données"
    page.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=60_000)  # the completeness matrix
    page.get_by_text("Retours manquants").first.wait_for(timeout=30_000)  # the key figures above the tabs
    _no_error(page)
    shot = screenshot(page, "qualite")
    assert shot.stat().st_size > 50_000

    page.get_by_role("tab", name="Score par département").click()
    page.wait_for_selector(".js-plotly-plot .choroplethlayer path", state="attached", timeout=60_000)
    assert page.locator(".js-plotly-plot .choroplethlayer path").count() >= 101
    _no_error(page)
    screenshot(page, "qualite_score")


def test_quality_page_for_one_departement(server, tall_page):
    page = tall_page
    page.goto(f"{server}/qualite?reg=75&dep=33")
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=60_000)
    _no_error(page)
    assert "Gironde (33)" in page.inner_text("body")
    page.get_by_role("tab", name="À corriger (liste à envoyer)").click()
    page.get_by_text("point(s) à faire corriger").first.wait_for(timeout=30_000)
    assert "2 point(s) à faire corriger" in page.inner_text("body")
    screenshot(page, "qualite_33")
