"""The one reader: the container checked before anything allocates, each cell read once with its type, hidden
parts left out, CSV field counts and encodings, and the same delimiter rule for every kind of file."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
import time
from datetime import datetime

import openpyxl
import pytest
import xlsxwriter

from levier.core.config import PROJECT_ROOT
from levier.ingest import insee, readers
from levier.ingest.readers import UnreadableFile, read_workbook
from tests.badfiles import LONG_HEADER, NE, edit_sheet_xml, xlsx_bytes

LIMIT = 10**8


def typed_workbook() -> bytes:
    """One sheet with a cell of every kind, written as Excel does (styles, shared strings, a cached formula)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("retours")
    ws.write_string(0, 0, "texte")
    ws.write_string(0, 1, "5412")  # a number typed as text stays text
    ws.write_number(0, 2, 5412)
    ws.write_number(0, 3, 0.123, wb.add_format({"num_format": "0.0%"}))
    ws.write_number(0, 4, 0.5, wb.add_format({"num_format": "[Blue]0.0%"}))  # a custom percentage format
    ws.write_datetime(0, 5, datetime(2022, 3, 31), wb.add_format({"num_format": "dd/mm/yyyy"}))
    ws.write_datetime(0, 6, datetime(2022, 3, 31, 14, 30), wb.add_format({"num_format": "dd/mm/yyyy hh:mm"}))
    ws.write_boolean(0, 7, True)
    ws.write_formula(0, 8, "=1/0", None, "#DIV/0!")
    ws.write_number(0, 9, 1e20)
    ws.write_string(0, 10, "A & B <c>")
    ws.write_number(0, 11, 0.5, wb.add_format({"num_format": '0.0" %"'}))  # a quoted % sign does not scale
    wb.close()
    return buf.getvalue()


def test_every_cell_is_read_with_its_type_and_as_typed():
    book = read_workbook(typed_workbook(), "types.xlsx", LIMIT)
    sheet = book.sheets[0]
    assert sheet.cells.iloc[0].tolist() == ["texte", "5412", "5412", "12.3", "50", "2022-03-31",
                                            "2022-03-31 14:30:00", "true", "=1/0", "1e+20", "A & B <c>", "0.5"]
    assert sheet.types.iloc[0].tolist() == ["s", "s", "n", "p", "p", "d", "d", "b", "f", "n", "s", "n"]


def test_a_sheet_read_slice_by_slice_is_the_same_sheet(monkeypatch):
    """The reader parses a large sheet a slice of rows at a time (bounded memory): cut after every row or two,
    every cell keeps its value, type and place, and the used range is the same."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("retours")
    pct, day = wb.add_format({"num_format": "0.0%"}), wb.add_format({"num_format": "dd/mm/yyyy"})
    for r in range(60):
        ws.write_string(r, 0, f"ligne {r % 7}")  # shared strings repeated across slices
        ws.write_number(r, 2, r * 1.5)
        if r % 3 == 0:
            ws.write_number(r, 3, r / 100, pct)
        if r % 5 == 0:
            ws.write_datetime(r, 4, datetime(2022, 1, 1 + r % 28), day)
        if r % 11 == 0:
            ws.write_formula(r, 5, f"=C{r + 1}*2", None, r * 3.0)
    ws.write_number(70, 7, 1)  # the farthest cell, alone in the last slice
    wb.close()
    whole = read_workbook(buf.getvalue(), "tranches.xlsx", LIMIT).sheets[0]
    monkeypatch.setattr(readers, "_SLICE_BYTES", 64)
    sliced = read_workbook(buf.getvalue(), "tranches.xlsx", LIMIT).sheets[0]
    assert sliced.cells.shape == whole.cells.shape == (71, 8)
    assert sliced.cells.equals(whole.cells) and sliced.types.equals(whole.types)
    assert sliced.cells.iat[3, 3] == "3" and sliced.types.iat[3, 3] == "p"
    assert sliced.cells.iat[70, 7] == "1" and sliced.cells.iat[59, 0] == "ligne 3"


def test_dates_before_march_1900_read_as_excel_shows_them():
    """Excel's 1900 date system counts a 29 February 1900 that never was: a date before it is read as Excel shows
    it, not one day early; the first of March 1900 and after are unchanged."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("retours")
    day = wb.add_format({"num_format": "dd/mm/yyyy"})
    for j, serial in enumerate([1, 15, 59, 61, 44651]):  # Excel's serials of the dates below, as Excel saves them
        ws.write_number(0, j, serial, day)
    wb.close()
    cells = read_workbook(buf.getvalue(), "dates.xlsx", LIMIT).sheets[0].cells.iloc[0].tolist()
    assert cells == ["1900-01-01", "1900-01-15", "1900-02-28", "1900-03-01", "2022-03-31"]


