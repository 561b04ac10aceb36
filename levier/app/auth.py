"""Sign-in and rights in the app: OIDC (ProConnect) when the secrets have an [auth] section, else the local mode.

The only module calling st.login, st.user and st.logout. Local mode (no [auth]): one user on this machine, every
right, said so in the sidebar (and `levier app` then listens on 127.0.0.1 only, see levier.app.serve)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import streamlit as st

from levier.rights import access
from levier.store.db import Database
from levier.store.geography import load_geography
from levier.rights.scope import Role, Scope

_SESSION_SCOPE = "_levier_scope"
_SIGNED_OUT = "non connecté"


def oidc_configured() -> bool:
    """True when Streamlit's secrets hold an [auth] section: sign-in is then required."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # an unreadable secrets file must not open the app: Streamlit logs the parse error
        return False


def identity() -> dict[str, Any] | None:
    """The signed-in user's claims (email, sub, name…), or None when nobody is signed in (or in local mode)."""
    if not oidc_configured():
        return None
    user = st.user
    if not user.get("is_logged_in"):
        return None
    return {k: v for k, v in user.to_dict().items() if k != "tokens"}


def _identity_key(ident: dict[str, Any]) -> str:
    return f"{ident.get('sub') or ''}|{str(ident.get('email') or '').casefold()}"


def _file_token(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


# The checked access file, shared by all sessions and re-read only when its mtime or size changes.
_config_cache: dict[str, tuple[tuple[int, int], access.AccessConfig, access.Geography]] = {}
_config_guard = threading.Lock()


def _config(path: Path, token: tuple[int, int]) -> tuple[access.AccessConfig, access.Geography]:
    with _config_guard:
        hit = _config_cache.get(str(path))
        if hit and hit[0] == token:
            return hit[1], hit[2]
    # Reference geography is public: read it with full rights, the user's own Database is built from their scope.
    db = Database()
    config = access.read_access(path)
    geography = load_geography(db)
    access.check_codes(config, geography)
    with _config_guard:
        _config_cache[str(path)] = (token, config, geography)
    return config, geography


def resolve_scope(ident: dict[str, Any]) -> Scope:
    """The rights of a signed-in identity under the current access file (no file: public statistics only)."""
    path = access.access_file_path()
    token = _file_token(path)
    if token is None:
        return Scope.public(str(ident.get("email") or ident.get("sub") or "inconnu"))
    config, geography = _config(path, token)
    return access.scope_for(ident, config, geography)


def current_scope() -> Scope:
    """The current user's rights; cheap (one stat of the access file), cached in the session per identity."""
    if not oidc_configured():
        return Scope.local_admin()
    ident = identity()
    if ident is None:
        return Scope.public(_SIGNED_OUT)
    path = access.access_file_path()
    key = (_identity_key(ident), str(path), _file_token(path))
    cached = st.session_state.get(_SESSION_SCOPE)
    if cached is not None and cached[0] == key:
        return cached[1]
    scope = resolve_scope(ident)
    st.session_state[_SESSION_SCOPE] = (key, scope)
    return scope


def gate() -> None:
    """Called first by app.py: in OIDC mode, nobody goes further without signing in and a readable access file."""
    if not oidc_configured():
        return
    if identity() is None:
        _sign_in_screen()
        st.stop()
    try:
        current_scope()
    except access.AccessError as exc:
        st.error(
            "**Droits d'accès illisibles** : l'application reste fermée tant que le fichier des droits n'est pas "
            "corrigé. Transmettez ce message à l'administrateur de Levier.",
            icon=":material/lock:",
        )
        st.code(str(exc), language=None)
        st.button("Se déconnecter", on_click=st.logout)
        st.stop()


def _sign_in_screen() -> None:
    st.title("Levier")
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
        if not _file_token(access.access_file_path()):
            st.caption("Aucun fichier des droits n'est installé sur ce serveur.")
        st.caption(
            f"Pour obtenir des droits, transmettez à l'administrateur votre adresse et votre identifiant de "
            f"connexion : `{ident.get('sub', '')}`."
        )
    st.button("Se déconnecter", on_click=st.logout, key="levier_logout")
