"""AppTest of the Importer page: a bad file refused with its full error list; a good one previewed value by value
(old → new), confirmed, the simulation and its button gone and the values stored; templates offered for the
territory of the sidebar; a variants file recognised and imported."""

from __future__ import annotations

from levier.store.db import Database, Query
from tests.app.conftest import frame_with, texts
from tests.app.pages import open_page
from tests.unit.ingest.test_returns import NE, current, long_csv

NBSP = "\u00a0"
CONFIRM = "Confirmer l'import"


def _confirm_buttons(app) -> list:
    return [b for b in app.button if b.label == CONFIRM]


def _downloads(app) -> list[str]:
    return [d.label for d in app.get("download_button")]


def test_import_page_rejects_a_bad_file_then_accepts_a_good_one(app):
    open_page(app, "pages/importer.py")
    bad = long_csv([["1", NE, "2021", "12"], ["38", NE, "2021", "douze"]])
    app.file_uploader[0].upload("mauvais.csv", bad, "text/csv").run()
    assert not app.exception
    assert any("Fichier refusé : 2 erreur(s)" in e.value for e in app.error)
    errors = frame_with(app, "Ligne", "Motif")
    assert errors["Ligne"].tolist() == ["2", "3"]
    assert "zéro initial" in errors["Motif"].iloc[0]
    assert errors["Colonne"].tolist() == ["territoire", "valeur"]
    assert "Télécharger (CSV)" in _downloads(app)  # the full list of errors
    assert not _confirm_buttons(app)

    good = long_csv([["38", NE, "2022", "6 001"]])
    app.file_uploader[0].upload("bon.csv", good, "text/csv").run()
    assert any("Fichier valide" in s.value for s in app.success)
    _confirm_buttons(app)[0].click().run()
    assert not app.exception
    assert any("Importé" in s.value for s in app.success), [s.value for s in app.success]
    journal = app.dataframe[-1].value
    assert journal["Fichier"].iloc[0] == "bon.csv" and journal["Statut"].iloc[0] == "importé"


def test_preview_shows_old_and_new_values_then_confirming_stores_them(app, demo_db: Database):
    stored = current(demo_db)
    stored = stored[(stored["territory_code"] == "38") & (stored["indicator"] == NE)
                    & (stored["measure"] == "valeur") & stored["value"].notna()]
    old = stored.sort_values("period").iloc[-1]
    year, old_value = int(old["period"]), float(old["value"])
    new_value = old_value + 100
    data = long_csv([["38", NE, str(year), str(int(new_value))]])

    open_page(app, "pages/importer.py", dep="38")
    app.file_uploader[0].upload("isere_correction.csv", data, "text/csv").run()
    assert not app.exception, app.exception

    simulation = [s.value for s in app.success if "simulation" in s.value]
    assert simulation and "1 valeur(s) à importer, dont 1 nouvelle(s) ou modifiée(s)" in simulation[0]
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Valeurs nouvelles"], metrics["Valeurs modifiées"]) == ("0", "1")
    preview = frame_with(app, "Valeur actuelle", "Nouvelle valeur")
    row = preview.iloc[0]
    assert (row["Territoire"], row["Indicateur"], row["Année"]) == ("38 – Isère", NE, year)
    shown = f"{int(old_value):,}".replace(",", NBSP)
    assert row["Valeur actuelle"] == f"{shown}{NBSP}personnes"
    assert row["Nouvelle valeur"] == f"{int(new_value):,}".replace(",", NBSP) + f"{NBSP}personnes"
    assert row["Changement"] == "valeur modifiée"
    # Nothing written by the simulation.
    assert float(current(demo_db).set_index(["territory_code", "indicator", "period", "measure"])
                 .loc[("38", NE, year, "valeur"), "value"]) == old_value

    _confirm_buttons(app)[0].click().run()
    assert not app.exception, app.exception
    # The simulation message and its button are gone; the result is shown.
    assert not [s for s in app.success if "simulation" in s.value]
    assert not _confirm_buttons(app)
    assert any(s.value.startswith("Importé (import n°") for s in app.success), [s.value for s in app.success]
    after = current(demo_db).set_index(["territory_code", "indicator", "period", "measure"])
    assert float(after.loc[("38", NE, year, "valeur"), "value"]) == new_value

    app.run()  # any later run of the page keeps showing the result, not a new simulation
    assert not _confirm_buttons(app) and "Pour importer un autre fichier" in texts(app)


