"""AppTest of the T0 page (Situation de départ): real INSEE figures, territory choice, search."""

from __future__ import annotations

from tests.app.conftest import frame_with, texts
from tests.app.pages import open_page


def t0_table(app):
    return frame_with(app, "Indicateur", "Rang", "Quartile")


def _row(frame, code):
    return frame.set_index("Code").loc[code]


def test_t0_asks_for_a_territory_then_shows_real_insee_figures(app):
    open_page(app, "pages/t0.py")
    assert any("Choisissez un département" in i.value for i in app.info)
    open_page(app, "pages/t0.py", "38")
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
    open_page(app, "pages/t0.py", "38")
    before = len(t0_table(app))
    app.text_input(key="t0_search").input("pauvrete").run()
    after = t0_table(app)
    assert 0 < len(after) < before
    assert after["Indicateur"].str.contains("pauvreté").all()


def test_a_value_a_quality_check_rejects_is_shown_unranked_with_a_way_to_the_quality_page(app):
    # Demo Gironde 2021: 35 « orientés en 1 mois » typed for 7 428 new entrants (the quality page's unit slip).
    open_page(app, "pages/t0.py", "33")
    app.selectbox(key="t0_year").set_value(2021).run()
    app.text_input(key="t0_search").input("orientés en 1 mois").run()
    rate = _row(t0_table(app), "CALPAE-3.1.1-OR1M-TX")
    assert rate["Valeur"] == "0,5\u00a0%" and rate["Rang"] == "non classé"
    assert rate["Situation / médiane nationale"] == "non classé"
    assert "contrôle qualité" in rate["Motif de non-classement"]
    assert any("rejetée(s) par un contrôle de qualité" in i.value for i in app.info)
    assert any("Qualité des données" in str(link.proto) for link in app.get("page_link"))


def test_the_t0_page_opens_on_the_table_stored_at_publication_and_makes_another_years(app, monkeypatch):
    """The page as it opens (T0 year 2023) reads Isère's table whole, positions nothing; another T0 year makes its
    table from the positions. The ranks, values and peers' medians shown are the same either way (unit test of the
    derived tables), here: the same row of 2023 read back after a trip through 2020."""
    from levier.store import db as door

    log: list[str] = []
    asked: list[dict] = []
    original = door.Reader._run

    def spy(self, query, params, fetch):
        log.append(str(query))
        asked.append(dict(params or {}))
        return original(self, query, params, fetch)

    monkeypatch.setattr(door.Reader, "_run", spy)
    open_page(app, "pages/t0.py")
    app.sidebar.selectbox(key="sel_reg").set_value("84").run()  # the région's panel reads its territories' rows
    log.clear()
    asked.clear()
    app.sidebar.selectbox(key="sel_dep").set_value("38").run()
    first = _row(t0_table(app), "STAT-TP60")
    assert "derived/t0_table_of_territory" in log and "derived/t0_peer_values" not in log
    # Read again: Isère's own rows of the series drawn below the table, never every indicator's.
    values = [p for q, p in zip(log, asked) if q == "derived/t0_values_of_territories"]
    assert values and all(p["territories"] == ["38"] and 0 < len(p["codes"]) < 20 for p in values)
    log.clear()
    app.selectbox(key="t0_year").set_value(2020).run()
    assert "derived/t0_values_of_territories" in log and "derived/t0_peer_values" in log
    assert _row(t0_table(app), "STAT-TP60")["Année"] == "2020"
    app.selectbox(key="t0_year").set_value(2023).run()
    assert _row(t0_table(app), "STAT-TP60").equals(first) and first["Médiane des pairs"] not in ("", "–")
