"""AppTests for the needs panorama and service-offer pages: indicator, year, classes and territory change the maps
and tables; the coverage distance changes the shares."""

from __future__ import annotations

import json

from tests.app.conftest import frame_with, texts


def _open(app, page: str, dep: str | None = None):
    app.run()
    app.switch_page(page).run()
    if dep:
        reg = {"38": "84", "59": "32"}[dep]
        app.sidebar.selectbox(key="sel_reg").set_value(reg).run()
        app.sidebar.selectbox(key="sel_dep").set_value(dep).run()
    assert not app.exception, app.exception
    return app


def _maps(app) -> list[dict]:
    return [json.loads(c.proto.spec) for c in app.get("plotly_chart")]


def _classes(spec: dict) -> list[str]:
    return [t["name"] for t in spec["data"] if t["type"] == "choropleth" and t["name"] != "sélection"]


def _locations(spec: dict) -> set[str]:
    return {c for t in spec["data"] if t["type"] == "choropleth" and t["name"] != "sélection" for c in t["locations"]}


def _geojson(spec: dict) -> set:
    return {t["geojson"] if isinstance(t["geojson"], str) else "inline" for t in spec["data"] if t["type"] == "choropleth"}


def _epci_table(app):
    return frame_with(app, "EPCI", "SIREN", "Écart au département (points)")


def test_panorama_france_then_a_departement(app):
    _open(app, "pages/panorama.py")
    page = texts(app)
    assert "Panorama des besoins" in page and "France entière" in page
    epci_map, dep_map = _maps(app)
    assert len(_locations(epci_map)) == 1255 and len(_locations(dep_map)) == 101
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
    epci_map, dep_map = _maps(app)
    table = _epci_table(app)
    assert 10 < len(table) < 30 and set(table["Département principal"]) == {"Isère (38)"}
    assert _locations(epci_map) == set(table["SIREN"])
    assert _geojson(epci_map) == {"app/static/geo/epci_2026_true.geojson"}
    assert table["Rang"].tolist()[:3] == [1, 2, 3] and "Rang national" in table.columns
    assert len(_locations(dep_map)) == 101  # départements: France, Isère outlined
    outline = [t for t in dep_map["data"] if t.get("name") == "sélection"]
    assert outline and outline[0]["locations"] == ["38"]


def test_panorama_indicator_year_and_classes_change_the_map(app):
    _open(app, "pages/panorama.py", "38")
    before = _epci_table(app)
    quantiles = _classes(_maps(app)[0])
    app.radio(key="pan_method").set_value("jenks").run()
    jenks = _classes(_maps(app)[0])
    assert jenks != quantiles and "seuils naturels (Jenks)" in _maps(app)[0]["layout"]["annotations"][0]["text"]
    app.slider(key="pan_k").set_value(3).run()
    assert len(_classes(_maps(app)[0])) <= 3 + 1  # three classes (and the grey one when a value is missing)

    app.selectbox(key="pan_indicator").set_value("STAT-Q2").run()
    assert not app.exception
    after = frame_with(app, "EPCI", "SIREN", "Valeur (€)")
    assert set(after["SIREN"]) == set(before["SIREN"]) and "Écart au département (€)" in after.columns
    assert "Médiane du niveau de vie, 2019" in _maps(app)[0]["layout"]["title"]["text"]
    app.selectbox(key="pan_year_STAT-Q2").set_value(2018).run()
    assert not app.exception
    assert "Médiane du niveau de vie, 2018" in _maps(app)[0]["layout"]["title"]["text"]
    earlier = frame_with(app, "EPCI", "SIREN", "Valeur (€)").set_index("SIREN")["Valeur (€)"]
    later = after.set_index("SIREN")["Valeur (€)"].reindex(earlier.index)
    assert (earlier < later).sum() > len(earlier) / 2  # incomes rose from 2018 to 2019 in most EPCI

    # The poverty rate is published by département only: the page says so instead of an empty map.
    app.selectbox(key="pan_indicator").set_value("STAT-TP60").run()
    assert not app.exception
    assert any("n'est pas publié par EPCI" in i.value for i in app.info)
    (dep_map,) = _maps(app)
    assert "Taux de pauvreté au seuil de 60 %, 2020" in dep_map["layout"]["title"]["text"]
    deps = frame_with(app, "Département", "Code", "Écart à la France (points)")
    assert deps.set_index("Code").loc["38", "Valeur (%)"] == 11.3


def test_panorama_can_overlay_service_points(app):
    _open(app, "pages/panorama.py", "38")
    app.multiselect(key="pan_overlay").set_value(["france_services"]).run()
    assert not app.exception
    names = [t.get("name", "") for t in _maps(app)[0]["data"] if t["type"] == "scattergeo"]
    assert any(n.startswith("France services (") for n in names)


def test_services_page_coverage_follows_the_distance(app):
    _open(app, "pages/services.py", "38")
    page = texts(app)
    assert "Offre de services et couverture" in page and "2.1.1" in page
    # The limits are stated on the page; with one point per commune in the reference data, not the EPCI-point one.
    assert "Distance à vol d'oiseau, pas temps de trajet" in page and "point représentatif de son EPCI" not in page
    needs_map = _maps(app)[0]
    names = [t.get("name", "") for t in needs_map["data"] if t["type"] == "scattergeo"]
    assert any(n.startswith("France services (") for n in names)
    assert any(n.startswith("Agence France Travail") for n in names)
    share_20 = app.metric[0].value
    table_20 = frame_with(app, "EPCI", "Part de la population à moins de 20 km (%)")
    assert app.selectbox(key="cov_type").value == "france_services"

    app.selectbox(key="cov_type").set_value("agence_france_travail").run()
    agencies_20 = frame_with(app, "EPCI", "Part de la population à moins de 20 km (%)")
    app.slider(key="cov_distance").set_value(5).run()
    assert not app.exception
    table_5 = frame_with(app, "EPCI", "Part de la population à moins de 5 km (%)")
    assert set(table_5["SIREN"]) == set(table_20["SIREN"])
    a20 = agencies_20.set_index("SIREN")["Part de la population à moins de 20 km (%)"]
    a5 = table_5.set_index("SIREN")["Part de la population à moins de 5 km (%)"]
    assert (a5 <= a20.reindex(a5.index)).all() and (a5 < a20.reindex(a5.index)).any()
    assert app.metric[0].value != share_20
    assert float(app.metric[0].value.replace("\u00a0%", "").replace(",", ".")) < 90
    deps = frame_with(app, "Département", "Part de la population à moins de 5 km (%)")
    assert deps["Code"].tolist() == ["38"]

    app.radio(key="cov_level").set_value("departement").run()
    assert not app.exception
    cov_map = _maps(app)[1]
    assert "par département" in cov_map["layout"]["title"]["text"]
    assert len(_locations(cov_map)) == 101
