"""Reader cell types honoured by the variants, service-list, panorama and DREES importers (issue 12): a
percentage-formatted cell means the percent where a rate is expected and is refused, named, where a count, an
amount, a coordinate, a code or a year is expected; a date-typed cell where a number is expected is refused; a typed
number is read exactly. Each file is built here with the library a user's tool writes with (xlsxwriter, openpyxl),
imported through the one door (detect.import_file), and the stored values are read back."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from levier.ingest.detect import import_file
from levier.ingest.report import STATUS_IMPORTED, STATUS_REJECTED
from levier.store.db import Database

OR1M = "CALPAE-3.1.1-OR1M"
PERCENT = {"num_format": "0%"}
DATE = {"num_format": "dd/mm/yyyy"}


def xlsx(sheets: dict[str, list[list]], formats: dict[tuple[str, int, int], dict] | None = None) -> bytes:
    """A workbook written by xlsxwriter: numbers as numbers, text as text, a date as a date; `formats` gives a cell
    (sheet, 0-based row, 0-based column) its number format."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    made: dict[str, object] = {}
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                spec = (formats or {}).get((name, r, c))
                fmt = made.setdefault(str(spec), wb.add_format(spec)) if spec else None
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), fmt or wb.add_format(DATE))
                elif isinstance(v, str):
                    ws.write_string(r, c, v, fmt)
                elif v is not None:
                    ws.write_number(r, c, v, fmt)
    wb.close()
    return buf.getvalue()


def located(report) -> dict[tuple, str]:
    return {(e.sheet, e.row, e.column): e.message for e in report.errors}


def table(db: Database, sql: str) -> pd.DataFrame:
    with db.reader() as r:  # test-only inspection of what was stored
        return r._con.execute(sql).df()


# --------------------------------------------------------------------------------------------------------------------
# Definition variants: codes and start years


VARIANT_HEADER = ["territoire", "indicateur", "variante", "description", "depuis"]


def test_variants_typed_numbers_are_codes_and_years_exactly(db):
    # 38 and 2021 typed as numbers (what a spreadsheet makes of them): the code « 38 » and the year 2021.
    data = xlsx({"variantes": [VARIANT_HEADER, [38, OR1M, "J45", "", 2021], ["2A", OR1M, "REF", "", None]]})
    report = import_file(db, data, "variantes.xlsx")
    assert report.status == STATUS_IMPORTED, report.summary()
    rows = table(db, "SELECT territory_code, variant, period_from FROM definition_variant ORDER BY territory_code")
    assert rows["territory_code"].tolist() == ["2A", "38"] and rows["variant"].tolist() == ["REF", "J45"]
    assert pd.isna(rows["period_from"].iloc[0]) and rows["period_from"].iloc[1] == 2021


def test_variants_percentage_and_date_cells_are_refused_naming_the_cell(db):
    data = xlsx({"variantes": [
        VARIANT_HEADER,
        [0.38, OR1M, "J45", "", 2021],  # row 2: « 38 % » is not the code 38
        ["38", OR1M, "J45", "", 20.21],  # row 3: « 2021 % » is not the year 2021
        ["13", OR1M, "J45", "", dt.date(2021, 1, 1)],  # row 4: a date, not a year
        ["69", OR1M, "J45", "", 2021],  # row 5: fine on its own
    ]}, formats={("variantes", 1, 0): PERCENT, ("variantes", 2, 4): PERCENT})
    report = import_file(db, data, "variantes.xlsx")
    assert report.status == STATUS_REJECTED
    errors = located(report)
    assert set(errors) == {("variantes", 2, "territoire"), ("variantes", 3, "depuis"), ("variantes", 4, "depuis")}
    assert errors[("variantes", 2, "territoire")] == (
        "« 38 % » : cellule au format pourcentage ; écrivez le code tel quel, en texte (38, 2A, 971).")
    assert errors[("variantes", 3, "depuis")].startswith("« 2021 % » : cellule au format pourcentage ; écrivez "
                                                         "l'année seule")
    assert errors[("variantes", 4, "depuis")].startswith("« 2021-01-01 » : date, pas un nombre ; écrivez l'année")
    assert str(report.errors[0]).startswith("fichier « variantes.xlsx », feuille « variantes », ligne 2, colonne "
                                            "« territoire » : ")
    assert table(db, "SELECT count(*) AS n FROM definition_variant")["n"].iloc[0] == 0
