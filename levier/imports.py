"""One entry for every uploaded or named file: detect its kind (returns, INSEE Filosofi, panorama) and import it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from levier.db import Database
from levier.readers import decode_text
from levier.report import Finding, ImportReport

KIND_AUTO = "auto"
KIND_RETURNS = "retours"
KIND_INSEE = "insee"
KIND_PANORAMA = "panorama"
KIND_LABELS = {
    KIND_AUTO: "Détection automatique",
    KIND_RETURNS: "Retours d'indicateurs (format long ou grille)",
    KIND_INSEE: "Statistique INSEE (Filosofi)",
    KIND_PANORAMA: "Panorama INSEE × DIPLP (classeur par EPCI)",
}


def detect_kind(data: bytes, file_name: str) -> str:
    """By shape, never by name: a `donnees` sheet is a panorama, a CODGEO header an INSEE file, else returns."""
    if data[:4] == b"PK\x03\x04":
        try:
            import fastexcel

            names = [n.strip().lower() for n in fastexcel.read_excel(data).sheet_names]
        except Exception:  # unreadable workbooks are reported by the returns importer, with its wording
            return KIND_RETURNS
        return KIND_PANORAMA if "donnees" in names else KIND_RETURNS
    head = decode_text(data[:4096]).splitlines()[:1]
    if head and "codgeo" in head[0].lower():
        return KIND_INSEE
    return KIND_RETURNS


def import_file(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    kind: str = KIND_AUTO,
    dry_run: bool = False,
    imported_by: str | None = None,
) -> ImportReport:
    from levier.importer import import_returns
    from levier.public_stats import import_public_file

    kind = detect_kind(data, file_name) if kind == KIND_AUTO else kind
    if kind == KIND_RETURNS:
        return import_returns(db, data, file_name, dry_run=dry_run, imported_by=imported_by)
    if kind not in (KIND_INSEE, KIND_PANORAMA):
        return ImportReport(file=file_name, kind=kind, errors=[Finding(file_name, f"type de fichier inconnu « {kind} ».")])
    # The INSEE readers work on paths; the upload goes through a private temporary copy with its own suffix.
    suffix = Path(file_name).suffix or (".xlsx" if data[:4] == b"PK\x03\x04" else ".csv")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        return import_public_file(db, path, dry_run=dry_run, imported_by=imported_by, data=data, file_name=file_name)
