"""AppTest of the Presentation mode: next and previous, only the charts kept."""

from __future__ import annotations

import time

from tests.app.conftest import texts
from tests.app.pages import choose, open_page


def test_presentation_next_and_previous_change_the_chart(app):
    open_page(app, "pages/presentation.py")
    assert "Choisissez d'abord un département" in texts(app)
    choose(app, "84", "38")
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


def whole_deck(app, key: str, timeout: float = 180.0):
    """The chart list, shown once every slide is built in the background: reruns as the page's own poll does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return app.multiselect(key=key)
        except KeyError:
            assert time.monotonic() < deadline, "le pack des diapositives n'a pas été terminé"
            assert "/ …" in texts(app)  # meanwhile the count says more are coming
            time.sleep(0.3)
            app.run()
            assert not app.exception, app.exception


def test_presentation_projects_only_the_charts_kept(app):
    open_page(app, "pages/presentation.py")
    choose(app, "84", "38")
    keep = whole_deck(app, "pres_keep_38")
    total = len(keep.value)
    assert f"1 / {total}" in texts(app)
    two = keep.value[:2]
    keep.set_value(two).run()
    assert not app.exception, app.exception
    assert "1 / 2" in texts(app)
    app.button(key="pres_next").click().run()
    assert "2 / 2" in texts(app) and app.button(key="pres_next").disabled
