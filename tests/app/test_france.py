"""AppTest of the « France à mi-parcours » page: every département's status for an indicator, the programme, axis,
indicator and wave filters, and a départemental user who sees only its own département."""

from __future__ import annotations


from levier.app import auth
from levier.rights.scope import Role, Scope
from tests.app.conftest import frame_with, texts
from tests.app.pages import charts, locations

ISERE = Scope.territorial("agent@isere.fr", Role.DEPARTEMENTAL, {"38"})
NATIONAL = Scope.national("rapporteur@assemblee-nationale.fr")  # reads everything, small counts masked: served live
STATUS_COLUMNS = ("Code", "Département", "Statut", "Taux d'atteinte")


def _open(app):
    app.run()
    app.switch_page("pages/france-mi-parcours.py").run()
    assert not app.exception, app.exception
    return app


def _map(app) -> dict:
    return next(c for c in charts(app) if any(t["type"] == "choropleth" for t in c["data"]))


def test_a_national_user_sees_every_departements_status_and_the_filters_change_the_table(app, monkeypatch):
    monkeypatch.setattr(auth, "current_scope", lambda: NATIONAL)
    _open(app)
    page = texts(app)
    assert "France à mi-parcours" in page and "données fictives" in page
    assert "ne sont pas classés" in page and "Taux d'atteinte = " in page
    table = frame_with(app, *STATUS_COLUMNS)
    assert len(table) > 100 and list(table["Code"]) == sorted(table["Code"], key=lambda c: (len(c) > 2, c))
    assert sum(int(m.value) for m in app.metric) == len(table)
    assert len(locations(_map(app))) > 100
    assert "Aucune vague de contractualisation" in page  # the Pacte has no wave in the data

    first = table.copy()
    app.selectbox(key="fr_indicator_PACTE_").set_value("PACTE-1-ACC").run()
    assert not app.exception, app.exception
    assert not frame_with(app, *STATUS_COLUMNS).equals(first)

    app.selectbox(key="fr_programme").set_value("CDPPE").run()
    assert not app.exception, app.exception
    cdppe = frame_with(app, *STATUS_COLUMNS, "Vague")
    assert len(cdppe) > 100 and not cdppe["Dernière valeur"].equals(first["Dernière valeur"])
    app.selectbox(key="fr_wave_CDPPE").set_value(1).run()
    wave = frame_with(app, *STATUS_COLUMNS, "Vague")
    assert 25 <= len(wave) <= 35 and set(wave["Vague"]) == {"Vague 1 (2020)"}


def test_a_departemental_user_sees_only_its_own_departement(app, monkeypatch):
    monkeypatch.setattr(auth, "current_scope", lambda: ISERE)
    _open(app)
    table = frame_with(app, *STATUS_COLUMNS)
    assert list(table["Code"]) == ["38"]
    spec = _map(app)
    outside = [t for t in spec["data"] if t["type"] == "choropleth" and t["name"].startswith("hors de vos droits")]
    assert len(outside) == 1 and "38" not in outside[0]["locations"] and len(outside[0]["locations"]) > 95
    assert "Vos droits" in texts(app)
