"""Who may see what: reads the access file (TOML) and resolves a signed-in identity to a Scope."""

from __future__ import annotations

import os
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from levier.core.config import DATA_DIR
from levier.rights.scope import Role, Scope

ENV_ACCESS_FILE = "LEVIER_ACCESS_FILE"
DEFAULT_ACCESS_FILE = DATA_DIR / "acces.toml"

# Roles an access file may grant (PUBLIC is what everyone else gets, never written in the file).
GRANTED_ROLES = (Role.NATIONAL, Role.REGIONAL, Role.DEPARTEMENTAL, Role.ADMINISTRATEUR)

# Keys each role may carry besides the identity keys: a key written for the wrong role (or misspelt) would
# otherwise be silently ignored and grant less, or more, than the author meant.
_IDENTITY_KEYS = {"email", "sub", "nom", "role"}
_ROLE_KEYS = {
    Role.NATIONAL: {"detail"},
    Role.REGIONAL: {"regions"},
    Role.DEPARTEMENTAL: {"departements"},
    Role.ADMINISTRATEUR: set(),
}
_REQUIRED_LIST = {Role.REGIONAL: "regions", Role.DEPARTEMENTAL: "departements"}
_TOP_LEVEL_KEYS = {"utilisateur", "reglages"}
_SETTINGS_KEYS = {"seuil_petits_effectifs"}


class AccessError(ValueError):
    """The access file cannot be used as written; the message (French) names the file and the entry."""


@dataclass(frozen=True)
class Entry:
    """One user of the access file, as written (codes not yet checked against the geography)."""

    number: int  # 1-based position among the [[utilisateur]] entries, for messages
    role: Role
    email: str | None = None  # lower-cased
    sub: str | None = None
    name: str | None = None
    regions: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        who = self.email or self.sub or self.name or "sans identifiant"
        return f"utilisateur n° {self.number} ({who})"

    @property
    def user(self) -> str:
        return self.email or self.sub or ""


@dataclass(frozen=True)
class AccessConfig:
    path: Path
    entries: tuple[Entry, ...]
    small_count_max: int | None = None  # [reglages] seuil_petits_effectifs; None: Levier's default

    def find(self, identity: dict[str, Any]) -> Entry | None:
        """The entry of a signed-in identity: by `sub` (stable, issued by the provider) first, then by email."""
        sub = _text(identity.get("sub"))
        if sub:
            for entry in self.entries:
                if entry.sub == sub:
                    return entry
        email = _email(identity.get("email"))
        if email:
            for entry in self.entries:
                if entry.email == email:
                    return entry
        return None


def access_file_path() -> Path:
    """The access file: LEVIER_ACCESS_FILE, else data/acces.toml (git-ignored)."""
    raw = os.environ.get(ENV_ACCESS_FILE)
    return Path(raw).expanduser().resolve() if raw else DEFAULT_ACCESS_FILE


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _email(value: Any) -> str | None:
    text = _text(value)
    return text.casefold() if text else None


