"""The INSEE × DIPLP panorama workbook: committed template and fixture, round trip, located errors."""

from __future__ import annotations

import math

import fastexcel
import pandas as pd
import pytest

from levier.core.config import settings
from levier.ingest.insee import current_epci_sirens
from levier.ingest.panorama import (
    DATA_SHEET, DEFINITIONS_SHEET, EXAMPLE_EPCI, EXAMPLE_PATH, KEY_COLUMNS, TEMPLATE_PATH, example_rows,
    panorama_indicators, read_panorama, write_example, write_template, write_workbook,
)

EPCI_CSV = settings().reference_dir / "cog" / "epci_2023_2024_2026.csv"
PROFILES = ["STAT-PAN-RETRAITES", "STAT-PAN-TRAV-PAUVRES", "STAT-PAN-JEUNES", "STAT-PAN-PROPRIETAIRES",
            "STAT-PAN-LOC-PRIVE", "STAT-PAN-LOC-SOCIAL"]

needs_cog = pytest.mark.skipif(not EPCI_CSV.is_file(), reason="liste des EPCI de référence absente")


def sheet(path, name) -> pd.DataFrame:
    return fastexcel.read_excel(str(path)).load_sheet(name, dtypes="string").to_pandas()


@pytest.fixture(scope="module")
def epci_2026() -> set[str]:
    return current_epci_sirens(2026)


def test_committed_template_has_the_documented_layout():
    codes = list(panorama_indicators()["code"])
    assert fastexcel.read_excel(str(TEMPLATE_PATH)).sheet_names == [DATA_SHEET, DEFINITIONS_SHEET]
    assert list(sheet(TEMPLATE_PATH, DATA_SHEET).columns) == KEY_COLUMNS + codes
    definitions = sheet(TEMPLATE_PATH, DEFINITIONS_SHEET)
    assert list(definitions.columns) == ["code", "libelle", "unite", "definition", "source"]
    assert definitions["code"].tolist() == codes
    assert set(definitions["unite"]) == {"%"}
    assert definitions["definition"].str.len().min() > 100


def test_committed_template_is_what_write_template_produces(tmp_path):
    fresh = write_template(tmp_path / "modele.xlsx")
    for name in (DATA_SHEET, DEFINITIONS_SHEET):
        pd.testing.assert_frame_equal(sheet(fresh, name), sheet(TEMPLATE_PATH, name))


def test_blank_template_reads_without_error():
    result = read_panorama(TEMPLATE_PATH)
    assert result.findings == [] and result.facts.empty
    assert any("aucune ligne" in w.message for w in result.warnings)


@needs_cog
def test_template_round_trips_the_values_written(tmp_path):
    rows = example_rows(EPCI_CSV)
    path = write_workbook(tmp_path / "panorama.xlsx", rows)
    result = read_panorama(path)
    assert result.findings == []
    facts = result.facts.set_index(["territory_code", "indicator"])
    for excel_row, row in enumerate(rows, start=2):
        for code in panorama_indicators()["code"]:
            written = row[code]
            fact = facts.loc[(row["siren_epci"], code)]
            assert fact["source_row"] == excel_row and fact["period"] == row["annee"]
            if isinstance(written, str):
                assert math.isnan(fact["value"]) and fact["missing_reason"] == written
            else:
                assert fact["value"] == written and fact["missing_reason"] is None


@needs_cog
def test_fixture_imports_with_real_epci(epci_2026):
    result = read_panorama(EXAMPLE_PATH, current_epci=epci_2026)
    assert result.findings == [] and result.unmatched == []
    assert result.level == "epci" and result.income_year == 2020
    assert sorted(result.facts["territory_code"].unique()) == sorted(EXAMPLE_EPCI)
    assert set(result.facts["territory_code"]) <= epci_2026
    names = sheet(EXAMPLE_PATH, DATA_SHEET).set_index("siren_epci")["nom_epci"]
    cog = pd.read_csv(EPCI_CSV, dtype=str, keep_default_na=False).query("annee == '2026'").set_index("siren_epci")
    assert all(names[s] == cog.loc[s, "nom"] for s in EXAMPLE_EPCI)
    reasons = result.facts.dropna(subset=["missing_reason"])
    assert set(reasons["missing_reason"]) == {"s", "nd"} and reasons["value"].isna().all()
    complete = result.facts[result.facts["indicator"].isin(PROFILES)].groupby("territory_code")["value"]
    sums = complete.sum()[complete.count() == len(PROFILES)]
    assert len(sums) >= 8 and sums.between(99.5, 100.5).all()


