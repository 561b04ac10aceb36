"""AppTests for the home and import pages, on the demo database, with real interactions."""

from __future__ import annotations

from tests.app.conftest import texts
from tests.unit.ingest.test_returns import GOOD, long_csv, NE


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


def test_import_page_rejects_a_bad_file_then_accepts_a_good_one(app):
    app.run()
    app.switch_page("pages/importer.py").run()
    assert not app.exception
    bad = long_csv([["1", NE, "2021", "12"], ["38", NE, "2021", "douze"]])
    app.file_uploader[0].upload("mauvais.csv", bad, "text/csv").run()
    assert not app.exception
    assert any("Fichier refusé : 2 erreur(s)" in e.value for e in app.error)
    errors = app.dataframe[0].value
    assert errors["Ligne"].tolist() == [2, 3]
    assert "zéro initial" in errors["Motif"].iloc[0]
    assert errors["Colonne"].tolist() == ["territoire", "valeur"]
    assert not [b for b in app.button if b.label == "Confirmer l'import"]

    good = long_csv([["38", NE, "2022", "6 001"]])
    app.file_uploader[0].upload("bon.csv", good, "text/csv").run()
    assert any("Fichier valide" in s.value for s in app.success)
    confirm = [b for b in app.button if b.label == "Confirmer l'import"][0]
    confirm.click().run()
    assert not app.exception
    assert any("Importé" in s.value for s in app.success), [s.value for s in app.success]
    journal = app.dataframe[-1].value
    assert journal["Fichier"].iloc[0] == "bon.csv" and journal["Statut"].iloc[0] == "importé"
