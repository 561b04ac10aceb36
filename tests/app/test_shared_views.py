"""The views levier.app.cache keeps as shared objects (those holding plotly figures, and the quality bundle: kept, not
pickled and copied on every rerun) are left exactly as computed by every page that shows them, the pack and the presentation: a reader that
changed one would change it for every user with the same rights."""

from __future__ import annotations

import dataclasses

import pandas as pd
import plotly.graph_objects as go
import pytest

from levier.app import cache
from levier.report import pack
from levier.views import comparer, indicateurs, mi_parcours, qualite, region, services, t0
from tests.app.pages import REGION_OF, choose, open_page, open_tab

# What each shared wrapper of levier.app.cache calls to compute its view: (module the wrapper reads it from, name).
COMPUTED_BY = [
    (cache, "lever_view"), (cache, "event_study_view"), (cache, "dose_response_view"), (t0, "distribution_chart"),
    (mi_parcours, "series_figure"), (comparer, "ranking_view_of"), (comparer, "scatter_view"),
    (comparer, "small_multiples_view"), (indicateurs, "indicator_detail"), (region, "key_view"),
    (services, "needs_figure"), (services, "coverage_figure"), (qualite, "quality_bundle"),
    (mi_parcours, "status_rows"), (mi_parcours, "indicator_values"),
]


def _state(obj: object) -> object:
    """What a reader sees of a view: its frames' columns, types and values, its figures' JSON, its other fields (a
    pickle would also tell pandas' internal caches, which showing a frame fills without changing it)."""
    if isinstance(obj, pd.DataFrame):
        return ("frame", tuple(map(str, obj.columns)), tuple(map(str, obj.dtypes)), obj.to_json(orient="split"))
    if isinstance(obj, pd.Series):
        return ("series", str(obj.dtype), obj.to_json(orient="split"))
    if isinstance(obj, go.Figure):
        return ("figure", obj.to_json())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, tuple((f.name, _state(getattr(obj, f.name))) for f in dataclasses.fields(obj)))
    if isinstance(obj, dict):
        return ("dict", tuple((repr(k), _state(v)) for k, v in obj.items()))
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, tuple(_state(v) for v in obj))
    return repr(obj)


@pytest.fixture
def computed(monkeypatch) -> list[tuple[str, object, object]]:
    """Every view the shared wrappers compute during the test, with what it held when it was made."""
    made: list[tuple[str, object, object]] = []
    for module, name in COMPUTED_BY:
        def record(*args, __f=getattr(module, name), __name=name, **kwargs):
            view = __f(*args, **kwargs)
            made.append((__name, view, _state(view)))
            return view
        monkeypatch.setattr(module, name, record)
    return made


def _changed(made: list[tuple[str, object, object]]) -> list[str]:
    return [name for name, view, before in made if _state(view) != before]


def _visit_every_page(app) -> None:
    open_page(app, "pages/t0.py", "38")
    app.selectbox(key="t0_year").set_value(list(t0.T0_YEARS)[1]).run()
    app.switch_page("pages/mi-parcours.py").run()
    app.selectbox(key="mp_programme").set_value("CALPAE").run()
    app.switch_page("pages/effet-levier.py").run()
    app.radio(key="lev_stage").set_value("planned").run()
    app.switch_page("pages/comparer.py").run()
    for tab in ("Deux indicateurs", "Évolutions comparées", "Classement"):
        open_tab(app, "cmp_tab", tab)
    choose(app, REGION_OF["59"])  # a région without a département: the région's départements are highlighted
    for tab in ("Deux indicateurs", "Classement"):
        open_tab(app, "cmp_tab", tab)
    app.switch_page("pages/indicateurs.py").run()
    app.switch_page("pages/evaluation.py").run()
    open_tab(app, "ev_tab", "CALPAE : dose-réponse")
    app.switch_page("pages/region.py").run()
    app.switch_page("pages/services.py").run()
    app.slider(key="cov_distance").set_value(10).run()
    app.radio(key="cov_level").set_value("departement").run()
    app.switch_page("pages/accueil.py").run()  # the glance reads the quality bundle too
    app.switch_page("pages/qualite.py").run()
    for tab in ("Complétude des retours", "Contrôles de cohérence", "Déclaré et statistique publique",
                "Score par département", "À corriger (liste à envoyer)"):
        open_tab(app, "q_tab", tab)
    open_tab(app, "q_tab", "Complétude des retours")
    app.selectbox(key="q_programme").set_value("PACTE").run()
    app.toggle(key="q_by_indicator").set_value(True).run()
    open_tab(app, "q_tab", "Déclaré et statistique publique")
    app.checkbox(key="q_public_flagged").set_value(True).run()
    assert not app.exception, app.exception


def test_every_page_leaves_the_shared_views_as_they_were_computed(app, computed):
    _visit_every_page(app)
    _visit_every_page(app)  # the second visit reads every view from the cache, and shows it again
    assert {name for name, _, _ in computed} >= {
        "lever_view", "event_study_view", "dose_response_view", "distribution_chart", "series_figure",
        "ranking_view_of", "scatter_view", "small_multiples_view", "indicator_detail", "key_view", "needs_figure",
        "coverage_figure", "quality_bundle", "status_rows", "indicator_values"}
    assert _changed(computed) == []


def test_the_comparers_region_label_is_put_on_a_copy_of_the_shared_figure(app, computed):
    open_page(app, "pages/comparer.py")
    choose(app, REGION_OF["59"])
    shown = [c.proto.spec for c in app.get("plotly_chart")]
    assert any("Hauts-de-France" in spec for spec in shown)
    rankings = [view for name, view, _ in computed if name == "ranking_view_of"]
    assert rankings and all("Hauts-de-France" not in str([t.name for t in v.figure.data]) for v in rankings)
    assert _changed(computed) == []


def test_a_pack_built_from_the_pages_caches_leaves_them_as_computed(app, computed, demo_db):
    open_page(app, "pages/effet-levier.py", "38")
    app.switch_page("pages/mi-parcours.py").run()
    app.switch_page("pages/t0.py").run()
    model = pack.build_pack(demo_db, "38", "departement", sources=cache.pack_sources())
    assert model.sections and {name for name, _, _ in computed} >= {"lever_view", "distribution_chart"}
    assert _changed(computed) == []
