"""Download buttons bound to the session that produced them: the only module calling st.download_button.

Streamlit serves a download at `/media/<hash>.<ext>` to whoever asks. Levier's buttons therefore make their file
when clicked (Streamlit's deferred downloads) and, at that moment, grant it to the browser and sign-in that clicked
(levier.app.grants: a digest of the file and of the session's cookies, for a few minutes). The guard in front of
Streamlit (levier.app.guard, installed by `levier app`) serves a /media/ file only on a live grant whose owner
matches the request's cookies and whose identity has not ended since (levier.app.sessions): a copied URL, or the
same URL after « Se déconnecter », gets 403. Without the guard (a server started by `streamlit run app.py`),
nothing would check the URL: with sign-in on, the buttons are then disabled and say why."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from levier.app import auth, grants


def _session_owner() -> tuple[str | None, Mapping[str, Any] | None]:
    # The cookies the session's WebSocket carried, text only (AppTest has no request: no owner, no grant).
    cookies = {k: v for k, v in dict(st.context.cookies).items() if isinstance(k, str) and isinstance(v, str)}
    return grants.owner_of(cookies), auth.identity()


def button(container, label: str, data: bytes | Callable[[], bytes], file_name: str, mime: str, *, key: str,
           **kwargs) -> None:
    """st.download_button in `container` (st or a column), its file made when clicked and granted to this session
    only. `data` is the bytes, or a function making them (then nothing is computed until the click)."""
    owner, claims = _session_owner()
    if auth.oidc_configured() and not grants.guarded():
        container.download_button(label, b"", file_name, mime, key=key, disabled=True, on_click="ignore",
                                  help="Téléchargement désactivé : ce serveur n'a pas été lancé par `levier app`, "
                                       "qui réserve chaque fichier à la session qui l'a demandé.",
                                  **{k: v for k, v in kwargs.items() if k != "help"})
        return

    def produce() -> bytes:
        # Runs when the button is clicked, in a thread of Streamlit's, outside the page's run.
        content = data() if callable(data) else data
        if owner is not None:
            grants.grant(grants.file_digest(content, mime, file_name), owner, claims)
        return content

    container.download_button(label, produce, file_name, mime, key=key, on_click="ignore", **kwargs)
