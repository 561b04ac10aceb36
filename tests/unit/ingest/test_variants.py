"""Definition variants: the shipped list, imports (own file CSV/XLSX, sheet of a returns workbook) with the common
rules, history, and the comparability verdict (levier.analysis.comparability, loaded by levier.views.indicateurs)
pages use to flag mixed rankings."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import xlsxwriter

from levier.analysis import comparability as cmp
from levier.core.config import PROJECT_ROOT
from levier.ingest import variants as dv
from levier.ingest.catalogue import read_catalogue
from tests.queries import ProbeQuery
from levier.ingest.report import STATUS_ALREADY, STATUS_IMPORTED, STATUS_REJECTED
from levier.store.db import Database, Query
from levier.views.indicateurs import (
    comparability_overview,
    declarations,
    load_comparability,
)

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
EXAMPLE_CSV = FIXTURES / "variantes_exemple.csv"
EXAMPLE_XLSX = FIXTURES / "variantes_exemple.xlsx"
OR1M, OR1M_TX, NE = "CALPAE-3.1.1-OR1M", "CALPAE-3.1.1-OR1M-TX", "CALPAE-3.1.1-NE"
ASE = ["CALPAE-1.1.1-MAJ", "CALPAE-1.1.1-REF", "CALPAE-1.1.1-CJM", "CALPAE-1.1.1-LIEN", "CALPAE-1.1.1-LOG",
       "CALPAE-1.1.2-RES", "CALPAE-1.1.3-PAR"]


def csv_bytes(rows: list[list[str]], header=("territoire", "indicateur", "variante", "description", "depuis")) -> bytes:
    lines = [";".join(header)] + [";".join(r + [""] * (len(header) - len(r))) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def workbook(sheets: dict[str, list[list]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None and v != "":
                    ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


def stored(db: Database) -> pd.DataFrame:
    with db.reader() as r:  # test-only inspection of the append-only table
        return r._con.execute("SELECT * FROM definition_variant ORDER BY import_id, territory_code, indicator, variant").df()


def count_facts(db: Database) -> int:
    with db.reader() as r:
        return r._con.execute("SELECT count(*) FROM fact").fetchone()[0]


# --------------------------------------------------------------------------------------------------------------
# The shipped reference list
# --------------------------------------------------------------------------------------------------------------


def test_shipped_list_matches_the_catalogue_and_covers_the_known_conflicts():
    known = dv.known_variants()
    assert dv.validate_known_variants(known, read_catalogue().indicators) == []
    codes = lambda ind: set(known.loc[known["indicateur"] == ind, "variante"])  # noqa: E731
    assert {"REF", "J15", "J30", "J45", "DEMANDE", "OUVERTURE"} <= codes(OR1M)
    assert {"REF", "J15", "J45"} <= codes("PACTE-2-ORI")
    assert {"REF", "17ANS", "18ANS", "FINCJM", "AVECTDC"} <= codes("CALPAE-1.1.1-MAJ")
    assert {"VISITES", "PERSONNES"} <= codes("CALPAE-2.1.2-ACC")
    assert {"AVECTDC"} <= codes("CDPPE-2-CONF")
    ref = known[(known["indicateur"] == OR1M) & (known["variante"] == "J30")].iloc[0]
    assert ref["reference"] and ref["dimension"] == "délai"


def test_variants_for_lists_codes_for_the_page():
    table = dv.variants_for(OR1M)
    assert list(table.columns) == ["Indicateur", "Groupe", "Dimension", "Code", "Libellé", "Référence", "Description"]
    assert table["Code"].iloc[0] == "REF" and table["Code"].iloc[-1] == "AUTRE"
    assert table.set_index("Code").loc["J45", "Référence"] == "non"
    # an indicator without known variants still offers REF and AUTRE
    assert dv.variants_for("CALPAE-2.2-INT")["Code"].tolist() == ["REF", "AUTRE"]


# --------------------------------------------------------------------------------------------------------------
# Imports
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [EXAMPLE_CSV, EXAMPLE_XLSX], ids=["csv", "xlsx"])
def test_good_file_imports_groups_labels_and_start_years(db, path):
    report = dv.import_variants(db, path.read_bytes(), path.name)
    assert report.ok, report.summary()
    assert report.status == STATUS_IMPORTED and report.rows_read == 9
    rows = stored(db)
    assert set(rows["import_id"]) == {report.import_id}
    isere = rows[rows["territory_code"] == "38"].set_index(["variant", "period_from"])
    assert isere.loc[("J45", 2020), "dimension"] == "délai" and not isere.loc[("J45", 2020), "is_reference"]
    assert isere.loc[("REF", 2022), "is_reference"]
    # a group code declares the variant for every indicator of the group
    rhone = rows[rows["territory_code"] == "69"]
    assert sorted(rhone.loc[rhone["variant"] == "FINCJM", "indicator"]) == sorted(ASE)
    assert rhone["period_from"].isna().all()
    # an indicator written as its grid label, a code kept as text ('2A')
    corse = rows[rows["territory_code"] == "2A"].iloc[0]
    assert (corse["indicator"], corse["variant"], corse["period_from"]) == (NE, "FOYERS", 2021)
    other = rows[rows["territory_code"] == "971"].iloc[0]
    assert other["variant"] == "AUTRE" and other["variant_label"].startswith("Entrants comptés")
    assert len(rows) == 3 + 2 * 7 + 2 + 1 + 1


def test_bad_file_is_rejected_whole_with_located_french_errors(db):
    data = csv_bytes([
        ["38", OR1M, "J45"],  # row 2: fine on its own
        ["1", OR1M, "J15"],  # row 3: lost leading zero
        ["38", "CALPAE-9.9.9", "J15"],  # row 4: unknown indicator
        ["38", OR1M_TX, "J15"],  # row 5: a derived ratio
        ["38", NE, "J45"],  # row 6: a code that is not a variant of this indicator
        ["38", NE, "AUTRE"],  # row 7: AUTRE without description
        ["38", OR1M, "J15", "", "vingt"],  # row 8: not a year
        ["38", OR1M, "J15"],  # row 9: second code for the same dimension as row 2
        ["13", OR1M, "REF"],  # row 10: REF …
        ["13", OR1M, "DEMANDE"],  # row 11: … combined with a variant
        ["38", OR1M, "J45"],  # row 12: duplicate of row 2
        ["", OR1M, "J45"],  # row 13: no territory
    ])
    report = dv.import_variants(db, data, "variantes_fausses.csv")
    assert report.status == STATUS_REJECTED
    by_row: dict[int, list] = {}
    for e in report.errors:
        assert e.file == "variantes_fausses.csv" and e.sheet is None
        by_row.setdefault(e.row, []).append(e)
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9, 10, 12, 13}, [str(e) for e in report.errors]
    assert "zéro initial" in by_row[3][0].message and by_row[3][0].column == "territoire"
    assert "indicateur inconnu" in by_row[4][0].message and by_row[4][0].column == "indicateur"
    assert "ratio calculé" in by_row[5][0].message and OR1M in by_row[5][0].message
    assert "inconnue" in by_row[6][0].message and "FOYERS" in by_row[6][0].message and by_row[6][0].column == "variante"
    assert "description" in by_row[7][0].message and by_row[7][0].column == "description"
    assert "AAAA" in by_row[8][0].message and by_row[8][0].column == "depuis"
    assert "même dimension « délai »" in by_row[9][0].message and "ligne 2" in by_row[9][0].message
    assert "REF" in by_row[10][0].message and "DEMANDE" in by_row[10][0].message
    assert "doublon" in by_row[12][0].message and "ligne 2" in by_row[12][0].message
    assert "manquant" in by_row[13][0].message
    assert stored(db).empty
    journal = db.read(Query.RECENT_IMPORTS, {"limit": 1})
    assert journal["status"].iloc[0] == STATUS_REJECTED and journal["kind"].iloc[0] == dv.KIND_VARIANTS
    assert "zéro initial" in journal["errors"].iloc[0]


def test_missing_columns_and_unreadable_files(db):
    report = dv.import_variants(db, csv_bytes([["38", OR1M]], header=("territoire", "indicateur")), "sans_variante.csv")
    assert not report.ok and "« variante »" in report.errors[0].message and report.errors[0].row == 1
    report = dv.import_variants(db, b"", "vide.csv")
    assert not report.ok and "vide" in report.errors[0].message
    wb = workbook({"Feuil1": [["territoire", "indicateur", "variante"]], "Feuil2": []})
    report = dv.import_variants(db, wb, "deux_feuilles.xlsx")
    assert not report.ok and "aucune feuille nommée « variantes »" in report.errors[0].message


def test_variants_files_are_told_apart_from_returns():
    assert dv.is_variants_file(EXAMPLE_CSV.read_bytes(), EXAMPLE_CSV.name)
    assert dv.is_variants_file(EXAMPLE_XLSX.read_bytes(), EXAMPLE_XLSX.name)
    returns = workbook({"retours": RETURNS_SHEET})
    assert not dv.is_variants_file(returns, "retours.xlsx") and not dv.has_variants_sheet(returns, "retours.xlsx")
    assert not dv.is_variants_file(b"territoire;indicateur;periode;valeur\r\n38;X;2021;1\r\n", "retours.csv")
    assert not dv.is_variants_file(b"", "vide.csv")


def test_xlsx_errors_name_the_sheet(db):
    data = workbook({"Lisez-moi": [["Déclarez vos variantes"]],
                     "Définitions": [["Territoire", "Indicateur", "Variante"], ["38", OR1M, "J60"]]})
    report = dv.import_variants(db, data, "classeur.xlsx")
    assert not report.ok
    e = report.errors[0]
    assert (e.sheet, e.row, e.column) == ("Définitions", 2, "Variante") and "J60" in e.message


def test_history_is_kept_and_reimport_changes_nothing(db):
    first = dv.import_variants(db, csv_bytes([["38", OR1M, "J45"]]), "v1.csv", imported_by="agent.a")
    assert first.ok and first.rows_changed == 1
    again = dv.import_variants(db, csv_bytes([["38", OR1M, "J45"]]), "v1_copie.csv")
    assert again.status == STATUS_ALREADY and "déjà été importé" in again.message
    same = dv.import_variants(db, csv_bytes([["38", OR1M, "J45", ""], ["59", OR1M, "J15"]]), "v2.csv")
    assert same.ok and same.rows_changed == 1  # Isère's declaration is unchanged: not written twice
    fix = dv.import_variants(db, csv_bytes([["38", OR1M, "REF", "logiciel corrigé"]]), "v3.csv", imported_by="agent.b")
    assert fix.ok and fix.rows_changed == 1
    hist = db.read(ProbeQuery.VARIANT_HISTORY, {"territory": "38"})
    assert hist["variant"].tolist() == ["REF", "J45"]
    assert hist["in_force"].tolist() == [True, False]
    assert hist["file_name"].tolist() == ["v3.csv", "v1.csv"]
    assert len(stored(db)) == 3
    decl = db.read(Query.VARIANT_DECLARATIONS).set_index("territory_code")
    assert decl.loc["38", "variant"] == "REF" and decl.loc["59", "variant"] == "J15"


def test_dry_run_writes_nothing(db):
    report = dv.import_variants(db, EXAMPLE_CSV.read_bytes(), "v.csv", dry_run=True)
    assert report.ok and "simulation" in report.message
    assert stored(db).empty and db.read(Query.RECENT_IMPORTS, {"limit": 5}).empty


RETURNS_SHEET = [
    ["territoire", "indicateur", "periode", "valeur", "date_transmission"],
    ["38", NE, "2021", "5412", "15/03/2022"],
    ["38", OR1M, "2021", "3980", "15/03/2022"],
]


def test_variants_sheet_inside_a_returns_workbook(db):
    data = workbook({
        "retours": RETURNS_SHEET,
        "variantes": [["territoire", "indicateur", "variante", "description", "depuis"],
                      ["38", OR1M, "J45", "45 jours", 2021]],
    })
    assert dv.has_variants_sheet(data, "isere.xlsx")
    report = dv.import_returns_workbook(db, data, "isere.xlsx")
    assert report.ok, report.summary()
    assert report.rows_changed == 3 and "1 déclaration(s)" in report.message
    assert not report.warnings  # the variants sheet is read, not "ignored"
    rows = stored(db)
    assert rows["import_id"].tolist() == [report.import_id] and rows["period_from"].tolist() == [2021]
    assert count_facts(db) == 2
    comp = load_comparability(db, OR1M_TX, ["38", "01"], period=2021)
    assert comp.mixed and comp.variants["Code territoire"].tolist() == ["38"]


def test_bad_variants_sheet_rejects_the_whole_workbook(db):
    data = workbook({"retours": RETURNS_SHEET,
                     "Definitions": [["territoire", "indicateur", "variante"], ["38", OR1M, "J60"]]})
    report = dv.import_returns_workbook(db, data, "isere.xlsx")
    assert report.status == STATUS_REJECTED
    assert [(e.sheet, e.row) for e in report.errors] == [("Definitions", 2)]
    assert count_facts(db) == 0 and stored(db).empty


def test_workbook_without_variants_sheet_is_an_ordinary_returns_import(db):
    report = dv.import_returns_workbook(db, workbook({"retours": RETURNS_SHEET}), "isere.xlsx")
    assert report.ok and report.kind == "retours" and count_facts(db) == 2
    # and import_variants reads only the variants sheet of a returns workbook
    data = workbook({"retours": RETURNS_SHEET, "variantes": [["territoire", "indicateur", "variante"], ["38", NE, "FOYERS"]]})
    assert dv.import_variants(db, data, "isere_v.xlsx").ok
    assert count_facts(db) == 2 and stored(db)["variant"].tolist() == ["FOYERS"]


# --------------------------------------------------------------------------------------------------------------
# Comparability
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def declared(db) -> Database:
    assert dv.import_variants(db, EXAMPLE_CSV.read_bytes(), EXAMPLE_CSV.name).ok
    return db


def test_comparability_matrix_and_mixed_flag_follow_the_year(declared):
    comp = load_comparability(declared, OR1M_TX, period=2021)
    assert len(comp.matrix) == 101 and comp.mixed and comp["mixed"]
    status = comp.matrix.set_index("Code territoire")
    assert status.loc["38", "Statut"] == cmp.STATUS_VARIANT
    assert status.loc["38", "Variante(s)"] == f"{OR1M} : DEMANDE, {OR1M} : J45"
    assert status.loc["38", "Depuis"] == "2020" and status.loc["38", "Fichier"] == EXAMPLE_CSV.name
    # the denominator's variant (foyers instead of persons, since 2021) makes the rate a variant too
    assert status.loc["2A", "Statut"] == cmp.STATUS_VARIANT and "FOYERS" in status.loc["2A", "Variante(s)"]
    assert status.loc["971", "Statut"] == cmp.STATUS_VARIANT
    assert sorted(comp.variants["Code territoire"]) == ["2A", "38", "971"]
    assert "01" in comp.undeclared and comp.reference_only == []
    assert "définitions mélangées" in comp.message()
    # Isère went back to the reference in 2022; Corse had not changed yet in 2020
    later = load_comparability(declared, OR1M_TX, period=2022)
    assert "38" not in later.variants["Code territoire"].tolist() and "38" in later.reference_only
    earlier = load_comparability(declared, OR1M_TX, period=2020)
    assert "2A" in earlier.undeclared and "38" in earlier.variants["Code territoire"].tolist()
    # no year: a territory that used a variant in any year is flagged
    anytime = load_comparability(declared, OR1M_TX)
    assert {"38", "2A", "971"} <= set(anytime.variants["Code territoire"])


def test_comparability_restricted_to_some_territories(declared):
    acc = "CALPAE-2.1.2-ACC"
    comp = load_comparability(declared, acc, ["13", "01", "75"])
    assert not comp.mixed and comp.reference_only == ["13"] and comp.undeclared == ["01", "75"]
    assert comp.comparable == ["01", "13", "75"] and comp.variants.empty
    comp = load_comparability(declared, acc, ["13", "59"])
    assert comp.mixed and comp.variants.iloc[0]["Variante(s)"] == "VISITES"
    assert "Visites" in comp.variants.iloc[0]["Libellé"]
    # two territories under the same variant are comparable with each other, and the message says with whom not
    both = load_comparability(declared, "CALPAE-1.1.1-LOG", ["69"])
    assert not both.mixed and "pas avec la référence" in both.message()
    with pytest.raises(KeyError):
        load_comparability(declared, "CALPAE-0.0-XX")


def test_annotate_and_overview_for_pages(declared):
    comp = load_comparability(declared, acc := "CALPAE-2.1.2-ACC", ["13", "59", "01"])
    ranking = pd.DataFrame({"territory_code": ["59", "13", "01"], "value": [3, 2, 1]})
    assert cmp.annotate(ranking, comp)["Définition"].tolist() == ["VISITES", "référence", "non déclaré"]
    overview = comparability_overview(declared, period=2021).set_index("Code territoire")
    assert overview.loc["59", acc] == "VISITES" and overview.loc["13", acc] == "référence"
    assert overview.loc["38", OR1M] == "DEMANDE, J45" and overview.loc["01", OR1M] == "non déclaré"
    table = declarations(declared)
    assert {"Code territoire", "Indicateur", "Variante", "Depuis", "Fichier"} <= set(table.columns)
    assert (table.loc[table["Code territoire"] == "69", "Depuis"] == "toujours").all()


def test_non_reference_values_uses_the_declaration_in_force(declared):
    decl = declared.read(Query.VARIANT_DECLARATIONS)
    values = pd.DataFrame({"territory_code": ["38", "38", "38", "38", "13", "01"],
                           "indicator": [OR1M, OR1M, OR1M, NE, "CALPAE-2.1.2-ACC", OR1M],
                           "period": [2019, 2021, 2022, 2021, 2021, 2021]}, index=[5, 6, 7, 8, 9, 10])
    flags = cmp.non_reference_values(values, decl)
    assert flags.tolist() == [False, True, False, False, False, False]
    assert flags.index.tolist() == [5, 6, 7, 8, 9, 10]
