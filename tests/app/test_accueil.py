"""AppTest of the Accueil: what is loaded and that the returns are fictitious; a selected territory at a glance."""

from __future__ import annotations

from levier.analysis.positions import STATUSES
from tests.app.conftest import frame_with, texts


def test_home_says_what_is_loaded_and_that_it_is_fictitious(app):
    app.run()
    assert not app.exception
    page = texts(app)
    assert "Données fictives de démonstration" in page
    assert "Programmes, indicateurs et périodes" in page
    programmes = app.dataframe[0].value
    assert set(programmes["Programme"]) >= {"CALPAE", "CDPPE", "PACTE", "STAT"}
    calpae = programmes.set_index("Programme").loc["CALPAE"]
    assert calpae["Périodes avec données"] == "2019–2022"
    assert calpae["Départements ayant transmis"] >= 90
    territories = app.dataframe[1].value.set_index("Niveau")
    assert territories.loc["Départements", "Millésime 2026"] == "101"
    assert territories.loc["EPCI à fiscalité propre", "Millésime 2023"] == "1\u00a0255"
    imports = app.dataframe[2].value
    assert len(imports) > 0 and (imports["Statut"] == "importé").any()


def test_a_departement_at_a_glance(app):
    """/accueil?reg=84&dep=38: Isère's key figures with their trend and national rank, the Pacte's status counts, the
    alerts and links to the detail pages that keep the selection."""
    app.query_params["reg"] = "84"
    app.query_params["dep"] = "38"
    app.run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Isère (38) en un coup d'œil"
    page = texts(app)
    tiles = {m.label: m for m in app.metric}
    assert {"Taux de pauvreté", "Allocataires du RSA", "Enfants à l'ASE"} <= set(tiles)
    assert 6 <= len([m for m in app.metric if m.label not in {s.capitalize() for s in STATUSES}]) <= 8
    assert tiles["Taux de pauvreté"].value == "11,3\u00a0%"
    # A trend (sparkline and signed change) where the series has years; RSA allocataires as a rate, with the count.
    rsa = tiles["Allocataires du RSA"]
    assert rsa.value.endswith("‰") and rsa.proto.chart_data and "depuis 2016" in rsa.delta
    assert "85e plus forte valeur sur 101" in page and "23\u00a0037\u00a0personnes" in page
    assert "Rang 12 sur 98 · quartile 1" in page  # poverty rate: rank among the ranked départements
    # The contract's status counts.
    for status in ("En avance", "Dans la trajectoire", "En retard", "Sans donnée"):
        assert status in tiles
    assert int(tiles["En retard"].value) > 0
    # Alerts: actions behind, listed.
    assert any("en retard sur leur trajectoire" in w.value for w in app.warning)
    late = frame_with(app, "Indicateur en retard", "Part du chemin attendu")
    assert 0 < len(late) <= 5
    # Links to the detail pages, the selection in their address.
    links = {link.proto.label: link.proto for link in app.get("page_link")}
    t0_link = next(p for label, p in links.items() if label.startswith("Situation de départ (T0)"))
    assert t0_link.page.endswith("t0") and "dep=38" in t0_link.query_string and "reg=84" in t0_link.query_string
    assert any(label.startswith("Mi-parcours") for label in links) and any("Pack" in label for label in links)


def test_without_a_selection_the_national_picture_and_a_region_compact(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Levier"
    assert "Choisissez une région, un département ou un EPCI" in texts(app)
    assert not [m for m in app.metric if m.label == "Taux de pauvreté"]
    # A région: its départements side by side, statuses and key figures (the région page is the full view).
    app.sidebar.selectbox(key="sel_reg").set_value("84").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Auvergne-Rhône-Alpes (84) en un coup d'œil"
    table = frame_with(app, "Département", "En retard", "Taux de pauvreté").set_index("Département")
    assert len(table) == 12 and {"Isère (38)", "Rhône (69)"} <= set(table.index)
    assert table.loc["Isère (38)", "Taux de pauvreté"] == "11,3\u00a0% (2020) · rang 12/98"
    assert table["En retard"].sum() > 0


def test_the_banner_of_every_page_does_not_count_every_value_the_home_page_alone_does(app, reads):
    """The demo banner every page shows reads whether demo values are stored, not the home page's per-programme
    counts, which scan every current value (×30: half a second on a first visit): a territory's glance and the
    importer never run that query (the home page without a territory shows those counts: test above)."""
    app.query_params["dep"] = "38"
    app.run()
    assert not app.exception and "Données fictives de démonstration" in texts(app)
    assert "catalogue/programme_summary" not in reads
    app.switch_page("pages/importer.py").run()
    assert not app.exception and "catalogue/programme_summary" not in reads
    assert any((frame.value["Statut"] == "importé").any() for frame in app.dataframe
               if "Statut" in frame.value.columns)  # the last imports, listed as before
