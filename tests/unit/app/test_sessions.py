"""Sessions that end: the lifetime and the shared sign-out record decide when an identity cookie stops opening a
session, a copy of it included."""

from __future__ import annotations

import pytest

from levier.app import sessions
from levier.app.sessions import Ended

NOW = 1_800_000_000.0
ISERE = {"sub": "sub-isere", "email": "isere@exemple.gouv.fr", "iat": int(NOW) - 3600}


def test_a_fresh_identity_opens_a_session():
    assert sessions.ended(ISERE, NOW, 12, None) is None


def test_an_identity_issued_before_the_last_sign_out_is_refused_and_a_new_sign_in_is_not():
    assert sessions.ended(ISERE, NOW, 12, NOW - 60) is Ended.SIGNED_OUT
    assert sessions.ended(ISERE, NOW, 12, ISERE["iat"]) is Ended.SIGNED_OUT  # same second: refused too
    signed_in_again = dict(ISERE, iat=int(NOW) - 30)
    assert sessions.ended(signed_in_again, NOW, 12, NOW - 60) is None


def test_an_identity_older_than_the_lifetime_has_expired():
    assert sessions.ended(ISERE, NOW, 0.5, None) is Ended.EXPIRED
    assert sessions.ended(ISERE, NOW, 1.01, None) is None


def test_an_identity_without_issue_time_is_refused():
    assert sessions.ended({"sub": "x"}, NOW, 12, None) is Ended.UNDATED
    assert sessions.ended({"sub": "x", "iat": "demain"}, NOW, 12, None) is Ended.UNDATED


def test_the_sign_out_record_is_shared_through_files(tmp_path):
    assert sessions.signed_out_at("sub:sub-isere", tmp_path) is None
    sessions.record_sign_out(ISERE, now=NOW - 10, directory=tmp_path)
    assert sessions.signed_out_at("sub:sub-isere", tmp_path) == NOW - 10
    # Another user is not signed out; no user text in the file names.
    assert sessions.signed_out_at("sub:sub-rhone", tmp_path) is None
    assert all("isere" not in p.name for p in tmp_path.iterdir())
    assert [p.suffix for p in tmp_path.iterdir()] == [".logout"]


def test_check_reads_the_configured_directory_and_lifetime(tmp_path, monkeypatch):
    monkeypatch.setenv(sessions.ENV_SESSIONS_DIR, str(tmp_path))
    monkeypatch.setenv(sessions.ENV_SESSION_HOURS, "2")
    assert sessions.check(ISERE, NOW) is None
    sessions.record_sign_out(ISERE, now=NOW)
    assert sessions.check(ISERE, NOW + 1) is Ended.SIGNED_OUT
    monkeypatch.setenv(sessions.ENV_SESSION_HOURS, "0,5")
    assert sessions.check(dict(ISERE, sub="autre"), NOW) is Ended.EXPIRED


@pytest.mark.parametrize(("raw", "hours"), [("", 12.0), ("8", 8.0), ("0,25", 0.25), ("0", 12.0), ("-3", 12.0),
                                             ("douze", 12.0), ("inf", 12.0)])
def test_lifetime_from_the_environment(raw, hours, monkeypatch):
    monkeypatch.setenv(sessions.ENV_SESSION_HOURS, raw)
    assert sessions.lifetime_hours() == hours


def test_the_sessions_directory_defaults_beside_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv(sessions.ENV_SESSIONS_DIR, raising=False)
    monkeypatch.setenv("LEVIER_DB", str(tmp_path / "base" / "levier.duckdb"))
    assert sessions.sessions_dir() == (tmp_path / "base" / "sessions").resolve()


def test_users_are_known_by_sub_then_email():
    assert sessions.user_key({"sub": "abc", "email": "X@Y.fr"}) == "sub:abc"
    assert sessions.user_key({"email": "X@Y.fr"}) == "email:x@y.fr"
    assert sessions.user_key({}) is None


def test_messages_are_french():
    assert "Session expirée" in sessions.message(Ended.EXPIRED, 12) and "12 heures" in sessions.message(Ended.EXPIRED, 12)
    assert "30 minutes" in sessions.message(Ended.EXPIRED, 0.5)
    assert "1,5 heure" in sessions.duration_text(1.5)
    assert "déconnecté·e" in sessions.message(Ended.SIGNED_OUT)
    assert "iat" in sessions.message(Ended.UNDATED)
