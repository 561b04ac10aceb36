"""One entry for every uploaded or named file: detect its kind (returns, INSEE Filosofi, panorama, DREES workbook,
definition variants) and import it."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path

from levier.core.config import settings
from levier.core.text import normalise
from levier.store.db import Database
from levier.ingest.funding import import_funding, is_funding_file
from levier.ingest.drees import import_drees, match_profile
from levier.ingest.drees_monthly import is_monthly_workbook
from levier.ingest.filosofi import is_insee_table
from levier.ingest.insee import prime_reading
from levier.ingest.journal import finish_import, now
from levier.ingest.mapping import MappingRequest, import_mapped
from levier.ingest.panorama import read_panorama
from levier.ingest.public_stats import import_public_file, is_panorama_workbook
from levier.ingest.readers import UnreadableFile, Workbook, read_workbook
from levier.ingest.report import Finding, ImportReport
from levier.ingest.returns import import_returns
from levier.ingest.services import detect_mapping, import_services
from levier.ingest.variants import VARIANT_SHEET_NAMES, import_returns_workbook, import_variants, is_variants_file

KIND_AUTO = "auto"
KIND_RETURNS = "retours"
KIND_INSEE = "insee"
KIND_PANORAMA = "panorama"
KIND_SERVICES = "services"
KIND_VARIANTS = "variantes"
KIND_FUNDING = "financements"
KIND_DREES = "drees"
KIND_LABELS = {
    KIND_AUTO: "Détection automatique",
    KIND_RETURNS: "Retours d'indicateurs (format long ou grille)",
    KIND_INSEE: "Statistique INSEE (Filosofi)",
    KIND_PANORAMA: "Panorama INSEE × DIPLP (classeur par EPCI)",
    KIND_SERVICES: "Liste de lieux de services (France services, France Travail…)",
    KIND_VARIANTS: "Variantes de définition des indicateurs (territoire, indicateur, variante)",
    KIND_FUNDING: "Financements par action, reventilations, contrats (docs/financements.md)",
    KIND_DREES: "Statistique publique DREES (classeur publié tel quel, docs/drees.md)",
}
# A file name usable as is for the private temporary copy: no folder, no control or reserved character, not hidden.
_SAFE_NAME = re.compile(r"[^.\x00-\x1f/\\:*?\"<>|][^\x00-\x1f/\\:*?\"<>|]{0,149}")


def detect_kind(data: bytes, file_name: str, *, workbook: Workbook | None = None) -> str:
    """By shape, never by name: a workbook whose sheets and titles match a DREES profile is a DREES workbook, a
    `donnees` sheet is a panorama, a CODGEO header an INSEE file, a header of a list
    of places (id_fs/lib_fs, REFERENCE_PE/TYPE_SITE, or type + nom + coordinates or commune) a service list,
    else returns. `workbook`: the file as read once by read_workbook (read here when not given)."""
    if workbook is None:
        try:
            workbook = read_workbook(data, file_name, settings().max_file_bytes)
        except UnreadableFile:  # unreadable files are reported by the returns importer, with its wording
            return KIND_RETURNS
    # The sheets and titles of a published DREES workbook, or the monthly one's months in rows.
    if match_profile(workbook) is not None or is_monthly_workbook(workbook):
        return KIND_DREES
    if is_funding_file(data, file_name, workbook=workbook):  # a `financeur` column, a re-allocation or a contract table
        return KIND_FUNDING
    if detect_mapping(data, workbook=workbook) is not None:
        return KIND_SERVICES
    if workbook.format == "xlsx":
        names = [(s.name or "").strip().lower() for s in workbook.sheets]
        if "donnees" in names:
            return KIND_PANORAMA
    if is_insee_table(workbook):  # CSV or xlsx as INSEE publishes them: read through the shipped INSEE profiles
        return KIND_INSEE
    return KIND_VARIANTS if _variants_only(data, file_name, workbook) else KIND_RETURNS


def _variants_only(data: bytes, file_name: str, workbook: Workbook) -> bool:
    """A table of definition variants and nothing else (docs/variantes.md). A workbook whose variants sheet sits
    beside returns sheets is a returns workbook (import_returns_workbook reads both)."""
    names = [s.name or "" for s in workbook.sheets]
    if workbook.format == "xlsx" and len(names) > 1 and not all(normalise(n) in VARIANT_SHEET_NAMES for n in names):
        return False
    if not workbook.sheets:
        return False
    head = " ".join(workbook.sheets[0].cells.iloc[:10].to_numpy().ravel().tolist())
    return "variante" in normalise(head) and is_variants_file(data, file_name, workbook=workbook)


def _has_variants_sheet(workbook: Workbook) -> bool:
    """An xlsx with a 'variantes' / 'definitions' sheet, from the sheet names only (cheap)."""
    return workbook.format == "xlsx" and any(normalise(s.name or "") in VARIANT_SHEET_NAMES for s in workbook.sheets)


def import_file(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    kind: str = KIND_AUTO,
    dry_run: bool = False,
    imported_by: str | None = None,
    mapping: MappingRequest | None = None,
) -> ImportReport:
    """`mapping` is what the user said about an unknown layout (accept the proposed mapping, its year, the name of
    the profile to save)."""
    # The file is read once, container checks first (size, type, zip limits, the extent of every sheet) before
    # anything allocates: detection and the importer then share that reading, and every importer refuses the same
    # file with the same words, and journals it.
    try:
        book = read_workbook(data, file_name, settings().max_file_bytes)
    except UnreadableFile as exc:
        started = now()
        report = ImportReport(file=file_name, kind=kind, errors=[Finding(file_name, str(exc), exc.sheet, exc.row)])
        return finish_import(db, report, data, lambda w, i: 0, started=started, dry_run=dry_run,
                             imported_by=imported_by)
    file_format = book.format
    auto = kind == KIND_AUTO
    kind = detect_kind(data, file_name, workbook=book) if auto else kind
    # No known kind, but a table of territories and numbers: a saved profile, or a proposed mapping (docs/formats.md).
    if auto and kind == KIND_RETURNS and (mapped := import_mapped(
            db, data, file_name, file_format, mapping, dry_run=dry_run, imported_by=imported_by,
            workbook=book)) is not None:
        return mapped
    if kind == KIND_RETURNS:
        if _has_variants_sheet(book):  # values and variants validated and written together, or refused together
            return import_returns_workbook(db, data, file_name, dry_run=dry_run, imported_by=imported_by,
                                           workbook=book)
        return import_returns(db, data, file_name, dry_run=dry_run, imported_by=imported_by, workbook=book)
    if kind == KIND_DREES:
        return import_drees(db, data, file_name, workbook=book, dry_run=dry_run, imported_by=imported_by)
    if kind == KIND_FUNDING:
        return import_funding(db, data, file_name, dry_run=dry_run, imported_by=imported_by, workbook=book)
    if kind == KIND_VARIANTS:
        return import_variants(db, data, file_name, dry_run=dry_run, imported_by=imported_by, workbook=book)
    if kind == KIND_SERVICES:
        return import_services(db, data, file_name, dry_run=dry_run, imported_by=imported_by, workbook=book)
    if kind not in (KIND_INSEE, KIND_PANORAMA):
        return ImportReport(file=file_name, kind=kind, errors=[Finding(file_name, f"type de fichier inconnu « {kind} ».")])
    if kind == KIND_PANORAMA and file_format != "xlsx":
        report = ImportReport(file=file_name, kind=kind, errors=[Finding(
            file_name, "un panorama est un classeur .xlsx (feuille « donnees ») : ce fichier est un texte CSV.")])
        return finish_import(db, report, data, lambda w, i: 0, started=now(), dry_run=dry_run,
                             imported_by=imported_by)
    # The INSEE readers work on paths; the upload goes through a private temporary copy. Its name keeps the
    # user's (the level may be read from it: FILO2020_DISP_EPCI), stripped of any folder or odd character, and
    # the findings name the file as the user sent it.
    suffix = ".xlsx" if file_format == "xlsx" else ".csv"
    base = Path(file_name.replace("\\", "/")).name
    if not (_SAFE_NAME.fullmatch(base) and base.lower().endswith(suffix)):
        base = (re.sub(r"[^0-9A-Za-z_\-]+", "_", Path(base).stem)[:100] or "upload") + suffix
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / base
        path.write_bytes(data)
        prime_reading(path, data, book)
        if kind == KIND_PANORAMA:
            if not is_panorama_workbook(path, data):
                found = read_panorama(path).findings
                report = ImportReport(file=file_name, kind=kind, file_format="panorama",
                                      errors=[dataclasses.replace(f, file=file_name) for f in found])
                return finish_import(db, report, data, lambda w, i: 0, started=now(), dry_run=dry_run,
                                     imported_by=imported_by)
        report = import_public_file(db, path, dry_run=dry_run, imported_by=imported_by, data=data, file_name=file_name,
                                    workbook=book)
    report.errors = [dataclasses.replace(f, file=file_name) for f in report.errors]
    report.warnings = [dataclasses.replace(f, file=file_name) for f in report.warnings]
    return report
