"""Every bad file of tests/badfiles.py, through every importer and through detection: refused with a located French
reason naming the file, no exception, nothing written but the journal line of the refusal."""

from __future__ import annotations

import io
import re
import shutil
import time
import tomllib

import pandas as pd
import pytest

from levier.core.config import PROJECT_ROOT, settings
from levier.store.db import Database, Query
from tests.queries import ProbeQuery
from levier.report.tables import to_csv_bytes, to_xlsx_bytes
from levier.ingest.detect import import_file
from levier.ingest.readers import MAX_UNPACKED_BYTES, UnreadableFile, check_upload
from levier.ingest.report import STATUS_IMPORTED, STATUS_REJECTED
from tests import badfiles
from tests.badfiles import CASES, KINDS, NE, BadFile, long_csv

# A message is French when it has French words or typography, and carries none of the English a library would
# write (exception texts, temporary paths).
_FRENCH = re.compile(r"(\b(le|la|les|du|de|des|un|une|est|pas|ni|aucune?|fichier|ligne|colonne|feuille|attendu|"
                     r"inconnue?|refusée?|introuvable|valeur)\b|[éèàçêô«»])", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(error|errno|exception|traceback|invalid|expected|could not|cannot|failed|not found|"
                      r"larger than|calamine|nonetype|object has|zip archive|eocd|utf-?8 codec)\b|/tmp/|upload\.(csv|xlsx)",
                      re.IGNORECASE)


def looks_french(message: str) -> bool:
    return bool(_FRENCH.search(message)) and not _ENGLISH.search(message)


@pytest.fixture(scope="module")
def store(demo_db_path, tmp_path_factory) -> Database:
    """One copy of the demo database for the whole corpus: every test compares its own before and after."""
    path = tmp_path_factory.mktemp("badfiles") / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    return Database(path)


def snapshot(db: Database) -> dict[str, tuple[int, str]]:
    rows = db.read(ProbeQuery.TABLE_ROW_COUNTS)
    return {t: (int(n), str(c)) for t, n, c in zip(rows["table_name"], rows["row_count"], rows["checksum"])}


RUNS = [(case, kind) for case in CASES for kind in case.kinds] + [(case, "auto") for case in CASES]


@pytest.mark.parametrize("case,kind", RUNS, ids=[f"{c.id}-{k}" for c, k in RUNS])
def test_bad_file_is_refused_in_french_and_changes_nothing(store, case: BadFile, kind: str, monkeypatch):
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    dry_run = kind == "auto"  # the Import page's first step; the explicit kind goes through the real write path
    before = snapshot(store)

    report = import_file(store, case.data, case.name, kind=kind, dry_run=dry_run)

    assert report.status == STATUS_REJECTED and report.errors, report.summary()
    for finding in report.errors:
        assert finding.file == case.name, str(finding)
        assert looks_french(finding.message), finding.message
        assert len(finding.message) < 1000, finding.message[:200]
    expected = case.expected if kind != "auto" else (case.expected if case.kind == badfiles.ALL else case.auto_expected)
    if expected is not None:
        matching = [f for f in report.errors if expected in f.message]
        assert matching, [f.message for f in report.errors]
        if kind != "auto" or case.kind == badfiles.ALL:
            located = matching[0]
            for attribute, value in case.where.items():
                assert getattr(located, attribute) == value, (attribute, str(located))
            if case.kind == badfiles.ALL:  # refused as a whole: the message itself names the file
                assert f"« {case.name} »" in located.message

    after = snapshot(store)
    journal_line = 0 if dry_run else 1
    assert after.pop("import_run_rejected")[0] == before.pop("import_run_rejected")[0] + journal_line
    assert after == before


def test_corpus_covers_every_importer_and_the_brief():
    assert len(CASES) >= 30
    assert {k for c in CASES for k in c.kinds} == set(KINDS)
    assert len({c.id for c in CASES}) == len(CASES)
    # the same bytes every run (the corpus is built, never random)
    assert all(c.data == badfiles._BUILDERS[c.id]() for c in CASES if c.id not in {"huge", "zip_bomb_ratio", "zip_bomb_lying"})


@pytest.mark.parametrize("case_id", ["zip_bomb_ratio", "zip_bomb_declared", "zip_bomb_lying", "nested_zip", "xlsm_macros"])
def test_zip_bomb_checks_are_quick_and_come_before_any_decompression(case_id):
    case = next(c for c in CASES if c.id == case_id)
    data = case.data
    start = time.perf_counter()
    with pytest.raises(UnreadableFile):
        check_upload(data, case.name, settings().max_file_bytes)
    elapsed = time.perf_counter() - start
    # Declared sizes are refused without inflating anything; a lying part is inflated only up to what it declares.
    assert elapsed < 0.5, f"{case_id}: {elapsed:.3f} s"


def test_a_legitimate_big_workbook_passes_the_zip_checks_quickly():
    rows = [badfiles.LONG_HEADER] + [[f"{1 + i % 95:02d}", NE, str(2019 + i % 4), str(i), "", "", f"commentaire {i}"]
                                    for i in range(60_000)]
    data = badfiles.xlsx_bytes({"retours": rows})
    assert len(data) < settings().max_file_bytes
    start = time.perf_counter()
    assert check_upload(data, "gros.xlsx", settings().max_file_bytes) == "xlsx"
    assert time.perf_counter() - start < 2.0
    assert MAX_UNPACKED_BYTES >= 100 * 2**20  # room for a real 20 MB workbook (typically 5–8× compressed)


def test_upload_limit_of_the_server_matches_the_importer_limit(monkeypatch):
    monkeypatch.delenv("LEVIER_MAX_FILE_MB", raising=False)
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    upload_mb = config["server"]["maxUploadSize"]
    # Both are in units of 2**20 bytes (Streamlit multiplies maxUploadSize by 1024 * 1024).
    assert settings().max_file_bytes == upload_mb * 1024 * 1024 == 20 * 2**20


def test_a_file_just_over_the_limit_is_refused_in_french(store, monkeypatch):
    monkeypatch.delenv("LEVIER_MAX_FILE_MB", raising=False)
    limit = settings().max_file_bytes
    head = long_csv([["38", NE, "2021", "12"]])
    start, end = head + b"38;" + NE.encode() + b";2020;13;;;", b";\r\n"
    at_limit = start + b"x" * (limit - len(start) - len(end)) + end  # a valid file, one long comment
    assert len(at_limit) == limit
    assert check_upload(at_limit, "juste.csv", limit) == "csv"  # exactly at the limit: the size is not the problem
    before = snapshot(store)
    report = import_file(store, at_limit + b"\n", "juste_au_dela.csv", kind="retours")
    assert report.status == STATUS_REJECTED
    message = report.errors[0].message
    assert "au-delà de la limite de 20 Mo" in message and "« juste_au_dela.csv »" in message
    assert "pèse 20,01 Mo" in message  # rounded up: never reads as equal to the limit
    after = snapshot(store)
    after.pop("import_run_rejected"), before.pop("import_run_rejected")
    assert after == before


def test_formula_text_is_stored_as_text_and_neutralised_on_export(db):
    """Formulas are never evaluated: a comment that looks like one is kept verbatim, and any download of it is
    prefixed so that a spreadsheet shows it as text."""
    payloads = ["=1+1", "+33 6 12 34 56 78", "-2+3", "@SUM(A1:A9)", "=cmd|' /C calc'!A0"]
    deps = ["01", "02", "03", "04", "05"]
    data = long_csv([[dep, NE, "2021", "12", "", "", p] for dep, p in zip(deps, payloads)])
    report = import_file(db, data, "commentaires.csv", kind="retours")
    assert report.status == STATUS_IMPORTED, report.summary()
    stored = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": [NE]})
    assert len(stored) == 5
    history = pd.concat([db.read(ProbeQuery.VALUE_HISTORY, {"territory": d, "indicator": NE, "period": 2021,
                                                        "measure": "valeur"}) for d in deps])
    assert history["comment"].tolist() == payloads
    text = to_csv_bytes(history[["comment"]]).decode("utf-8-sig")
    for p in payloads:
        assert f"'{p}" in text
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(history[["comment"]]))).active
    assert [c.value for c in ws["A"][1:]] == [f"'{p}" for p in payloads]
    assert all(c.data_type == "s" for c in ws["A"][1:])
