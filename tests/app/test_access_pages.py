"""AppTests of each role's app: the identity is faked (no provider), the access file and the demo database are real."""

from __future__ import annotations

import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from levier.app import auth, sessions
from levier.core.config import PROJECT_ROOT
from tests.app.conftest import texts
from tests.unit.rights.test_access import FOUR_USERS

IDENTITIES = {
    "national": {"email": "nationale@exemple.gouv.fr", "sub": "nat-1", "name": "Nationale Exemple"},
    "regional": {"email": "regionale@exemple.gouv.fr", "sub": "reg-1"},
    "departemental": {"email": "Isere@Exemple.gouv.fr", "sub": "dep-1"},
    "administrateur": {"email": "admin@exemple.gouv.fr", "sub": "admin-sub-1"},
    "inconnu": {"email": "inconnu@exemple.gouv.fr", "sub": "sub-inconnu-42"},
}
REAL_IDENTITY = auth.identity  # before any test fakes it


@pytest.fixture
def signed_in(app, tmp_path, monkeypatch):
    """Sign-in configured; `signed_in(name)` fakes that user's identity (None: nobody signed in)."""
    access_file = tmp_path / "acces.toml"
    access_file.write_text(FOUR_USERS, encoding="utf-8")
    monkeypatch.setenv("LEVIER_ACCESS_FILE", str(access_file))
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    seen: dict[str, list[str]] = {}
    real_navigation = st.navigation

    def recording_navigation(pages, *args, **kwargs):
        seen.clear()
        # what the menu lists: hidden pages are routed (an address typed by hand) but not offered
        seen.update({section: [p.title for p in entries if getattr(p, "_visibility", "visible") == "visible"]
                     for section, entries in pages.items()})
        return real_navigation(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", recording_navigation)

    def sign_in(name: str | None) -> tuple[AppTest, dict[str, list[str]]]:
        monkeypatch.setattr(auth, "identity", lambda: dict(IDENTITIES[name]) if name else None)
        return app, seen

    return sign_in


def sidebar_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*at.sidebar.markdown, *at.sidebar.caption])


def test_nobody_signed_in_sees_only_the_sign_in_screen(signed_in):
    at, nav = signed_in(None)
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Se connecter avec ProConnect"]
    page = texts(at)
    assert "Connectez-vous avec votre compte professionnel" in page
    assert "Données fictives" not in page and not at.dataframe and not at.selectbox
    assert nav == {}  # the router never ran


@pytest.mark.parametrize(
    "who, rights, importer",
    [
        ("national", "Rôle national : tous les territoires ; détail sur 75.", False),
        ("regional", "Rôle régional : départements 01, 03, 07, 15, 26, 38, 42, 43, 63, 69, 73, 74 ; détail sur", False),
        ("departemental", "Rôle départemental : départements 38 ; détail sur 38.", False),
        ("administrateur", "Rôle administrateur : tous les territoires ; détail complet.", True),
        ("inconnu", "Aucun territoire attribué : seules les statistiques publiques sont visibles.", False),
    ],
)
def test_each_role_sees_its_rights_in_the_sidebar_and_the_importer_only_if_administrator(signed_in, who, rights,
                                                                                         importer):
    at, nav = signed_in(who)
    at.run()
    assert not at.exception, at.exception
    side = sidebar_text(at)
    assert rights in side
    assert IDENTITIES[who]["email"].casefold() in side.casefold()
    assert "Se déconnecter" in [b.label for b in at.sidebar.button]
    assert ("Importer" in nav.get("Données", [])) is importer
    assert "Situation de départ (T0)" in nav["Diagnostic et suivi"]
    if who == "inconnu":  # what the person must send to the administrator to be granted rights
        assert "sub-inconnu-42" in side


def test_the_importer_page_refuses_a_non_administrator_even_when_reached_directly(signed_in):
    signed_in("departemental")
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "importer.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert any("Import réservé aux administrateurs" in e.value for e in at.error)
    assert not at.file_uploader and not at.dataframe


