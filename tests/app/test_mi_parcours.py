"""AppTest of the Mi-parcours page: target statuses, programme switch."""

from __future__ import annotations

from tests.app.conftest import frame_with, texts
from tests.app.pages import open_page


def test_midterm_shows_target_statuses_and_switching_programme_changes_them(app):
    open_page(app, "pages/mi-parcours.py", "38")
    page = texts(app)
    assert "Cibles et trajectoires" in page and "Règle : Taux d'atteinte" in page
    statuses = {m.label: m.value for m in app.metric}
    assert sum(int(v) for v in statuses.values()) > 0
    app.selectbox(key="mp_programme").set_value("CALPAE").run()
    assert not app.exception
    assert any("Aucune cible" in i.value for i in app.info)
    changes = frame_with(app, "Évolution", "Lecture")
    assert set(changes.columns) >= {"Valeur 2019", "Valeur 2022", "Évolution"}
