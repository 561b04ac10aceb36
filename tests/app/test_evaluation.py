"""AppTest of the Évaluation page: CDPPE outcomes only, an estimate refused (not headlined) on the demo with its
reasons, the controls chosen explicitly, the « écart estimé » wording and the limits beside it; the dose-response tab."""

from __future__ import annotations

from tests.app.conftest import texts
from tests.app.pages import choose, metrics, open_page, open_tab


def test_evaluation_refuses_rather_than_headlines_and_says_ecart_estime(app):
    open_page(app, "pages/evaluation.py")
    assert not app.exception
    options = app.selectbox(key="ev_indicator").options
    assert options and all(o.startswith("CDPPE-") for o in options)  # no CALPAE RSA/accueil outcome
    page = texts(app)
    assert "« écart estimé »" in page and "pas la mesure d'un effet" in page
    assert "effet distinct de zéro" not in page and "Effet moyen" not in page
    # Demo CDPPE returns start in 2020: no wave has two years before signature and controls after it.
    assert any("estimation refusée" in e.value and "aucun témoin" in e.value for e in app.error)
    assert "« Écart estimé », pas « effet »" in page and "Vagues non tirées au sort" in page
    app.radio(key="ev_controls").set_value("jamais").run()
    assert not app.exception
    assert any("jamais sous contrat pour servir de témoins" in e.value for e in app.error)
    choose(app, "32", "59")
    assert any("Nord (59) a signé son contrat CDPPE en 2020." in i.value for i in app.info)
    # Only the chosen tab is computed: the dose-response is drawn once its tab is clicked.
    assert "Pente pour +10 € par habitant pauvre" not in metrics(app)
    open_tab(app, "ev_tab", "CALPAE : dose-réponse")
    assert "Tendances antérieures (p)" not in metrics(app)
    assert "Pas de groupe non traité" in texts(app)  # the dose-response's own limits
    dose_before = metrics(app)["Pente pour +10 € par habitant pauvre"]
    app.selectbox(key="ev_dose_indicator").set_value("CALPAE-1.1.3-PAR-TX").run()
    assert not app.exception
    assert metrics(app)["Pente pour +10 € par habitant pauvre"] != dose_before
    # Back on the first tab, the controls chosen there are still the ones shown and used.
    open_tab(app, "ev_tab", "Vagues CDPPE : contrat signé ou pas encore")
    assert app.radio(key="ev_controls").value == "jamais"
    assert any("jamais sous contrat pour servir de témoins" in e.value for e in app.error)
