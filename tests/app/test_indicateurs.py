"""AppTest of the Indicateurs page: the catalogue, search and filters, definitions and comparability."""

from __future__ import annotations

from tests.app.conftest import frame_with, texts
from tests.app.pages import open_page


def catalogue_table(app):
    return frame_with(app, "Code", "Indicateur", "Définition", "Années disponibles")


def comparability_table(app):
    return frame_with(app, "Code territoire", "Statut", "Variante(s)")


def test_catalogue_lists_every_indicator_and_search_and_filters_narrow_it(app):
    open_page(app, "pages/indicateurs.py")
    assert app.title[0].value == "Indicateurs et définitions"
    everything = catalogue_table(app)
    assert len(everything) > 150 and {"CALPAE", "CDPPE", "PACTE", "STAT"} <= set(everything["Programme"])
    app.text_input(key="cat_search").input("premier accueil").run()
    found = catalogue_table(app)
    assert 0 < len(found) < 15 and "CALPAE-2.1.2-ACC" in set(found["Code"])
    app.multiselect(key="cat_filter_Programme").select("PACTE").run()
    pacte = catalogue_table(app)
    assert set(pacte["Programme"]) == {"PACTE"} and "PACTE-3-ACC" in set(pacte["Code"])
    assert f"{len(pacte)} indicateur(s) sur {len(everything)}" in texts(app)
    app.text_input(key="cat_search").input("").run()
    app.multiselect(key="cat_filter_Programme").unselect("PACTE").run()
    app.multiselect(key="cat_filter_Unité").select("jours").run()
    assert set(catalogue_table(app)["Unité"]) == {"jours"}
    app.multiselect(key="cat_filter_Unité").unselect("jours").run()
    app.checkbox(key="cat_variants_only").check().run()
    varying = catalogue_table(app)
    assert set(varying["Code"]) >= {"CALPAE-3.1.1-OR1M", "CALPAE-2.1.2-ACC"} and len(varying) < len(everything)
    assert not app.exception


def test_picking_an_indicator_shows_its_definition_and_comparability_matrix(app):
    open_page(app, "pages/indicateurs.py")
    # The default sheet is the RSA orientation rate: three départements count at 45 days.
    assert any("définitions mélangées" in w.value for w in app.warning)
    assert comparability_table(app)["Statut"].iloc[:3].tolist() == ["variante"] * 3
    app.selectbox(key="cat_indicator").set_value("CALPAE-2.1.2-ACC").run()
    assert not app.exception
    page = texts(app)
    assert "Nombre de personnes accueillies" in page and "Définition." in page
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Variante déclarée"] == "2" and metrics["Définition de référence déclarée"] == "3"
    matrix = comparability_table(app)
    variants = matrix[matrix["Statut"] == "variante"]
    assert set(variants["Code territoire"]) == {"35", "67"} and set(variants["Variante(s)"]) == {"VISITES"}
    app.multiselect(key="cat_statuses").select("variante").run()
    assert comparability_table(app)["Code territoire"].tolist() == ["35", "67"]
    known = frame_with(app, "Code", "Libellé", "Référence", "Dimension")
    assert {"PERSONNES", "VISITES", "DISTANCE"} <= set(known["Code"])
    app.selectbox(key="cat_indicator").set_value("STAT-TP60").run()
    assert any("Statistique publique" in i.value for i in app.info)
    assert not app.exception
