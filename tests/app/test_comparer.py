"""AppTest of the Comparer page: rankings of every département, indicator change, restriction to the reference definition."""

from __future__ import annotations

from tests.app.conftest import frame_with
from tests.app.pages import charts, open_page, open_tab


def test_comparison_ranking_lists_every_departement_and_changes_with_the_indicator(app):
    open_page(app, "pages/comparer.py", "38")
    ranking = frame_with(app, "Rang", "Département", "Quartile")
    assert len(ranking) >= 90
    assert ranking["Rang"].min() == 1
    app.selectbox(key="cmp_indicator").set_value("STAT-TP60").run()
    assert not app.exception
    ranking = frame_with(app, "Rang", "Département", "Quartile")
    assert ranking.iloc[0]["Rang"] == 1 and len(ranking) == 98  # INSEE: no Filosofi figure for 971, 973, 976
    missing = frame_with(app, "Motif")
    assert set(missing["Code"]) == {"971", "973", "976"}
    # A value is never read alone: each bar's hover label carries the département's last years.
    app.selectbox(key="cmp_indicator").set_value("STAT-Q2").run()
    bars = [t for t in charts(app)[0]["data"] if t.get("type") == "bar"]
    isere = next(t for t in bars if t["name"] == "Isère")["hovertext"][0]
    assert "Série : 2017 : 22\u00a0260\u00a0€ · 2018 : 22\u00a0950\u00a0€ · 2019 : 23\u00a0030\u00a0€ · 2020" in isere


def test_ranking_can_be_restricted_to_the_reference_definition(app):
    open_page(app, "pages/comparer.py")
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


def test_only_the_chosen_tab_is_computed_and_a_choice_survives_a_visit_to_another_tab(app):
    """Each tab is a view of its own: the first view computes the ranking only. A choice made in a tab is still the
    one shown when the user comes back to it (Streamlit forgets the widgets a run does not draw)."""
    open_page(app, "pages/comparer.py", "38")
    assert not [s for s in app.selectbox if s.key in ("cmp_x", "cmp_y", "cmp_change_indicator", "cmp_sm_indicator")]
    app.selectbox(key="cmp_indicator").set_value("STAT-TP60").run()
    open_tab(app, "cmp_tab", "Deux indicateurs")
    assert not [s for s in app.selectbox if s.key == "cmp_indicator"] and not frame_with_rank(app)
    app.selectbox(key="cmp_x").set_value("STAT-Q2").run()
    open_tab(app, "cmp_tab", "Classement")
    assert app.selectbox(key="cmp_indicator").value == "STAT-TP60"
    ranking = frame_with(app, "Rang", "Département", "Quartile")
    assert len(ranking) == 98  # the poverty rate's ranking (no Filosofi figure for 971, 973, 976), not the default's
    open_tab(app, "cmp_tab", "Deux indicateurs")
    assert app.selectbox(key="cmp_x").value == "STAT-Q2"
    assert app.query_params["onglet"] == "deux-indicateurs" and app.query_params["abscisse"] == "STAT-Q2"


def frame_with_rank(app) -> bool:
    return any({"Rang", "Quartile"} <= set(df.value.columns) for df in app.dataframe)


def test_the_change_scatter_and_series_tabs_mark_a_value_a_quality_warning_puts_in_doubt(app):
    """Puy-de-Dôme's orientation rate is warned every year (gap to the independent source): the change tab ranks it
    with the caveat and the column, the scatter's default crossing (poverty rate × this rate, 2022) names its point,
    the small multiples list its warned years. (Streamlit shows a caveat's leading ⚠ as the alert's icon.)"""
    or1m_tx = "CALPAE-3.1.1-OR1M-TX"
    open_page(app, "pages/comparer.py", "38")
    open_tab(app, "cmp_tab", "Évolution entre deux années")
    app.selectbox(key="cmp_change_indicator").set_value(or1m_tx).run()
    assert not app.exception
    assert any(w.icon == "⚠" and w.value.startswith("Évolution(s) calculée(s) sur une valeur signalée")
               and "Puy-de-Dôme (63, rang" in w.value and "valeurs 2019 et 2022" in w.value for w in app.warning)
    table = frame_with(app, "Rang", "Signalement qualité").set_index("Code")
    assert table.loc["63", "Signalement qualité"].startswith("2019 et 2022 : ")
    open_tab(app, "cmp_tab", "Deux indicateurs")
    assert app.selectbox(key="cmp_y").value == or1m_tx and app.selectbox(key="cmp_year").value == 2022
    assert any(w.icon == "⚠" and w.value.startswith("Point(s) placé(s) sur une valeur signalée")
               and "Puy-de-Dôme (63 ; ordonnée « Part des nouveaux entrants orientés en 1 mois et moins » 2022)"
               in w.value for w in app.warning)
    hovers = [h for t in charts(app)[0]["data"] for h in (t.get("hovertext") or [])]
    assert any(h.startswith("<b>Puy-de-Dôme ⚠ (63)</b>") for h in hovers)
    open_tab(app, "cmp_tab", "Évolutions comparées")
    app.selectbox(key="cmp_sm_indicator").set_value(or1m_tx).run()
    app.multiselect(key="cmp_deps").set_value(["38", "63"]).run()
    assert not app.exception
    assert any(w.icon == "⚠" and w.value.startswith("Valeur(s) signalée(s) par un contrôle de qualité, tracée(s)")
               and "Puy-de-Dôme (63 ; 2019, 2020, 2021 et 2022" in w.value for w in app.warning)


def test_the_scatter_names_who_is_left_out_and_keeps_its_precautions_in_one_box(app):
    """Gironde's 2021 rate is rejected by the checks: in the 2021 scatter it is out (not drawn on 2020), named with
    its reason. Puy-de-Dôme's warned point keeps a box of its own; the other precautions (who is out, the declared
    data, the mixed years) share one box, so the chart is not pushed below a projected screen."""
    open_page(app, "pages/comparer.py", "38")
    open_tab(app, "cmp_tab", "Deux indicateurs")
    app.selectbox(key="cmp_year").set_value(2021).run()
    assert not app.exception
    boxes = [w.value for w in app.tabs[2].warning]
    assert len(boxes) == 2
    assert boxes[0].startswith("Point(s) placé(s) sur une valeur signalée") and "Puy-de-Dôme (63" in boxes[0]
    assert boxes[1].startswith("- Hors du nuage") and "Gironde (33)" in boxes[1] and "\n- Années mélangées" in boxes[1]
    hovers = [h for t in charts(app)[0]["data"] for h in (t.get("hovertext") or [])]
    assert not any("Gironde" in h for h in hovers)
