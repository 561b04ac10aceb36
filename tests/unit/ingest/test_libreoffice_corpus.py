"""The LibreOffice corpus (tests/fixtures/libreoffice/corpus, built by make.py: every file saved by LibreOffice Calc
7.4 in French): each file through the import a user runs (detection then the importer, as the CLI and the Importer
page do), with the exact French message naming file, sheet, row and column, and the values stored read back."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest

from levier.cli import main
from levier.ingest.detect import import_file
from levier.ingest.report import ImportReport
from levier.store.db import Database
from tests.unit.ingest.test_detect import stored, stored_at
from tests.unit.ingest.test_returns import count_facts

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "libreoffice" / "corpus"
NE = "CALPAE-3.1.1-NE"  # nouveaux entrants au RSA, persons
COUV = "CALPAE-2.1.1-COUV"  # taux de couverture, in %
ISERE = "38 - Isère"


def _import(db: Database, name: str) -> ImportReport:
    return import_file(db, (CORPUS / name).read_bytes(), name)


def _said(findings) -> list[str]:
    """The lines the user reads: « fichier x, feuille y, ligne n, colonne c : message »."""
    return [str(f) for f in findings]


def _by_year(db: Database, indicator: str, code: str) -> dict[int, float]:
    return stored_at(db, indicator, code).set_index("period")["value"].to_dict()


def _refused(db: Database, name: str) -> str:
    """A refused file: its one error as the user reads it, after checking that nothing at all was stored."""
    report = _import(db, name)
    assert report.status == "rejeté" and report.rows_accepted == 0, report.summary()
    assert count_facts(db) == 0
    [error] = _said(report.errors)
    return error


def test_the_corpus_is_what_make_py_builds_and_libreoffice_saved(monkeypatch):
    spec = importlib.util.spec_from_file_location("lo_make", CORPUS.parent / "make.py")
    make = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "lo_make", make)  # its dataclasses look their module up there
    spec.loader.exec_module(make)
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(make.CASES)
    for path in CORPUS.glob("*.xlsx"):
        with zipfile.ZipFile(path) as zf:
            assert b"<Application>LibreOffice" in zf.read("docProps/app.xml"), path.name
    assert (CORPUS / "retours_fr.csv").read_bytes().splitlines()[1:3] == [
        b'38;CALPAE-3.1.1-NE;2021;5\xa0412;15/03/2022;"hausse ; voir la note, p. 2', b'de mars"']


# --- accepted: the values stored are the values typed ----------------------------------------------------------


def test_a_percentage_cell_for_a_rate_stores_the_percent_and_a_text_code_keeps_its_zero(db):
    report = _import(db, "pourcentage_taux.xlsx")
    assert report.ok and report.file_format == "long" and not report.warnings, report.summary()
    assert stored_at(db, COUV, "38", 2021)["value"].tolist() == [pytest.approx(12.3)]  # 12,3 % shown, 0.123 saved
    assert stored_at(db, COUV, "01", 2021)["value"].tolist() == [pytest.approx(9.5)]
    got = stored_at(db, NE, "38", 2021)[["value", "source_sheet", "source_row"]]
    assert got.values.tolist() == [[5412.0, "retours", 3]]
    assert len(stored(db)) == 3


def test_hidden_row_column_and_sheet_are_never_stored_and_each_is_named(db):
    report = _import(db, "masques.xlsx")
    assert report.ok, report.summary()
    assert _said(report.warnings) == [
        f"fichier « masques.xlsx », feuille « {ISERE} », ligne 3 : 1 ligne(s) masquée(s) ignorée(s) : 3.",
        f"fichier « masques.xlsx », feuille « {ISERE} », colonne « D » : 1 colonne(s) masquée(s) ignorée(s) : D.",
        "fichier « masques.xlsx », feuille « brouillon 38 » : feuille masquée « brouillon 38 » ignorée.",
    ]
    # 2020 = 9 999 sits in the hidden column, the 50 % draft rates in the hidden row, 1 / 2 / 3 in the hidden sheet.
    assert _by_year(db, NE, "38") == {2019: 5102.0, 2021: 5412.0}
    assert stored_at(db, COUV, "38").empty
    assert len(stored(db)) == 2


def test_formulas_store_the_result_libreoffice_saved_with_them(db):
    report = _import(db, "formules.xlsx")
    assert report.ok and not report.warnings, report.summary()
    assert _by_year(db, NE, "38") == {2019: 5102.0, 2020: 5412.0, 2021: 5412.0}  # =C2+310, =SUM(5000,412)
    # =C3+0.011 takes C3's percentage format in Calc, so 0.112 is 11,2 %.
    assert _by_year(db, COUV, "38") == pytest.approx({2019: 10.1, 2020: 11.2, 2021: 12.3})


def test_year_headers_with_a_note_or_typed_as_a_date_are_read_as_years_with_a_warning(db):
    report = _import(db, "annees_date.xlsx")
    assert report.ok, report.summary()
    assert _said(report.warnings) == [
        (f"fichier « annees_date.xlsx », feuille « {ISERE} », ligne 1, colonne « D » : en-tête « 2020 p » "
         "(cellule D1) lu comme l'année 2020."),
        (f"fichier « annees_date.xlsx », feuille « {ISERE} », ligne 1, colonne « E » : "
         "en-tête « 2021 (provisoire) » (cellule E1) lu comme l'année 2021."),
        (f"fichier « annees_date.xlsx », feuille « {ISERE} », ligne 1, colonne « F » : en-tête « 2022-01-01 » "
         "(cellule F1, au format date) lu comme l'année 2022."),
    ]
    assert _by_year(db, NE, "38") == {2019: 5102.0, 2020: 5300.0, 2021: 5412.0, 2022: 5600.0}


def test_a_value_column_formatted_to_the_last_row_is_no_dense_range(db):
    report = _import(db, "colonne_entiere.xlsx")
    assert report.ok and not report.warnings, report.summary()
    assert stored(db)[["territory_code", "indicator", "period", "value"]].values.tolist() == [["38", NE, 2021, 5412.0]]


def test_a_territory_cell_settles_a_sheet_name_with_two_codes(db):
    report = _import(db, "onglet_deux_codes_territoire.xlsx")
    assert report.ok, report.summary()
    assert stored(db)[["territory_code", "indicator", "period", "value"]].values.tolist() == [["38", NE, 2021, 5412.0]]


@pytest.mark.parametrize("name", ["retours_fr.csv", "retours_fr_virgule.csv", "retours_fr_valeurs_brutes.csv"])
def test_a_french_csv_saved_by_libreoffice_stores_what_the_sheet_showed(db, name):
    # « 5 412 » with a no-break space (0xA0 in Windows-1252, U+00A0 in UTF-8), « 12,3 % », « 15/03/2022 »; the
    # comma-separated file quotes « "12,3 %" »; saved without « tel qu'affiché », « "5412" » and « "12,3%" ». The
    # comment holds « ; », « , » and a line break: Calc quotes it over two lines.
    report = _import(db, name)
    assert report.ok and report.file_format == "long" and not report.warnings, report.summary()
    got = stored(db)[["territory_code", "indicator", "period", "value"]]
    assert got.values.tolist() == [["01", NE, 2021, 12345.0], ["2A", NE, 2021, 310.0],
                                   ["38", COUV, 2021, pytest.approx(12.3)], ["38", NE, 2021, 5412.0]]
    with db.reader() as r:  # inspection
        rows = r._con.execute("SELECT territory_code, indicator, CAST(submitted_on AS VARCHAR), comment, source_row "
                              "FROM current_fact ORDER BY source_row").fetchall()
    assert rows == [("38", NE, "2022-03-15", "hausse ; voir la note, p. 2\nde mars", 2),
                    ("38", COUV, "2022-03-15", None, 3), ("2A", NE, "2022-03-15", None, 4),
                    ("01", NE, "2022-03-15", None, 5)]


# --- refused: the cell named, nothing written --------------------------------------------------------------------


def test_a_percentage_cell_for_a_count_of_persons_is_refused(db):
    assert _refused(db, "pourcentage_personnes.xlsx") == (
        "fichier « pourcentage_personnes.xlsx », feuille « retours », ligne 3, colonne « valeur » : « 12,3 % » : "
        "pourcentage pour un indicateur en personnes.")


def test_a_value_merged_across_two_year_columns_is_refused_but_not_a_merged_section_title(db):
    assert _refused(db, "fusion_annees.xlsx") == (  # the title merged over A2:E2 is not reported
        f"fichier « fusion_annees.xlsx », feuille « {ISERE} », ligne 3, colonne « D » : valeur fusionnée sur "
        "D3:E3 : une cellule fusionnée ne dit pas à quelle année (ou à quel indicateur) va la valeur ; défusionnez et "
        "écrivez la valeur dans chaque cellule concernée.")


def test_a_formula_error_saved_by_libreoffice_is_refused(db):
    assert _refused(db, "formule_erreur.xlsx") == (
        "fichier « formule_erreur.xlsx », feuille « retours », ligne 3, colonne « valeur » : « #DIV/0! » : erreur de "
        "calcul du tableur (#DIV/0!) ; corrigez la formule ou laissez la cellule vide.")


def test_a_rate_formula_left_in_the_general_format_is_a_fraction_named_at_its_cell(db):
    # =ROUND(D3*1.1;3) is shown 0,123 by Calc (no percentage format inferred): the error names that cell (2021),
    # not the row's first cell, which is a real percentage (10,1 %).
    assert _refused(db, "formule_sans_format.xlsx") == (
        f"fichier « formule_sans_format.xlsx », feuille « {ISERE} », ligne 3, colonne « 2021 » : "
        f"indicateur {COUV} : toutes les valeurs sont entre 0 et 1 : des fractions ? Levier attend des "
        "pourcentages (12,3 pour 12,3 %) ; si ce sont bien des pourcentages inférieurs à 1 %, écrivez-les avec le "
        "signe % (0,5 %).")


def test_a_lone_thousands_dot_left_as_text_by_french_calc_is_refused(db):
    assert _refused(db, "milliers_point.xlsx") == (
        "fichier « milliers_point.xlsx », feuille « retours », ligne 3, colonne « valeur » : « 5.412 » : séparateur "
        "de milliers ou décimale ? Écrivez 5412 ou 5,412.")


def test_a_sheet_name_with_two_territory_codes_is_refused(db):
    assert _refused(db, "onglet_deux_codes.xlsx") == (
        "fichier « onglet_deux_codes.xlsx », feuille « Onglet 05 - Isère (38) », ligne 1 : le nom de la feuille "
        "contient plusieurs codes de territoire (05, 38) : indiquez le code dans une cellule « Territoire » "
        "au-dessus du tableau, ou renommez la feuille avec un seul code.")


def test_a_character_in_the_last_cell_of_the_sheet_is_refused_before_any_grid_is_built(db, capsys):
    # LibreOffice declares <dimension ref="A1:AMJ1048576"/> and writes the one far cell: 2 rows, 9 cells in all.
    name = "plage_entiere.xlsx"
    assert main(["import", str(CORPUS / name)]) == 1
    out = capsys.readouterr().out
    assert (f"  - fichier « {name} », feuille « retours » : Le classeur « {name} » : la plage utilisée de la feuille "
            "« retours » s'étend jusqu'à la cellule AMJ1048576 (1\u202f048\u202f576 lignes × 1\u202f024 colonnes, "
            "pour 9 cellules remplies).") in out
    assert count_facts(db) == 0


def test_the_cli_imports_the_french_csv_saved_by_libreoffice(db, capsys):
    assert main(["import", str(CORPUS / "retours_fr.csv")]) == 0
    assert "4 valeur(s) acceptée(s)" in capsys.readouterr().out
    assert stored_at(db, NE, "38", 2021)["value"].tolist() == [5412.0]