@needs_cog
def test_fixture_is_what_write_example_produces(tmp_path):
    fresh = read_panorama(write_example(tmp_path / "exemple.xlsx", EPCI_CSV))
    pd.testing.assert_frame_equal(fresh.facts, read_panorama(EXAMPLE_PATH).facts)


@needs_cog
def test_bad_cells_are_located(tmp_path):
    rows = example_rows(EPCI_CSV)
    rows[3]["STAT-PAN-MOBILITE"] = "beaucoup"
    rows[5]["STAT-PAN-FORMATION"] = 140
    rows[6]["siren_epci"] = "20009057"
    result = read_panorama(write_workbook(tmp_path / "faux.xlsx", rows))
    assert result.facts.empty
    located = {(f.row, f.column): f.message for f in result.findings}
    assert set(located) == {(5, "STAT-PAN-MOBILITE"), (7, "STAT-PAN-FORMATION"), (8, "siren_epci")}
    assert "beaucoup" in located[(5, "STAT-PAN-MOBILITE")]
    assert "0–100" in located[(7, "STAT-PAN-FORMATION")]
    assert all(f.sheet == DATA_SHEET for f in result.findings)


@needs_cog
def test_bad_year_and_duplicate_epci_are_located(tmp_path):
    rows = example_rows(EPCI_CSV)
    rows[1]["annee"] = "vingt"
    rows[4]["siren_epci"] = rows[2]["siren_epci"]
    result = read_panorama(write_workbook(tmp_path / "faux.xlsx", rows))
    assert {(f.row, f.column) for f in result.findings} == {(3, "annee"), (6, "siren_epci")}


@needs_cog
def test_unknown_columns_are_reported_and_ignored(tmp_path):
    rows = example_rows(EPCI_CSV)
    for row in rows:
        row["STAT-PAN-INCONNU"] = 12.0
        row["Commentaire DDETS"] = "ok"
    path = write_workbook(tmp_path / "panorama.xlsx", rows, extra_columns=["STAT-PAN-INCONNU", "Commentaire DDETS"])
    result = read_panorama(path)
    assert result.findings == []
    warning = next(w for w in result.warnings if "inconnue" in w.message)
    assert "STAT-PAN-INCONNU" in warning.message and "Commentaire DDETS" in warning.message
    assert not result.facts["indicator"].eq("STAT-PAN-INCONNU").any()


@needs_cog
def test_epci_of_an_older_geography_is_reported(tmp_path, epci_2026):
    rows = example_rows(EPCI_CSV)
    rows[0]["siren_epci"], rows[0]["nom_epci"] = "200035459", "CA d'Agen"
    result = read_panorama(write_workbook(tmp_path / "panorama.xlsx", rows), current_epci=epci_2026)
    assert result.findings == [] and result.unmatched == ["200035459"]
    warning = next(w for w in result.warnings if w.message.startswith("EPCI 200035459"))
    assert warning.row == 2 and "200096956" in warning.message
    assert "200035459" not in set(result.facts["territory_code"])


@needs_cog
def test_fractions_instead_of_percentages_are_refused_naming_the_column(tmp_path):
    rows = example_rows(EPCI_CSV)
    for row in rows:
        if not isinstance(row["STAT-PAN-MOBILITE"], str):
            row["STAT-PAN-MOBILITE"] = round(row["STAT-PAN-MOBILITE"] / 100, 3)
    result = read_panorama(write_workbook(tmp_path / "panorama.xlsx", rows))
    [error] = result.findings
    assert error.column == "STAT-PAN-MOBILITE" and error.sheet == "donnees" and error.row == 1
    assert error.message.startswith("toutes les valeurs sont entre 0 et 1 : des fractions ? Levier attend des "
                                    "pourcentages (12,3 pour 12,3 %)")
    assert result.facts.empty


@needs_cog
def test_a_single_fraction_for_a_rate_is_enough_to_refuse(tmp_path):
    rows = example_rows(EPCI_CSV)[:1]
    rows[0]["STAT-PAN-MOBILITE"] = 0.153
    result = read_panorama(write_workbook(tmp_path / "panorama.xlsx", rows))
    assert [e.column for e in result.findings] == ["STAT-PAN-MOBILITE"]


def test_missing_data_sheet_is_an_error(tmp_path):
    import xlsxwriter

    path = tmp_path / "autre.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Feuil1").write(0, 0, "siren_epci")
    wb.close()
    result = read_panorama(path)
    assert result.facts.empty and "donnees" in result.findings[0].message
    text = tmp_path / "panorama.xlsx"
    text.write_text("siren_epci;annee\n", encoding="utf-8")
    assert read_panorama(text).findings
