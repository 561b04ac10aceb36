"""The panel file of `levier evaluation --panel`: read by the one reader and cell parser (CSV or xlsx), its problems
named by file, sheet, line and column."""

from __future__ import annotations

import io
import math
from datetime import datetime

import pytest
import xlsxwriter

from levier.ingest.panel import PanelError, read_panel

HEADER = "territoire;annee;valeur;annee_traitement\n"


def test_semicolon_decimal_comma_text_codes_and_a_comma_file():
    text = HEADER + "01;2019;1,5;2021\n01;2020;2,5;2021\n2A;2019;3;\n2A;2020;;\n"
    panel, cohort = read_panel(text.encode(), "p.csv")
    assert panel["unit"].tolist() == ["01", "01", "2A", "2A"]
    assert panel["y"].tolist()[:3] == [1.5, 2.5, 3.0] and math.isnan(panel["y"].iloc[3])
    assert cohort["01"] == 2021.0 and math.isnan(cohort["2A"])
    comma, _ = read_panel(b"territoire,annee,valeur,annee_traitement\n01,2019,1.5,\n", "p.csv")
    assert comma["y"].tolist() == [1.5] and comma["unit"].tolist() == ["01"]


def test_a_value_means_what_it_means_in_every_import():
    """The rules of levier.ingest.cells, not a panel's own: grouped thousands read whole, a lone « 5.412 » settled by
    the column's other cells (here French decimals: a thousands separator) or refused when nothing settles it,
    a missing-value marker is no value."""
    panel, _ = read_panel((HEADER + "01;2019;1 234,5;\n01;2020;5.412;\n01;2021;3,5;\n01;2022;nd;\n").encode(), "p.csv")
    assert panel["y"].tolist()[:3] == [1234.5, 5412.0, 3.5] and math.isnan(panel["y"].iloc[3])
    with pytest.raises(PanelError) as err:
        read_panel((HEADER + "01;2019;5.412;\n01;2020;3;\n").encode(), "p.csv")
    assert "ligne 2, colonne « valeur » : « 5.412 » : séparateur de milliers ou décimale ?" in str(err.value)


@pytest.mark.parametrize("text, message", [
    ("territoire,annee,valeur\n01,2019,1\n", "ligne 1 (en-tête) : colonne(s) « annee_traitement » absente(s)"),
    ("territoire,annee,valeur,annee_traitement\n01,2019,abc,\n", "ligne 2, colonne « valeur » : « abc » n'est pas"),
    ("territoire,annee,valeur,annee_traitement\n01,2019,1,\n01,20x0,1,\n", "ligne 3, colonne « annee »"),
    ("territoire,annee,valeur,annee_traitement\n01,2019,1,2020\n01,2020,1,2021\n",
     "ligne 3, colonne « annee_traitement » : le territoire « 01 » a une autre année de traitement à la ligne 2"),
    ("territoire,annee,valeur,annee_traitement\n01,2019,1,\n01,2019,2,\n", "déjà une ligne pour 2019 (ligne 2)"),
    ("territoire,annee,valeur,annee_traitement\n01,2019,1,5,2021\n", "ligne 2 : 5 champs au lieu de 4"),
    ("territoire,annee,valeur,annee_traitement\n,2019,1,\n",
     "ligne 2, colonne « territoire » : code de territoire vide"),
    ("territoire,annee,valeur,annee_traitement\n", "aucune ligne de données après l'en-tête"),
])
def test_a_problem_names_file_line_and_column(text, message):
    with pytest.raises(PanelError) as err:
        read_panel(text.encode(), "panel.csv")
    assert "« panel.csv »" in str(err.value) and message in str(err.value)


def _workbook(with_date_row: bool) -> bytes:
    """A panel kept in a spreadsheet, after a hidden draft sheet holding 999."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    draft = wb.add_worksheet("brouillon")
    draft.write_row(0, 0, ["territoire", "annee", "valeur", "annee_traitement"])
    draft.write_row(1, 0, ["01", 2019, 999, 2021])
    draft.hide()
    ws = wb.add_worksheet("panel")
    ws.write_row(0, 0, ["territoire", "annee", "valeur", "annee_traitement"])
    ws.write_row(1, 0, ["01", 2019, 1.5])
    ws.write_row(2, 0, ["01", 2020])
    ws.write_number(2, 2, 0.125, wb.add_format({"num_format": "0.0%"}))
    if with_date_row:
        ws.write_string(3, 0, "01")
        ws.write_datetime(3, 1, datetime(2021, 1, 1), wb.add_format({"num_format": "dd/mm/yyyy"}))
    ws.activate()
    wb.close()
    return buf.getvalue()


def test_a_workbook_is_read_from_its_first_visible_sheet_with_its_cell_types():
    """Numbers as typed, a percentage cell read as the percent (12,5 % is 12.5, as in every import), the hidden
    draft sheet never read; a date typed where a year is expected refused, naming the sheet."""
    panel, cohort = read_panel(_workbook(with_date_row=False), "panel.xlsx")
    assert panel["y"].tolist() == [1.5, 12.5] and panel["year"].tolist() == [2019, 2020]
    assert math.isnan(cohort["01"])
    with pytest.raises(PanelError) as err:
        read_panel(_workbook(with_date_row=True), "panel.xlsx")
    assert "« panel.xlsx », feuille « panel », ligne 4, colonne « annee » : « 2021-01-01 » n'est pas une année" in str(err.value)
