"""AppTest of « Séries dans le temps » (T0, Panorama) and of the Comparer ranking on a change between two years:
real Filosofi 2014–2020 series, and planted DREES RSA facts with the 2016 break (tests/unit/views/test_series.plant)."""

from __future__ import annotations

from tests.app.conftest import frame_with, texts
from tests.app.pages import charts, choose, open_page, open_tab
from tests.unit.views.test_series import NEW, OLD, plant


def _series_chart(app, title: str) -> dict:
    # Titles are wrapped to the half width of a 1280×720 screen.
    found = [s for s in charts(app) if s["layout"]["title"]["text"].replace("<br>", " ") == title]
    assert found, [s["layout"]["title"]["text"] for s in charts(app)]
    return found[0]


def _caption(spec: dict) -> str:
    return next(a["text"] for a in spec["layout"]["annotations"] if a.get("name") == "source").replace("<br>", " ")


def test_t0_shows_real_filosofi_series_and_the_user_picks_one(app):
    open_page(app, "pages/t0.py", "38")
    assert "Séries dans le temps" in texts(app)
    picker = app.multiselect(key="t0_series_38")
    # Public statistics first (with the DREES series once imported, the preferred ones lead), at most six.
    assert picker.value[0].startswith("STAT-") and len(picker.value) <= 6
    picker.set_value(["STAT-GI"]).run()
    assert not app.exception
    gini = _series_chart(app, "Indice de Gini du niveau de vie")
    names = {t["name"] for t in gini["data"]}
    assert names == {"Isère (38)", "Médiane nationale", "Médiane Auvergne-Rhône-Alpes"}
    own = next(t for t in gini["data"] if t["name"] == "Isère (38)")
    assert own["x"] == list(range(2014, 2021)) and own["y"][-1] == 0.258  # FILO2020_DISP_DEP.csv GI20 for 38
    assert _caption(gini).startswith("Source : INSEE, Filosofi, 2014–2020.")
    assert gini["layout"]["separators"] == ",\u00a0"
    # Only the chosen series is drawn (the distribution chart of the page stays).
    assert not any(s["layout"]["title"]["text"] == "Part des minima sociaux" for s in charts(app))


def test_t0_shows_the_real_drees_rsa_series_of_the_demo_with_its_source(app):
    """The default database holds the DREES workbooks as published: Nord's RSA allocataires at 31/12/2019 are
    109 335 (Minima sociaux, tableau 11, SOURCES.md), drawn per 1 000 inhabitants with the count in the hover."""
    open_page(app, "pages/t0.py", "59")
    app.multiselect(key="t0_series_59").set_value(["STAT-RSA-ALLOCATAIRES"]).run()
    assert not app.exception
    spec = _series_chart(app, "Allocataires du RSA au 31 décembre (pour 1\u00a0000 habitants)")
    own = [t for t in spec["data"] if t["name"] == "Nord (59)"]
    assert own and own[-1]["x"][-1] == 2019
    assert "109\u00a0335" in own[-1]["hovertext"][-1]
    caption = _caption(spec)
    assert caption.startswith("Source : DREES") and "tableau 11" in caption.lower()


def test_t0_draws_the_dree_rsa_series_cut_at_the_2016_break(app, demo_db):
    plant(demo_db)
    open_page(app, "pages/t0.py", "38")
    app.multiselect(key="t0_series_38").set_value([NEW]).run()
    assert not app.exception
    spec = _series_chart(app, "Allocataires du RSA (pour 1\u00a0000 habitants)")
    own = [t for t in spec["data"] if t["name"] == "Isère (38)"]
    # Two segments meeting at 2016, never joined (the demo's real DREES years before 2014 may precede the plant).
    assert len(own) == 2 and own[0]["x"][-1] == 2016 and own[1]["x"] == [2016, 2017, 2018, 2019]
    assert own[1]["marker"]["symbol"][-1] == "circle-open"
    assert any(s["x0"] == 2016 and s["line"]["dash"] == "dash" for s in spec["layout"]["shapes"])
    caption = _caption(spec)
    assert "Rupture de série en 2016" in caption and "tableau T11" in caption and OLD in caption


def test_panorama_shows_the_series_of_the_departement_then_the_medians_of_a_region(app):
    open_page(app, "pages/panorama.py", "38")
    assert len(app.multiselect(key="pan_series_38").value) == 4  # public statistics only, four by default
    app.multiselect(key="pan_series_38").set_value(["STAT-PPMINI"]).run()
    assert not app.exception
    spec = _series_chart(app, "Part des minima sociaux")
    own = next(t for t in spec["data"] if t["name"] == "Isère (38)")
    assert own["y"][own["x"].index(2015)] == 1.3 and own["y"][own["x"].index(2020)] == 2.1  # PPMINI15, PPMINI20
    # Another région, no département: its départements' median beside the national one, no territory line.
    choose(app, "32")
    app.multiselect(key="pan_series_32").set_value(["STAT-PPMINI"]).run()
    assert not app.exception
    spec = _series_chart(app, "Part des minima sociaux")
    assert {t["name"] for t in spec["data"]} == {"Médiane nationale", "Médiane Hauts-de-France"}
    assert "médiane de ses départements" in texts(app)


def test_comparer_ranks_a_change_and_refuses_it_across_the_break(app, demo_db):
    plant(demo_db)
    open_page(app, "pages/comparer.py", "38")
    open_tab(app, "cmp_tab", "Évolution entre deux années")
    app.selectbox(key="cmp_change_indicator").set_value("STAT-Q2").run()
    app.selectbox(key="cmp_change_from_STAT-Q2").set_value(2015).run()
    app.selectbox(key="cmp_change_to_STAT-Q2").set_value(2020).run()
    assert not app.exception
    table = frame_with(app, "Rang", "Évolution (€)")
    isere = table.set_index("Code").loc["38"]
    assert round(isere["Évolution (€)"], 1) == 1907.1  # 23 580 − 21 672,9 (Filosofi 2020 and 2015)
    app.selectbox(key="cmp_change_indicator").set_value(NEW).run()
    app.selectbox(key=f"cmp_change_from_{NEW}").set_value(2014).run()
    app.selectbox(key=f"cmp_change_to_{NEW}").set_value(2019).run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert any(e.startswith("Évolution refusée : une rupture de série sépare 2014 et 2019.") for e in errors)
    app.selectbox(key=f"cmp_change_from_{NEW}").set_value(2016).run()
    assert not app.exception and not app.error
    ranked = frame_with(app, "Rang", "Évolution (pour 1\u00a0000 habitants)")
    # The planted changes −1, +1, +2, +3, +4 rank in this order (a fall is favourable), whatever else is there.
    assert [c for c in ranked["Code"] if c in {"59", "69", "73", "01", "38"}] == ["59", "69", "73", "01", "38"]
