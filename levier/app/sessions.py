"""Sessions that end: a sign-in lasts at most LEVIER_SESSION_HOURS, and « Se déconnecter » is recorded on the server.

Streamlit's identity cookie is signed and stateless: a copy taken before « Se déconnecter » would open a session
again, for 30 days. Levier therefore judges every identity by its issue time (`iat`, the ID token's claim that st.user
exposes): it is over when it is older than the session lifetime, or not newer than the user's last sign-out. The
sign-out times are small files, one per user, in LEVIER_SESSIONS_DIR (default: `sessions/` beside the database), so
that every replica sharing that directory refuses the same cookies. No Streamlit here: pure rules and the files."""

from __future__ import annotations

import enum
import hashlib
import math
import os
import time
from pathlib import Path
from typing import Any

from levier.core.config import settings
from levier.core.fmt import fmt_number

ENV_SESSION_HOURS = "LEVIER_SESSION_HOURS"
ENV_SESSIONS_DIR = "LEVIER_SESSIONS_DIR"
DEFAULT_HOURS = 12.0


class Ended(enum.Enum):
    """Why an identity no longer opens a session."""

    SIGNED_OUT = "signed_out"  # issued before the user's last « Se déconnecter »
    EXPIRED = "expired"  # older than the session lifetime
    UNDATED = "undated"  # no issue time: neither rule can be applied, so it is refused


def lifetime_hours() -> float:
    """The session lifetime in hours (LEVIER_SESSION_HOURS, default 12). A value that is not a positive number is an
    error of configuration: the default applies rather than an endless session."""
    raw = os.environ.get(ENV_SESSION_HOURS, "").strip().replace(",", ".")
    try:
        hours = float(raw) if raw else DEFAULT_HOURS
    except ValueError:
        return DEFAULT_HOURS
    return hours if math.isfinite(hours) and hours > 0 else DEFAULT_HOURS


def sessions_dir() -> Path:
    """Where sign-out times are kept: LEVIER_SESSIONS_DIR, else `sessions/` beside the database (shared by the
    replicas that share the database's volume)."""
    configured = os.environ.get(ENV_SESSIONS_DIR, "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return settings().db_path.parent / "sessions"


def user_key(ident: dict[str, Any]) -> str | None:
    """Who signed in, as the provider names them for good: `sub`, else the email in lower case."""
    sub = str(ident.get("sub") or "").strip()
    if sub:
        return "sub:" + sub
    email = str(ident.get("email") or "").strip().lower()
    return "email:" + email if email else None


def issued_at(ident: dict[str, Any]) -> float | None:
    """The identity's issue time (`iat`, seconds since 1970), or None when absent or unreadable."""
    try:
        iat = float(ident.get("iat"))
    except (TypeError, ValueError):
        return None
    return iat if math.isfinite(iat) else None


def _record_path(directory: Path, key: str) -> Path:
    # A digest as the file name: no user text reaches the file system.
    return directory / (hashlib.sha256(key.encode("utf-8")).hexdigest()[:40] + ".logout")


def signed_out_at(key: str, directory: Path | None = None) -> float | None:
    """The user's last sign-out time, or None when they never signed out (or the record is unreadable)."""
    try:
        text = _record_path(directory or sessions_dir(), key).read_text(encoding="ascii")
        return float(text.strip())
    except (OSError, ValueError):
        return None


def record_sign_out(ident: dict[str, Any], now: float | None = None, directory: Path | None = None) -> None:
    """Write the user's sign-out time (atomically: replicas read either the old or the new time, never half)."""
    key = user_key(ident)
    if key is None:
        return
    directory = directory or sessions_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = _record_path(directory, key)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(repr(time.time() if now is None else now), encoding="ascii")
    os.replace(tmp, path)


def ended(ident: dict[str, Any], now: float, hours: float, last_sign_out: float | None) -> Ended | None:
    """Pure rule: why this identity no longer opens a session, or None while it does.

    Signed out: issued at or before the last sign-out (`iat` counts whole seconds, so a sign-in in the very second
    of a sign-out is refused too: the user signs in again). Expired: issued more than `hours` ago."""
    iat = issued_at(ident)
    if iat is None:
        return Ended.UNDATED
    if last_sign_out is not None and iat <= last_sign_out:
        return Ended.SIGNED_OUT
    if now - iat > hours * 3600:
        return Ended.EXPIRED
    return None


def check(ident: dict[str, Any], now: float | None = None) -> Ended | None:
    """The rule applied with this server's lifetime and the shared sign-out record."""
    key = user_key(ident)
    last = signed_out_at(key) if key else None
    return ended(ident, time.time() if now is None else now, lifetime_hours(), last)


def duration_text(hours: float) -> str:
    """« 12 heures », « 1 heure », « 30 minutes »: the lifetime as a user reads it."""
    if hours >= 1:
        value = fmt_number(hours, 0 if float(hours).is_integer() else 1)
        return f"{value} heure{'s' if hours >= 2 else ''}"
    minutes = max(1, round(hours * 60))
    return f"{minutes} minute{'s' if minutes >= 2 else ''}"


def message(reason: Ended, hours: float | None = None) -> str:
    """What the sign-in screen says about a session that ended."""
    if reason is Ended.SIGNED_OUT:
        return "**Session terminée** : vous vous êtes déconnecté·e. Reconnectez-vous pour continuer."
    if reason is Ended.EXPIRED:
        limit = duration_text(lifetime_hours() if hours is None else hours)
        return f"**Session expirée** : une connexion dure au plus {limit}. Reconnectez-vous pour continuer."
    return ("**Connexion refusée** : le fournisseur d'identité n'a pas indiqué l'heure de connexion (`iat`). "
            "Transmettez ce message à l'administrateur de Levier.")
