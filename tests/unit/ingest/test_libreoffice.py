"""Workbooks saved by LibreOffice Calc (tests/fixtures/libreoffice) import with the values their author typed: a
hidden draft sheet and a hidden row skipped, a recalculated formula, a percentage cell, a text '01', year headers
typed as a date or with a note; an .ods is refused with a French message saying what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from levier.ingest.detect import import_file
from tests.badfiles import NE
from tests.unit.ingest.test_detect import COUV, stored_at

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "libreoffice"


def _import(db, name: str):
    return import_file(db, (FIXTURES / name).read_bytes(), name)


def test_a_long_returns_workbook_saved_by_libreoffice_stores_what_was_typed(db):
    report = _import(db, "retours_libreoffice.xlsx")
    assert report.ok, report.summary()
    assert report.rows_accepted == 4
    assert stored_at(db, NE, "01", 2021)["value"].tolist() == [1234.0]  # a text code keeps its zero
    assert stored_at(db, NE, "38", 2021)[["value", "source_sheet"]].values.tolist() == [[5412.0, "retours"]]  # =1000+4412
    assert stored_at(db, COUV, "38", 2021)["value"].tolist() == [pytest.approx(12.3)]  # 12,30 % shown, 12.3 stored
    assert stored_at(db, NE, "2A", 2020)["value"].tolist() == [5412.0]  # « 5 412 » typed as text
    assert stored_at(db, NE, "69").empty  # the hidden row
    messages = [w.message for w in report.warnings]
    assert "feuille masquée « brouillon » ignorée." in messages  # its 38 / 2021 = 1 never reaches the base
    assert "1 ligne(s) masquée(s) ignorée(s) : 6." in messages


def test_a_grid_saved_by_libreoffice_reads_every_year_column(db):
    report = _import(db, "grille_libreoffice.xlsx")
    assert report.ok, report.summary()
    ne = stored_at(db, NE, "38").set_index("period")["value"].to_dict()
    assert ne == {2019: 5102.0, 2020: 5412.0, 2021: 5512.0, 2022: 5600.0}  # 2020 is the formula =C2+310
    couv = stored_at(db, COUV, "38").set_index("period")["value"].to_dict()
    assert couv == pytest.approx({2019: 10.1, 2020: 11.2, 2021: 12.3, 2022: 13.4})
    messages = [w.message for w in report.warnings]
    assert "en-tête « 2021 (provisoire) » (cellule E1) lu comme l'année 2021." in messages
    assert "en-tête « 2022-01-01 » (cellule F1, au format date) lu comme l'année 2022." in messages


def test_an_ods_workbook_is_refused_with_what_to_do_and_nothing_is_stored(db):
    report = _import(db, "grille_libreoffice.ods")
    assert not report.ok and report.status == "rejeté"
    assert report.errors[0].message == ("Le fichier « grille_libreoffice.ods » est un classeur OpenDocument (.ods) : "
                                        "enregistrez-le au format .xlsx.")
    assert stored_at(db, NE, "38").empty
