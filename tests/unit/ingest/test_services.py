"""Import of service lists: both real lists through their mappings, journal and content hash, whole-file rejection
with located French findings, dry run, supersession, all-or-nothing writes, and detection by the import page."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from levier.ingest import detect as imports
from levier.ingest import service_lists as services
from levier.ingest import services as services_import
from levier.core.config import settings
from levier.store.db import Query
from levier.ingest.report import STATUS_ALREADY, STATUS_DRY_RUN, STATUS_IMPORTED, STATUS_REJECTED

REF_DIR = settings().reference_dir
FS_FILE = REF_DIR / "services" / "france_services_anct_20240801.csv"
PE_FILE = REF_DIR / "services" / "pole_emploi_agences_2019-11.csv"

pytestmark = pytest.mark.skipif(not FS_FILE.is_file(), reason=f"reference data not found in {REF_DIR}")


def _journal(db) -> pd.DataFrame:
    return db.read(Query.RECENT_IMPORTS, {"limit": 100})


def _count(db, service_type: str) -> int:
    return len(services.stored_points(db, service_type))


def _generic_csv(rows: list[list[str]]) -> bytes:
    lines = ["type;nom;latitude;longitude;code_commune"] + [";".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_both_real_lists_import_through_their_detected_mapping(db):
    fs = services_import.import_services(db, FS_FILE.read_bytes(), FS_FILE.name)
    assert fs.status == STATUS_IMPORTED and fs.errors == []
    assert fs.file_format == services.FRANCE_SERVICES_ANCT.label
    assert (fs.rows_read, fs.rows_accepted, fs.rows_changed) == (2845, 2845, 2845)

    pe = services_import.import_services(db, PE_FILE.read_bytes(), PE_FILE.name)
    assert pe.status == STATUS_IMPORTED and pe.errors == []
    assert pe.file_format == services.POLE_EMPLOI_AGENCES.label
    assert (pe.rows_read, pe.rows_accepted) == (959, 852)  # DDA/DRA management sites are not reception points
    assert len(pe.warnings) == 4  # the four geocoding errors of the source (docs/services.md)
    assert "107 ligne(s) d'un autre type de site" in pe.message

    assert _count(db, "france_services") == 2845 and _count(db, "agence_france_travail") == 852
    journal = _journal(db).set_index("file_name")
    row = journal.loc[FS_FILE.name]
    assert row["status"] == STATUS_IMPORTED and row["kind"] == services_import.KIND_SERVICES
    assert row["rows_changed"] == 2845 and len(row["content_hash"]) == 64
    assert len(json.loads(journal.loc[PE_FILE.name, "warnings"])) == 4
    stored = services.stored_points(db, "france_services")
    assert stored["dep"].str.len().min() >= 2 and stored["commune"].str.len().eq(5).all()  # codes stay text


def test_reimport_of_the_same_content_changes_nothing(db):
    data = PE_FILE.read_bytes()
    first = services_import.import_services(db, data, PE_FILE.name)
    journal_before = len(_journal(db))
    again = services_import.import_services(db, data, "copie.csv")
    assert again.status == STATUS_ALREADY and again.import_id == first.import_id
    assert "déjà été importé" in again.message and again.rows_changed == 0
    assert _count(db, "agence_france_travail") == 852
    assert len(_journal(db)) == journal_before
    assert len(db.read(Query.SERVICE_LISTS)) == 1


def test_a_file_with_one_error_is_rejected_whole_with_located_findings(db):
    data = _generic_csv(
        [
            ["CCAS", "CCAS de Grenoble", "45,1885", "5,7245", "38185"],
            ["CCAS", "CCAS de Nulle-part", "abc", "5,7", ""],
            ["centre social", "Centre social de Vienne", "", "", "3844"],
        ]
    )
    report = services_import.import_services(db, data, "lieux.csv")
    assert report.status == STATUS_REJECTED and report.rows_accepted == 0
    located = {(f.row, f.column) for f in report.errors}
    assert (3, "latitude") in located  # the row as a spreadsheet shows it (header = row 1)
    assert (4, "code_commune") in located
    messages = " ".join(f.message for f in report.errors)
    assert "coordonnée illisible : « abc » n'est pas un nombre" in messages and "zéro initial" in messages
    assert "refusé en entier" in report.summary()
    assert db.read(Query.SERVICE_LISTS).empty  # not even the good first row
    journal = _journal(db)
    assert journal["status"].iloc[0] == STATUS_REJECTED
    assert len(json.loads(journal["errors"].iloc[0])) == len(report.errors)


def test_dry_run_writes_nothing_and_says_what_would_happen(db):
    data = _generic_csv([["CCAS", "CCAS de Grenoble", "45,1885", "5,7245", "38185"]])
    journal_before = len(_journal(db))
    report = services_import.import_services(db, data, "lieux.csv", dry_run=True)
    assert report.status == STATUS_DRY_RUN and "1 lieu(x) à importer" in report.message
    assert db.read(Query.SERVICE_LISTS).empty and len(_journal(db)) == journal_before
    services_import.import_services(db, data, "lieux.csv")
    again = services_import.import_services(db, data, "lieux.csv", dry_run=True)
    assert again.status == STATUS_ALREADY and "ne changerait rien" in again.message


def test_a_new_list_of_a_type_replaces_the_previous_one(db):
    first = _generic_csv([["CCAS", "A", "45,1885", "5,7245", "38185"], ["CCAS", "B", "45,52", "4,87", "38544"]])
    second = _generic_csv([["CCAS", "A", "45,1885", "5,7245", "38185"]])
    services_import.import_services(db, first, "ccas_v1.csv")
    assert _count(db, "CCAS") == 2
    report = services_import.import_services(db, second, "ccas_v2.csv")
    assert report.status == STATUS_IMPORTED
    assert _count(db, "CCAS") == 1
    lists = db.read(Query.SERVICE_LISTS).set_index("service_type")
    assert lists.loc["CCAS", "file_name"] == "ccas_v2.csv"


def test_points_and_journal_are_written_all_or_nothing(db, monkeypatch):
    def broken(writer, points, **kwargs):
        writer.insert(Query.SERVICE_POINT_INSERT, services.to_table(points.iloc[:5], import_id=999, source="x"))
        raise RuntimeError("disque plein")

    monkeypatch.setattr(services_import, "store_points", broken)
    journal_before = len(_journal(db))
    with pytest.raises(RuntimeError):
        services_import.import_services(db, PE_FILE.read_bytes(), PE_FILE.name)
    assert db.read(Query.SERVICE_LISTS).empty and len(_journal(db)) == journal_before


def test_an_explicit_mapping_wins_over_detection(db):
    # The France services file read as a Levier list has neither `nom` nor `type`: refused, on the header row.
    report = services_import.import_services(db, FS_FILE.read_bytes(), FS_FILE.name, mapping="liste_generique")
    assert report.status == STATUS_REJECTED
    assert {(f.row, f.column) for f in report.errors} == {(1, "nom"), (1, "type")}
    assert "colonne obligatoire absente" in report.errors[0].message


def test_the_import_page_detects_service_lists_by_their_shape(db, tmp_path):
    assert imports.detect_kind(FS_FILE.read_bytes(), "x.csv") == imports.KIND_SERVICES
    assert imports.detect_kind(PE_FILE.read_bytes(), "x.csv") == imports.KIND_SERVICES
    assert imports.detect_kind(_generic_csv([["CCAS", "A", "45,1", "5,7", ""]]), "x.csv") == imports.KIND_SERVICES
    returns = b"territoire;indicateur;periode;valeur\r\n38;CALPAE-3.1.1-NE;2021;12\r\n"
    assert imports.detect_kind(returns, "x.csv") == imports.KIND_RETURNS
    insee = b"CODGEO;LIBGEO;Q219\r\n38;Isere;22000\r\n"
    assert imports.detect_kind(insee, "x.csv") == imports.KIND_INSEE

    buf = io.BytesIO()
    pd.DataFrame({"Type": ["CCAS"], "Nom": ["CCAS de Grenoble"], "Code commune": ["38185"]}).to_excel(buf, index=False)
    assert imports.detect_kind(buf.getvalue(), "lieux.xlsx") == imports.KIND_SERVICES
    report = imports.import_file(db, buf.getvalue(), "lieux.xlsx")
    assert report.status == STATUS_IMPORTED and report.kind == services_import.KIND_SERVICES
    stored = services.stored_points(db, "CCAS")
    assert stored["commune"].tolist() == ["38185"] and stored["location_method"].tolist() == [services.METHOD_COMMUNE]
