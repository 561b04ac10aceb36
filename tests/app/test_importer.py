"""AppTest of the Importer page: a bad file rejected then a good one accepted; a variants file recognised and imported."""

from __future__ import annotations

from tests.app.pages import open_page
from tests.unit.ingest.test_returns import NE, long_csv


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


def test_a_variants_file_is_recognised_and_imported_on_the_import_page(app):
    open_page(app, "pages/importer.py")
    data = "territoire;indicateur;variante;description\r\n38;CALPAE-2.1.2-ACC;VISITES;Passages comptés\r\n"
    app.file_uploader[0].upload("variantes_38.csv", data.encode("utf-8"), "text/csv").run()
    assert not app.exception
    assert any("Fichier valide" in s.value for s in app.success), [s.value for s in app.success]
    [b for b in app.button if b.label == "Confirmer l'import"][0].click().run()
    assert any("déclaration(s) de variante" in s.value for s in app.success), [s.value for s in app.success]
    app.switch_page("pages/indicateurs.py").run()
    app.selectbox(key="cat_indicator").set_value("CALPAE-2.1.2-ACC").run()
    assert {m.label: m.value for m in app.metric}["Variante déclarée"] == "3"
