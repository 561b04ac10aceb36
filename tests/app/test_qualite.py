"""AppTest of the Qualité page: the planted defects, per département, the corrections list."""

from __future__ import annotations

from levier.demo import returns as demo
from tests.app.conftest import frame_with, texts
from tests.app.pages import open_page, open_tab

FIXES, CHECKS, COMPLETENESS = "À corriger (liste à envoyer)", "Contrôles de cohérence", "Complétude des retours"


def corrections_table(app):
    return frame_with(app, "Problème", "Détail", "Contrôle")


def test_quality_page_shows_the_planted_defects_and_the_programme_changes_the_matrix(app):
    open_page(app, "pages/qualite.py")
    assert app.title[0].value == "Qualité des données"
    calpae = frame_with(app, "Code territoire", "2019", "2022").set_index("Code territoire")
    for code in demo.MISSING_RETURN_2022:
        assert calpae.at[code, "2022"] == "manquant"
    assert calpae.at[demo.LATE_TERRITORY, "2022"] == "en retard"
    open_tab(app, "q_tab", FIXES)
    fixes = corrections_table(app)
    assert set(fixes.loc[fixes["Problème"] == "retour manquant", "Code territoire"]) == set(demo.MISSING_RETURN_2022)
    unit = fixes[fixes["Code territoire"] == demo.UNIT_DEFECT[0]]
    assert "numérateur saisi en pourcentage ?" in set(unit["Problème"])
    assert (fixes["Code territoire"] == demo.FROZEN[0]).any()
    open_tab(app, "q_tab", CHECKS)
    checks = frame_with(app, "Contrôle", "Lignes signalées", "Valeurs mises en doute").set_index("Contrôle")
    assert checks.at["Sous-effectifs supérieurs à leur total", "Valeurs mises en doute"] == 0
    assert checks.at["Valeurs identiques plusieurs années de suite", "Valeurs mises en doute"] == 2  # planted only
    assert any("Règle." in m.value and "Iglewicz" in m.value for m in app.markdown)

    open_tab(app, "q_tab", COMPLETENESS)
    app.selectbox(key="q_programme").set_value("PACTE").run()
    assert not app.exception
    pacte = frame_with(app, "Code territoire", "2023", "2026")
    assert "2019" not in pacte.columns and len(pacte) == 101
    app.selectbox(key="q_programme").set_value("CDPPE").run()
    cdppe = frame_with(app, "Code territoire", "2020", "2022").set_index("Code territoire")
    assert "2023" not in cdppe.columns and cdppe.at["36", "2020"] == "partiel"


def test_choosing_a_departement_shows_only_its_issues(app):
    open_page(app, "pages/qualite.py", "33")
    page = texts(app)
    assert "Gironde (33)" in page and "Seules ses anomalies" in page
    assert len(frame_with(app, "Code territoire", "2019", "2022")) == 1
    open_tab(app, "q_tab", FIXES)
    fixes = corrections_table(app)
    assert set(fixes["Code territoire"]) == {"33"}
    assert set(fixes["Problème"]) == {"numérateur saisi en pourcentage ?", "rupture de série"}
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
    open_tab(app, "q_tab", COMPLETENESS)
    app.toggle(key="q_by_indicator").set_value(True).run()
    cells = frame_with(app, "Indicateur", "Statut", "Valeur")
    assert set(cells["Code territoire"]) == {"13"} and set(cells["Année"]) == {2019, 2020, 2021, 2022}
    assert "en retard" in set(cells["Statut"])
    assert not app.exception


def test_a_clean_departement_has_nothing_to_correct(app):
    open_page(app, "pages/qualite.py", "38")
    open_tab(app, "q_tab", FIXES)
    assert any("Rien à corriger" in s.value for s in app.success)
    assert {m.label: m.value for m in app.metric}["Valeurs mises en doute"] == "0"
