"""Browser tests: the Effet levier and Évaluation pages render their charts in Chromium without a Streamlit error;
screenshots screenshots/effet_levier.png and screenshots/evaluation.png."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def _tall(page, height: int) -> None:
    """Streamlit scrolls inside its own container: a tall viewport lets the screenshot show the whole page."""
    page.set_viewport_size({"width": 1440, "height": height})
    page.wait_for_timeout(1500)


def _charts_drawn(page, at_least: int) -> None:
    page.wait_for_function(f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {at_least}",
                           timeout=60_000)
    page.wait_for_timeout(800)


def test_lever_page_for_a_departement(server, page):
    page.goto(f"{server}/effet-levier?reg=52&dep=44")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Effet levier"
    _charts_drawn(page, 4)
    body = page.inner_text("body")
    assert "Loire-Atlantique (44)" in body and "Crédits reventilés" in body
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".js-plotly-plot").count() >= 4  # execution, Sankey, leverage, € per poor inhabitant
    _tall(page, 4400)
    shot = screenshot(page, "effet_levier")
    assert shot.stat().st_size > 50_000


def test_evaluation_page(server, page):
    page.goto(f"{server}/evaluation?reg=32&dep=59")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Évaluation"
    _charts_drawn(page, 2)
    body = page.inner_text("body")
    assert "Limites de cette estimation" in body and "Vagues non tirées au sort" in body
    assert "« écart estimé »" in body and "estimation refusée" in body  # demo CDPPE waves: refused, not headlined
    assert page.locator('[data-testid="stException"]').count() == 0
    _tall(page, 2600)
    shot = screenshot(page, "evaluation")
    assert shot.stat().st_size > 50_000
    page.get_by_role("tab", name="CALPAE : dose-réponse").click()
    page.get_by_text("Limites de cette lecture").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    assert "Pas de groupe non traité" in page.inner_text("body")
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "evaluation_dose")
