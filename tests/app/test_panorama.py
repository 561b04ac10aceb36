"""AppTest of the Panorama page: maps by EPCI and département, indicator, year, classes, service overlay."""

from __future__ import annotations

from tests.app.conftest import frame_with, texts
from tests.app.pages import charts, locations, open_page


def _epci_table(app):
    return frame_with(app, "EPCI", "SIREN", "Écart au département (points)")


def _geojson(spec: dict) -> set:
    return {t["geojson"] if isinstance(t["geojson"], str) else "inline" for t in spec["data"] if t["type"] == "choropleth"}


def maps(app) -> list[dict]:
    """The map figures of the page (the « Séries dans le temps » charts below them left out)."""
    return [s for s in charts(app) if any(t["type"] == "choropleth" for t in s["data"])]


def _classes(spec: dict) -> list[str]:
    return [t["name"] for t in spec["data"] if t["type"] == "choropleth" and t["name"] != "sélection"]


def test_panorama_france_then_a_departement(app):
    open_page(app, "pages/panorama.py")
    page = texts(app)
    assert "Panorama des besoins" in page and "France entière" in page
    epci_map, dep_map = maps(app)
    assert len(locations(epci_map)) == 1255 and len(locations(dep_map)) == 101
    assert _geojson(epci_map) == {"app/static/geo/epci_2026.geojson"}  # by URL, never inlined
    assert "Secret statistique / non disponible" in _classes(epci_map)  # missing values: grey, labelled
    assert "Source : INSEE, Filosofi, 2019" in epci_map["layout"]["annotations"][0]["text"]
    table = _epci_table(app)
    assert len(table) == 1255 and "Rang national" not in table.columns
    assert "médiane des 98 départements" in page

    app.sidebar.selectbox(key="sel_reg").set_value("84").run()
    app.sidebar.selectbox(key="sel_dep").set_value("38").run()
    assert not app.exception
    assert "Par EPCI — Isère (38)" in texts(app)
    epci_map, dep_map = maps(app)
    table = _epci_table(app)
    assert 10 < len(table) < 30 and set(table["Département principal"]) == {"Isère (38)"}
    assert locations(epci_map) == set(table["SIREN"])
    assert _geojson(epci_map) == {"app/static/geo/epci_2026_true.geojson"}
    assert table["Rang"].tolist()[:3] == [1, 2, 3] and "Rang national" in table.columns
    assert len(locations(dep_map)) == 101  # départements: France, Isère outlined
    outline = [t for t in dep_map["data"] if t.get("name") == "sélection"]
    assert outline and outline[0]["locations"] == ["38"]


def test_panorama_indicator_year_and_classes_change_the_map(app):
    open_page(app, "pages/panorama.py", "38")
    before = _epci_table(app)
    quantiles = _classes(charts(app)[0])
    app.radio(key="pan_method").set_value("jenks").run()
    jenks = _classes(charts(app)[0])
    assert jenks != quantiles and "seuils naturels (Jenks)" in charts(app)[0]["layout"]["annotations"][0]["text"]
    app.slider(key="pan_k").set_value(3).run()
    assert len(_classes(charts(app)[0])) <= 3 + 1  # three classes (and the grey one when a value is missing)

    app.selectbox(key="pan_indicator").set_value("STAT-Q2").run()
    assert not app.exception
    after = frame_with(app, "EPCI", "SIREN", "Valeur (€)")
    assert set(after["SIREN"]) == set(before["SIREN"]) and "Écart au département (€)" in after.columns
    assert "Médiane du niveau de vie, 2019" in charts(app)[0]["layout"]["title"]["text"]
    app.selectbox(key="pan_year_STAT-Q2").set_value(2018).run()
    assert not app.exception
    assert "Médiane du niveau de vie, 2018" in charts(app)[0]["layout"]["title"]["text"]
    earlier = frame_with(app, "EPCI", "SIREN", "Valeur (€)").set_index("SIREN")["Valeur (€)"]
    later = after.set_index("SIREN")["Valeur (€)"].reindex(earlier.index)
    assert (earlier < later).sum() > len(earlier) / 2  # incomes rose from 2018 to 2019 in most EPCI

    # The poverty rate is published by département only: the page says so instead of an empty map.
    app.selectbox(key="pan_indicator").set_value("STAT-TP60").run()
    assert not app.exception
    assert any("n'est pas publié par EPCI" in i.value for i in app.info)
    (dep_map,) = maps(app)
    assert "Taux de pauvreté au seuil de 60 %, 2020" in dep_map["layout"]["title"]["text"]
    deps = frame_with(app, "Département", "Code", "Écart à la France (points)")
    assert deps.set_index("Code").loc["38", "Valeur (%)"] == 11.3


def test_panorama_can_overlay_service_points(app):
    open_page(app, "pages/panorama.py", "38")
    app.multiselect(key="pan_overlay").set_value(["france_services"]).run()
    assert not app.exception
    names = [t.get("name", "") for t in charts(app)[0]["data"] if t["type"] == "scattergeo"]
    assert any(n.startswith("France services (") for n in names)