def test_a_formula_with_its_cached_value_keeps_the_value_and_one_without_is_typed_f():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "retours"
    ws.append(["a", "b"])
    ws["A2"] = "=SUM(B1:B2)"  # openpyxl writes the formula without any cached value
    buf = io.BytesIO()
    wb.save(buf)
    sheet = read_workbook(buf.getvalue(), "f.xlsx", LIMIT).sheets[0]
    assert (sheet.cells.iat[1, 0], sheet.types.iat[1, 0]) == ("=SUM(B1:B2)", "f")
    # The same cell once a spreadsheet has computed it: a cached value, and no request to recalculate on load.
    cached = edit_sheet_xml(buf.getvalue(), lambda b: b.replace(b"<f>SUM(B1:B2)</f><v></v>", b"<f>SUM(B1:B2)</f><v>7</v>"))
    cached = edit_sheet_xml(cached, lambda b: b.replace(b' fullCalcOnLoad="1"', b""), member="xl/workbook.xml")
    sheet = read_workbook(cached, "f.xlsx", LIMIT).sheets[0]
    assert (sheet.cells.iat[1, 0], sheet.types.iat[1, 0]) == ("7", "n")


def test_columns_and_rows_keep_their_spreadsheet_position():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"] = "x"
    ws["D5"] = 1.5
    buf = io.BytesIO()
    wb.save(buf)
    cells = read_workbook(buf.getvalue(), "p.xlsx", LIMIT).sheets[0].cells
    assert cells.shape == (5, 4)
    assert cells.iat[2, 2] == "x" and cells.iat[4, 3] == "1.5"


def test_hidden_sheets_rows_and_columns_are_left_out_and_named():
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    old = wb.add_worksheet("ancienne")
    old.write_row(0, 0, ["périmé"])
    old.hide()
    secret = wb.add_worksheet("brouillon")
    secret.write_row(0, 0, ["brouillon"])
    secret.very_hidden()
    ws = wb.add_worksheet("retours")
    ws.activate()
    ws.write_row(0, 0, ["a", "b", "c"])
    ws.write_row(1, 0, ["1", "2", "3"])
    ws.write_row(2, 0, ["4", "5", "6"])
    ws.set_row(1, None, None, {"hidden": True})
    ws.set_column(1, 1, None, None, {"hidden": True})
    ws.set_row(5, None, None, {"hidden": True})  # hidden but empty: nothing to say
    wb.close()
    book = read_workbook(buf.getvalue(), "cache.xlsx", LIMIT)
    assert [s.name for s in book.sheets] == ["retours"]
    assert book.sheets[0].cells.values.tolist() == [["a", "", "c"], ["", "", ""], ["4", "", "6"]]
    notes = [str(n) for n in book.notes]
    assert any("feuille masquée « ancienne » ignorée" in n for n in notes)
    assert any("feuille masquée « brouillon » ignorée" in n for n in notes)
    assert any("1 ligne(s) masquée(s) ignorée(s) : 2." in n and "feuille « retours »" in n for n in notes)
    assert any("1 colonne(s) masquée(s) ignorée(s) : B." in n for n in notes)


def test_merged_ranges_are_listed_zero_based():
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("s")
    ws.merge_range("B2:C3", "fusion")
    wb.close()
    sheet = read_workbook(buf.getvalue(), "m.xlsx", LIMIT).sheets[0]
    assert sheet.merged == ((1, 1, 2, 2),)
    assert sheet.cells.iat[1, 1] == "fusion"


