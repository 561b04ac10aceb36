"""Downloads bound to the session: a file is granted to the browser and sign-in that clicked, for a few minutes, and
refused to anyone else, to a copied cookie after « Se déconnecter », and past the session lifetime."""

from __future__ import annotations

import re
import time

import pytest

from levier.app import grants, guard, sessions
from levier.core.config import PROJECT_ROOT

CSV = "\ufeffCode;Valeur\n38;12,5\n".encode()
DIGEST = grants.file_digest(CSV, "text/csv", "t0_38.csv")
ALICE = {grants.BROWSER_COOKIE: "navigateur-a", grants.IDENTITY_COOKIE: "2|1:0|10:1|signé-a"}
BOB = {grants.BROWSER_COOKIE: "navigateur-b", grants.IDENTITY_COOKIE: "2|1:0|10:1|signé-b"}


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv(sessions.ENV_SESSIONS_DIR, str(tmp_path))
    monkeypatch.delenv(sessions.ENV_SESSION_HOURS, raising=False)


def test_a_granted_file_goes_to_its_session_only():
    now = time.time()
    grants.grant(DIGEST, grants.owner_of(ALICE), None, now)
    assert grants.allowed(DIGEST, ALICE, now + 1)
    assert not grants.allowed(DIGEST, BOB, now + 1)
    assert not grants.allowed(DIGEST, {}, now + 1)  # no cookie at all
    assert not grants.allowed(DIGEST, {grants.IDENTITY_COOKIE: ALICE[grants.IDENTITY_COOKIE]}, now + 1)
    assert not grants.allowed(DIGEST, {**ALICE, grants.IDENTITY_COOKIE: "autre"}, now + 1)  # another sign-in
    other = grants.file_digest(CSV, "text/csv", "t0_69.csv")
    assert not grants.allowed(other, ALICE, now + 1)


def test_a_grant_lasts_a_few_minutes():
    now = time.time()
    grants.grant(DIGEST, grants.owner_of(ALICE), None, now)
    assert grants.allowed(DIGEST, ALICE, now + grants.GRANT_SECONDS - 1)
    assert not grants.allowed(DIGEST, ALICE, now + grants.GRANT_SECONDS + 1)


def test_a_grant_ends_with_the_sign_in_it_was_made_for(monkeypatch):
    now = time.time()
    claims = {"sub": "sub-isere", "iat": int(now) - 5}
    grants.grant(DIGEST, grants.owner_of(ALICE), claims, now)
    assert grants.allowed(DIGEST, ALICE, now + 1)
    sessions.record_sign_out(claims, now=now + 2)
    assert not grants.allowed(DIGEST, ALICE, now + 3)

    claims = {"sub": "sub-rhone", "iat": int(now) - 5}
    grants.grant(DIGEST, grants.owner_of(BOB), claims, now)
    monkeypatch.setenv(sessions.ENV_SESSION_HOURS, "0.001")  # 3,6 s
    assert not grants.allowed(DIGEST, BOB, now + 1)


def test_the_owner_needs_a_browser_cookie_and_follows_identity_chunks():
    assert grants.owner_of({}) is None
    assert grants.owner_of({grants.BROWSER_COOKIE: ""}) is None
    assert grants.owner_of({grants.IDENTITY_COOKIE: "x"}) is None
    base = {grants.BROWSER_COOKIE: "n"}
    assert grants.owner_of(base) != grants.owner_of({**base, grants.IDENTITY_COOKIE: "x"})
    with_chunk = {**base, grants.IDENTITY_COOKIE: "x", "_streamlit_user_1": "y"}
    assert grants.owner_of(with_chunk) != grants.owner_of({**base, grants.IDENTITY_COOKIE: "x"})
    # The OAuth tokens cookie is not the identity: it does not change the owner.
    assert grants.owner_of({**base, "_streamlit_user_tokens": "t"}) == grants.owner_of(base)


def test_media_paths_name_the_stored_file():
    assert guard.media_file_id("/media/ab12.csv", "") == "ab12"
    assert guard.media_file_id("/levier/media/ab12.xlsx", "/levier") == "ab12"
    assert guard.media_file_id("/media/ab12.csv", "/levier") is None
    assert guard.media_file_id("/t0", "") is None


def test_only_the_downloads_module_calls_st_download_button():
    """Any other button would serve its file at a /media/ URL the guard refuses (or, without the guard, to anyone)."""
    sources = [*(PROJECT_ROOT / "levier").rglob("*.py"), *(PROJECT_ROOT / "pages").glob("*.py"), PROJECT_ROOT / "app.py"]
    callers = sorted(str(p.relative_to(PROJECT_ROOT)) for p in sources
                     if re.search(r"\.download_button\(", p.read_text(encoding="utf-8")))
    assert callers == ["levier/app/downloads.py"]