def test_the_importer_page_names_the_administrator_who_imports(signed_in):
    from tests.unit.ingest.test_returns import NE, long_csv

    signed_in("administrateur")
    # The confirmed import runs the publication step in the page's run (35 s on the idle demo): the same allowance as
    # the router's runs, so that a loaded CI machine does not fail a behaviour test on time.
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "importer.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert "Connecté·e en tant que admin@exemple.gouv.fr (administrateur)" in texts(at)
    at.file_uploader[0].upload("bon.csv", long_csv([["38", NE, "2022", "6 001"]]), "text/csv").run()
    [b for b in at.button if b.label == "Confirmer l'import"][0].click().run()
    assert not at.exception
    journal = at.dataframe[-1].value
    assert journal["Fichier"].iloc[0] == "bon.csv" and journal["Par"].iloc[0] == "admin@exemple.gouv.fr"


def test_a_broken_access_file_closes_the_app_with_a_french_message(signed_in, tmp_path, monkeypatch):
    broken = tmp_path / "casse.toml"
    broken.write_text('[[utilisateur]]\nemail = "a@b.fr"\nrole = "departemental"\ndepartements = ["38", "20"]\n')
    monkeypatch.setenv("LEVIER_ACCESS_FILE", str(broken))
    at, nav = signed_in("departemental")
    at.run()
    assert not at.exception
    assert any("Droits d'accès illisibles" in e.value for e in at.error)
    assert "code département « 20 » inconnu" in "\n".join(c.value for c in at.code)
    assert nav == {} and not at.dataframe


def test_a_changed_access_file_applies_at_the_next_rerun(signed_in, tmp_path):
    import os

    at, nav = signed_in("departemental")
    at.run()
    assert "Importer" not in nav.get("Données", [])
    path = tmp_path / "acces.toml"
    path.write_text(FOUR_USERS.replace('role = "departemental"', 'role = "administrateur"')
                    .replace('departements = ["38"]\n', ""), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # same second on a coarse clock
    at.run()
    assert not at.exception
    assert "Importer" in nav.get("Données", [])


def test_local_mode_says_so_and_keeps_every_right(app):
    app.run()
    assert not app.exception
    assert "Mode local, sans connexion" in sidebar_text(app)
    assert "Se déconnecter" not in [b.label for b in app.sidebar.button]


@pytest.mark.parametrize("case", ["fresh", "expired", "signed_out"])
def test_an_ended_session_shows_the_sign_in_screen_and_why(signed_in, monkeypatch, tmp_path, case):
    """The identity cookie's claims are still there, but the sign-in is over: past LEVIER_SESSION_HOURS, or issued
    before the user's « Se déconnecter » (recorded in LEVIER_SESSIONS_DIR): the app stays closed and says why."""
    at, nav = signed_in("departemental")
    monkeypatch.setenv("LEVIER_SESSIONS_DIR", str(tmp_path / "sessions"))
    monkeypatch.setenv("LEVIER_SESSION_HOURS", "12")
    claims = dict(IDENTITIES["departemental"], iat=int(time.time()) - (13 * 3600 if case == "expired" else 60))
    if case == "signed_out":
        sessions.record_sign_out(claims)
    # What the cookie says is faked; whether it still opens a session is auth.identity's own judgement.
    monkeypatch.setattr(auth, "_claims", lambda: dict(claims))
    monkeypatch.setattr(auth, "identity", REAL_IDENTITY)
    at.run()
    assert not at.exception, at.exception
    page = texts(at)
    if case == "fresh":
        assert "Rôle départemental" in sidebar_text(at) and nav
        return
    assert [b.label for b in at.button] == ["Se connecter avec ProConnect"]
    assert nav == {} and not at.dataframe
    expected = "Session expirée" if case == "expired" else "Session terminée"
    assert expected in page, page
    if case == "expired":
        assert "une connexion dure au plus 12 heures" in page
