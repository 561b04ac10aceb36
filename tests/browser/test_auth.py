"""Sign-in for real: a mock OIDC provider on loopback, the app with [auth] secrets and an access file, and Chromium
signing in as each role; what each one sees is read from the pages and from the CSV files they download."""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from tests.browser.conftest import _free_port, running_app, screenshot, wait_for_app
from tests.unit.rights.test_access import AURA, FOUR_USERS

pytestmark = pytest.mark.browser

CONTRACT_PROGRAMMES = {"CALPAE", "CDPPE", "PACTE"}
# What the provider says about each person; the access file (FOUR_USERS) knows them by email, whatever its case,
# except the administrator, known by `sub` only.
PEOPLE = {
    "national": ("sub-nationale", {"email": "NATIONALE@exemple.gouv.fr", "name": "Nationale Exemple"}),
    "regional": ("sub-regionale", {"email": "regionale@exemple.gouv.fr", "name": "Régionale Exemple"}),
    "departemental": ("sub-isere", {"email": "isere@exemple.gouv.fr", "name": "Isère Exemple"}),
    "administrateur": ("admin-sub-1", {"email": "admin@exemple.gouv.fr", "name": "Admin Exemple"}),
}


@pytest.fixture(scope="session")
def oidc_provider():
    """oidc-provider-mock in a thread of this process, on loopback, knowing the four people."""
    oidc_provider_mock = pytest.importorskip("oidc_provider_mock")
    # The mock speaks plain HTTP on loopback; Authlib refuses that unless told it is a test.
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    users = [oidc_provider_mock.User(sub=sub, claims=claims) for sub, claims in PEOPLE.values()]
    with oidc_provider_mock.run_server_in_thread(user_claims=users) as srv:
        host, port = srv.server_address[:2]
        yield f"http://{'127.0.0.1' if host in ('127.0.0.1', '0.0.0.0') else 'localhost'}:{port}"
    if previous is None:
        os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
    else:
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


