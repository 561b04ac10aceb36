"""AppTest of the Pack page: asks for a territory, prepares the PDF and the PPTX, sections change the pack."""

from __future__ import annotations

from tests.app.conftest import texts
from tests.app.pages import choose, open_page


def _downloads(app) -> list:
    return list(app.get("download_button"))


def test_pack_page_asks_for_a_territory_then_prepares_pdf_and_pptx(app):
    open_page(app, "pages/pack.py")
    assert app.title[0].value == "Pack du comité de suivi"
    assert "Choisissez un département" in texts(app)
    assert not _downloads(app)

    choose(app, "84", "38")
    assert "Isère (38)" in [s.value for s in app.subheader]
    assert app.multiselect(key="pack_sections").value == ["apercu", "t0", "actions", "financement", "qualite",
                                                          "definitions"]
    assert not _downloads(app)

    app.button(key="pack_make_pdf").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert len(_downloads(app)) == 1
    assert "Pack prêt" in texts(app)

    # The PowerPoint reuses the pack and its images: both buttons are then offered.
    app.button(key="pack_make_pptx").click().run()
    assert not app.exception, app.exception
    assert len(_downloads(app)) == 2


def test_pack_sections_choice_changes_the_pack(app):
    open_page(app, "pages/pack.py")
    choose(app, "84", "38")
    app.multiselect(key="pack_sections").set_value(["t0"]).run()
    app.button(key="pack_make_pptx").click().run()
    assert not app.exception, app.exception
    assert len(_downloads(app)) == 1
    assert "1 section(s)" in texts(app)
    # Another territory drops the pack made for the previous one.
    choose(app, "32", "59")
    assert not _downloads(app)
