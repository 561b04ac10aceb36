"""One entry for every file: read once, then detected and imported; the values stored are the values meant (hidden
sheets and rows never imported, percentage cells, year headers with notes, a territory cell settling a sheet name)."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pandas as pd
import pytest
import xlsxwriter

from levier.ingest import detect, readers
from levier.ingest.detect import KIND_RETURNS, import_file
from levier.store.db import Database
from tests.badfiles import LONG_HEADER, NE, edit_sheet_xml, xlsx_bytes

COUV = "CALPAE-2.1.1-COUV"  # taux de couverture, in %


def stored(db: Database) -> pd.DataFrame:
    with db.reader() as r:
        return r._con.execute(  # inspection
            "SELECT territory_code, indicator, period, value, source_sheet, source_row FROM current_fact "
            "ORDER BY territory_code, indicator, period").df()


def stored_at(db: Database, indicator: str, code: str, period: int | None = None) -> pd.DataFrame:
    """The stored rows of one indicator for one territory (one period when given)."""
    rows = stored(db)
    rows = rows[(rows["indicator"] == indicator) & (rows["territory_code"] == code)]
    return rows if period is None else rows[rows["period"] == period]


def workbook(build) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    build(wb)
    wb.close()
    return buf.getvalue()


def test_the_file_is_read_once_for_detection_and_import(db, monkeypatch):
    calls = []
    real = readers.read_xlsx_workbook

    def counting(data, name):
        calls.append(name)
        return real(data, name)

    monkeypatch.setattr(readers, "read_xlsx_workbook", counting)
    data = xlsx_bytes({"retours": [LONG_HEADER, ["38", NE, "2021", "5412"]]})
    report = import_file(db, data, "retours.xlsx")
    assert report.ok, report.summary()
    assert calls == ["retours.xlsx"]


def test_a_lying_declared_dimension_is_imported_normally(db):
    data = edit_sheet_xml(xlsx_bytes({"retours": [LONG_HEADER, ["38", NE, "2021", "5412"]]}),
                          lambda b: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', b))
    report = import_file(db, data, "dimension.xlsx")
    assert report.ok, report.summary()
    row = stored_at(db, NE, "38", 2021)
    assert row["value"].tolist() == [5412.0]


def test_a_hidden_stale_first_sheet_never_wins(db):
    def build(wb):
        old = wb.add_worksheet("ancienne")
        old.write_row(0, 0, LONG_HEADER)
        old.write_row(1, 0, ["38", NE, "2021", "1"])
        old.hide()
        ws = wb.add_worksheet("retours")
        ws.activate()
        ws.write_row(0, 0, LONG_HEADER)
        ws.write_row(1, 0, ["38", NE, "2021", "5412"])

    report = import_file(db, workbook(build), "retours.xlsx")
    assert report.ok, report.summary()
    row = stored_at(db, NE, "38", 2021)
    assert row[["value", "source_sheet"]].values.tolist() == [[5412.0, "retours"]]
    assert any("feuille masquée « ancienne » ignorée" in w.message for w in report.warnings)


def test_a_hidden_draft_sheet_does_not_overwrite_a_value(db):
    def build(wb):
        ws = wb.add_worksheet("38 - Isère")
        ws.write_row(0, 0, ["Code", "Indicateur", 2021])
        ws.write_row(1, 0, [NE, "", 5412])
        draft = wb.add_worksheet("38 brouillon")
        draft.write_row(0, 0, ["Code", "Indicateur", 2021])
        draft.write_row(1, 0, [NE, "", 9999])
        draft.hide()

    report = import_file(db, workbook(build), "grille.xlsx")
    assert report.ok, report.summary()
    row = stored_at(db, NE, "38", 2021)
    assert row["value"].tolist() == [5412.0]


def test_hidden_rows_are_not_imported_and_named(db):
    def build(wb):
        ws = wb.add_worksheet("retours")
        ws.write_row(0, 0, LONG_HEADER)
        ws.write_row(1, 0, ["38", NE, "2021", "5412"])
        ws.write_row(2, 0, ["2A", NE, "2021", "999"])
        ws.set_row(2, None, None, {"hidden": True})

    report = import_file(db, workbook(build), "retours.xlsx")
    assert report.ok, report.summary()
    assert stored_at(db, NE, "2A", 2021).empty
    note = next(w for w in report.warnings if "masquée" in w.message)
    assert "1 ligne(s) masquée(s) ignorée(s) : 3." in note.message and note.sheet == "retours" and note.row == 3


def test_a_percentage_cell_is_stored_as_the_percent_shown(db):
    def build(wb):
        ws = wb.add_worksheet("retours")
        ws.write_row(0, 0, LONG_HEADER)
        ws.write_row(1, 0, ["38", COUV, "2021"])
        ws.write_number(1, 3, 0.123, wb.add_format({"num_format": "0.0%"}))

    report = import_file(db, workbook(build), "couverture.xlsx")
    assert report.ok, report.summary()
    row = stored_at(db, COUV, "38", 2021)
    assert row["value"].tolist() == [pytest.approx(12.3)]


def test_year_headers_with_notes_and_date_typed_are_read_as_years_with_a_warning(db):
    def build(wb):
        ws = wb.add_worksheet("38 - Isère")
        ws.write_row(0, 0, ["Code", "Indicateur", 2019, "2020 p", "2021 (provisoire)"])
        ws.write_datetime(0, 5, datetime(2022, 1, 1), wb.add_format({"num_format": "yyyy"}))
        ws.write_row(1, 0, [NE, "", 100, 200, 300, 400])

    report = import_file(db, workbook(build), "grille.xlsx")
    assert report.ok, report.summary()
    got = stored_at(db, NE, "38").set_index("period")["value"]
    assert got.loc[[2019, 2020, 2021, 2022]].tolist() == [100.0, 200.0, 300.0, 400.0]
    notes = {w.column: w.message for w in report.warnings if "lu comme l'année" in w.message}
    assert set(notes) == {"D", "E", "F"}
    assert "« 2021 (provisoire) » (cellule E1) lu comme l'année 2021" in notes["E"]
    assert "au format date" in notes["F"] and "2022" in notes["F"]


def test_a_territory_cell_settles_a_sheet_name_with_two_codes(db):
    def build(wb):
        ws = wb.add_worksheet("Onglet 05 - Isère (38)")
        ws.write_row(0, 0, ["Territoire", "38"])
        ws.write_row(2, 0, ["Code", "Indicateur", 2021])
        ws.write_row(3, 0, [NE, "", 5412])

    report = import_file(db, workbook(build), "onglet.xlsx")
    assert report.ok, report.summary()
    got = stored(db).query("indicator == @NE and period == 2021 and territory_code in ('05', '38')")
    assert got[["territory_code", "value"]].values.tolist() == [["38", 5412.0]]


def test_a_section_title_merged_across_the_row_is_no_merged_value(db):
    def build(wb):
        ws = wb.add_worksheet("38 - Isère")
        ws.write_row(0, 0, ["Code", "Indicateur", 2020, 2021])
        ws.merge_range(1, 0, 1, 3, "Insertion des allocataires du RSA")
        ws.write_row(2, 0, [NE, "", 5102, 5412])

    report = import_file(db, workbook(build), "grille.xlsx")
    assert report.ok, report.summary()
    got = stored_at(db, NE, "38").set_index("period")["value"]
    assert got.loc[[2020, 2021]].tolist() == [5102.0, 5412.0]


def test_detection_routes_from_the_workbook_read_once():
    book = readers.read_workbook(xlsx_bytes({"retours": [LONG_HEADER, ["38", NE, "2021", "1"]]}), "r.xlsx", 10**8)
    assert detect.detect_kind(b"", "r.xlsx", workbook=book) == KIND_RETURNS


def test_an_insee_file_is_read_once_too(db, monkeypatch):
    calls = []
    real = readers.read_csv_sheet

    def counting(data, name):
        calls.append(name)
        return real(data, name)

    monkeypatch.setattr(readers, "read_csv_sheet", counting)
    report = import_file(db, "CODGEO;LIBGEO;TP6020\r\n38;Isère;12,1\r\n".encode(), "FILO2020_DISP_DEP.csv")
    assert report.ok, report.summary()
    assert calls == ["FILO2020_DISP_DEP.csv"]
