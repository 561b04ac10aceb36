"""AppTest of the Effet levier page: national then a département, programme and stage, substitution, refusals."""

from __future__ import annotations

from tests.app.conftest import frame_with, texts
from tests.app.pages import charts, choose, metrics, open_page
from tests.figures import strings


def test_lever_page_national_then_a_departement(app):
    open_page(app, "pages/effet-levier.py")
    assert "France entière (somme des départements)" in [s.value for s in app.subheader]
    france = metrics(app)
    assert set(france) >= {"État", "Département", "Effet levier", "€ propres par € État", "€ par habitant pauvre"}
    assert france["État"].replace("\u00a0", " ").endswith("€")
    charts_fr = charts(app)
    assert len(charts_fr) >= 4  # execution bars, Sankey, leverage and per-poor distributions
    page = texts(app)
    assert "PACTE-RSA (62)" in page and "PACTE-MOBECO (38)" in page  # planted substitution and new-action cases
    choose(app, "32", "59")
    assert "Nord (59)" in [s.value for s in app.subheader]
    nord = metrics(app)
    assert nord["État"] != france["État"] and nord["Effet levier"] != "–"
    assert charts(app)[0] != charts_fr[0]  # the execution chart now shows the Nord's actions
    assert any("Source : Financements déclarés" in s for s in strings(charts(app)[0]))


def test_lever_page_programme_stage_and_substitution(app):
    open_page(app, "pages/effet-levier.py")
    choose(app, "32", "59")
    pacte = metrics(app)
    app.selectbox(key="lev_programme").set_value("CALPAE").run()
    assert not app.exception
    calpae = metrics(app)
    assert calpae["État"] != pacte["État"]
    assert any("CALPAE-3.1 (59), 2020 → 2021" in w.value for w in app.warning)
    consumed = metrics(app)["Effet levier"]
    app.radio(key="lev_stage").set_value("planned").run()
    assert not app.exception and metrics(app)["État"] != calpae["État"]
    assert "Montants prévus" in texts(app)
    assert consumed


def test_lever_page_cost_per_beneficiary_year(app):
    open_page(app, "pages/effet-levier.py")
    choose(app, "84", "38")  # Isère, Pacte 2024–2026: T0 = 2023
    assert "bénéficiaires-années au-dessus du niveau d'avant financement" in texts(app)
    costs = frame_with(app, "€ par bénéficiaire-année", "T0 (année · bénéficiaires)", "Années financées")
    assert costs["T0 (année · bénéficiaires)"].str.startswith("2023 · ").any()
    assert set(costs["Années financées"]) >= {"2024–2026"}
    app.selectbox(key="lev_programme").set_value("CALPAE").run()  # demo returns start in 2019: no T0, no cost
    costs = frame_with(app, "€ par bénéficiaire-année", "Mise en garde")
    assert costs["€ par bénéficiaire-année"].eq("–").all()
    assert costs["Mise en garde"].str.contains("pas de valeur en 2018").any()


def test_lever_page_of_a_metropole_and_of_an_epci_without_contract(app):
    open_page(app, "pages/effet-levier.py")
    choose(app, "84", "38")
    isere = metrics(app)
    app.sidebar.selectbox(key="sel_epci").set_value("200040715").run()  # Grenoble-Alpes-Métropole
    assert not app.exception
    assert "Grenoble-Alpes-Métropole (200040715)" in [s.value for s in app.subheader]
    grenoble = metrics(app)  # its own money and lever figures, not the Isère's
    assert set(grenoble) == {"État", "Métropole", "Effet levier", "€ propres par € État", "Consommé / prévu"}
    assert grenoble["État"] != isere["État"] and grenoble["Effet levier"] != "–"
    execution = frame_with(app, "État prévu", "Métropole engagé", "Métropole consommé")
    assert len(execution) == 11
    page = texts(app)
    assert "Effet levier comparé aux autres métropoles" in page and "données fictives" in page
    assert "taux de pauvreté par intercommunalité" in page and "PACTE-AV (200040715)" in page
    assert any("Source : Financements déclarés" in s for s in strings(charts(app)[0]))
    app.sidebar.selectbox(key="sel_epci").set_value("243800604").run()  # CA Porte de l'Isère: no contract
    assert not app.exception
    assert any("ne porte pas de contrat" in i.value and "Isère (38)" in i.value for i in app.info)
    assert not app.metric and not app.get("plotly_chart")  # never the département's figures in its place


def test_lever_page_before_the_contract_says_there_is_no_funding(app):
    open_page(app, "pages/effet-levier.py")
    choose(app, "84", "01")  # the Ain signs its CDPPE in the 2022 wave of the demo
    app.selectbox(key="lev_programme").set_value("CDPPE").run()
    app.select_slider(key="lev_years_CDPPE").set_range(2020, 2021).run()
    assert not app.exception
    assert any("Aucun financement CDPPE déclaré pour ce territoire de 2020 à 2021" in i.value for i in app.info)
    assert not app.get("plotly_chart")
