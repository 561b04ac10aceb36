"""AppTests of the comité de suivi pages: choosing a département, preparing the PDF and the PowerPoint gives download
buttons; the presentation mode moves from chart to chart with its previous / next buttons."""

from __future__ import annotations

from tests.app.conftest import texts


def _open(app, page: str):
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _choose(app, reg: str, dep: str):
    app.sidebar.selectbox(key="sel_reg").set_value(reg).run()
    app.sidebar.selectbox(key="sel_dep").set_value(dep).run()
    assert not app.exception, app.exception


def _downloads(app) -> list:
    return list(app.get("download_button"))


def test_pack_page_asks_for_a_territory_then_prepares_pdf_and_pptx(app):
    _open(app, "pages/pack.py")
    assert app.title[0].value == "Pack du comité de suivi"
    assert "Choisissez un département" in texts(app)
    assert not _downloads(app)

    _choose(app, "84", "38")
    assert "Isère (38)" in [s.value for s in app.subheader]
    assert app.multiselect(key="pack_sections").value == ["t0", "actions", "financement", "qualite", "definitions"]
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
    _open(app, "pages/pack.py")
    _choose(app, "84", "38")
    app.multiselect(key="pack_sections").set_value(["t0"]).run()
    app.button(key="pack_make_pptx").click().run()
    assert not app.exception, app.exception
    assert len(_downloads(app)) == 1
    assert "1 section(s)" in texts(app)
    # Another territory drops the pack made for the previous one.
    _choose(app, "32", "59")
    assert not _downloads(app)


def test_presentation_next_and_previous_change_the_chart(app):
    _open(app, "pages/presentation.py")
    assert "Choisissez d'abord un département" in texts(app)
    _choose(app, "84", "38")
    assert not app.exception, app.exception
    first_title = [m.value for m in app.markdown if m.value.startswith("## ")]
    first_chart = app.get("plotly_chart")[0].proto.spec
    assert first_title and "Isère" in first_title[0]
    assert "1 / " in texts(app)
    assert app.button(key="pres_prev").disabled

    app.button(key="pres_next").click().run()
    assert not app.exception, app.exception
    second_title = [m.value for m in app.markdown if m.value.startswith("## ")]
    assert second_title != first_title
    assert app.get("plotly_chart")[0].proto.spec != first_chart
    assert "2 / " in texts(app)
    assert any("Source" in c.value for c in app.caption)

    app.button(key="pres_prev").click().run()
    assert [m.value for m in app.markdown if m.value.startswith("## ")] == first_title


def test_presentation_projects_only_the_charts_kept(app):
    _open(app, "pages/presentation.py")
    _choose(app, "84", "38")
    keep = app.multiselect(key="pres_keep_38")
    total = len(keep.value)
    assert f"1 / {total}" in texts(app)
    two = keep.value[:2]
    keep.set_value(two).run()
    assert not app.exception, app.exception
    assert "1 / 2" in texts(app)
    app.button(key="pres_next").click().run()
    assert "2 / 2" in texts(app) and app.button(key="pres_next").disabled
