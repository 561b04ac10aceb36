"""AppTest of shared links: a link reopens exactly its view, a wrong value in it is said in French, and every choice
made on the page is written back into the link."""

from __future__ import annotations

from levier.app import auth
from levier.rights.scope import Scope
from tests.app.conftest import texts
from tests.app.pages import charts


def _opened(app, page: str, **params: str):
    """A new session opened directly on `page` with this query string, as a shared link opens it."""
    app.query_params.update(params)
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def test_a_link_opens_its_whole_view(app):
    _opened(app, "pages/t0.py", dep="38", annee="2022", programmes="CALPAE", indicateur="STAT-TP60")
    assert app.sidebar.selectbox(key="sel_dep").value == "38" and app.sidebar.selectbox(key="sel_reg").value == "84"
    assert app.selectbox(key="t0_year").value == 2022
    assert app.multiselect(key="t0_programmes_38").value == ["CALPAE"]
    assert app.selectbox(key="t0_indicator").value == "STAT-TP60"
    assert "Isère (38)" in texts(app) and "Lien partagé" not in texts(app)
    table = next(d.value for d in app.dataframe if "Programme" in d.value.columns)
    assert set(table["Programme"]) == {"CALPAE"}  # the programme of the link filters the table
    assert any("STAT-TP60" in str(c.get("layout", {}).get("title")) or "pauvreté" in str(c) for c in charts(app))


def test_a_session_that_lost_its_sidebar_values_reads_the_territory_from_its_address(app):
    """Streamlit can lose the sidebar selectors' values while the session goes on (a rerun that reaches the server
    without the browser's widget states, a run interrupted before the sidebar was drawn): the page is then drawn
    for the territory its address names, not replaced by an error box."""
    app.session_state["sel_init"] = True  # the session began earlier; its selectors' values are gone
    _opened(app, "pages/t0.py", dep="38")
    assert app.sidebar.selectbox(key="sel_dep").value == "38" and app.sidebar.selectbox(key="sel_reg").value == "84"
    assert "Isère (38)" in texts(app)


def test_wrong_values_of_a_link_are_said_in_french(app):
    _opened(app, "pages/panorama.py", reg="11", dep="38", indicateur="STAT-TP60", annee="1850")
    said = [w.value for w in app.warning if w.value.startswith("**Lien partagé**")]
    assert len(said) == 1  # one box for everything ignored, the page's title still on the screen
    assert ("- Le département Isère (38) n'est pas dans la région Île-de-France (11) du lien : ignoré. "
            "Affiché à la place : **Île-de-France (11)**.\n") in said[0]
    assert "- « 1850 » n'est pas une valeur possible de « Année » ici ; ignoré. Affiché à la place : 20" in said[0]
    assert app.selectbox(key="pan_indicator").value == "STAT-TP60"  # the valid part of the link is kept
    assert app.sidebar.selectbox(key="sel_dep").value == "" and app.query_params.get("dep") is None
    assert "Par EPCI — Île-de-France" in texts(app)


def test_every_choice_is_written_into_the_link(app):
    _opened(app, "pages/panorama.py")
    app.radio(key="pan_method").set_value("jenks").run()
    app.sidebar.selectbox(key="sel_reg").set_value("84").run()
    app.sidebar.selectbox(key="sel_dep").set_value("38").run()
    assert not app.exception, app.exception
    link = dict(app.query_params)
    assert link["classes"] == "jenks" and link["reg"] == "84" and link["dep"] == "38"
    assert link["indicateur"] == app.selectbox(key="pan_indicator").value
    assert link["annee"] == str(app.selectbox(key=f"pan_year_{link['indicateur']}").value)
    assert not [w for w in app.warning if w.value.startswith("**Lien partagé**")]  # choices made here are no mistake


def test_links_reopen_the_france_and_region_views(app, monkeypatch):
    monkeypatch.setattr(auth, "current_scope", lambda: Scope.national("rapporteur@assemblee-nationale.fr"))
    # AppTest opens a first page by the name of its file, and this page's address is not its file's name: the link
    # opens the home page, then the session moves to France à mi-parcours, as a user following the link's menu entry.
    app.query_params.update(programme="CDPPE", vague="1")
    app.run()
    app.switch_page("pages/france-mi-parcours.py").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="fr_programme").value == "CDPPE" and app.selectbox(key="fr_wave_CDPPE").value == 1
    waves = next(d.value for d in app.dataframe if "Vague" in d.value.columns)["Vague"]
    assert set(waves) == {"Vague 1 (2020)"}  # the link's wave filters the table

    app.selectbox(key="fr_programme").set_value("PACTE").run()
    assert dict(app.query_params)["programme"] == "PACTE"


def test_a_region_link_reopens_its_programme(app):
    _opened(app, "pages/region.py", reg="84", programme="CDPPE")
    assert app.selectbox(key="reg_programme").value == "CDPPE"
    assert "Auvergne-Rhône-Alpes (84)" in texts(app)
