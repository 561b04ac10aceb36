"""A 5 kB workbook whose used range spans a whole worksheet (A1:XFD1048576), uploaded on the Importer page: refused
in French by name, and the server stays up for everyone (it used to abort the Streamlit process)."""

from __future__ import annotations

import urllib.request

import pytest

from tests.badfiles import CASES
from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def healthy(url: str) -> bool:
    try:
        return urllib.request.urlopen(url + "/_stcore/health", timeout=5).status == 200
    except OSError:
        return False


def test_dense_range_workbook_is_refused_and_the_server_stays_up(server, page):
    case = next(c for c in CASES if c.id == "dense_range")
    page.goto(f"{server}/importer")
    wait_for_app(page)
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": case.name, "mimeType": XLSX, "buffer": case.data}])
    page.wait_for_selector("text=Fichier refusé", timeout=90_000)
    wait_for_app(page)
    body = page.inner_text("body")
    screenshot(page, "importer_plage_entiere")
    assert "Fichier refusé" in body
    assert "s'étend jusqu'à la cellule XFD1048576" in body and "plage_entiere.xlsx" in body
    assert page.locator('[data-testid="stException"]').count() == 0
    assert healthy(server)
    # Another person (a new session) still gets the page.
    other = page.context.browser.new_context(locale="fr-FR").new_page()
    try:
        other.goto(f"{server}/importer")
        wait_for_app(other)
        assert other.locator("h1").first.inner_text().strip() == "Importer des données"
    finally:
        other.context.close()
