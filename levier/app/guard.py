"""The session guard in front of Streamlit's server: st.App middleware, installed by `levier app` (levier_server.py).

Two jobs, on plain HTTP requests (the WebSocket passes untouched):
- every response to a browser without Levier's browser cookie sets one (random, HttpOnly, SameSite=Lax): the
  WebSocket that follows carries it, so a page's session knows its browser (levier.app.grants.owner_of);
- a `/media/…` request is served only when levier.app.grants grants that file to the request's cookies (the same
  browser and sign-in, within the grant's time, identity not ended): anything else gets 403, so that a download URL
  copied elsewhere, or kept past « Se déconnecter », gives nothing. Levier shows no other media files."""

from __future__ import annotations

import secrets

from starlette.requests import cookie_parser
from streamlit import config, runtime

from levier.app import grants

_FORBIDDEN = ("Accès refusé : ce fichier est réservé à la session qui l'a demandé, et pour quelques minutes "
              "seulement.")


def _base_path() -> str:
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _cookies(scope) -> dict[str, str]:
    # Parsed as Starlette parses them for the WebSocket (st.context.cookies), so both sides see the same owner.
    jar: dict[str, str] = {}
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            jar.update(cookie_parser(value.decode("latin-1")))
    return jar


def media_file_id(path: str, base: str) -> str | None:
    """The stored file's id in a /media/ path (`<id>.<ext>`), or None when the path is not a media one."""
    prefix = f"{base}/media/"
    if not path.startswith(prefix):
        return None
    name = path[len(prefix):]
    return name.split(".", 1)[0]


def media_allowed(file_id: str, cookies: dict[str, str]) -> bool:
    """Whether the stored media file may go to a request with these cookies (only a granted download may)."""
    if not runtime.exists():
        return False
    manager = runtime.get_instance().media_file_mgr
    if not manager.can_read_files:
        return False
    stored = manager.read_file(file_id)
    if stored is None:
        return False
    return grants.allowed(grants.file_digest(stored.content, stored.mimetype, stored.filename or ""), cookies)


async def _send_text(send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


class SessionGuard:
    """Pure ASGI middleware: see the module's docstring."""

    def __init__(self, app) -> None:
        self.app = app
        grants.mark_guarded()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        base = _base_path()
        cookies = _cookies(scope)
        file_id = media_file_id(scope.get("path", ""), base)
        if file_id is not None:
            if scope.get("method") not in ("GET", "HEAD") or not media_allowed(file_id, cookies):
                await _send_text(send, 403, _FORBIDDEN)
                return
            await self.app(scope, receive, send)
            return
        if cookies.get(grants.BROWSER_COOKIE):
            await self.app(scope, receive, send)
            return
        cookie = (f"{grants.BROWSER_COOKIE}={secrets.token_urlsafe(32)}; Path={base or '/'}; HttpOnly; "
                  "SameSite=Lax").encode("latin-1")

        async def send_with_cookie(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie)]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
