"""Sign-in and rights in the app: OIDC (ProConnect) when the secrets have an [auth] section, else the local mode.

The only module calling st.login, st.user and st.logout. The access file is read through levier.app.cache (re-read
when it changes); this module keeps no cache of its own. Local mode (no [auth]): one user on this machine, every
right, said so in the sidebar (and `levier app` then listens on 127.0.0.1 only, see levier.app.serve). A signed-in
identity also ends (levier.app.sessions): after « Se déconnecter », recorded on the server, and after the session
lifetime; the identity cookie is then refused, even a copy of it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st

from levier.app import cache, menu, sessions
from levier.rights import access
from levier.rights.scope import Role, Scope
from levier.store.db import Database

# Set while app.py runs inside its gate (and the page it routes to); absent when a page runs without app.py.
_IN_GATE = "_levier_in_gate"
_SIGNED_OUT = "non connecté"


def oidc_configured() -> bool:
    """True when Streamlit's secrets hold an [auth] section: sign-in is then required."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # an unreadable secrets file must not open the app: Streamlit logs the parse error
        return False


def _claims() -> dict[str, Any] | None:
    # What the identity cookie says, whether or not its session has ended.
    if not oidc_configured():
        return None
    user = st.user
    if not user.get("is_logged_in"):
        return None
    return {k: v for k, v in user.to_dict().items() if k != "tokens"}


def identity() -> dict[str, Any] | None:
    """The signed-in user's claims (email, sub, name, iat…), or None when nobody is signed in (or in local mode),
    and None too once that sign-in has ended: signed out since, or older than the session lifetime."""
    claims = _claims()
    if claims is None or sessions.check(claims) is not None:
        return None
    return claims


def sign_out() -> None:
    """« Se déconnecter »: the sign-out time is recorded for the user (every identity cookie issued until now is
    refused from then on, by every replica), then Streamlit deletes the cookie and ends the provider's session."""
    claims = _claims()
    if claims is not None:
        sessions.record_sign_out(claims)
    st.logout()