@contextmanager
def auth_app(demo_db_path, oidc_provider, work, **env_extra: str) -> Iterator[str]:
    """`levier app` with [auth] secrets (Streamlit reads .streamlit/secrets.toml from its working directory)."""
    db = work / "levier.duckdb"
    shutil.copy(demo_db_path, db)
    access_file = work / "acces.toml"
    access_file.write_text(FOUR_USERS, encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    (work / ".streamlit").mkdir()
    (work / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "levier-test"\n'
        'client_secret = "secret-de-test"\n'
        f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = dict(os.environ, LEVIER_DB=str(db), LEVIER_ACCESS_FILE=str(access_file), AUTHLIB_INSECURE_TRANSPORT="1",
               **env_extra)
    with running_app(port, env, work, work / "streamlit.log") as app_url:
        yield app_url


@pytest.fixture(scope="session")
def auth_server(demo_db_path, oidc_provider, tmp_path_factory):
    with auth_app(demo_db_path, oidc_provider, tmp_path_factory.mktemp("auth_app")) as app_url:
        yield app_url


def sign_in(page, url: str, who: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("button", name="Se connecter avec ProConnect").click()
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"), timeout=30_000)
    sub = PEOPLE[who][0]
    page.locator(f'button[name="sub"][value="{sub}"]').click()
    page.wait_for_url(re.compile(rf"^{re.escape(url)}/?(\?.*)?$"), timeout=30_000)
    wait_for_app(page)


def open_page(page, url: str, path: str) -> str:
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")[:2000]
    return page.inner_text("body")


def navigation_text(page) -> str:
    """Every entry of the sidebar menu (app.py keeps it expanded)."""
    nav = page.locator('[data-testid="stSidebarNav"]')
    return nav.inner_text() if nav.count() else ""


def download_csv(page, index: int = 0) -> pd.DataFrame:
    buttons = page.get_by_role("button", name="Télécharger (CSV)")
    buttons.nth(index).wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        buttons.nth(index).click()
    data = open(info.value.path(), "rb").read()
    return pd.read_csv(io.BytesIO(data), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def contract_values(t0: pd.DataFrame) -> pd.Series:
    """The values shown for contract indicators (returns, targets) in a T0 table."""
    rows = t0[t0["Programme"].isin(CONTRACT_PROGRAMMES)]
    return rows["Valeur"][rows["Valeur"].str.strip() != ""]


def test_nobody_signed_in_sees_only_the_sign_in_screen(auth_server, page):
    for path in ("", "t0?reg=84&dep=38", "importer"):
        body = open_page(page, auth_server, path)
        assert "Se connecter avec ProConnect" in body
        assert "Données fictives" not in body and "Isère" not in body
        assert navigation_text(page) == ""
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
    screenshot(page, "auth_connexion")


def test_departemental_38_sees_38_never_69_contract_data(auth_server, page):
    sign_in(page, auth_server, "departemental")
    body = page.inner_text("body")
    assert "Rôle départemental : départements 38" in body and "isere@exemple.gouv.fr" in body
    nav = navigation_text(page)
    assert "Situation de départ" in nav and "Importer" not in nav

    open_page(page, auth_server, "t0?reg=84&dep=38")
    own = download_csv(page)
    assert len(contract_values(own)) > 20  # their own returns are all there

    body = open_page(page, auth_server, "t0?reg=84&dep=69")
    other = download_csv(page)
    assert len(other) > 0
    assert contract_values(other).empty, contract_values(other).head()
    assert (other.loc[other["Programme"] == "STAT", "Valeur"] != "").sum() > 10  # INSEE figures stay public
    screenshot(page, "auth_departemental_t0_69")

    body = open_page(page, auth_server, "mi-parcours?reg=84&dep=69")
    assert page.get_by_role("button", name="Télécharger (CSV)").count() == 0 or all(
        frame.empty for frame in [download_csv(page)]
    )
    assert "Aucune cible" in body

    open_page(page, auth_server, "comparer?reg=84&dep=38")
    ranking = download_csv(page)
    assert set(ranking["Code"]) == {"38"}

    open_page(page, auth_server, "panorama?reg=84&dep=69")
    panorama = download_csv(page)
    assert len(panorama) > 5  # public statistics of 69's EPCI

    body = open_page(page, auth_server, "importer")  # typed by hand: the page itself refuses
    assert "Import réservé aux administrateurs" in body
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
    assert "Importer" not in navigation_text(page) and "Données" not in navigation_text(page)
    screenshot(page, "auth_departemental_importer")


def test_regional_84_sees_38_and_69_but_not_13(auth_server, page):
    sign_in(page, auth_server, "regional")
    assert "Rôle régional" in page.inner_text("body")
    assert "Importer" not in navigation_text(page)

    open_page(page, auth_server, "comparer?reg=84&dep=69")
    ranking = download_csv(page)
    assert {"38", "69"} <= set(ranking["Code"]) <= AURA

    open_page(page, auth_server, "t0?reg=84&dep=69")
    assert len(contract_values(download_csv(page))) > 20
    open_page(page, auth_server, "t0?reg=93&dep=13")
    assert contract_values(download_csv(page)).empty


def test_national_sees_all_with_small_counts_masked_and_administrator_imports(auth_server, browser):
    masked = {}
    for who in ("national", "administrateur"):
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
        page = context.new_page()
        try:
            sign_in(page, auth_server, who)
            nav = navigation_text(page)
            assert ("Importer" in nav) is (who == "administrateur")
            open_page(page, auth_server, "comparer?reg=93&dep=13")
            assert len(download_csv(page)) > 90
            open_page(page, auth_server, "t0?reg=76&dep=48")  # Lozère: small counts
            t0 = download_csv(page)
            contract = t0[t0["Programme"].isin(CONTRACT_PROGRAMMES)]
            masked[who] = int((contract["Motif d'absence"] == "secret statistique").sum())
            if who == "administrateur":
                body = open_page(page, auth_server, "importer")
                assert page.locator("h1").first.inner_text().strip() == "Importer des données"
                assert "Connecté·e en tant que admin@exemple.gouv.fr (administrateur)" in body
                screenshot(page, "auth_administrateur_importer")
        finally:
            context.close()
    assert masked["national"] > masked["administrateur"], masked


def test_sign_out_returns_to_the_sign_in_screen(auth_server, page):
    sign_in(page, auth_server, "departemental")
    page.get_by_role("button", name="Se déconnecter").click()
    # The mock provider asks to confirm the end of its session, then sends the browser back to the app.
    end = page.get_by_role("button", name="End session")
    end.wait_for(timeout=30_000)
    end.click()
    page.wait_for_url(re.compile(rf"^{re.escape(auth_server)}"), timeout=30_000)
    wait_for_app(page)
    assert "Se connecter avec ProConnect" in page.inner_text("body")


def _download_url(page, label: str = "Télécharger (CSV)") -> tuple[str, bytes]:
    button = page.get_by_role("button", name=label).first
    button.wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    return info.value.url, Path(info.value.path()).read_bytes()


def _fetch_status(context, url: str) -> int:
    return context.request.get(url, max_redirects=0).status


def test_a_download_url_serves_its_session_only(auth_server, browser, page):
    sign_in(page, auth_server, "departemental")
    page.goto(f"{auth_server}/t0?reg=84&dep=38")
    wait_for_app(page, timeout_ms=300_000)  # maybe the server's first T0: slow on a busy machine, and not the point
    url, data = _download_url(page)
    assert "/media/" in url
    assert len(contract_values(pd.read_csv(io.BytesIO(data), sep=";", dtype=str, keep_default_na=False,
                                           encoding="utf-8-sig"))) > 20
    again = page.context.request.get(url)  # the same browser, the same sign-in: served
    assert again.status == 200 and again.body() == data

    stranger = browser.new_context()  # no cookie at all
    try:
        refused = stranger.request.get(url)
        assert refused.status == 403 and b"38;" not in refused.body()
        # The identity cookie alone (say, copied without the browser's) is not the session either.
        identity = [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
        assert identity
        stranger.add_cookies(identity)
        assert _fetch_status(stranger, url) == 403
    finally:
        stranger.close()

    # Another signed-in user of another browser gets nothing either.
    other = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    try:
        other_page = other.new_page()
        sign_in(other_page, auth_server, "national")
        assert _fetch_status(other, url) == 403
    finally:
        other.close()

    # The XLSX follows the same rule.
    xlsx, _ = _download_url(page, "Télécharger (XLSX)")
    assert page.context.request.get(xlsx).status == 200
    stranger = browser.new_context()
    try:
        assert _fetch_status(stranger, xlsx) == 403
    finally:
        stranger.close()


def test_a_cookie_copied_before_sign_out_no_longer_opens_a_session(auth_server, browser, page):
    sign_in(page, auth_server, "regional")
    open_page(page, auth_server, "t0?reg=84&dep=69")
    url, _ = _download_url(page)
    copied = page.context.cookies()
    assert any(c["name"] == "_streamlit_user" for c in copied)

    page.get_by_role("button", name="Se déconnecter").click()
    end = page.get_by_role("button", name="End session")
    end.wait_for(timeout=30_000)
    end.click()
    page.wait_for_url(re.compile(rf"^{re.escape(auth_server)}"), timeout=30_000)
    wait_for_app(page)
    assert "Se connecter avec ProConnect" in page.inner_text("body")

    thief = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    try:
        thief.add_cookies(copied)
        assert _fetch_status(thief, url) == 403  # the download is gone with the session
        stolen = thief.new_page()
        body = open_page(stolen, auth_server, "t0?reg=84&dep=69")
        assert "Se connecter avec ProConnect" in body and "Session terminée" in body
        assert "regionale@exemple.gouv.fr" not in body and "Isère" not in body
        assert stolen.locator('[data-testid="stDataFrame"]').count() == 0
        screenshot(stolen, "auth_cookie_copie_apres_deconnexion")
    finally:
        thief.close()
