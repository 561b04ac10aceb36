"""Browser tests: every page renders in Chromium without a Streamlit error; screenshots saved in screenshots/."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

PAGES = {
    "accueil": "Levier",
    "region?reg=84": "Auvergne-Rhône-Alpes (84)",  # the région view's title is the région
    "t0?reg=84&dep=38": "Situation de départ (T0)",
    "mi-parcours?reg=84&dep=38": "Comparaison mi-parcours",
    "france-mi-parcours": "France à mi-parcours",
    "comparer?reg=84&dep=38": "Comparer les départements",
    "importer": "Importer des données",
    "panorama?reg=84&dep=38": "Panorama des besoins",
    "services?reg=84&dep=38": "Offre de services et couverture",
    "indicateurs": "Indicateurs et définitions",
    "qualite": "Qualité des données",
    "effet-levier?reg=84&dep=38": "Effet levier",
    # Only the chosen tab is drawn: Isère is highlighted in the dose-response chart, its tab opened by the link.
    "evaluation?reg=84&dep=38&onglet=calpae-dose-reponse": "Évaluation",
}


@pytest.mark.parametrize("path,title", PAGES.items())
def test_page_renders_without_error(server, page, path, title):
    page.goto(f"{server}/{path}")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == title
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Données fictives de démonstration" in page.inner_text("body")
    assert "Page not found" not in page.inner_text("body")  # every address in the menu exists (/accueil included)
    if "dep=38" in path:
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)  # the page's chart is drawn
        assert page.locator(".js-plotly-plot text", has_text="Isère").count() > 0  # highlighted in the chart
    shot = screenshot(page, f"page_{path.split('?')[0]}")
    assert shot.stat().st_size > 10_000


def test_upload_of_a_bad_file_shows_located_errors(server, page, tmp_path):
    bad = tmp_path / "mauvais.csv"
    bad.write_text("territoire;indicateur;periode;valeur\r\n1;CALPAE-3.1.1-NE;2021;12\r\n", encoding="utf-8")
    page.goto(f"{server}/importer")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    page.get_by_text("Fichier refusé").wait_for(timeout=30_000)
    # The refusal's title is drawn first, its located errors in the next element: wait for those words, not the
    # body as the title arrives (CI once read the body in between).
    page.get_by_text("zéro initial", exact=False).first.wait_for(timeout=10_000)
    body = page.inner_text("body")
    assert "zéro initial" in body and "ligne 2" in body
    screenshot(page, "import_rejet")
