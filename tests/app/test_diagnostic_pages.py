"""AppTests for the T0, mid-term and comparison pages: changing territory and period changes the figures shown."""

from __future__ import annotations

from tests.app.conftest import frame_with, texts


def _open(app, page: str, dep: str | None = None):
    app.run()
    app.switch_page(page).run()
    if dep:
        reg = {"38": "84", "59": "32", "2A": "94"}[dep]
        app.sidebar.selectbox(key="sel_reg").set_value(reg).run()
        app.sidebar.selectbox(key="sel_dep").set_value(dep).run()
    assert not app.exception, app.exception
    return app


def _row(frame, code):
    return frame.set_index("Code").loc[code]


def t0_table(app):
    return frame_with(app, "Indicateur", "Rang", "Quartile")


def test_t0_asks_for_a_territory_then_shows_real_insee_figures(app):
    _open(app, "pages/t0.py")
    assert any("Choisissez un département" in i.value for i in app.info)
    _open(app, "pages/t0.py", "38")
    assert "Isère (38)" in texts(app)
    table = t0_table(app)
    isere = _row(table, "STAT-TP60")
    assert isere["Valeur"] == "11,3\u00a0%" and isere["Année"] == "2020"  # Filosofi 2020, TP6020 for 38
    assert isere["Rang"].endswith("/ 98")
    app.sidebar.selectbox(key="sel_reg").set_value("32").run()
    app.sidebar.selectbox(key="sel_dep").set_value("59").run()
    nord = _row(t0_table(app), "STAT-TP60")
    assert nord["Valeur"] == "18,4\u00a0%"
    assert app.query_params.get("dep") == ["59"] or app.query_params.get("dep") == "59"


def test_t0_search_filters_the_table(app):
    _open(app, "pages/t0.py", "38")
    before = len(t0_table(app))
    app.text_input(key="t0_search").input("pauvrete").run()
    after = t0_table(app)
    assert 0 < len(after) < before
    assert after["Indicateur"].str.contains("pauvreté").all()


def test_midterm_shows_target_statuses_and_switching_programme_changes_them(app):
    _open(app, "pages/mi_parcours.py", "38")
    page = texts(app)
    assert "Cibles et trajectoires" in page and "Règle : Taux d'atteinte" in page
    statuses = {m.label: m.value for m in app.metric}
    assert sum(int(v) for v in statuses.values()) > 0
    app.selectbox(key="mp_programme").set_value("CALPAE").run()
    assert not app.exception
    assert any("Aucune cible" in i.value for i in app.info)
    changes = frame_with(app, "Évolution", "Lecture")
    assert set(changes.columns) >= {"Valeur 2019", "Valeur 2022", "Évolution"}


def test_comparison_ranking_lists_every_departement_and_changes_with_the_indicator(app):
    _open(app, "pages/comparer.py", "38")
    ranking = frame_with(app, "Rang", "Département", "Quartile")
    assert len(ranking) >= 90
    assert ranking["Rang"].min() == 1
    app.selectbox(key="cmp_indicator").set_value("STAT-TP60").run()
    assert not app.exception
    ranking = frame_with(app, "Rang", "Département", "Quartile")
    assert ranking.iloc[0]["Rang"] == 1 and len(ranking) == 98  # INSEE: no Filosofi figure for 971, 973, 976
    missing = frame_with(app, "Motif")
    assert set(missing["Code"]) == {"971", "973", "976"}
