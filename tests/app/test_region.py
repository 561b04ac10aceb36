"""AppTests of the région view and of the région block of T0, Mi-parcours, Effet levier and Qualité (issue 15)."""

from __future__ import annotations

from levier.app import auth
from levier.rights.scope import Role, Scope
from tests.app.conftest import frame_with, texts
from tests.app.pages import charts

ISERE = Scope.territorial("agent@isere.fr", Role.DEPARTEMENTAL, {"38"})
LYON = "Métropole de Lyon"
GRENOBLE = "Grenoble-Alpes-Métropole"
BUTTONS = {"Isère (38)", "Rhône (69)", GRENOBLE, LYON}


def _open(at, page: str, reg: str = "84"):
    at.query_params["reg"] = reg
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _row(frame, label: str):
    return frame.set_index("Territoire").loc[label]


def test_region_84_shows_its_departements_and_metropoles_then_opens_one(app):
    at = _open(app, "pages/region.py")
    statuses = frame_with(at, "Territoire", "En avance", "En retard", "Sans donnée")
    assert {"Isère (38)", "Rhône (69)", GRENOBLE, LYON} <= set(statuses["Territoire"])
    assert "Bouches-du-Rhône (13)" not in set(statuses["Territoire"])  # another région's
    assert _row(statuses, LYON)["Type"] == "Métropole 200046977"  # its SIREN
    assert int(_row(statuses, "Isère (38)")["En retard"]) > 0  # the demo's Pacte targets
    key = frame_with(at, "Territoire", "Médiane nationale", "Rang")
    assert _row(key, "Isère (38)")["Valeur"] == "11,3\u00a0%"  # INSEE Filosofi 2020, as on the T0 page
    assert _row(key, "Isère (38)")["Rang"].endswith("/ 98")
    money = frame_with(at, "Territoire", "État prévu", "Total consommé")
    assert _row(money, "Rhône (69)")["État prévu"].endswith("M€")
    assert "données fictives" in texts(at).lower()
    # A territory's button opens the chosen page on it.
    at.radio(key="reg_target").set_value("mi-parcours.py").run()
    next(b for b in at.button if b.label == "Isère (38)").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Comparaison mi-parcours"
    assert "Isère (38)" in [s.value for s in at.subheader]
    assert at.sidebar.selectbox(key="sel_dep").value == "38"


def test_the_territory_pages_show_a_regions_territories_instead_of_a_refusal(app):
    at = _open(app, "pages/t0.py")
    for page in ("pages/t0.py", "pages/mi-parcours.py", "pages/effet-levier.py", "pages/qualite.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        page_text = texts(at)
        assert "(région → département → EPCI)" not in page_text, page  # ui.need_territory's refusal
        assert "Auvergne-Rhône-Alpes : ses départements et métropoles" in page_text, page
        labels = {b.label for b in at.button}
        assert BUTTONS <= labels, page
    # On Qualité, a métropole's button selects it (the page shows that métropole).
    next(b for b in at.button if b.label == LYON).click().run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="sel_epci").value == "200046977"
    assert "Métropole de Lyon" in texts(at)


def test_a_departemental_user_never_sees_another_departements_contract_data(app, monkeypatch):
    monkeypatch.setattr(auth, "current_scope", lambda: ISERE)
    at = _open(app, "pages/region.py")
    statuses = frame_with(at, "Territoire", "En avance", "En retard")
    money = frame_with(at, "Territoire", "État prévu", "Total consommé")
    returns = frame_with(at, "Territoire", "Reçus", "Manquants")
    for frame in (statuses, money, returns):
        own = _row(frame, "Isère (38)")
        assert "hors de vos droits" not in set(own), own
        for other in ("Rhône (69)", LYON, "Ain (01)"):
            shown = set(_row(frame, other).drop(["Type"]))
            assert shown == {"hors de vos droits"}, (other, shown)
    assert "hors de vos droits" in texts(at)
    # A contract indicator of the T0 figures: the Rhône's is not shown, Isère's is.
    at.selectbox(key="reg_indicator").set_value("PACTE-2-ORI-TX").run()
    key = frame_with(at, "Territoire", "Médiane nationale", "Rang")
    assert _row(key, "Rhône (69)")["Valeur"] == "hors de vos droits"
    assert _row(key, "Isère (38)")["Valeur"].endswith("%")


def test_comparer_highlights_the_selected_regions_departements(app):
    at = _open(app, "pages/comparer.py")
    ranking = charts(at)[0]
    highlighted = [t for t in ranking["data"] if t.get("name") == "Départements de Auvergne-Rhône-Alpes"]
    assert len(highlighted) == 1
    names = {label.split(". ", 1)[1] for label in highlighted[0]["y"]}
    assert {"Isère", "Rhône", "Savoie"} <= names and "Nord" not in names
    assert not [t for t in ranking["data"] if t.get("name") == "Pairs"]  # no peer group is claimed
