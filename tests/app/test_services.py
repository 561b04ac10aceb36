"""AppTest of the Services page: coverage of the population within a distance of a service."""

from __future__ import annotations

from tests.app.conftest import frame_with, texts
from tests.app.pages import charts, locations, metrics, open_page


def test_services_page_coverage_follows_the_distance(app):
    open_page(app, "pages/services.py", "38")
    page = texts(app)
    assert "Offre de services et couverture" in page and "2.1.1" in page
    # The limits are stated on the page; with one point per commune in the reference data, not the EPCI-point one.
    assert "Distance à vol d'oiseau, pas temps de trajet" in page and "point représentatif de leur EPCI" not in page
    # The method: straight line from each commune's centroid, population municipale INSEE 2026; the road caveat.
    assert "son **centroïde**" in page and "population municipale INSEE 2026" in page
    assert "en ligne droite" in page and "temps de trajet par la route" in page
    assert "34\u00a0875 communes (chacune à son centroïde)" in page
    needs_map = charts(app)[0]
    names = [t.get("name", "") for t in needs_map["data"] if t["type"] == "scattergeo"]
    assert any(n.startswith("Agence France Travail") and "<br>" in n for n in names)
    share_20 = app.metric[0].value
    # The places counted are Isère's (the national count, 2 845, was shown before), as in the table by département;
    # the figures come from the derived tables, computed when the data was published.
    places = metrics(app)["Lieux « France services » — Isère (38)"]
    by_dep = frame_with(app, "Département", "Lieux « France services »").set_index("Code")
    assert int(places.replace("\u00a0", "")) == by_dep.at["38", "Lieux « France services »"] < 2845
    # The maps' legends count the same places, the neighbours' drawn around them said apart.
    assert any(n.startswith(f"France services<br>{places} du département, ") for n in names)
    assert "Calcul à la publication des données" in page
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
    cov_map = charts(app)[1]
    assert "par département" in cov_map["layout"]["title"]["text"]
    assert len(locations(cov_map)) == 101
