"""The common end of every import: the clock, the content hash, the journal row and the all-or-nothing write."""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timezone

from levier.store.db import Database, Query, Writer
from levier.ingest.report import (
    FINDINGS_KEPT, STATUS_ALREADY, STATUS_DRY_RUN, STATUS_IMPORTED, STATUS_REJECTED, ImportReport,
)


def now() -> datetime:
    """The journal's clock: UTC, without a time zone (DuckDB TIMESTAMP columns)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "inconnu"


def journal_params(report: ImportReport, digest: str, started: datetime, imported_by: str, demo: bool) -> dict:
    """The parameters of Query.INSERT_IMPORT_RUN for a report: what, from which content, when, by whom."""
    return {
        "file_name": report.file,
        "content_hash": digest,
        "kind": report.kind,
        "file_format": report.file_format,
        "rows_read": report.rows_read,
        "rows_accepted": report.rows_accepted,
        "rows_changed": report.rows_changed,
        "status": report.status,
        "started_at": started,
        "finished_at": now(),
        "imported_by": imported_by,
        "is_demo": demo,
        "message": report.message or None,
        # The first FINDINGS_KEPT of each list, and how many there are per rule (the full list stays in the report).
        "errors": json.dumps([e.as_row() for e in report.errors[:FINDINGS_KEPT]], ensure_ascii=False),
        "warnings": json.dumps([w.as_row() for w in report.warnings[:FINDINGS_KEPT]], ensure_ascii=False),
        "error_count": report.error_count,
        "warning_count": report.warning_count,
        "error_rules": json.dumps(report.error_counts(), ensure_ascii=False) if report.error_count else None,
        "warning_rules": json.dumps(report.warning_counts(), ensure_ascii=False) if report.warning_count else None,
    }


def _already_message(previous_id, previous_name, finished_at, dry_run: bool) -> str:
    tail = "l'importer de nouveau ne changerait rien." if dry_run else "aucune modification."
    return (f"Ce contenu a déjà été importé le {finished_at:%d/%m/%Y à %H:%M} (import n° {previous_id}, "
            f"« {previous_name} ») : {tail}")


class _RollBack(Exception):
    """Ends a rehearsal: the transaction it leaves is rolled back."""


def _rehearse(db: Database, report: ImportReport, write: Callable[[Writer, int], int], params: dict) -> None:
    """A simulation runs the real write in a transaction that is always rolled back, so it says exactly what the
    import would change, whatever it carries: how many rows (report.rows_changed) and, for facts, every value
    beside the one it would replace (report.changes, rows of Query.IMPORT_CHANGES). Nothing reaches the file."""
    try:
        with db.transaction() as w:
            import_id = int(w.execute(Query.INSERT_IMPORT_RUN, params)[0][0])
            report.rows_changed = write(w, import_id)
            report.changes = w.df(Query.IMPORT_CHANGES, {"import_id": import_id})
            raise _RollBack
    except _RollBack:
        pass


def finish_import(
    db: Database,
    report: ImportReport,
    data: bytes,
    write: Callable[[Writer, int], int],
    *,
    started: datetime,
    dry_run: bool = False,
    demo: bool = False,
    imported_by: str | None = None,
    noun: str = "valeur(s)",
) -> ImportReport:
    """The common end of every import, whatever it carries (values, variants, funding, service points).

    A report with errors is journaled as rejected and nothing else is written; a dry run only says whether the
    content is new; otherwise one transaction checks the content hash, writes the journal row, calls
    `write(writer, import_id)` (which returns how many rows it changed), and commits — or, on any exception or a
    killed process, leaves the database as it was."""
    user = imported_by or default_user()
    digest = content_hash(data)
    if not report.ok:
        report.status = STATUS_REJECTED
        report.rows_accepted = 0
        if not dry_run:
            with db.transaction() as w:
                params = journal_params(report, digest, started, user, demo)
                report.import_id = int(w.execute(Query.INSERT_IMPORT_RUN, params)[0][0])
        return report
    if dry_run:
        previous = db.read(Query.IMPORT_BY_HASH, {"hash": digest})
        if len(previous):
            report.status = STATUS_ALREADY
            report.message = _already_message(previous["id"].iloc[0], previous["file_name"].iloc[0],
                                              previous["finished_at"].iloc[0], dry_run=True)
        else:
            report.status = STATUS_DRY_RUN
            report.message = f"Fichier valide : {report.rows_accepted} {noun} à importer (simulation, rien n'est écrit)."
            if db.scope.can_import:  # the rehearsal takes the writer: administrators only, as the import itself
                _rehearse(db, report, write, journal_params(report, digest, started, user, demo))
                unchanged = report.rows_accepted - report.rows_changed
                report.message = (
                    f"Fichier valide : {report.rows_accepted} {noun} à importer, dont {report.rows_changed} "
                    "nouvelle(s) ou modifiée(s)"
                    + (f" et {unchanged} identique(s) à ce qui est déjà enregistré" if unchanged > 0 else "")
                    + " (simulation, rien n'est écrit)."
                )
        return report
    with db.transaction() as w:
        previous = w.rows(Query.IMPORT_BY_HASH, {"hash": digest})
        if previous:
            report.status = STATUS_ALREADY
            report.import_id = int(previous[0][0])
            report.rows_changed = 0
            report.message = _already_message(*previous[0], dry_run=False)
            return report
        report.status = STATUS_IMPORTED
        import_id = int(w.execute(Query.INSERT_IMPORT_RUN, journal_params(report, digest, started, user, demo))[0][0])
        changed = write(w, import_id)
        w.execute(Query.UPDATE_IMPORT_RUN_COUNTS, {"id": import_id, "rows_changed": changed})
        report.import_id = import_id
        report.rows_changed = changed
        unchanged = report.rows_accepted - changed
        report.message = (
            f"{changed} {noun} nouvelle(s) ou modifiée(s) enregistrée(s)"
            + (f", {unchanged} identique(s) à ce qui était déjà connu" if unchanged > 0 else "")
            + "."
        )
    return report
