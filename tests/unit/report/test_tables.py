"""Downloads keep codes as text and never carry a live spreadsheet formula."""

from __future__ import annotations

import io

import numpy as np
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
    assert to_csv_bytes(frame).decode("utf-8-sig").splitlines()[2] == ";2;"  # a whole number, as the screen shows it


def _csv_rows(data: bytes) -> list[list[str]]:
    return [line.split(";") for line in data.decode("utf-8-sig").splitlines()]


def test_exports_write_numbers_as_the_screen_shows_them():
    frame = pd.DataFrame({
        "Code": ["38", "69", "2A"],
        "Unité": ["%", "personnes", "ratio"],
        "Valeur": [-1.8999999999999986, 202.0, 0.25812],
        "Année": [2021.0, 2022.0, float("nan")],
        "Évolution (%)": [4.4444, -0.04, 12.0],
        "Atteinte": [True, False, None],
        "Signé": [True, False, True],
        "Vérifié": pd.Series([np.bool_(True), np.bool_(False), None], dtype=object),
    })
    rows = _csv_rows(to_csv_bytes(frame))
    assert rows[1] == ["38", "%", "-1,9", "2021", "4,4", "oui", "oui", "oui"]
    assert rows[2] == ["69", "personnes", "202", "2022", "0,0", "non", "non", "non"]
    assert rows[3] == ["2A", "ratio", "0,258", "", "12,0", "", "oui", ""]
    text = to_csv_bytes(frame).decode("utf-8-sig")
    assert "8999" not in text and "202,0" not in text and "True" not in text and "False" not in text
    assert "'-" not in text  # a negative number is a number, never defused as a formula

    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
    assert [c.value for c in ws[2]] == ["38", "%", -1.9, 2021, 4.4, "oui", "oui", "oui"]
    assert [c.value for c in ws[3]] == ["69", "personnes", 202, 2022, 0, "non", "non", "non"]
    assert ws["C2"].data_type == "n" and ws["C4"].value == 0.258


def test_numbers_of_unknown_unit_keep_at_most_three_decimals():
    frame = pd.DataFrame({"code": ["01", "02", "03"], "écart": [1.23456, 2.0, -7.5]})
    assert [r[1] for r in _csv_rows(to_csv_bytes(frame))[1:]] == ["1,235", "2", "-7,5"]
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
    assert [c.value for c in ws["B"][1:]] == [1.235, 2, -7.5]


def test_a_unit_the_caller_knows_wins():
    frame = pd.DataFrame({"code": ["01"], "Montant": [1234.5678], "Taux": [12.345]})
    assert _csv_rows(to_csv_bytes(frame, units={"Montant": "€", "Taux": "%"}))[1] == ["01", "1235", "12,3"]
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, units={"Montant": "€"}))).active
    assert ws["B2"].value == 1235 and ws["C2"].value == 12.345
