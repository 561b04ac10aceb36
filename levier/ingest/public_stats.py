"""Loading INSEE public statistics (Filosofi files, panorama workbooks) through the common write path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from levier.store.db import Database, Query
from levier.ingest.filosofi import read_insee_file
from levier.ingest.insee import KIND_STAT, prime_reading, xlsx_sheet_names
from levier.ingest.journal import now
from levier.ingest.panorama import DATA_SHEET, read_panorama
from levier.ingest.perimeters import flag_changed_perimeters, perimeter_note
from levier.ingest.readers import Workbook
from levier.ingest.returns import write_facts
from levier.ingest.report import Finding, ImportReport


def is_panorama_workbook(path: Path, data: bytes) -> bool:
    """A panorama is an xlsx with a `donnees` sheet; other INSEE workbooks go to the Filosofi reader."""
    return data[:4] == b"PK\x03\x04" and DATA_SHEET in [n.strip().lower() for n in xlsx_sheet_names(path)]


def current_epci(db: Database) -> set[str]:
    rows = db.read(Query.CURRENT_EPCI_CODES)
    return set(rows["code"])


def departement_codes(db: Database) -> set[str]:
    """Every département of the reference: one an INSEE file leaves out is « non publié par l'INSEE »."""
    return set(db.read(Query.TERRITORIES_OF_LEVEL, {"level": "departement"})["code"])


def import_public_file(
    db: Database,
    path: Path,
    *,
    dry_run: bool = False,
    imported_by: str | None = None,
    epci_codes: set[str] | None = None,
    data: bytes | None = None,
    file_name: str | None = None,
    workbook: Workbook | None = None,
    reference_dir: Path | None = None,
) -> ImportReport:
    """One INSEE file (Filosofi CSV) or panorama workbook: validated whole, written all or nothing. `workbook`: the
    content of `path` already read by levier.ingest.readers.read_workbook (not read again)."""
    started = now()
    path = Path(path)
    file_name = file_name or path.name
    data = path.read_bytes() if data is None else data
    if workbook is not None:
        prime_reading(path, data, workbook)
    epci_codes = current_epci(db) if epci_codes is None else epci_codes
    is_panorama = is_panorama_workbook(path, data)
    result = read_panorama(path, current_epci=epci_codes) if is_panorama else read_insee_file(
        path, current_epci=epci_codes, departements=departement_codes(db))
    facts = result.facts
    report = ImportReport(
        file=file_name,
        kind=KIND_STAT,
        file_format="panorama" if is_panorama else "insee" + (f", profil {result.profile}" if result.profile else ""),
        rows_read=int(facts["source_row"].nunique()) if len(facts) else 0,
        rows_accepted=len(facts),
        errors=list(result.findings),
        warnings=list(result.warnings),
    )
    # EPCI codes of an older geography are reported (warnings above) and not stored against no territory.
    if getattr(result, "unmatched", None):
        facts = facts[~facts["territory_code"].isin(set(result.unmatched))]
        report.rows_accepted = len(facts)
    # EPCI values on a perimeter changed since the file's geography are kept, noted, and not ranked (views).
    facts, flagged = (facts, {}) if is_panorama else flag_changed_perimeters(facts, reference_dir)
    for year, n in flagged.items():
        if n is None:
            report.warnings.append(Finding(file_name, f"périmètres des EPCI non vérifiés (listes de communes membres "
                                           f"introuvables) : une valeur sur un périmètre modifié depuis {year} ne "
                                           "serait pas signalée"))
        elif n:
            report.warnings.append(Finding(file_name, f"{n} EPCI dont le périmètre a changé depuis {year} : valeurs "
                                           f"notées « {perimeter_note(year)} », non classées parmi les périmètres "
                                           "actuels"))
    # Territories the file leaves out are stored as « non publié par l'INSEE », after the count of accepted rows.
    not_published = getattr(result, "not_published", None)
    if not_published is not None and len(not_published) and len(facts):
        facts = pd.concat([facts, not_published], ignore_index=True)
    return write_facts(db, facts, report, data, started=started, imported_by=imported_by, demo=False, dry_run=dry_run)


def load_public_statistics(db: Database, reference_dir: Path) -> list[ImportReport]:
    folder = Path(reference_dir) / "filosofi"
    if not folder.is_dir():
        return [ImportReport(file=str(folder), kind=KIND_STAT, errors=[Finding(str(folder), "dossier Filosofi introuvable.")])]
    codes = current_epci(db)
    return [import_public_file(db, p, epci_codes=codes, imported_by="levier (données de référence)",
                               reference_dir=Path(reference_dir)) for p in sorted(folder.glob("*.csv"))]
