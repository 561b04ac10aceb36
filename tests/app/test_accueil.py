"""AppTest of the Accueil: what is loaded, and that the returns are fictitious."""

from __future__ import annotations

from tests.app.conftest import texts


def test_home_says_what_is_loaded_and_that_it_is_fictitious(app):
    app.run()
    assert not app.exception
    page = texts(app)
    assert "Données fictives de démonstration" in page
    assert "Programmes, indicateurs et périodes" in page
    programmes = app.dataframe[0].value
    assert set(programmes["Programme"]) >= {"CALPAE", "CDPPE", "PACTE", "STAT"}
    calpae = programmes.set_index("Programme").loc["CALPAE"]
    assert calpae["Périodes avec données"] == "2019–2022"
    assert calpae["Départements ayant transmis"] >= 90
    territories = app.dataframe[1].value.set_index("Niveau")
    assert territories.loc["Départements", "Millésime 2026"] == "101"
    assert territories.loc["EPCI à fiscalité propre", "Millésime 2023"] == "1\u00a0255"
    imports = app.dataframe[2].value
    assert len(imports) > 0 and (imports["Statut"] == "importé").any()
