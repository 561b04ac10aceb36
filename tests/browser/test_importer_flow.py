"""Browser test of the Importer page as an agent uses it: the upload box speaks French (no English left on screen),
the pre-filled template downloads, filled in it shows its old → new preview, and « Confirmer » replaces the
simulation by the result. Screenshots at 1280×720 and 1920×1080 in /tmp/shots-importer/."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from tests.browser.conftest import wait_for_app

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-importer")
# What the upload box shows, as a person sees it: visible text nodes and the ::before/::after texts CSS adds.
RENDERED_TEXT = """(root) => {
    const out = [];
    const walk = (el) => {
        if (!el.checkVisibility({visibilityProperty: true}) || el.getAttribute('aria-hidden') === 'true') return;
        for (const pseudo of ['::before', '::after']) {
            const s = getComputedStyle(el, pseudo);
            if (s.content && s.content !== 'none' && s.content !== 'normal' && parseFloat(s.fontSize) > 0)
                out.push(s.content.replace(/^"|"$/g, ''));
        }
        for (const child of el.childNodes) {
            if (child.nodeType === Node.TEXT_NODE && child.data.trim() && parseFloat(getComputedStyle(el).fontSize) > 0)
                out.push(child.data.trim());
            else if (child.nodeType === Node.ELEMENT_NODE) walk(child);
        }
    };
    walk(root);
    return out;
}"""
ENGLISH = ("Upload", "Browse", "Drag and drop", "per file", "Limit", "MB", "KB")


def _context(browser, width: int, height: int):
    return browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR", accept_downloads=True)


def _rendered(page) -> list[str]:
    return page.locator('[data-testid="stFileUploader"]').first.evaluate(RENDERED_TEXT)


def _fill_template(path: Path) -> bytes:
    """Types a value on the first row of the template (an agent filling one cell)."""
    book = openpyxl.load_workbook(path)
    sheet = book["retours"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    assert sheet.cell(2, col["territoire"]).value == "38"  # pre-filled for the territory of the sidebar
    assert sheet.cell(2, col["indicateur"]).value and sheet.cell(2, col["periode"]).value
    sheet.cell(2, col["valeur"]).value = 42 if sheet.cell(2, col["unite"]).value == "%" else 7_777
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_importer_page_in_french_template_preview_and_confirmation(server, browser, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    context = _context(browser, 1280, 720)
    page = context.new_page()
    page.goto(f"{server}/importer?reg=84&dep=38")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Importer des données"

    # The upload box: French, Levier's limit, nothing English visible — and the button's accessible name is French.
    shown = _rendered(page)
    assert "Choisir un fichier" in shown, shown
    assert "CSV ou XLSX · 20 Mo au plus · ou glissez le fichier ici" in shown, shown
    assert not [t for t in shown if any(word in t for word in ENGLISH)], shown
    page.screenshot(path=str(SHOTS / "importer_1280x720.png"))
    # The French button (its accessible name too) opens the file picker, though the bare input is hidden.
    with page.expect_file_chooser(timeout=10_000):
        page.get_by_role("button", name="Choisir un fichier").click()

    # The long template, pre-filled for Isère, downloaded then filled in as an agent would.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Modèle long (XLSX)").click()
    assert download.value.suggested_filename.endswith("_38.xlsx")
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    upload = tmp_path / "retour_isere.xlsx"
    upload.write_bytes(_fill_template(template))

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    page.get_by_text("Ce qui changera").wait_for(timeout=60_000)
    wait_for_app(page)
    # Each line of the preview waited for, not read once: under CI's load the page was once read while a rerun was
    # redrawing the lines above « Ce qui changera ». A preview without them still fails here.
    for line in ("simulation, rien n'est écrit", "Valeurs nouvelles"):
        page.get_by_text(line, exact=False).first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert re.search(r"« retour_isere\.xlsx » \([\d,]+\s?ko\)", body)  # the file's size, in French units
    after_upload = _rendered(page)
    assert not [t for t in after_upload if any(word in t for word in ENGLISH)], after_upload
    # What a screen reader announces of the uploaded file is French too.
    aria = page.locator('[data-testid="stFileUploader"]').first.aria_snapshot()
    assert 'button "Retirer retour_isere.xlsx"' in aria and 'button "Choisir un autre fichier"' in aria, aria
    assert "Remove" not in aria and "Add files" not in aria, aria
    page.screenshot(path=str(SHOTS / "importer_preview_1280x720.png"), full_page=True)

    big = _context(browser, 1920, 1080)
    wide = big.new_page()
    wide.goto(f"{server}/importer?reg=84&dep=38")
    wait_for_app(wide)
    wide.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    wide.get_by_text("Ce qui changera").wait_for(timeout=60_000)
    wait_for_app(wide)
    preview = wide.locator('[data-testid="stDataFrame"]').first
    preview.scroll_into_view_if_needed()
    wide.screenshot(path=str(SHOTS / "importer_preview_1920x1080.png"))
    big.close()

    page.get_by_role("button", name="Confirmer l'import").click()
    page.get_by_text("Importé (import n°").wait_for(timeout=60_000)
    wait_for_app(page)
    body = page.inner_text("body")
    assert "simulation" not in body
    assert page.get_by_role("button", name="Confirmer l'import").count() == 0
    page.screenshot(path=str(SHOTS / "importer_done_1280x720.png"), full_page=True)
    context.close()


def test_importer_page_at_full_hd_before_any_file(server, browser):
    SHOTS.mkdir(exist_ok=True)
    context = _context(browser, 1920, 1080)
    page = context.new_page()
    page.goto(f"{server}/importer?reg=84&dep=38")
    wait_for_app(page)
    shown = _rendered(page)
    assert not [t for t in shown if any(word in t for word in ENGLISH)], shown
    page.screenshot(path=str(SHOTS / "importer_1920x1080.png"))
    context.close()
