"""The DREES monthly benefits workbook read as published: exact cells, provisional months, markers, DROM and Corse,
the December values, the national check, and monthly periods kept out of every yearly view."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from levier.core.config import settings
from levier.core.periods import PROVISIONAL_COMMENT, is_monthly_period
from levier.ingest.drees_monthly import (
    MONTHLY_CODES,
    SERIES,
    find_table,
    import_monthly_workbook,
    is_monthly_workbook,
    national_sums,
    read_monthly_workbook,
    rounding_bound,
)
from levier.ingest.public_stats import KIND_STAT
from levier.ingest.readers import read_workbook
from levier.store.db import Query

DREES = settings().reference_dir / "drees"
MONTHLY = DREES / "Données mensuelles des prestations de solidarité.xlsx"

pytestmark = pytest.mark.skipif(not MONTHLY.is_file(), reason="classeur mensuel de la DREES absent")


def _read(path: Path, name: str | None = None):
    data = path.read_bytes()
    return read_workbook(data, name or path.name, settings().max_file_bytes), data


@pytest.fixture(scope="module")
def book():
    return _read(MONTHLY)


@pytest.fixture(scope="module")
def result(book):
    return read_monthly_workbook(book[0])


def fact(result, indicator: str, code: str, period: int) -> pd.Series:
    f = result.facts
    rows = f[(f["indicator"] == indicator) & (f["territory_code"] == code) & (f["period"] == period)]
    assert len(rows) == 1, (indicator, code, period, len(rows))
    return rows.iloc[0]


def test_recognised_by_content_not_by_name(book):
    renamed = replace(book[0], file_name="export.xlsx")
    assert is_monthly_workbook(renamed)
    others = [p for p in sorted(DREES.glob("*.xlsx")) if p != MONTHLY]
    assert others, "les six autres classeurs de la DREES (années en colonnes) manquent"
    for path in others:  # years in columns, départements in rows: not this workbook
        assert not is_monthly_workbook(_read(path)[0]), path.name


def test_reads_without_error_every_table(result):
    assert result.ok, result.findings[:3]
    assert {s["sheet"] for s in result.tables} == {f"Tableau {n}" for n in range(1, 9)}
    assert set(result.facts["indicator"]) == {s.monthly for s in SERIES} | {s.yearly for s in SERIES}
    deps = result.facts[result.facts["territory_level"] == "departement"]
    assert deps.groupby("indicator")["territory_code"].nunique().eq(101).all()


def test_exact_cells_with_their_sheet_and_row(result):
    ain = fact(result, "STAT-RSA-MOIS", "01", 201701)  # Tableau 2, B8
    assert ain["value"] == 7660 and ain["source_sheet"] == "Tableau 2" and ain["source_row"] == 8
    assert ain["comment"] is None
    # National RSA, October 2020: Tableau 1, B52 « 2 069 300* » (SOURCES.md: 2.07 million), provisional.
    fr = fact(result, "STAT-RSA-MOIS", "FR", 202010)
    assert fr["territory_level"] == "france" and fr["value"] == 2_069_300 and fr["source_row"] == 52
    assert fr["comment"] == PROVISIONAL_COMMENT
    assert fact(result, "STAT-AAH-MOIS", "01", 201701)["value"] == 6690  # Tableau 3, B8
    assert fact(result, "STAT-PPA-MOIS", "01", 202010)["value"] == 33930  # Tableau 5, B53 (« Lecture » note)


def test_provisional_months_are_the_ones_the_workbook_marks(result):
    # Tableau 2 marks « juin-20* » … « oct-20* » and says below « * Données provisoires (traitements DREES) ».
    assert fact(result, "STAT-RSA-MOIS", "01", 202005)["comment"] is None
    for period in (202006, 202008, 202010):
        assert fact(result, "STAT-RSA-MOIS", "974", period)["comment"] == PROVISIONAL_COMMENT
    # Tableau 4 (ASS) marks one month earlier, « mai-20* »; the national table marks the cell « 343 500* ».
    assert fact(result, "STAT-ASS-MOIS", "01", 202005)["comment"] == PROVISIONAL_COMMENT
    assert fact(result, "STAT-ASS-MOIS", "01", 202004)["comment"] is None
    nat = fact(result, "STAT-ASS-MOIS", "FR", 202005)
    assert nat["value"] == 343_500 and nat["comment"] == PROVISIONAL_COMMENT
    # Garantie jeunes: nothing marked, nothing provisional.
    gj = result.facts[result.facts["indicator"].str.startswith("STAT-GJ")]
    assert gj["comment"].isna().all()


def test_nd_is_missing_with_its_reason(result):
    ass = fact(result, "STAT-ASS-MOIS", "FR", 202010)  # Tableau 1, F52 'nd'
    assert pd.isna(ass["value"]) and ass["missing_reason"] == "nd"
    assert fact(result, "STAT-GJ-MOIS", "FR", 202009)["missing_reason"] == "nd"  # Tableau 1, L51


def test_drom_and_corse(result):
    assert fact(result, "STAT-RSA-MOIS", "971", 201701)["value"] == 45090  # « Guadeloupe** », GL8
    assert fact(result, "STAT-RSA-MOIS", "976", 201912)["value"] == 5410  # Mayotte, GT43
    assert fact(result, "STAT-RSA-MOIS", "974", 201912)["value"] == 100_690  # Réunion
    assert fact(result, "STAT-RSA-MOIS", "2A", 201701)["value"] == 2550  # AN8
    assert fact(result, "STAT-RSA-MOIS", "2B", 201701)["value"] == 3910  # AP8
    codes = set(result.facts["territory_code"])
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= codes
    assert "20" not in codes  # no whole-Corse column, so no région 94 value either
    assert set(result.facts["territory_level"]) == {"departement", "france"}


def test_december_value_is_the_monthly_december_cell(result):
    f = result.facts
    monthly = f[f["indicator"] == "STAT-RSA-MOIS"]
    dec = monthly[monthly["period"] % 100 == 12].assign(period=lambda d: d["period"] // 100)
    yearly = f[f["indicator"] == "STAT-RSA-DEC"]
    merged = dec.merge(yearly, on=["territory_level", "territory_code", "period"])
    assert len(merged) == len(yearly) == 3 * 102  # 2017–2019, 101 départements and France
    assert (merged["value_x"] == merged["value_y"]).all()
    assert fact(result, "STAT-RSA-DEC", "01", 2019)["value"] == 7690  # Tableau 2, B43
    assert fact(result, "STAT-RSA-DEC", "FR", 2019)["value"] == 1_916_100  # Tableau 1, B42
    assert 2020 not in set(yearly["period"])  # the workbook stops in October 2020
    # A flow's yearly value is the sum of its twelve months (Tableau 8, B7:B18 summed by hand: 320; 2018: 332).
    assert fact(result, "STAT-GJ-ENTREES-AN", "01", 2017)["value"] == 320
    assert fact(result, "STAT-GJ-ENTREES-AN", "01", 2018)["value"] == 332
    assert not ((f["indicator"] == "STAT-GJ-ENTREES-AN") & (f["period"] == 2020)).any()  # 7 months only


def test_national_line_and_departement_sum_agree_within_rounding(result):
    sums = national_sums(result.facts)
    rsa = sums[(sums["indicator"] == "STAT-RSA-MOIS") & (sums["period"] == 201912)].iloc[0]
    # SOURCES.md: national line 1,916,100; the 101 départements (rounded to the ten) sum to 1,916,210.
    assert rsa["national"] == 1_916_100 and rsa["departements_sum"] == 1_916_210 and rsa["departements"] == 101
    assert (sums["gap"].abs() <= sums["departements"].map(rounding_bound)).all()
    assert not [w for w in result.warnings if w.rule == "total national"]


def test_a_mark_without_its_note_is_refused_not_guessed(book):
    wb = book[0]
    sheet = next(s for s in wb.sheets if s.name == "Tableau 2")
    table = find_table(sheet)
    cells = sheet.cells.copy()
    for i in range(table.month_rows[-1] + 1, len(cells)):
        if cells.iat[i, 0].startswith("*"):
            cells.iat[i, 0] = ""  # the « * Données provisoires » note removed
    planted = replace(wb, sheets=[replace(sheet, cells=cells)])
    res = read_monthly_workbook(planted)
    assert not res.ok and res.facts.empty
    f = res.findings[0]
    assert f.sheet == "Tableau 2" and f.row == 49 and "Données provisoires" in f.message  # « juin-20* », A49


def test_reading_time(book):
    started = time.perf_counter()
    data = MONTHLY.read_bytes()
    wb = read_workbook(data, MONTHLY.name, settings().max_file_bytes)
    read_monthly_workbook(wb)
    elapsed = time.perf_counter() - started
    print(f"lecture du classeur mensuel : {elapsed:.2f} s")
    assert elapsed < 15


def test_import_keeps_monthly_periods_out_of_yearly_views(db, book):
    from levier.views import common, comparer, t0  # views (rank 4) are only needed by this end-to-end test

    wb, data = book
    report = import_monthly_workbook(db, wb, data, kind=KIND_STAT)
    assert report.ok, report.errors[:3]
    monthly = db.read(Query.MONTHLY_VALUES, {"level": "departement", "codes": ["STAT-RSA-MOIS"]})
    ain = monthly[monthly["code"] == "01"].set_index("period")
    assert ain.at[201701, "value"] == 7660 and ain.at[202006, "comment"] == PROVISIONAL_COMMENT
    assert len(ain) == 46
    # What declared RSA new entrants are held against (analysis.independent, from the December values): Ain 2019 =
    # 7 690 − 7 670 (B43 − B31).
    assert ain.at[201912, "value"] - ain.at[201812, "value"] == 20
    # Comparer's indicator list and years: the December values with years, never a monthly indicator or period.
    choices = comparer.indicator_choices(db, "departement")
    assert not set(choices["code"]) & set(MONTHLY_CODES)
    dec = choices.set_index("code").at["STAT-RSA-DEC", "periods"]
    assert list(dec) == [2017, 2018, 2019]
    assert all(not is_monthly_period(int(p)) for ps in choices["periods"] for p in ps)
    # T0: the year list and the table of a département hold the December value, not the monthly series.
    assert common.available_periods(db, "departement", "01") == [2017, 2018, 2019]
    table = t0.load_t0_table(db, "01", 2020)
    shown = set(table["Code"]) if "Code" in table.columns else set(table.index)
    assert "STAT-RSA-DEC" in shown and not shown & set(MONTHLY_CODES)
    summary = db.read(Query.PROGRAMME_SUMMARY).set_index("programme")
    assert summary.at["STAT", "last_period"] == 2019
    # The Indicateurs page still says what the monthly series holds: the years its months fall in.
    page = db.read(Query.CATALOGUE_PAGE).set_index("code")
    assert list(page.at["STAT-RSA-MOIS", "periods"]) == [2017, 2018, 2019, 2020]
    assert page.at["STAT-RSA-MOIS", "n_departements"] == 101


def test_a_mark_other_than_the_provisional_one_is_refused_with_its_cell(book):
    wb = book[0]
    sheet = next(s for s in wb.sheets if s.name == "Tableau 1")
    cells = sheet.cells.copy()
    assert cells.iat[47, 1] == "2 023 700*"  # B48, RSA June 2020
    cells.iat[47, 1] = "2 023 700**"  # « ** » is defined nowhere in Tableau 1
    res = read_monthly_workbook(replace(wb, sheets=[replace(sheet, cells=cells)]))
    assert not res.ok
    f = res.findings[0]
    assert (f.sheet, f.row, f.column) == ("Tableau 1", 48, "B (RSA)") and "« ** »" in f.message


def test_total_columns_among_the_departements_are_france_or_left_out(book):
    # Planted: Tableau 2's Ain column relabelled « France entière » and Aisne's « France métropolitaine ».
    wb = book[0]
    sheet = next(s for s in wb.sheets if s.name == "Tableau 2")
    cells = sheet.cells.copy()
    cells.iat[4, 1], cells.iat[5, 1] = "", "France entière"  # B5:B6
    cells.iat[4, 3], cells.iat[5, 3] = "", "France métropolitaine"  # D5:D6
    res = read_monthly_workbook(replace(wb, sheets=[replace(sheet, cells=cells)]))
    assert res.ok, res.findings[:2]
    assert fact(res, "STAT-RSA-MOIS", "FR", 201701)["value"] == 7660  # B8, now read as the national column
    assert "02" not in set(res.facts["territory_code"])
    assert [w.column for w in res.warnings if w.rule == "total partiel"] == ["D (France métropolitaine)"]


def test_the_same_national_month_given_twice_differently_is_refused(book):
    # Planted: Tableau 2's Ain column relabelled « France entière » beside Tableau 1's national RSA (1 895 900 ≠ 7 660).
    wb = book[0]
    t1 = next(s for s in wb.sheets if s.name == "Tableau 1")
    t2 = next(s for s in wb.sheets if s.name == "Tableau 2")
    cells = t2.cells.copy()
    cells.iat[4, 1], cells.iat[5, 1] = "", "France entière"
    res = read_monthly_workbook(replace(wb, sheets=[t1, replace(t2, cells=cells)]))
    assert not res.ok and res.facts.empty
    assert "« Tableau 1 » ligne 7 et « Tableau 2 » ligne 8" in res.findings[0].message


def test_the_import_door_recognises_and_takes_the_monthly_workbook(db, book):
    """`levier import` and the Importer page go through import_file: the monthly workbook is a DREES workbook there."""
    from levier.ingest.detect import KIND_DREES, detect_kind, import_file  # the dispatch sits above this module

    wb, data = book
    assert detect_kind(data, "nom quelconque.xlsx", workbook=wb) == KIND_DREES
    report = import_file(db, data, "nom quelconque.xlsx", dry_run=True)
    assert report.ok and report.rows_accepted == 34_279, report.errors[:3]


def test_a_percentage_or_date_cell_among_the_counts_is_refused_with_its_cell(db, book):
    """Planted as the reader gives them: Tableau 2's B8 (RSA, Ain, January 2017: 7 660) in a percentage format (the
    cell holds 76,6, shown « 7 660 % ») and B9 as a date: refused, named, nothing stored; the monthly counts are
    parsed with their catalogue unit (levier.ingest.drees_monthly.monthly_units)."""
    wb, data = book
    sheet = next(s for s in wb.sheets if s.name == "Tableau 2")
    cells, types = sheet.cells.copy(), sheet.types.copy()
    assert (cells.iat[7, 1], types.iat[7, 1], cells.iat[8, 1]) == ("7660", "n", "7630")
    types.iat[7, 1] = "p"
    cells.iat[8, 1], types.iat[8, 1] = "2024-03-15", "d"
    planted = replace(wb, sheets=[replace(sheet, cells=cells, types=types)])
    report = import_monthly_workbook(db, planted, data, kind=KIND_STAT)
    assert not report.ok
    assert [(f.sheet, f.row, f.column, f.message) for f in report.errors] == [
        ("Tableau 2", 8, "B (1, Ain)", "« 7660 % » : pourcentage pour un indicateur en nombre"),
        ("Tableau 2", 9, "B (1, Ain)", "« 2024-03-15 » : date, pas un nombre"),
    ]
    with db.reader() as r:  # inspection: nothing of the workbook was stored
        assert r._con.execute("SELECT count(*) FROM fact").fetchone()[0] == 0