def file_token(path: Path) -> tuple[int, int] | None:
    """The access file's (mtime, size), or None when it is absent: the cache key that makes an edit apply."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def resolve_scope(ident: dict[str, Any]) -> Scope:
    """The rights of a signed-in identity under the current access file (no file: public statistics only)."""
    path = access.access_file_path()
    token = file_token(path)
    if token is None:
        return Scope.public(str(ident.get("email") or ident.get("sub") or "inconnu"))
    config, geography = cache.access_rights(str(path), token)
    return access.scope_for(ident, config, geography)


def current_scope() -> Scope:
    """The current user's rights: one stat of the access file, its checked content read through the cache.

    Rights are resolved behind app.py's gate. Called outside it, the run is a page that Streamlit started without
    app.py (see levier.app.menu): it is sent back through app.py before anything is read."""
    if not st.session_state.get(_IN_GATE):
        menu.route_through_app()
    if not oidc_configured():
        return Scope.local_admin()
    ident = identity()
    if ident is None:
        return Scope.public(_SIGNED_OUT)
    return resolve_scope(ident)


def database() -> Database:
    """The database as the signed-in user may read it: rows filtered and small counts masked by the data layer.
    Every page calls it first: a page that Streamlit started without app.py is sent back through it at once."""
    return Database(scope=current_scope())


@contextmanager
def gate() -> Iterator[None]:
    """app.py's frame: in OIDC mode, nobody enters without signing in and a readable access file; inside, rights
    are resolved for the pages app.py runs."""
    if oidc_configured() and identity() is None:
        menu.leave_legacy_mode()  # no menu beside the sign-in screen, not even Streamlit's legacy one
        claims = _claims()
        _sign_in_screen(sessions.check(claims) if claims is not None else None)
        st.stop()
    if not oidc_configured() and not st.get_option("server.address") and not _from_this_machine():
        # Local mode grants every right: as `levier app` listens on loopback unless an address is chosen, a server
        # started otherwise (`streamlit run app.py`) serves this machine only.
        menu.leave_legacy_mode()
        st.error(
            "**Mode local, sans connexion** : l'application n'est ouverte qu'au poste qui l'héberge. Pour l'ouvrir au "
            "réseau, configurez la connexion (README, « Connexion et droits ») ou choisissez l'adresse d'écoute "
            "(`--server.address`).",
            icon=":material/lock:",
        )
        st.stop()
    st.session_state[_IN_GATE] = True
    try:
        if oidc_configured():
            _check_access_file()
        yield
    finally:
        st.session_state.pop(_IN_GATE, None)


def _from_this_machine() -> bool:
    ip = st.context.ip_address  # None on loopback; not a string under AppTest, which has no client address
    if not isinstance(ip, str):
        return True
    try:
        address = ipaddress.ip_address(ip.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # a dual-stack server sees ::ffff:127.0.0.1
    return (mapped or address).is_loopback


def _check_access_file() -> None:
    try:
        current_scope()
    except access.AccessError as exc:
        menu.leave_legacy_mode()
        st.error(
            "**Droits d'accès illisibles** : l'application reste fermée tant que le fichier des droits n'est pas "
            "corrigé. Transmettez ce message à l'administrateur de Levier.",
            icon=":material/lock:",
        )
        st.code(str(exc), language=None)
        st.button("Se déconnecter", on_click=sign_out)
        st.stop()


def _sign_in_screen(ended: sessions.Ended | None = None) -> None:
    st.title("Levier")
    if ended is not None:
        st.warning(sessions.message(ended), icon=":material/logout:")
    st.markdown(
        "Tableau de bord des diagnostics territoriaux de pauvreté et des contrats État–départements, réservé aux "
        "agents de l'État et des collectivités habilités."
    )
    st.info(
        "Connectez-vous avec votre compte professionnel. Vos droits (territoires visibles, détail des petits "
        "effectifs, imports) dépendent de votre rôle, attribué par l'administrateur de Levier.",
        icon=":material/lock:",
    )
    st.button("Se connecter avec ProConnect", type="primary", on_click=st.login)


def mode_text(scope: Scope | None = None) -> str:
    """One French sentence saying how the user is identified, for pages that record who did what."""
    scope = scope or current_scope()
    if scope.local:
        return "Mode local, sans connexion : l'import est ouvert à l'utilisateur de ce poste."
    return f"Connecté·e en tant que {scope.user} ({scope.role.value}) : l'import sera enregistré à ce nom."


def recorded_user(scope: Scope | None = None) -> str:
    """The name written in the import journal: the signed-in user's email (or sub), or the local mode."""
    scope = scope or current_scope()
    return "application (mode local)" if scope.local else scope.user


def sidebar_identity() -> None:
    """Who is signed in, what they may see, and the sign-out button (inside the sidebar)."""
    scope = current_scope()
    st.markdown("**Connexion**")
    if scope.local:
        st.caption(scope.describe() + " Aucune connexion n'est demandée : réservé à un usage sur ce poste.")
        return
    ident = identity() or {}
    name = ident.get("name") or " ".join(str(ident.get(k, "")) for k in ("given_name", "usual_name")).strip()
    who = f"{name} ({scope.user})" if name and name != scope.user else scope.user
    st.caption(f"Connecté·e : **{who}**")
    st.caption(scope.describe())
    if scope.role is Role.PUBLIC:
        if not file_token(access.access_file_path()):
            st.caption("Aucun fichier des droits n'est installé sur ce serveur.")
        st.caption(
            f"Pour obtenir des droits, transmettez à l'administrateur votre adresse et votre identifiant de "
            f"connexion : `{ident.get('sub', '')}`."
        )
    st.button("Se déconnecter", on_click=sign_out, key="levier_logout")
    _watch_session()


@st.fragment(run_every=60)
def _watch_session() -> None:
    # An open page ends with its session too: once a minute, a session signed out elsewhere (another tab, another
    # replica) or past its lifetime reruns the app, whose gate then shows the sign-in screen and why.
    claims = _claims()
    if claims is not None and sessions.check(claims) is not None:
        st.rerun(scope="app")
