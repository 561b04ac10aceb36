"""Downloads keep codes as text and never carry a live spreadsheet formula."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from levier.report.tables import to_csv_bytes, to_xlsx_bytes

FRAME = pd.DataFrame({"code": ["01", "2A", "971"], "nom": ["=HYPERLINK(\"http://x\")", "@SUM(A1)", "Réunion"], "valeur": [12.5, -3.0, 1234.0]})


def test_csv_neutralises_formulas_and_keeps_codes():
    text = to_csv_bytes(FRAME).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("01;\"'=HYPERLINK")
    assert "'@SUM(A1)" in text
    assert ";12,5" in text  # decimal comma for French spreadsheets


def test_xlsx_neutralises_formulas_and_keeps_codes():
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(FRAME)))
    ws = wb.active
    assert [c.value for c in ws["A"]][1:] == ["01", "2A", "971"]
    assert ws["B2"].data_type == "s" and ws["B2"].value.startswith("'=")
    assert ws["C3"].value == -3.0


def test_missing_values_and_empty_tables_export():
    frame = pd.DataFrame({"code": ["01", None], "valeur": [float("nan"), 2.0], "texte": [None, None]})
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame)))
    assert [c.value for c in wb.active["A"]] == ["code", "01", None]
    assert to_xlsx_bytes(frame.iloc[0:0])[:2] == b"PK"
    assert to_csv_bytes(frame).decode("utf-8-sig").splitlines()[2] == ";2,0;"