def test_templates_are_offered_for_the_territory_of_the_sidebar(app):
    open_page(app, "pages/importer.py")
    assert "Choisissez un département ou une métropole" in texts(app)
    assert "Modèle long (XLSX)" not in _downloads(app)

    open_page(app, "pages/importer.py", dep="38")
    assert "Modèle pré-rempli pour **Isère (département, 38)**" in texts(app)
    assert {"Modèle long (XLSX)", "Modèle long (CSV)", "Modèle grille (XLSX)"} <= set(_downloads(app))
    app.selectbox(key="tpl_programme").set_value("CALPAE").run()
    assert "programme CALPAE, années 2019 à 2022" in texts(app)


def test_a_variants_file_is_recognised_and_imported_on_the_import_page(app):
    open_page(app, "pages/importer.py")
    data = "territoire;indicateur;variante;description\r\n38;CALPAE-2.1.2-ACC;VISITES;Passages comptés\r\n"
    app.file_uploader[0].upload("variantes_38.csv", data.encode("utf-8"), "text/csv").run()
    assert not app.exception
    assert any("Fichier valide" in s.value for s in app.success), [s.value for s in app.success]
    assert any("1 autre(s)" in t or "1 ligne(s) nouvelle(s)" in t for t in texts(app).splitlines())
    _confirm_buttons(app)[0].click().run()
    assert any("déclaration(s) de variante" in s.value for s in app.success), [s.value for s in app.success]
    app.switch_page("pages/indicateurs.py").run()
    app.selectbox(key="cat_indicator").set_value("CALPAE-2.1.2-ACC").run()
    assert {m.label: m.value for m in app.metric}["Variante déclarée"] == "3"


def test_the_upload_box_states_levier_limit_in_french(app, monkeypatch):
    monkeypatch.setenv("LEVIER_MAX_FILE_MB", "5")
    open_page(app, "pages/importer.py")
    css = "\n".join(h.proto.body for h in app.get("html"))
    assert 'content: "CSV ou XLSX · 5 Mo au plus · ou glissez le fichier ici"' in css
    assert 'content: "Choisir un fichier"' in css
    assert app.file_uploader[0].proto.max_upload_size_mb == 5  # Streamlit's own check: Levier's limit, not 200 MB


def test_unknown_layout_gets_an_editable_mapping_then_imports_and_saves_the_profile(app, demo_db: Database, tmp_path,
                                                                                    monkeypatch):
    """Filosofi republished with long labels (« Code géographique », « Taux de pauvreté-Ensemble (% pop totale) »):
    not refused but mapped on the page in an editable table; applied, the values are INSEE's and the profile is
    saved for next time (AppTest cannot type into a data editor: the edits are tested on the view functions in
    tests/unit/ingest/test_mapping.py)."""
    from tests.unit.ingest.test_mapping import producer_csv

    folder = tmp_path / "profils"
    monkeypatch.setenv("LEVIER_PROFILS_DIR", str(folder))
    open_page(app, "pages/importer.py")
    app.file_uploader[0].upload("filosofi_2020_dep.csv", producer_csv(), "text/csv").run()
    assert not app.exception, app.exception
    assert any("Mise en page inconnue" in i.value and "Code géographique" in i.value for i in app.info)
    table = frame_with(app, "Colonne du fichier", "Indicateur proposé")  # the editable table (st.data_editor)
    proposed = dict(zip(table["Colonne du fichier"], table["Indicateur proposé"]))
    assert proposed["Taux de pauvreté-Ensemble (% pop totale)"] == "STAT-TP60"
    assert app.number_input(key="mapping_year").value == 2020  # from the file name
    assert not _confirm_buttons(app)
    apply = [b for b in app.button if b.label.startswith("Appliquer la correspondance")]
    apply[0].click().run()
    assert not app.exception, app.exception
    assert any("Importé" in s.value for s in app.success), [s.value for s in app.success] + [e.value for e in app.error]
    assert (folder / "filosofi_dep.toml").exists()
    rate = demo_db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": ["STAT-TP60"]})
    isere = rate[(rate["territory_code"] == "38") & (rate["period"] == 2020)]["value"]
    assert isere.tolist() == [11.3]  # INSEE, Filosofi 2020: taux de pauvreté de l'Isère
