"""AppTests of the Effet levier and Évaluation pages: choosing a territory, a programme or an indicator changes the
figures and the charts a user sees."""

from __future__ import annotations

import json

from tests.app.conftest import texts


def _open(app, page: str):
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _choose(app, reg: str, dep: str | None = None):
    app.sidebar.selectbox(key="sel_reg").set_value(reg).run()
    if dep:
        app.sidebar.selectbox(key="sel_dep").set_value(dep).run()
    assert not app.exception, app.exception


def _metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _charts(app) -> list[dict]:
    """The figures as decoded JSON: how the spec escapes accents depends on the serialiser plotly finds."""
    return [json.loads(c.proto.spec) for c in app.get("plotly_chart")]


def _strings(node) -> list[str]:
    """Every text of a decoded figure (titles, annotations, labels, hover templates)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_lever_page_national_then_a_departement(app):
    _open(app, "pages/effet_levier.py")
    assert "France entière (somme des départements)" in [s.value for s in app.subheader]
    france = _metrics(app)
    assert set(france) >= {"État", "Département", "Effet levier", "€ propres par € État", "€ par habitant pauvre"}
    assert france["État"].replace("\u00a0", " ").endswith("€")
    charts_fr = _charts(app)
    assert len(charts_fr) >= 4  # execution bars, Sankey, leverage and per-poor distributions
    page = texts(app)
    assert "PACTE-RSA (62)" in page and "PACTE-MOBECO (38)" in page  # planted substitution and new-action cases
    _choose(app, "32", "59")
    assert "Nord (59)" in [s.value for s in app.subheader]
    nord = _metrics(app)
    assert nord["État"] != france["État"] and nord["Effet levier"] != "–"
    assert _charts(app)[0] != charts_fr[0]  # the execution chart now shows the Nord's actions
    assert any("Source : Financements déclarés" in s for s in _strings(_charts(app)[0]))


def test_lever_page_programme_stage_and_substitution(app):
    _open(app, "pages/effet_levier.py")
    _choose(app, "32", "59")
    pacte = _metrics(app)
    app.selectbox(key="lev_programme").set_value("CALPAE").run()
    assert not app.exception
    calpae = _metrics(app)
    assert calpae["État"] != pacte["État"]
    assert any("CALPAE-3.1 (59), 2020 → 2021" in w.value for w in app.warning)
    consumed = _metrics(app)["Effet levier"]
    app.radio(key="lev_stage").set_value("planned").run()
    assert not app.exception and _metrics(app)["État"] != calpae["État"]
    assert "Montants prévus" in texts(app)
    assert consumed  # the leverage is shown at every stage


def test_lever_page_refuses_an_epci(app):
    _open(app, "pages/effet_levier.py")
    _choose(app, "84", "38")
    app.sidebar.selectbox(key="sel_epci").set_value("200040715").run()  # Grenoble-Alpes-Métropole
    assert not app.exception
    assert any("suivis par département" in i.value for i in app.info)


def test_evaluation_indicator_and_departement_change_the_estimate(app):
    _open(app, "pages/evaluation.py")
    first = _metrics(app)
    assert first["Tendances antérieures (p)"] == "non testable"
    page = texts(app)
    assert "Vagues non tirées au sort" in page and "Pas de groupe non traité" in page
    charts_before = _charts(app)
    app.selectbox(key="ev_indicator").set_value("CALPAE-1.1.3-PAR-TX").run()
    assert not app.exception
    second = _metrics(app)
    assert second["Effet moyen après signature"] != first["Effet moyen après signature"]
    assert second["Tendances antérieures (p)"] != "non testable"
    assert _charts(app)[0] != charts_before[0]
    _choose(app, "32", "59")
    assert any("Nord (59) a signé son contrat CDPPE en 2020." in i.value for i in app.info)
    dose_before = _metrics(app)["Pente pour +10 € par habitant pauvre"]
    app.selectbox(key="ev_dose_indicator").set_value("CALPAE-1.1.3-PAR-TX").run()
    assert not app.exception
    assert _metrics(app)["Pente pour +10 € par habitant pauvre"] != dose_before


def test_lever_page_before_the_contract_says_there_is_no_funding(app):
    _open(app, "pages/effet_levier.py")
    _choose(app, "84", "01")  # the Ain signs its CDPPE in the 2022 wave of the demo
    app.selectbox(key="lev_programme").set_value("CDPPE").run()
    app.select_slider(key="lev_years_CDPPE").set_range(2020, 2021).run()
    assert not app.exception
    assert any("Aucun financement CDPPE déclaré pour ce territoire de 2020 à 2021" in i.value for i in app.info)
    assert not app.get("plotly_chart")