def _plain(text: str) -> str:
    """Lower case without accents: « Régional » and « regional » name the same role."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


_ROLE_BY_NAME = {_plain(role.value): role for role in GRANTED_ROLES}


def read_access(path: Path | str | None = None) -> AccessConfig:
    """Parses and checks the structure of the access file (no database needed: the CLI uses this alone)."""
    path = Path(path) if path else access_file_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AccessError(f"Fichier des droits « {path} » introuvable.") from None
    except OSError as exc:
        raise AccessError(f"Fichier des droits « {path} » illisible : {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise AccessError(f"Fichier des droits « {path} » : encodage invalide (UTF-8 attendu).") from None
    except tomllib.TOMLDecodeError as exc:
        raise AccessError(f"Fichier des droits « {path} » : syntaxe TOML invalide ({exc}).") from None

    errors: list[str] = []
    for key in sorted(set(raw) - _TOP_LEVEL_KEYS):
        errors.append(f"section ou clé « {key} » inconnue (attendues : [[utilisateur]], [reglages])")

    small_count_max = None
    settings = raw.get("reglages", {})
    if not isinstance(settings, dict):
        errors.append("[reglages] doit être une table")
        settings = {}
    for key in sorted(set(settings) - _SETTINGS_KEYS):
        errors.append(f"[reglages] : clé « {key} » inconnue (attendue : seuil_petits_effectifs)")
    if "seuil_petits_effectifs" in settings:
        value = settings["seuil_petits_effectifs"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors.append(f"[reglages] : seuil_petits_effectifs doit être un entier positif ou nul (lu : {value!r})")
        else:
            small_count_max = value

    users = raw.get("utilisateur", [])
    if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
        errors.append("les utilisateurs s'écrivent en tables [[utilisateur]]")
        users = []
    entries = []
    for number, item in enumerate(users, start=1):
        entry = _entry(number, item, errors)
        if entry is not None:
            entries.append(entry)
    _check_duplicates(entries, errors)
    if errors:
        raise AccessError(_message(path, errors))
    return AccessConfig(path=path, entries=tuple(entries), small_count_max=small_count_max)


def _entry(number: int, item: dict[str, Any], errors: list[str]) -> Entry | None:
    email, sub, name = _email(item.get("email")), _text(item.get("sub")), _text(item.get("nom"))
    label = f"utilisateur n° {number} ({email or sub or name or 'sans identifiant'})"
    before = len(errors)
    for key in ("email", "sub", "nom"):
        if key in item and not isinstance(item[key], str):
            errors.append(f"{label} : « {key} » doit être un texte entre guillemets")
    if not email and not sub:
        errors.append(f"{label} : ni « email » ni « sub » : impossible de reconnaître cette personne")
    raw_role = item.get("role")
    role = _ROLE_BY_NAME.get(_plain(raw_role)) if isinstance(raw_role, str) else None
    if raw_role is None:
        errors.append(f"{label} : « role » manquant (national, regional, departemental ou administrateur)")
        return None
    if role is None:
        errors.append(
            f"{label} : rôle « {raw_role} » inconnu (attendus : national, regional, departemental, administrateur)"
        )
        return None
    allowed = _IDENTITY_KEYS | _ROLE_KEYS[role]
    for key in sorted(set(item) - allowed):
        hint = f" (clés possibles pour ce rôle : {', '.join(sorted(_ROLE_KEYS[role]))})" if _ROLE_KEYS[role] else ""
        errors.append(f"{label} : clé « {key} » non prévue pour le rôle {role.value}{hint}")
    lists = {key: _codes(label, key, item.get(key, []), errors) for key in ("regions", "departements", "detail")}
    required = _REQUIRED_LIST.get(role)
    if required and not lists[required]:
        errors.append(f"{label} : le rôle {role.value} demande une liste « {required} » non vide")
    if len(errors) > before:
        return None
    return Entry(number=number, role=role, email=email, sub=sub, name=name, regions=lists["regions"],
                 departements=lists["departements"], detail=lists["detail"])


def _codes(label: str, key: str, value: Any, errors: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list):
        errors.append(f"{label} : « {key} » doit être une liste, par exemple {key} = [\"38\"]")
        return ()
    codes = []
    for code in value:
        if not isinstance(code, str):
            # An unquoted 01 becomes the integer 1: the leading zero, hence the code, is lost.
            errors.append(f"{label} : dans « {key} », le code {code!r} doit être écrit entre guillemets (\"{code}\")")
            continue
        codes.append(code.strip().upper())
    return tuple(codes)


def _check_duplicates(entries: list[Entry], errors: list[str]) -> None:
    for attr, what in (("email", "adresse"), ("sub", "identifiant « sub »")):
        seen: dict[str, Entry] = {}
        for entry in entries:
            value = getattr(entry, attr)
            if not value:
                continue
            if value in seen:
                errors.append(f"{entry.label} : même {what} que l'{seen[value].label} (utilisateur en double)")
            else:
                seen[value] = entry


def _message(path: Path, errors: list[str]) -> str:
    if len(errors) == 1:
        return f"Fichier des droits « {path} » : {errors[0]}."
    return f"Fichier des droits « {path} » : {len(errors)} erreurs.\n" + "\n".join(f"- {e}" for e in errors)


@dataclass(frozen=True)
class Geography:
    """The reference départements with their région (read by levier.store.geography from the `territory` table)."""

    region_of: dict[str, str]

    @property
    def regions(self) -> set[str]:
        return {r for r in self.region_of.values() if r}

    def departements_of(self, regions: tuple[str, ...]) -> frozenset[str]:
        wanted = set(regions)
        return frozenset(dep for dep, reg in self.region_of.items() if reg in wanted)


def as_geography(geography: Geography | Mapping[str, str]) -> Geography:
    """A Geography from itself or from a mapping département code -> région code."""
    return geography if isinstance(geography, Geography) else Geography(region_of=dict(geography))


def check_codes(config: AccessConfig, geography: Geography) -> None:
    """Every région and département code of the file must exist in the reference geography."""
    if not geography.region_of:
        raise AccessError(
            f"Fichier des droits « {config.path} » : la base ne contient pas la géographie de référence, les codes "
            "ne peuvent pas être vérifiés (lancez « levier reference load »)."
        )
    errors = []
    for entry in config.entries:
        for code in entry.regions:
            if code not in geography.regions:
                errors.append(f"{entry.label} : code région « {code} » inconnu")
        for key in ("departements", "detail"):
            for code in getattr(entry, key):
                if code not in geography.region_of:
                    errors.append(f"{entry.label} : code département « {code} » inconnu (dans « {key} »)")
    if errors:
        raise AccessError(_message(config.path, errors))


def load_access(path: Path | str | None, geography: Geography | Mapping[str, str]) -> AccessConfig:
    """Reads the access file and checks its codes against the reference geography."""
    config = read_access(path)
    check_codes(config, as_geography(geography))
    return config


def scope_for_entry(entry: Entry, geography: Geography, user: str | None = None) -> Scope:
    user = user or entry.user
    if entry.role is Role.ADMINISTRATEUR:
        return Scope.administrateur(user)
    if entry.role is Role.NATIONAL:
        return Scope.national(user, detail=frozenset(entry.detail))
    if entry.role is Role.REGIONAL:
        return Scope.territorial(user, Role.REGIONAL, geography.departements_of(entry.regions))
    return Scope.territorial(user, Role.DEPARTEMENTAL, frozenset(entry.departements))


def scope_for(identity: dict[str, Any], config: AccessConfig, geography: Geography | Mapping[str, str]) -> Scope:
    """The rights of a signed-in identity (st.user claims: `email`, `sub`); absent from the file: public only.
    The scope is named after the person's email when the provider gives one (it is what the import journal shows)."""
    geography = as_geography(geography)
    user = _email(identity.get("email")) or _text(identity.get("sub"))
    entry = config.find(identity)
    scope = Scope.public(user or "inconnu") if entry is None else scope_for_entry(entry, geography, user)
    if config.small_count_max is not None:
        scope = replace(scope, small_count_max=config.small_count_max)
    return scope


def administrator(config: AccessConfig, user: str) -> Entry | None:
    """The administrator entry matching `user` (an email or a sub), for writes from the command line."""
    entry = config.find({"email": user, "sub": user})
    return entry if entry is not None and entry.role is Role.ADMINISTRATEUR else None
