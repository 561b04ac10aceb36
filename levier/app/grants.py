"""Download grants: which browser and sign-in may fetch which file, for how long (no Streamlit here).

levier.app.downloads grants a file when its button is clicked; levier.app.guard asks `allowed` before Streamlit serves
any /media/ URL. A grant names a digest of the file (bytes, type, name) and its owner: a digest of the browser cookie
(set by the guard) and of Streamlit's identity cookie when sign-in is on. It lasts GRANT_SECONDS and ends earlier
with the sign-in it was made for (levier.app.sessions). Grants live in this process: a replica serves the downloads
of the sessions it holds, as Streamlit keeps the files themselves in that process too."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from levier.app import sessions

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
    if not isinstance(browser, str) or not browser:
        return None
    parts = [browser]
    for name in sorted(cookies):
        chunk = name.removeprefix(IDENTITY_COOKIE + "_")
        if name == IDENTITY_COOKIE or (chunk != name and chunk.isdigit()):
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
