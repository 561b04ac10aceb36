"""Download buttons bound to the session that produced them: the only module calling st.download_button.

Streamlit serves a download at `/media/<hash>.<ext>` to whoever asks. Levier's buttons therefore make their file when
clicked (Streamlit's deferred downloads) and, at that moment, grant it to the browser and sign-in that clicked: the
grant names a digest of the file and the session's owner (its browser cookie, set by levier.app.guard, and its
identity cookie when sign-in is on), and lasts GRANT_SECONDS. The guard in front of Streamlit (levier.app.guard,
installed by `levier app`) serves a /media/ file only on a live grant whose owner matches the request's cookies and
whose identity has not ended since (levier.app.sessions): a copied URL, or the same URL after « Se déconnecter »,
gets 403. Without the guard (a server started by `streamlit run app.py`), nothing would check the URL: with sign-in
on, the buttons are then disabled and say why."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from levier.app import auth, sessions

# The browser cookie the guard sets (random, HttpOnly): it tells one browser's sessions from another's, also in
# local mode where nobody signs in.
BROWSER_COOKIE = "levier_navigateur"
# Streamlit's identity cookie (st.login), and the prefix of its chunks when it is long.
IDENTITY_COOKIE = "_streamlit_user"
# How long a clicked download may be fetched: the browser fetches it at once, a new click grants it again.
GRANT_SECONDS = 300.0

_GUARDED = False
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Grant:
    owner: str
    expires: float
    identity: Mapping[str, Any] | None  # the signed-in claims (sub, iat…); None in local mode


# file digest -> owner -> grant
_GRANTS: dict[str, dict[str, Grant]] = {}


def mark_guarded() -> None:
    """Called by levier.app.guard when the server starts behind it: grants are then checked on every /media/ URL."""
    global _GUARDED
    _GUARDED = True


def guarded() -> bool:
    return _GUARDED


def file_digest(data: bytes, mime: str, file_name: str) -> str:
    """What a grant names: the file's bytes, type and name (as Streamlit stores and serves them)."""
    h = hashlib.sha256()
    for part in (mime.encode(), b"\0", file_name.encode(), b"\0", data):
        h.update(part)
    return h.hexdigest()


def owner_of(cookies: Mapping[str, str]) -> str | None:
    """The owner a request or a session stands for: a digest of its browser cookie and its identity cookie (with
    its chunks). None without a browser cookie: such a session cannot be granted anything."""
    browser = cookies.get(BROWSER_COOKIE)
    if not browser:
        return None
    parts = [browser]
    for name in sorted(cookies):
        if name == IDENTITY_COOKIE or (name.startswith(IDENTITY_COOKIE + "_") and name[len(IDENTITY_COOKIE) + 1:].isdigit()):
            parts.append(f"{name}={cookies[name]}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def grant(digest: str, owner: str, identity: Mapping[str, Any] | None, now: float | None = None) -> None:
    """Allow `owner` to fetch the file named by `digest` for GRANT_SECONDS; expired grants are dropped."""
    now = time.time() if now is None else now
    with _LOCK:
        for key in [k for k, owners in _GRANTS.items() if all(g.expires <= now for g in owners.values())]:
            del _GRANTS[key]
        _GRANTS.setdefault(digest, {})[owner] = Grant(owner, now + GRANT_SECONDS, identity)


def allowed(digest: str, cookies: Mapping[str, str], now: float | None = None) -> bool:
    """Whether a request carrying `cookies` may fetch the file named by `digest`: a live grant to the same owner,
    whose signed-in identity (if any) has not ended since it was granted."""
    now = time.time() if now is None else now
    owner = owner_of(cookies)
    if owner is None:
        return False
    with _LOCK:
        found = _GRANTS.get(digest, {}).get(owner)
    if found is None or found.expires <= now:
        return False
    return found.identity is None or sessions.check(dict(found.identity), now) is None


def _session_owner() -> tuple[str | None, Mapping[str, Any] | None]:
    claims = auth.identity()
    return owner_of(st.context.cookies), claims


def button(container, label: str, data: bytes | Callable[[], bytes], file_name: str, mime: str, *, key: str,
           **kwargs) -> None:
    """st.download_button in `container` (st or a column), its file made when clicked and granted to this session
    only. `data` is the bytes, or a function making them (then nothing is computed until the click)."""
    owner, claims = _session_owner()
    if auth.oidc_configured() and not guarded():
        container.download_button(label, b"", file_name, mime, key=key, disabled=True, on_click="ignore",
                                  help="Téléchargement désactivé : ce serveur n'a pas été lancé par `levier app`, "
                                       "qui réserve chaque fichier à la session qui l'a demandé.",
                                  **{k: v for k, v in kwargs.items() if k != "help"})
        return

    def produce() -> bytes:
        # Runs when the button is clicked, in a thread of Streamlit's, outside the page's run.
        content = data() if callable(data) else data
        if owner is not None:
            grant(file_digest(content, mime, file_name), owner, claims)
        return content

    container.download_button(label, produce, file_name, mime, key=key, on_click="ignore", **kwargs)
