"""The Importer page's logic: the simulation lists every value that will change (old → new, in French) and writes
nothing; the templates, filled in as a person would, import cleanly with the values typed."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from levier.ingest.detect import import_file
from levier.ingest.report import STATUS_DRY_RUN, STATUS_IMPORTED, Finding
from levier.views import importer
from levier.views.selection import Selection
from tests.unit.ingest.test_mapping import producer_csv
from tests.unit.ingest.test_returns import NE, OR1M, OR1M_TX, count_facts, count_runs, current, long_csv

NBSP = "\u00a0"


@pytest.fixture
def profiles(tmp_path, monkeypatch):
    """A private mapping-profile folder (nothing written into data/profils)."""
    folder = tmp_path / "profils"
    monkeypatch.setenv("LEVIER_PROFILS_DIR", str(folder))
    return folder


def test_the_simulation_lists_each_change_old_to_new_and_writes_nothing(db):
    first = long_csv([["38", NE, "2021", "5 412"], ["38", OR1M, "2021", "3 980"], ["38", NE, "2020", "s"]])
    assert import_file(db, first, "isere_v1.csv").status == STATUS_IMPORTED
    facts, runs, version = count_facts(db), count_runs(db), db.version_token()

    second = long_csv([
        ["38", NE, "2021", "5 512"],  # changed
        ["38", OR1M, "2021", "3 980"],  # identical
        ["38", NE, "2020", "5 102"],  # was secret, now a number
        ["38", NE, "2022", "5 600"],  # new (a count: whole, plausibility rules)
    ])
    check = importer.check_file(db, second, "isere_v2.csv")

    assert check.can_confirm and check.report.status == STATUS_DRY_RUN
    assert (check.new, check.modified, check.identical) == (1, 2, 1)
    assert "4 valeur(s) à importer, dont 3 nouvelle(s) ou modifiée(s) et 1 identique(s)" in check.report.message
    rows = check.changes.set_index("Année")
    assert list(check.changes.columns) == importer.CHANGE_COLUMNS
    assert rows.loc[2021, "Territoire"] == "38 – Isère"
    assert rows.loc[2021, "Indicateur"] == NE and rows.loc[2021, "Mesure"] == "Valeur"
    assert (rows.loc[2021, "Valeur actuelle"], rows.loc[2021, "Nouvelle valeur"]) == (
        f"5{NBSP}412{NBSP}personnes", f"5{NBSP}512{NBSP}personnes")
    assert rows.loc[2021, "Changement"] == "valeur modifiée"
    assert (rows.loc[2020, "Valeur actuelle"], rows.loc[2020, "Nouvelle valeur"]) == (
        "s (secret statistique)", f"5{NBSP}102{NBSP}personnes")
    # A new key: nothing stored before; the decimal is shown, not rounded away.
    assert (rows.loc[2022, "Valeur actuelle"], rows.loc[2022, "Nouvelle valeur"]) == ("–", f"5{NBSP}600{NBSP}personnes")
    assert rows.loc[2022, "Changement"] == "nouvelle"

    # The rehearsal was rolled back: no fact, no journal row, not even the file touched.
    assert (count_facts(db), count_runs(db), db.version_token()) == (facts, runs, version)

    result = importer.confirm_import(db, second, "isere_v2.csv", "auto", "agent")
    assert result.status == STATUS_IMPORTED and result.rows_changed == 3
    cur = current(db).set_index(["indicator", "period"])
    assert cur.loc[(NE, 2021), "value"] == 5512 and cur.loc[(NE, 2022), "value"] == 5600


def test_a_refused_file_has_no_preview_and_its_full_error_list_downloads(db):
    bad = long_csv([["1", NE, "2021", "12"], ["38", NE, "2021", "douze"]])
    check = importer.check_file(db, bad, "mauvais.csv")
    assert not check.can_confirm and check.changes.empty
    listed = importer.findings_download(check.report)
    assert list(listed.columns) == ["fichier", "feuille", "ligne", "colonne", "motif"]
    assert listed["ligne"].tolist() == [2, 3] and "zéro initial" in listed["motif"].iloc[0]


def test_the_template_territory_is_the_sidebar_selection_that_sends_returns(db):
    assert importer.template_territory(db, Selection()) is None
    assert importer.template_territory(db, Selection(reg="84")) is None
    dep = importer.template_territory(db, Selection(reg="84", dep="38"))
    assert (dep.level, dep.code, dep.name) == ("departement", "38", "Isère")
    lyon = importer.template_territory(db, Selection(reg="84", dep="69", epci="200046977"))
    assert (lyon.level, lyon.code) == ("epci", "200046977")
    assert "STAT" not in importer.template_programmes(db) and "CALPAE" in importer.template_programmes(db)


@pytest.fixture
def template(db) -> importer.ReturnTemplate:
    territory = importer.template_territory(db, Selection(reg="84", dep="38"))
    return importer.return_template(db, territory, "CALPAE")


def test_the_template_lists_the_programme_indicators_and_years_but_no_ratio(template):
    codes = template.indicators["code"].tolist()
    assert NE in codes and OR1M in codes and OR1M_TX not in codes
    assert template.years == [2019, 2020, 2021, 2022]
    rows = template.long_rows()
    assert len(rows) == len(codes) * 4 and set(rows["territoire"]) == {"38"}
    ne = template.indicators.set_index("code").loc[NE]
    assert ne["label"] and ne["unit"] == "personnes"


def _fill_long(book: openpyxl.Workbook, values: dict[tuple[str, int], object], target=None) -> None:
    sheet = book["retours"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    for r in range(2, sheet.max_row + 1):
        key = (sheet.cell(r, col["indicateur"]).value, int(sheet.cell(r, col["periode"]).value))
        if key in values:
            sheet.cell(r, col["valeur"]).value = values[key]
        if target and key == target[0]:
            sheet.cell(r, col["cible"]).value = target[1]
            sheet.cell(r, col["annee_cible"]).value = target[2]


def _save(book: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_the_long_xlsx_template_filled_in_imports_the_values_typed(db, template):
    book = openpyxl.load_workbook(io.BytesIO(template.long_xlsx()))
    assert book.sheetnames == ["retours", "mode d'emploi"]
    assert [c.value for c in book["retours"][1]] == importer.LONG_HEADER
    assert book["retours"]["A2"].value == "38" and book["retours"]["A2"].data_type == "s"  # a code stays text
    _fill_long(book, {(NE, 2021): 5412, (OR1M, 2021): 3980, (NE, 2022): "nd"}, target=((NE, 2021), 6000, 2022))

    report = import_file(db, _save(book), template.stem("long") + ".xlsx")

    assert report.status == STATUS_IMPORTED and not report.warnings, report.summary()
    cur = current(db).set_index(["territory_code", "indicator", "period", "measure"])
    assert cur.loc[("38", NE, 2021, "valeur"), "value"] == 5412
    assert cur.loc[("38", OR1M, 2021, "valeur"), "value"] == 3980
    assert cur.loc[("38", NE, 2022, "valeur"), "missing_reason"] == "nd"
    assert cur.loc[("38", NE, 2022, "cible"), "value"] == 6000
    assert len(cur) == 4  # the blank cells stored nothing


def test_the_long_csv_template_filled_in_imports_the_values_typed(db, template):
    text = template.long_csv().decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == ";".join(importer.LONG_HEADER)
    filled = list(lines)
    for i, line in enumerate(filled):
        cells = line.split(";")
        if len(cells) > 5 and cells[1] == NE and cells[4] == "2021":
            cells[5] = "5 412"
            filled[i] = ";".join(cells)

    report = import_file(db, "\r\n".join(filled).encode("utf-8-sig"), template.stem("long") + ".csv")

    assert report.status == STATUS_IMPORTED and not report.warnings, report.summary()
    cur = current(db)
    assert cur[["territory_code", "indicator", "period", "value"]].values.tolist() == [["38", NE, 2021, 5412.0]]


def test_the_grille_template_filled_in_imports_the_values_typed(db, template):
    book = openpyxl.load_workbook(io.BytesIO(template.grille_xlsx()))
    assert len(book.sheetnames) == 1 and book.sheetnames[0].startswith("38 - Is")
    sheet = book.active
    assert (sheet["A1"].value, sheet["B1"].value) == ("Territoire", "38")
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "Code")
    years = {int(sheet.cell(header, c).value): c for c in range(4, sheet.max_column + 1)}
    assert sorted(years) == [2019, 2020, 2021, 2022]
    rows = {sheet.cell(r, 1).value: r for r in range(header + 1, sheet.max_row + 1)}
    sheet.cell(rows[NE], years[2020]).value = 5230
    sheet.cell(rows[NE], years[2021]).value = 5412
    sheet.cell(rows[OR1M], years[2021]).value = "s"
    sheet["B2"].value = pd.Timestamp("2022-03-15").to_pydatetime()

    report = import_file(db, _save(book), template.stem("grille") + ".xlsx")

    assert report.status == STATUS_IMPORTED and not report.warnings, report.summary()
    cur = current(db).set_index(["indicator", "period"])
    assert cur.loc[(NE, 2020), "value"] == 5230 and cur.loc[(NE, 2021), "value"] == 5412
    assert cur.loc[(OR1M, 2021), "missing_reason"] == "s"
    assert str(cur.loc[(NE, 2021), "submitted_on"])[:10] == "2022-03-15"
    assert set(cur["territory_code"]) == {"38"} and len(cur) == 3


def test_sizes_and_upload_limit_are_french():
    assert importer.size_text(850) == f"850{NBSP}o"
    assert importer.size_text(12_700) == f"12,4{NBSP}ko"
    assert importer.size_text(3_400_000) == f"3,2{NBSP}Mo"


def test_the_check_carries_its_proposal_so_the_importer_page_does_not_read_the_file_again(db, profiles, monkeypatch):
    data = producer_csv()
    report = import_file(db, data, "filosofi_2020_observatoire.csv", dry_run=True)
    assert report.file_format == "correspondance" and report.proposal is not None

    def read_again(*args, **kwargs):
        raise AssertionError("the file was read a second time")

    monkeypatch.setattr(importer.mapping, "recognise", read_again)
    proposal = importer.mapping_proposal(report, data, "filosofi_2020_observatoire.csv")
    assert proposal is report.proposal
    assert any(c.indicator == "STAT-TP60" for c in proposal.mapped)


def test_a_monthly_value_shows_its_year_and_month_never_yyyymm_as_a_year():
    # Planted: one monthly fact (October 2020) and one yearly fact (2019) of the DREES monthly workbook.
    raw = pd.DataFrame({
        "territory_code": ["01", "01"], "territory_name": ["Ain", "Ain"],
        "indicator": ["STAT-RSA-MOIS", "STAT-RSA-DEC"], "indicator_label": ["mensuel", "décembre"],
        "unit": ["nombre", "nombre"], "period": [202010, 2019], "measure": ["valeur", "valeur"],
        "old_value": [None, None], "old_missing_reason": [None, None], "new_value": [8800.0, 7690.0],
        "new_missing_reason": [None, None], "is_new": [True, True]})
    shown = importer.changes_display(raw)
    assert shown["Année"].tolist() == [2020, 2019] and shown["Mois"].tolist() == ["octobre", ""]
    yearly = importer.changes_display(raw.iloc[1:])
    assert list(yearly.columns) == importer.CHANGE_COLUMNS  # no « Mois » column for a yearly file


def test_a_finding_without_a_place_shows_blanks_never_none():
    """A whole-file warning (« 708 colonne(s) hors du catalogue… ») has no sheet, row or column: the page's table
    leaves them blank (Streamlit would print « None »); a row number reads as the spreadsheet shows it."""
    table, note = importer.findings_table([Finding("f.csv", "colonnes ignorées"), Finding("f.xlsx", "x", "S", 12, "C")])
    assert table.to_dict("records") == [
        {"Fichier": "f.csv", "Feuille": "", "Ligne": "", "Colonne": "", "Motif": "colonnes ignorées"},
        {"Fichier": "f.xlsx", "Feuille": "S", "Ligne": "12", "Colonne": "C", "Motif": "x"},
    ]
    assert note is None
