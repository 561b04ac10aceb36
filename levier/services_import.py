"""Import of lists of service locations (France services, France Travail agencies, any list in the Levier format):
read and checked whole by levier.services, journaled with the file's content hash, written all or nothing.

The rules are those of every Levier import (levier.importer): a file with any error is rejected whole and the
rejection is journaled with its located French findings; the same content imported again changes nothing; the
journal row and the points are written in one transaction.
"""

from __future__ import annotations

import csv
import io

from levier.db import Database, Query
from levier.importer import _journal_params, _now, content_hash, default_user, record_rejection
from levier.readers import decode_text, sniff_delimiter
from levier.report import STATUS_ALREADY, STATUS_DRY_RUN, STATUS_IMPORTED, STATUS_REJECTED, Finding, ImportReport
from levier.services import FRANCE_SERVICES_ANCT, GENERIC_LIST, MAPPINGS, POLE_EMPLOI_AGENCES, ServiceMapping
from levier.services import read_services, store_points
from levier.text import normalise

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


def header_row(data: bytes) -> list[str]:
    """The first row of a CSV (any of ; , tab) or of an xlsx's first sheet, without reading the whole file."""
    if data[:4] == b"PK\x03\x04":
        try:
            import fastexcel

            sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None, n_rows=1, dtypes="string")
            frame = sheet.to_pandas()
        except Exception:  # an unreadable workbook is reported by the importer that gets it
            return []
        return [str(v) for v in frame.iloc[0].tolist()] if len(frame) else []
    text = decode_text(data[:8192])
    first = next((line for line in text.splitlines() if line.strip()), "")
    return next(csv.reader(io.StringIO(first), delimiter=sniff_delimiter(first)), [])


def detect_mapping(data: bytes) -> ServiceMapping | None:
    return mapping_for_header(header_row(data))


def import_services(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    mapping: ServiceMapping | str | None = None,
    dry_run: bool = False,
    demo: bool = False,
    imported_by: str | None = None,
) -> ImportReport:
    """Import one list of service locations; `mapping` (a ServiceMapping or its key) is detected from the header
    when not given, the Levier format being the default."""
    started = _now()
    user = imported_by or default_user()
    if isinstance(mapping, str):
        mapping = MAPPINGS[mapping]
    mapping = mapping or detect_mapping(data) or GENERIC_LIST
    points, errors, warnings = read_services(file_name, mapping, data=data, file_name=file_name)
    report = ImportReport(
        file=file_name,
        kind=KIND_SERVICES,
        file_format=mapping.label,
        rows_read=int(points.attrs.get("rows_read", 0)),
        rows_accepted=0 if errors else len(points),
        errors=list(errors),
        warnings=list(warnings),
    )
    digest = content_hash(data)
    if report.errors:
        report.status = STATUS_REJECTED
        if not dry_run:
            record_rejection(db, report, digest, started, user, demo)
        return report
    if points.empty:
        report.status = STATUS_REJECTED
        report.errors.append(
            Finding(file_name, f"aucun lieu à importer ({mapping.label}) : le fichier n'a aucune ligne retenue.")
        )
        if not dry_run:
            record_rejection(db, report, digest, started, user, demo)
        return report
    skipped = report.rows_read - int(points.attrs.get("rows_kept", len(points)))
    kept_note = f" ({skipped} ligne(s) d'un autre type de site écartée(s) par la correspondance)" if skipped else ""
    if dry_run:
        previous = db.read(Query.IMPORT_BY_HASH, {"hash": digest})
        if len(previous):
            report.status = STATUS_ALREADY
            report.message = (
                f"Ce contenu a déjà été importé le {previous['finished_at'].iloc[0]:%d/%m/%Y à %H:%M} "
                f"(import n° {previous['id'].iloc[0]}) : l'importer de nouveau ne changerait rien."
            )
            return report
        report.status = STATUS_DRY_RUN
        report.message = f"Fichier valide : {len(points)} lieu(x) seraient importés{kept_note} (simulation, rien n'est écrit)."
        return report

    with db.transaction() as w:
        previous = w.rows(Query.IMPORT_BY_HASH, {"hash": digest})
        if previous:
            report.status = STATUS_ALREADY
            report.import_id = int(previous[0][0])
            report.message = (
                f"Ce contenu a déjà été importé le {previous[0][2]:%d/%m/%Y à %H:%M} (import n° {previous[0][0]}, "
                f"« {previous[0][1]} ») : aucune modification."
            )
            return report
        report.status = STATUS_IMPORTED
        import_id = int(w.execute(Query.INSERT_IMPORT_RUN, _journal_params(report, digest, started, user, demo))[0][0])
        written = store_points(w, points, import_id=import_id, source=mapping.source, is_demo=demo)
        w.execute(Query.UPDATE_IMPORT_RUN_COUNTS, {"id": import_id, "rows_changed": written})
        report.import_id = import_id
        report.rows_changed = written
        placed = int(points["lon"].notna().sum())
        types = ", ".join(sorted(points["service_type"].dropna().unique()))
        report.message = (
            f"{written} lieu(x) enregistré(s) ({types}){kept_note}, dont {placed} placé(s) sur la carte ; "
            "ils remplacent la liste précédente du même type."
        )
    return report

