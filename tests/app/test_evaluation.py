"""AppTest of the Évaluation page: indicator and département change the estimate."""

from __future__ import annotations

from tests.app.conftest import texts
from tests.app.pages import charts, choose, metrics, open_page


def test_evaluation_indicator_and_departement_change_the_estimate(app):
    open_page(app, "pages/evaluation.py")
    first = metrics(app)
    assert first["Tendances antérieures (p)"] == "non testable"
    page = texts(app)
    assert "Vagues non tirées au sort" in page and "Pas de groupe non traité" in page
    charts_before = charts(app)
    app.selectbox(key="ev_indicator").set_value("CALPAE-1.1.3-PAR-TX").run()
    assert not app.exception
    second = metrics(app)
    assert second["Effet moyen après signature"] != first["Effet moyen après signature"]
    assert second["Tendances antérieures (p)"] != "non testable"
    assert charts(app)[0] != charts_before[0]
    choose(app, "32", "59")
    assert any("Nord (59) a signé son contrat CDPPE en 2020." in i.value for i in app.info)
    dose_before = metrics(app)["Pente pour +10 € par habitant pauvre"]
    app.selectbox(key="ev_dose_indicator").set_value("CALPAE-1.1.3-PAR-TX").run()
    assert not app.exception
    assert metrics(app)["Pente pour +10 € par habitant pauvre"] != dose_before
