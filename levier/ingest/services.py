"""Import of lists of service locations (France services, France Travail agencies, any list in the Levier format):
read and checked whole by levier.ingest.service_lists, journaled with the file's content hash, written all or nothing.

The rules are those of every Levier import (levier.ingest.returns): a file with any error is rejected whole and the
rejection is journaled with its located French findings; the same content imported again changes nothing; the
journal row and the points are written in one transaction.
"""

from __future__ import annotations

from levier.store.db import Database
from levier.ingest.journal import finish_import, now
from levier.core.config import settings
from levier.ingest.readers import UnreadableFile, Workbook, read_workbook
from levier.ingest.report import STATUS_DRY_RUN, STATUS_IMPORTED, Finding, ImportReport
from levier.ingest.service_lists import FRANCE_SERVICES_ANCT, GENERIC_LIST, MAPPINGS, POLE_EMPLOI_AGENCES, ServiceMapping
from levier.ingest.service_lists import read_services, store_points
from levier.core.text import normalise

KIND_SERVICES = "lieux de service"


def _has(header: set[str], *names: str) -> bool:
    return all(normalise(n) in header for n in names)


def mapping_for_header(header: list[str]) -> ServiceMapping | None:
    """The mapping a list's header row calls for (headers compared without case or accents), or None.

    France services: id_fs and lib_fs; Pôle emploi agencies: REFERENCE_PE and TYPE_SITE; the Levier format: type,
    nom and either latitude + longitude or code_commune (docs/services.md).
    """
    names = {normalise(h) for h in header if str(h).strip()}
    if _has(names, FRANCE_SERVICES_ANCT.id_col or "", FRANCE_SERVICES_ANCT.name_col):
        return FRANCE_SERVICES_ANCT
    if _has(names, POLE_EMPLOI_AGENCES.id_col or "", "TYPE_SITE"):
        return POLE_EMPLOI_AGENCES
    g = GENERIC_LIST
    if _has(names, g.type_col or "", g.name_col) and (
        _has(names, g.lat_col or "", g.lon_col or "") or _has(names, g.commune_col or "")
    ):
        return GENERIC_LIST
    return None


def header_row(data: bytes, *, workbook: Workbook | None = None) -> list[str]:
    """The first non-blank row of a CSV or of an xlsx's first visible sheet (`workbook`: the file already read)."""
    try:
        book = workbook or read_workbook(data, "fichier", settings().max_file_bytes)
    except UnreadableFile:  # reported by the importer that gets the file
        return []
    if not book.sheets:
        return []
    cells = book.sheets[0].cells
    filled = cells.ne("").any(axis=1).to_numpy()
    return [str(v) for v in cells.iloc[int(filled.argmax())].tolist()] if filled.any() else []


def detect_mapping(data: bytes, *, workbook: Workbook | None = None) -> ServiceMapping | None:
    return mapping_for_header(header_row(data, workbook=workbook))


def import_services(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    mapping: ServiceMapping | str | None = None,
    dry_run: bool = False,
    demo: bool = False,
    imported_by: str | None = None,
    workbook: Workbook | None = None,
) -> ImportReport:
    """Import one list of service locations; `mapping` (a ServiceMapping or its key) is detected from the header
    when not given, the Levier format being the default."""
    started = now()
    if isinstance(mapping, str):
        mapping = MAPPINGS[mapping]
    mapping = mapping or detect_mapping(data, workbook=workbook) or GENERIC_LIST
    points, errors, warnings = read_services(file_name, mapping, data=data, file_name=file_name, workbook=workbook)
    report = ImportReport(
        file=file_name,
        kind=KIND_SERVICES,
        file_format=mapping.label,
        rows_read=int(points.attrs.get("rows_read", 0)),
        rows_accepted=len(points),
        errors=list(errors),
        warnings=list(warnings),
    )
    if not report.errors and points.empty:
        report.errors.append(
            Finding(file_name, f"aucun lieu à importer ({mapping.label}) : le fichier n'a aucune ligne retenue.")
        )
    skipped = report.rows_read - int(points.attrs.get("rows_kept", len(points)))
    kept_note = f" ({skipped} ligne(s) d'un autre type de site écartée(s) par la correspondance)" if skipped else ""
    report = finish_import(
        db, report, data,
        lambda w, import_id: store_points(w, points, import_id=import_id, source=mapping.source, is_demo=demo),
        started=started, dry_run=dry_run, demo=demo, imported_by=imported_by, noun="lieu(x)",
    )
    if report.status == STATUS_DRY_RUN:
        report.message = f"Fichier valide : {len(points)} lieu(x) à importer{kept_note} (simulation, rien n'est écrit)."
    elif report.status == STATUS_IMPORTED:
        placed = int(points["lon"].notna().sum())
        types = ", ".join(sorted(points["service_type"].dropna().unique()))
        report.message = (
            f"{report.rows_changed} lieu(x) enregistré(s) ({types}){kept_note}, dont {placed} placé(s) sur la carte ; "
            "ils remplacent la liste précédente du même type."
        )
    return report