def test_a_lying_declared_dimension_costs_nothing():
    data = edit_sheet_xml(xlsx_bytes({"retours": [LONG_HEADER, ["38", NE, "2021", "5412"]]}),
                          lambda b: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', b))
    start = time.perf_counter()
    cells = read_workbook(data, "dimension.xlsx", LIMIT).sheets[0].cells
    assert time.perf_counter() - start < 2
    assert cells.shape == (2, 8) and cells.iat[1, 3] == "5412"


DENSE_CHILD = textwrap.dedent("""
    import sys
    from tests.badfiles import CASES
    from levier.ingest.readers import UnreadableFile, read_workbook
    case = next(c for c in CASES if c.id == sys.argv[1])
    try:
        read_workbook(case.data, case.name, 10**8)
    except UnreadableFile as exc:
        print(exc)
""")


@pytest.mark.parametrize("case_id", ["dense_range", "far_range"])
def test_a_sheet_spanning_a_whole_worksheet_is_refused_by_name_within_bounded_memory(case_id):
    """Run in a child process under a 2 GB address-space limit: before the check, the same file made the xlsx
    library ask for 512 GiB (dense_range) or 9 GB (far_range) and abort the whole process."""
    out = subprocess.run(
        ["bash", "-c", f'ulimit -v 2000000; exec "{sys.executable}" -c "$0" {case_id}', DENSE_CHILD],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "feuille « retours »" in out.stdout and "s'étend jusqu'à la cellule" in out.stdout


def test_too_many_filled_cells_are_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILLED_CELLS", 10)
    data = xlsx_bytes({"grand": [[str(i)] * 4 for i in range(5)]})
    with pytest.raises(UnreadableFile, match="la feuille « grand » compte 20 cellules"):
        read_workbook(data, "grand.xlsx", LIMIT)


@pytest.mark.parametrize("first_line,expected", [
    ("territoire;indicateur;periode;valeur", ";"),
    ("CODGEO;LIBGEO;Part des pensions, retraites", ";"),  # INSEE: unquoted commas inside a ';' header
    ("territoire\tindicateur\tvaleur", "\t"),
    ("Code géographique,Libellé,Taux de pauvreté", ","),
    ('"Libellé; avec point-virgule",code,valeur', ","),  # a ';' inside quotes is no separator
    ("une seule colonne", ";"),
])
def test_one_delimiter_rule_for_every_kind(first_line, expected):
    assert readers.sniff_delimiter(first_line + "\n1;2") == expected
    assert insee.sniff_delimiter(first_line) == expected


def test_a_trailing_separator_on_every_line_is_not_a_field_count_problem():
    data = "territoire;indicateur;periode;valeur\r\n38;X;2021;12;\r\n2A;X;2021;13;\r\n".encode()
    cells = read_workbook(data, "fin.csv", LIMIT).sheets[0].cells
    assert cells.iloc[1, :4].tolist() == ["38", "X", "2021", "12"]


def test_title_rows_shorter_than_the_table_are_kept():
    data = "Territoire;38\r\nDate;2022\r\n\r\nCode;Indicateur;2020;2021\r\nX;lib;1;2\r\n".encode()
    cells = read_workbook(data, "grille.csv", LIMIT).sheets[0].cells
    assert cells.iat[0, 1] == "38" and cells.iloc[4].tolist() == ["X", "lib", "1", "2"]


def test_insee_rows_come_from_the_same_reader(tmp_path):
    path = tmp_path / "FILO2020_DISP_DEP.xlsx"
    path.write_bytes(xlsx_bytes({"cachée": [["x"]], "DEP": [["CODGEO", "TP6020"], ["01", "14.2"]]}))
    assert insee.xlsx_sheet_names(path) == ["cachée", "DEP"]
    assert insee.read_xlsx_rows(path, "DEP") == [(1, ["CODGEO", "TP6020"]), (2, ["01", "14.2"])]
    csv_path = tmp_path / "FILO2020_DISP_DEP.csv"
    csv_path.write_bytes("CODGEO;TP6020\r\n01;14,2\r\n".encode())
    assert insee.read_csv_rows(csv_path) == [(1, ["CODGEO", "TP6020"]), (2, ["01", "14,2"])]


def test_a_pretty_printed_sheet_is_read_and_an_unknown_cell_shape_refused_whole():
    data = xlsx_bytes({"r": [LONG_HEADER, ["38", NE, "2021", 12.5]]}, strings=False)
    pretty = edit_sheet_xml(data, lambda b: b.replace(b"><v>", b">\n   <v>").replace(b"</v></c>", b"</v>\n  </c>"))
    assert read_workbook(pretty, "p.xlsx", LIMIT).sheets[0].cells.iat[1, 3] == "12.5"
    odd = edit_sheet_xml(data, lambda b: b.replace(b"</v></c>", b"</v><extLst/></c>", 1))
    with pytest.raises(UnreadableFile, match=r"feuille « r » : 1 cellule\(s\) dans une forme que Levier ne sait pas lire"):
        read_workbook(odd, "odd.xlsx", LIMIT)
