"""AppTest of the Comparer page: rankings of every département, indicator change, restriction to the reference definition."""

from __future__ import annotations

from tests.app.conftest import frame_with
from tests.app.pages import charts, open_page


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
