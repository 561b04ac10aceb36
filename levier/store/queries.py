"""The query registry: every statement is a file of queries/<domain>/, named by a `Query` member, read once."""

from __future__ import annotations

import re
import threading
from enum import Enum, StrEnum
from pathlib import Path

from levier.core.config import QUERIES_DIR, SCHEMA_DIR

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

# Registry class -> the folder its members' values are relative to (the shipped Query, and the tests' own).
_FOLDERS: dict[type[StrEnum], Path] = {}


def query_registry(name: str, folder: Path, skip: tuple[str, ...] = (), module: str = __name__) -> type[StrEnum]:
    """An enum of the .sql files under `folder` (sub-folders `skip` left out): member NAME = the file's stem in
    upper case, value = its path without `.sql` (`"indicators/indicator_series"`). Stems are unique across
    folders, so a member's name does not depend on the folder it lives in. `module`: where the registry is
    defined (members pickle by it)."""
    members: dict[str, str] = {}
    for path in sorted(folder.rglob("*.sql")):
        rel = path.relative_to(folder)
        if rel.parts[0] in skip:
            continue
        key = path.stem.upper()
        if key in members:
            raise ValueError(f"Deux requêtes portent le même nom : {members[key]}.sql et {rel.as_posix()}")
        members[key] = rel.with_suffix("").as_posix()
    registry = StrEnum(name, members, module=module)  # type: ignore[misc]
    _FOLDERS[registry] = folder
    return registry


# Query names come from the files shipped in queries/: an unknown name is an error, never SQL. The numbered
# migrations of queries/schema/ are run by Database.migrate, not named.
Query = query_registry("Query", QUERIES_DIR, skip=(SCHEMA_DIR.name,))

_texts: dict[Path, str] = {}
_texts_guard = threading.Lock()


def query_path(query: str) -> Path:
    """The file of a registry member; a plain string may be a Query value or a query's stem (`"geometries"`)."""
    if isinstance(query, Enum) and type(query) in _FOLDERS:
        return _FOLDERS[type(query)] / f"{query.value}.sql"
    try:
        member = Query(query)
    except ValueError:
        try:
            member = Query[str(query).upper()]
        except KeyError:
            raise ValueError(f"Requête inconnue : {query!r}") from None
    return QUERIES_DIR / f"{member.value}.sql"


def sql_text(query: str) -> str:
    """The statement of a query, read from its file once per process (the files ship with the code)."""
    path = query_path(query)
    text = _texts.get(path)
    if text is None:
        text = path.read_text(encoding="utf-8")
        with _texts_guard:
            _texts[path] = text
    return text


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(SCHEMA_DIR.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            raise ValueError(f"Nom de migration invalide : {path.name} (attendu NNN_nom.sql)")
        found.append((int(m.group(1)), path.stem, path))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError("Deux migrations portent le même numéro.")
    return found
