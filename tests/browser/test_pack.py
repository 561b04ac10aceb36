"""Browser tests of the comité de suivi pages: the pack page prepares a PDF and offers its download; the presentation
mode shows one large chart without the sidebar and moves to the next one. Screenshots: screenshots/pack.png,
screenshots/presentation.png, screenshots/presentation_2.png."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_pack_page_prepares_the_pdf(server, page):
    page.goto(f"{server}/pack?reg=84&dep=38")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Pack du comité de suivi"
    assert "Isère (38)" in page.inner_text("body")
    page.get_by_role("button", name="Préparer le PDF (à imprimer)").click()
    download = page.get_by_role("button", name="Télécharger le PDF (à imprimer)")
    download.wait_for(timeout=180_000)
    wait_for_app(page)
    body = page.inner_text("body")
    assert "Pack prêt" in body and "Traceback" not in body
    assert page.locator('[data-testid="stException"]').count() == 0
    with page.expect_download(timeout=60_000) as info:
        download.click()
    path = info.value.path()
    assert info.value.suggested_filename == "pack_comite_38_pacte.pdf"
    assert open(path, "rb").read(5) == b"%PDF-"
    screenshot(page, "pack")


def test_presentation_shows_a_chart_without_sidebar(server, page):
    page.goto(f"{server}/presentation?reg=84&dep=38")
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
    page.wait_for_timeout(1000)
    assert "Comité de suivi – Isère (38)" in page.locator("h1").first.inner_text()
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.inner_text("body")
    assert "Source : " in body and "Quitter" in body and "Traceback" not in body
    first = page.locator("h2").first.inner_text()
    screenshot(page, "presentation")

    page.get_by_role("button", name="Suivant ▶").click()
    page.wait_for_function(f"() => document.querySelector('h2') && document.querySelector('h2').innerText !== {first!r}",
                           timeout=60_000)
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "2 / " in page.inner_text("body")
    screenshot(page, "presentation_2")
