"""AppTests for the "Indicateurs et définitions" and "Qualité des données" pages and the ranking restricted to the
reference definition, on the demo database, through the widgets a user touches."""

from __future__ import annotations

from levier.demo import returns as demo
from tests.app.conftest import frame_with, texts

REGION_OF = {"33": "75", "13": "93", "2A": "94", "59": "32", "38": "84"}


def _open(app, page: str, dep: str | None = None):
    app.run()
    app.switch_page(page).run()
    if dep:
        app.sidebar.selectbox(key="sel_reg").set_value(REGION_OF[dep]).run()
        app.sidebar.selectbox(key="sel_dep").set_value(dep).run()
    assert not app.exception, app.exception
    return app


def catalogue_table(app):
    return frame_with(app, "Code", "Indicateur", "Définition", "Années disponibles")


def comparability_table(app):
    return frame_with(app, "Code territoire", "Statut", "Variante(s)")


# --------------------------------------------------------------------------------------------------------------
# Indicateurs et définitions
# --------------------------------------------------------------------------------------------------------------


def test_catalogue_lists_every_indicator_and_search_and_filters_narrow_it(app):
    _open(app, "pages/indicateurs.py")
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
    _open(app, "pages/indicateurs.py")
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


# --------------------------------------------------------------------------------------------------------------
# Qualité des données
# --------------------------------------------------------------------------------------------------------------


def corrections_table(app):
    return frame_with(app, "Problème", "Détail", "Contrôle")


def test_quality_page_shows_the_planted_defects_and_the_programme_changes_the_matrix(app):
    _open(app, "pages/qualite.py")
    assert app.title[0].value == "Qualité des données"
    calpae = frame_with(app, "Code territoire", "2019", "2022").set_index("Code territoire")
    for code in demo.MISSING_RETURN_2022:
        assert calpae.at[code, "2022"] == "manquant"
    assert calpae.at[demo.LATE_TERRITORY, "2022"] == "en retard"
    fixes = corrections_table(app)
    assert set(fixes.loc[fixes["Problème"] == "retour manquant", "Code territoire"]) == set(demo.MISSING_RETURN_2022)
    unit = fixes[fixes["Code territoire"] == demo.UNIT_DEFECT[0]]
    assert "numérateur saisi en pourcentage ?" in set(unit["Problème"])
    assert (fixes["Code territoire"] == demo.FROZEN[0]).any()
    checks = frame_with(app, "Contrôle", "Lignes signalées", "Valeurs mises en doute").set_index("Contrôle")
    assert checks.at["Sous-effectifs supérieurs à leur total", "Valeurs mises en doute"] == 0
    assert checks.at["Valeurs identiques plusieurs années de suite", "Valeurs mises en doute"] == 2  # planted only
    assert any("Règle." in m.value and "Iglewicz" in m.value for m in app.markdown)

    app.selectbox(key="q_programme").set_value("PACTE").run()
    assert not app.exception
    pacte = frame_with(app, "Code territoire", "2023", "2026")
    assert "2019" not in pacte.columns and len(pacte) == 101
    app.selectbox(key="q_programme").set_value("CDPPE").run()
    cdppe = frame_with(app, "Code territoire", "2020", "2022").set_index("Code territoire")
    assert "2023" not in cdppe.columns and cdppe.at["36", "2020"] == "partiel"  # the planted blank cell


def test_choosing_a_departement_shows_only_its_issues(app):
    _open(app, "pages/qualite.py", "33")
    page = texts(app)
    assert "Gironde (33)" in page and "Seules ses anomalies" in page
    fixes = corrections_table(app)
    assert set(fixes["Code territoire"]) == {"33"}
    assert set(fixes["Problème"]) == {"numérateur saisi en pourcentage ?", "rupture de série"}
    assert len(frame_with(app, "Code territoire", "2019", "2022")) == 1
    for df in app.dataframe:
        if "Code territoire" in df.value.columns:
            codes = set(df.value["Code territoire"])
            assert all(c == "33" or len(c) == 9 for c in codes), codes  # Gironde, or Bordeaux Métropole (SIREN)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Retours manquants"] == "0" and metrics["Valeurs mises en doute"] == "1"

    app.sidebar.selectbox(key="sel_reg").set_value("93").run()
    app.sidebar.selectbox(key="sel_dep").set_value("13").run()
    assert not app.exception
    assert corrections_table(app)["Problème"].tolist() == ["retour transmis en retard"]
    app.toggle(key="q_by_indicator").set_value(True).run()
    cells = frame_with(app, "Indicateur", "Statut", "Valeur")
    assert set(cells["Code territoire"]) == {"13"} and set(cells["Année"]) == {2019, 2020, 2021, 2022}
    assert "en retard" in set(cells["Statut"])
    assert not app.exception


def test_a_clean_departement_has_nothing_to_correct(app):
    _open(app, "pages/qualite.py", "38")
    assert any("Rien à corriger" in s.value for s in app.success)
    assert {m.label: m.value for m in app.metric}["Valeurs mises en doute"] == "0"


# --------------------------------------------------------------------------------------------------------------
# Rankings restricted to the reference definition
# --------------------------------------------------------------------------------------------------------------


def test_ranking_can_be_restricted_to_the_reference_definition(app):
    _open(app, "pages/comparer.py")
    app.selectbox(key="cmp_period_CALPAE-3.1.1-OR1M-TX").set_value(2021).run()
    assert any("n'utilisent pas tous la définition de référence" in w.value for w in app.tabs[0].warning)
    ranking = frame_with(app, "Rang", "Code", "Définition")
    assert {"59", "62", "76"} <= set(ranking["Code"])
    app.toggle(key="cmp_reference_only").set_value(True).run()
    assert not app.exception
    restricted = frame_with(app, "Rang", "Code", "Définition")
    assert not restricted["Code"].isin(["59", "62", "76"]).any() and len(restricted) == len(ranking) - 3
    ranking_tab = app.tabs[0]  # the other tabs carry their own caveats
    assert any("Classement restreint à la définition de référence" in w.value for w in ranking_tab.warning)
    assert not any("n'utilisent pas tous" in w.value for w in ranking_tab.warning)


def test_a_variants_file_is_recognised_and_imported_on_the_import_page(app):
    _open(app, "pages/importer.py")
    data = "territoire;indicateur;variante;description\r\n38;CALPAE-2.1.2-ACC;VISITES;Passages comptés\r\n"
    app.file_uploader[0].upload("variantes_38.csv", data.encode("utf-8"), "text/csv").run()
    assert not app.exception
    assert any("Fichier valide" in s.value for s in app.success), [s.value for s in app.success]
    [b for b in app.button if b.label == "Confirmer l'import"][0].click().run()
    assert any("déclaration(s) de variante" in s.value for s in app.success), [s.value for s in app.success]
    app.switch_page("pages/indicateurs.py").run()
    app.selectbox(key="cat_indicator").set_value("CALPAE-2.1.2-ACC").run()
    assert {m.label: m.value for m in app.metric}["Variante déclarée"] == "3"
