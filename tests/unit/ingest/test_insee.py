"""The Filosofi reader on INSEE's real published files, and on copies altered the way users and INSEE alter them."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from levier.analysis import positions
from levier.core.config import PROJECT_ROOT, SCHEMA_DIR, settings
from levier.ingest.detect import import_file
from levier.ingest.public_stats import load_public_statistics
from levier.ingest.returns import import_returns
from levier.store.db import Query
from levier.views.t0 import load_t0_table
from tests.conftest import REFERENCE_DIR
from tests.queries import ProbeQuery
from levier.ingest.filosofi import read_insee_file
from levier.ingest.insee import (
    KNOWN_SUCCESSORS, NOT_PUBLISHED, current_epci_sirens, insee_catalogue_rows, parse_insee_column, split_year_suffix,
)

FILOSOFI = settings().reference_dir / "filosofi"
FILES = sorted(FILOSOFI.glob("*.csv"))

pytestmark = pytest.mark.skipif(not FILES, reason="données Filosofi de référence absentes")


def raw_table(path: Path, encoding: str = "utf-8-sig") -> tuple[list[str], dict[str, list[str]], dict[str, int]]:
    """The file as published: header, cells by CODGEO and the 1-based line of each CODGEO."""
    with open(path, encoding=encoding, newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    header = rows[0]
    return header, {r[0]: r for r in rows[1:] if r}, {r[0]: i for i, r in enumerate(rows, start=1) if r}


def published(path: Path, code: str, column: str) -> float:
    header, cells, _ = raw_table(path)
    return float(cells[code][header.index(column)].replace(",", "."))


def value(result, code: str, indicator: str) -> float:
    facts = result.facts
    hit = facts[(facts["territory_code"] == code) & (facts["indicator"] == indicator)]
    assert len(hit) == 1, f"{code} {indicator}: {len(hit)} valeurs"
    return float(hit["value"].iloc[0])


def write_variant(source: Path, target: Path, header_map: dict[str, str] | None = None,
                  cell: tuple[str, str, str] | None = None, encoding: str = "utf-8-sig") -> Path:
    """A copy of a real file with some header names replaced and optionally one cell replaced."""
    header, cells, _ = raw_table(source)
    rows = [[(header_map or {}).get(h, h) for h in header]]
    for code, row in cells.items():
        row = list(row)
        if cell and code == cell[0]:
            row[header.index(cell[1])] = cell[2]
        rows.append(row)
    with open(target, "w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows(rows)
    return target


@pytest.fixture(scope="module")
def epci_2026() -> set[str]:
    return current_epci_sirens(2026)


# -- catalogue ---------------------------------------------------------------------------------------------------------


def test_catalogue_has_the_indicator_table_columns_and_the_issue_variables():
    sql = (SCHEMA_DIR / "001_initial.sql").read_text(encoding="utf-8")
    block = re.search(r"CREATE TABLE indicator \((.*?)\n\);", sql, re.S).group(1)
    table_columns = [line.split()[0] for line in block.strip().splitlines()]
    added = [c for migration in sorted(SCHEMA_DIR.glob("0*.sql"))  # plausibility rules (006), denominators (008)…
             for c in re.findall(r"ALTER TABLE indicator ADD COLUMN (\w+)", migration.read_text(encoding="utf-8"))]
    cat = insee_catalogue_rows()
    assert list(cat.columns)[: len(table_columns)] == table_columns
    assert set(cat.columns) - set(table_columns) <= set(added)
    required = {"STAT-TP60", "STAT-TP60-TYM5", "STAT-TP60-TOL1", "STAT-TP60-TOL2", "STAT-Q2", "STAT-D1", "STAT-D9",
                "STAT-RD", "STAT-PPSOC", "STAT-PPMINI", "STAT-PPLOGT",
                *{f"STAT-TP60-AGE{i}" for i in range(1, 7)}, *{f"STAT-TP60-TYM{i}" for i in range(1, 7)},
                "STAT-PAN-RETRAITES", "STAT-PAN-TRAV-PAUVRES", "STAT-PAN-JEUNES", "STAT-PAN-MONOPARENT",
                "STAT-PAN-MOBILITE", "STAT-PAN-PREC-ENERGIE", "STAT-PAN-GARDE-ENFANTS", "STAT-PAN-FORMATION"}
    assert required <= set(cat["code"])
    assert cat["code"].is_unique
    assert set(cat["programme"]) == {"STAT"} and set(cat["kind"]) == {"contexte"}
    assert set(cat["periodicity"]) == {"annuelle"}
    assert set(cat["unit"]) <= {"personnes", "nombre", "%", "€", "ratio"}
    assert (cat["numerator"] == "").all() and (cat["denominator"] == "").all()
    assert (cat["definition"].str.len() > 60).all()
    by_code = cat.set_index("code")
    assert by_code.loc["STAT-Q2", "unit"] == "€" and by_code.loc["STAT-Q2", "direction"] == "hausse"
    assert by_code.loc["STAT-RD", "unit"] == "ratio"
    assert (by_code.loc[[c for c in by_code.index if c.startswith("STAT-TP60") and c != "STAT-TP60Q2"],
                        "direction"] == "baisse").all()
    assert set(by_code.loc[by_code.index.str.startswith("STAT-PAN-"), "source"]) == {
        "INSEE × DIPLP, panoramas territoriaux de la pauvreté"}


# -- the real files ----------------------------------------------------------------------------------------------------


PROFILES = {"FILO2014_DISP_DEP.csv": "insee_filosofi_disp_2014", "FILO2020_DISP_DEP.csv": "insee_filosofi_disp_2020",
            "FILO2020_DISP_PAUVRES_DEP.csv": "insee_filosofi_pauvres_2020"}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_published_file_reads_without_error(path: Path, epci_2026):
    result = read_insee_file(path, current_epci=epci_2026)
    assert result.findings == []
    assert result.income_year == int(re.search(r"FILO(\d{4})", path.name).group(1))
    assert result.level == ("epci" if "_EPCI" in path.name else "departement")
    _, cells, _ = raw_table(path)
    # Every published territory is either imported or reported, never dropped silently.
    assert set(result.facts["territory_code"]) | set(result.unmatched) == set(cells)
    assert set(result.facts["period"]) == {result.income_year}
    assert result.facts["indicator"].str.startswith("STAT-").all()
    assert result.header_format == "codes"
    # The layout is recognised by its shipped profile (data/profils), not by rules of the reader.
    assert result.profile == PROFILES.get(path.name, "insee_filosofi_disp_2015_2019")


# What the ten real files stored before they were read through the shipped profiles (main at 6ac914e, INSEE reader
# with its own column rules): file -> indicator -> [facts stored, digest of them]. Every stored fact counts: value,
# missing reason (secret « s », « non publié » np), comment (perimeter notes), period, sheet and row.
STORED_BEFORE = PROJECT_ROOT / "tests" / "fixtures" / "filosofi_stored_facts.json"


def stored_digest(frame: pd.DataFrame) -> dict[str, dict[str, list]]:
    """file -> indicator -> [number of stored facts, sha256 (16 hex) of their sorted lines]; a float by its repr, so
    that 18.4 and 18.400000000000002 differ."""
    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return repr(v) if isinstance(v, float) else str(v)

    out: dict[str, dict[str, list]] = {}
    for (file, indicator), rows in frame.groupby(["file_name", "indicator"], sort=True):
        lines = sorted("|".join(text(v) for v in r)
                       for r in rows.drop(columns=["file_name", "indicator"]).itertuples(index=False, name=None))
        out.setdefault(file, {})[indicator] = [len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]]
    return out


def test_the_real_files_store_exactly_what_they_stored_before_the_profiles(db):
    """Published INSEE values come out exactly as before the switch to the shipped profiles: the ten real files
    loaded as `levier reference load` does, every stored fact read back from the database."""
    reports = load_public_statistics(db, REFERENCE_DIR)
    assert [r.status for r in reports] == ["importé"] * len(FILES)
    now = stored_digest(db.read(ProbeQuery.STORED_FACTS_BY_FILE, {"prefix": "STAT-"}))
    before = json.loads(STORED_BEFORE.read_text(encoding="utf-8"))
    changed = sorted(f"{file} {ind}" for file in before.keys() | now.keys()
                     for ind in before.get(file, {}).keys() | now.get(file, {}).keys()
                     if before.get(file, {}).get(ind) != now.get(file, {}).get(ind))
    assert changed == []
    assert sum(n for per_file in now.values() for n, _ in per_file.values()) == 75147


def test_published_poverty_rates_come_out_exactly():
    path = FILOSOFI / "FILO2020_DISP_PAUVRES_DEP.csv"
    result = read_insee_file(path)
    for code in ("59", "2A", "974", "01"):
        assert value(result, code, "STAT-TP60") == published(path, code, "TP6020")
    assert value(result, "59", "STAT-TP60") == 18.4
    assert value(result, "93", "STAT-TP60-TYM5") == published(path, "93", "TYM5TP6020")
    assert value(result, "75", "STAT-TP60-AGE1") == published(path, "75", "AGE1TP6020")
    assert value(result, "2B", "STAT-TP60-TOL2") == published(path, "2B", "TOL2TP6020")
    # The intensity is published as a fraction and stays one.
    assert value(result, "01", "STAT-TP60IP") == 0.199


def test_published_medians_and_benefit_shares_come_out_exactly(epci_2026):
    dep = FILOSOFI / "FILO2019_DISP_DEP.csv"
    result = read_insee_file(dep)
    for code in ("59", "2A", "974"):
        for column, indicator in (("Q219", "STAT-Q2"), ("PPSOC19", "STAT-PPSOC"), ("PPMINI19", "STAT-PPMINI"),
                                  ("PPLOGT19", "STAT-PPLOGT"), ("D119", "STAT-D1"), ("D919", "STAT-D9"),
                                  ("RD", "STAT-RD"), ("NBMEN19", "STAT-NBMEN")):
            assert value(result, code, indicator) == published(dep, code, column)
    epci = FILOSOFI / "FILO2019_DISP_EPCI.csv"
    result = read_insee_file(epci, current_epci=epci_2026)
    for siren in ("200000172", "200046977", "249740119"):
        assert value(result, siren, "STAT-Q2") == published(epci, siren, "Q219")
    assert value(result, "200000172", "STAT-Q2") == 25520.0


def test_unsuffixed_columns_take_the_year_of_the_others():
    result = read_insee_file(FILOSOFI / "FILO2016_DISP_DEP.csv")
    rd = result.facts[result.facts["indicator"] == "STAT-RD"]
    assert len(rd) == 98 and set(rd["period"]) == {2016}


def test_codes_stay_text():
    result = read_insee_file(FILOSOFI / "FILO2020_DISP_PAUVRES_DEP.csv")
    codes = set(result.facts["territory_code"])
    assert {"01", "02", "2A", "2B", "974"} <= codes
    assert not {"1", "2"} & codes
    assert all(isinstance(c, str) for c in codes)


def test_source_row_is_the_line_in_the_file():
    path = FILOSOFI / "FILO2020_DISP_PAUVRES_DEP.csv"
    _, _, lines = raw_table(path)
    facts = read_insee_file(path).facts
    assert facts.loc[facts["territory_code"] == "2A", "source_row"].unique().tolist() == [lines["2A"]]
    assert facts["source_row"].min() == 2


def test_columns_outside_the_catalogue_are_named_in_one_warning():
    result = read_insee_file(FILOSOFI / "FILO2014_DISP_DEP.csv")
    ignored = [w for w in result.warnings if "ignorée" in w.message]
    assert len(ignored) == 1
    assert "PTSAC14" in ignored[0].message and "D214" in ignored[0].message
    assert "LIBGEO" not in ignored[0].message
    assert "STAT-PTSAC" not in set(result.facts["indicator"])


# -- year suffixes -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("TP6020", ("TP60", 2020)),
    ("TP60AGE120", ("TP60AGE1", 2020)),
    ("Q219", ("Q2", 2019)),
    ("S80S2019", ("S80S20", 2019)),
    ("PPMINI19", ("PPMINI", 2019)),
    ("D920", ("D9", 2020)),
    ("TP60Q220", ("TP60Q2", 2020)),
    ("AGE1TP6020", ("AGE1TP60", 2020)),
    ("RD", ("RD", None)),
    ("Q3_Q1", ("Q3_Q1", None)),
    ("S80S20", ("S80S20", None)),
    ("RD16", ("RD", 2016)),
    ("MED16", ("MED", 2016)),
    ("LIBGEO", None),
    ("CODGEO", None),
])
def test_year_suffix_parser(name, expected):
    assert split_year_suffix(name) == expected


def test_breakdown_before_or_after_the_variable_gives_the_same_indicator():
    old, new = parse_insee_column("TP60AGE120"), parse_insee_column("AGE1TP6020")
    assert old == new
    assert (old.code, old.year) == ("STAT-TP60-AGE1", 2020)
    assert parse_insee_column("TP60TYM519").code == "STAT-TP60-TYM5"
    assert parse_insee_column("MED19").code == "STAT-Q2"  # comparateur de territoires name of the median
    assert parse_insee_column("PPMINI19").code == "STAT-PPMINI"


# -- markers, labels, encodings ----------------------------------------------------------------------------------------


def test_secret_markers_become_missing_values_with_their_reason(tmp_path):
    path = tmp_path / "FILO2020_DISP_PAUVRES_DEP.csv"
    path.write_bytes("CODGEO;TP6020;TYM5TP6020;TOL1TP6020\r\n01;10,5;s;nd\r\n2A;16,3;SO;nc\r\n971;s;;12,0\r\n"
                     .encode("utf-8"))
    result = read_insee_file(path)
    assert result.findings == []
    facts = result.facts.set_index(["territory_code", "indicator"])
    assert facts.loc[("01", "STAT-TP60"), "value"] == 10.5
    assert facts.loc[("01", "STAT-TP60"), "missing_reason"] is None
    for key, reason in {("01", "STAT-TP60-TYM5"): "s", ("01", "STAT-TP60-TOL1"): "nd",
                        ("2A", "STAT-TP60-TYM5"): "so", ("2A", "STAT-TP60-TOL1"): "nc",
                        ("971", "STAT-TP60"): "s"}.items():
        assert math.isnan(facts.loc[key, "value"]) and facts.loc[key, "missing_reason"] == reason
    # An empty cell is no value at all, not a missing one.
    assert ("971", "STAT-TP60-TYM5") not in facts.index


def test_label_headers_give_the_same_facts_as_codes(tmp_path):
    source = FILOSOFI / "FILO2019_DISP_DEP.csv"
    labels = {
        "Q219": "Médiane du niveau vie (€)",
        "PPSOC19": "Part des prestations sociales (%)",
        "PPMINI19": "dont part des minima sociaux (%)",
        "PPLOGT19": "dont part des prestations logement (%)",
        "PPFAM19": "dont part des prestations familiales (%)",
        "D119": "1er décile du niveau de vie (€)",
        "D919": "9e décile du niveau de vie (€)",
        "RD": "Rapport interdécile 9e décile/1er décile",
        "NBMEN19": "Nombre de ménages fiscaux",
        "NBPERS19": "Nombre de personnes dans les ménages fiscaux",
        "PPEN19": "Part des pensions, retraites et rentes (%)",
        "CODGEO": "Code géographique",
        "LIBGEO": "Libellé géographique",
    }
    copy = write_variant(source, tmp_path / "FILO2019_DISP_DEP_libelles.csv", labels)
    by_code, by_label = read_insee_file(source), read_insee_file(copy)
    assert by_label.findings == [] and by_label.header_format == "mixte"
    keep = {"STAT-Q2", "STAT-PPSOC", "STAT-PPMINI", "STAT-PPLOGT", "STAT-PPFAM", "STAT-D1", "STAT-D9", "STAT-RD",
            "STAT-NBMEN", "STAT-NBPERS", "STAT-PPEN"}
    key = ["territory_code", "indicator"]
    a = by_code.facts[by_code.facts["indicator"].isin(keep)].sort_values(key).reset_index(drop=True)
    b = by_label.facts[by_label.facts["indicator"].isin(keep)].sort_values(key).reset_index(drop=True)
    assert len(a) == 98 * len(keep)
    pd.testing.assert_frame_equal(a, b)


def test_poverty_file_with_insee_long_labels_only(tmp_path):
    source = FILOSOFI / "FILO2020_DISP_PAUVRES_DEP.csv"
    header, _, _ = raw_table(source)
    labels = {"TP6020": "Taux de pauvreté-Ensemble (%)", "AGE1TP6020": "Taux de pauvreté-moins de 30 ans (%)",
              "AGE6TP6020": "Taux de pauvreté-75 ans ou plus (%)",
              "TYM5TP6020": "Taux de pauvreté-familles monoparentales (%)",
              "TOL1TP6020": "Taux de pauvreté-propriétaires (%)", "TOL2TP6020": "Taux de pauvreté-locataires (%)"}
    wide = write_variant(source, tmp_path / "full.csv", labels)
    only = tmp_path / "pauvrete_2020.csv"
    with open(wide, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    keep = [0] + [header.index(c) for c in labels]
    with open(only, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows([[r[i] for i in keep] for r in rows])
    result = read_insee_file(only)
    assert result.findings == [] and result.header_format == "libellés"
    assert result.income_year == 2020  # from the file name: labels carry no year
    reference = read_insee_file(source)
    for code in ("59", "2A", "974"):
        for indicator in ("STAT-TP60", "STAT-TP60-TYM5", "STAT-TP60-TOL2", "STAT-TP60-AGE6"):
            assert value(result, code, indicator) == value(reference, code, indicator)


def test_labels_without_any_year_need_one(tmp_path):
    path = tmp_path / "pauvrete.csv"
    path.write_text("Code géographique;Taux de pauvreté-Ensemble (%)\n59;18,4\n", encoding="utf-8")
    refused = read_insee_file(path)
    assert refused.facts.empty
    assert refused.findings[0].column == "Taux de pauvreté-Ensemble (%)"
    assert "année" in refused.findings[0].message
    accepted = read_insee_file(path, income_year=2020)
    assert accepted.findings == [] and value(accepted, "59", "STAT-TP60") == 18.4
    assert accepted.facts["period"].tolist() == [2020]


def test_cp1252_file_reads_like_the_utf8_original(tmp_path, epci_2026):
    source = FILOSOFI / "FILO2019_DISP_EPCI.csv"
    copy = write_variant(source, tmp_path / "FILO2019_DISP_EPCI_cp1252.csv", encoding="cp1252")
    assert "Métropole".encode("cp1252") in copy.read_bytes()
    original, recoded = read_insee_file(source, current_epci=epci_2026), read_insee_file(copy, current_epci=epci_2026)
    assert recoded.findings == []
    pd.testing.assert_frame_equal(original.facts, recoded.facts)
    assert any("Métropole Européenne de Lille" in w.message for w in recoded.warnings)


def test_xlsx_with_title_label_and_code_rows(tmp_path):
    import xlsxwriter

    source = FILOSOFI / "FILO2020_DISP_PAUVRES_DEP.csv"
    header, cells, _ = raw_table(source)
    path = tmp_path / "FILO2020_DISP_PAUVRES_DEP.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("ENSEMBLE")
    ws.write(0, 0, "Revenus, pauvreté et niveau de vie en 2020 (Filosofi)")
    ws.write_row(3, 0, ["Code géographique", "Taux de pauvreté au seuil de 60 % (%)"])
    ws.write_row(4, 0, ["CODGEO", "TP6020"])
    for i, code in enumerate(["01", "2A", "59"], start=5):
        ws.write_string(i, 0, code)
        ws.write_number(i, 1, float(cells[code][header.index("TP6020")].replace(",", ".")))
    wb.close()
    result = read_insee_file(path)
    assert result.findings == []
    assert value(result, "2A", "STAT-TP60") == published(source, "2A", "TP6020")
    facts = result.facts.set_index("territory_code")
    assert facts.loc["01", "source_row"] == 6 and facts.loc["01", "source_sheet"] == "ENSEMBLE"


def insee_workbook(rows: list[list[str]], percent: set[str] = frozenset(), sheet: str = "ENSEMBLE",
                   hidden_rows: tuple[int, ...] = (), merged: str | None = None) -> bytes:
    """An INSEE workbook as INSEE publishes them: a title, a row of labels, the row of codes (CODGEO…), then one row
    per territory (`rows`: the codes row first, cells as in the CSV). Numbers are Excel numbers; the cells of the
    columns in `percent` are Excel percentage cells (18,4 % typed: 0.184 stored, shown 18,4 %); markers stay text."""
    import xlsxwriter  # the writer of the test's workbook only

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet(sheet)
    pct = wb.add_format({"num_format": "0.0%"})
    ws.write(0, 0, "Revenus, pauvreté et niveau de vie en 2020 (Filosofi)")
    header = rows[0]
    ws.write_row(3, 0, ["Code géographique" if h == "CODGEO" else f"Libellé de {h}" for h in header])
    ws.write_row(4, 0, header)
    for i, row in enumerate(rows[1:], start=5):
        for j, cell in enumerate(row):
            try:
                number = float(cell.replace(",", "."))
            except ValueError:
                number = None
            if j == 0 or number is None:
                ws.write_string(i, j, cell)
            elif header[j] in percent:  # what Excel stores for « 7,1 % » typed: 0.071, not 7.1 / 100
                ws.write_number(i, j, float(Decimal(cell.replace(",", ".")).scaleb(-2)), pct)
            else:
                ws.write_number(i, j, number)
    if merged:  # a range such as 'B7:C7', holding the value its first cell had
        first = merged.split(":")[0]
        row, col = int(first[1:]) - 1, ord(first[0]) - ord("A")
        ws.merge_range(merged, float(rows[row - 4][col].replace(",", ".")))
    for row in hidden_rows:  # 1-based, as the spreadsheet shows them
        ws.set_row(row - 1, None, None, {"hidden": True})
    wb.close()
    return buf.getvalue()


def test_an_insee_workbook_with_percentage_cells_stores_exactly_the_csv_values(db):
    """The real poverty file as an INSEE workbook (title, labels, codes; rates in Excel percentage cells): detected
    by its CODGEO header, read through its shipped profile, a percentage cell is the percent it shows, and every
    stored value is the CSV's."""
    source = FILOSOFI / "FILO2020_DISP_PAUVRES_DEP.csv"
    header, cells, _ = raw_table(source)
    rates = {h for h in header if re.fullmatch(r"(?:AGE\d|TME\d|TOL\d|TLD\d|TYM\d|OPR\d)?TP[456]0\d\d", h)}
    assert "TP6020" in rates and "TYM5TP6020" in rates
    data = insee_workbook([header, *cells.values()], percent=rates)
    report = import_file(db, data, "FILO2020_DISP_PAUVRES_DEP.xlsx")
    assert report.errors == [] and report.status == "importé"
    assert report.file_format == "insee, profil insee_filosofi_pauvres_2020"  # said on the Importer page
    expected = read_insee_file(source).facts.dropna(subset=["value"])
    got = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": sorted(set(expected["indicator"]))})
    key = ["territory_code", "indicator", "period"]
    got = got.set_index(key)["value"].sort_index()
    assert got.index.equals(expected.set_index(key).sort_index().index)
    assert (got == expected.set_index(key)["value"].sort_index()).all()  # exactly: 18.4, not 18.400000000000002
    assert got[("59", "STAT-TP60", 2020)] == 18.4 and got[("01", "STAT-TP60IP", 2020)] == 0.199


def test_insee_workbook_cells_mean_their_type(db):
    """A percentage cell where euros are expected is refused naming its cell; rates written as fractions in plain
    number cells are refused naming the column; nothing is stored."""
    euros = insee_workbook([["CODGEO", "Q220", "TP6020"], ["01", "24030", "10,5"], ["59", "20540", "18,4"]],
                           percent={"Q220", "TP6020"})
    report = import_file(db, euros, "FILO2020_DISP_DEP.xlsx")
    assert report.status == "rejeté"
    assert [str(f) for f in report.errors] == [str(f) for f in report.errors[:2]] and len(report.errors) == 2
    first = report.errors[0]
    assert (first.sheet, first.row, first.column) == ("ENSEMBLE", 6, "Q220")
    assert first.message == ("valeur illisible : « 24030 % » : pourcentage pour un indicateur en euros (attendu un "
                             "nombre ou un marqueur s, nd, nc, so)")
    fractions = insee_workbook([["CODGEO", "TP6020"], ["01", "0,105"], ["59", "0,184"]])
    report = import_file(db, fractions, "FILO2020_DISP_PAUVRES_DEP.xlsx")
    [finding] = report.errors
    assert (finding.sheet, finding.row, finding.column) == ("ENSEMBLE", 5, "TP6020")
    assert finding.message.startswith("toutes les valeurs sont entre 0 et 1 : des fractions ?")
    assert db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": ["STAT-Q2", "STAT-TP60"]}).empty


def test_a_value_merged_across_two_indicators_is_refused_naming_the_range(db):
    data = insee_workbook([["CODGEO", "TP6020", "TP5020"], ["01", "10,5", "5,1"], ["59", "18,4", "18,4"]],
                          merged="B7:C7")
    report = import_file(db, data, "FILO2020_DISP_PAUVRES_DEP.xlsx")
    assert report.status == "rejeté"
    assert [(f.sheet, f.row, f.column, f.message) for f in report.errors] == [(
        "ENSEMBLE", 7, "TP6020", "valeur fusionnée sur B7:C7 : une cellule fusionnée ne dit pas à quel territoire ni "
        "à quel indicateur va la valeur ; défusionnez et écrivez la valeur dans chaque cellule concernée")]
    assert db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": ["STAT-TP60", "STAT-TP50"]}).empty


def test_a_hidden_row_of_an_insee_workbook_is_not_imported_and_said(db):
    data = insee_workbook([["CODGEO", "TP6020"], ["01", "10,5"], ["59", "18,4"], ["2A", "16,3"]], hidden_rows=(7,))
    report = import_file(db, data, "FILO2020_DISP_PAUVRES_DEP.xlsx")
    assert report.status == "importé" and report.file_format == "insee"  # no profile has exactly these headers
    hidden = [w for w in report.warnings if "masquée(s) ignorée(s)" in w.message]
    assert [(w.file, w.sheet, w.message) for w in hidden] == [
        ("FILO2020_DISP_PAUVRES_DEP.xlsx", "ENSEMBLE", "1 ligne(s) masquée(s) ignorée(s) : 7.")]
    assert any("ne sont pas notés « non publié par l'INSEE »" in w.message for w in report.warnings)
    stored = db.read(ProbeQuery.STORED_FACTS_BY_FILE, {"prefix": "STAT-TP60"})
    # Nord, on the hidden row, is neither imported nor noted « non publié » (INSEE did publish it).
    assert sorted(zip(stored["territory_code"], stored["value"], stored["missing_reason"].fillna(""))) == [
        ("01", 10.5, ""), ("2A", 16.3, "")]


# -- EPCI of an older geography ----------------------------------------------------------------------------------------


def test_epci_2019_codes_absent_from_2026_are_reported_with_their_row(epci_2026):
    path = FILOSOFI / "FILO2019_DISP_EPCI.csv"
    _, cells, lines = raw_table(path)
    result = read_insee_file(path, current_epci=epci_2026)
    assert len(cells) == 1240
    assert sorted(result.unmatched) == sorted(c for c in cells if c not in epci_2026)
    assert len(result.unmatched) == 6
    assert result.facts["territory_code"].nunique() == 1234
    assert not set(result.unmatched) & set(result.facts["territory_code"])
    assert set(result.unmatched_facts["territory_code"]) == set(result.unmatched)
    for code in result.unmatched:
        warning = next(w for w in result.warnings if w.message.startswith(f"EPCI {code} "))
        assert warning.row == lines[code] and warning.column == "CODGEO"
    agen = next(w for w in result.warnings if w.message.startswith("EPCI 200035459"))
    assert "200096956" in agen.message and "CA d'Agen" in agen.message
    hautes_vosges = next(w for w in result.warnings if w.message.startswith("EPCI 200071157"))
    assert "scindé" in hautes_vosges.message and "200096634" in hautes_vosges.message
    assert any("EPCI actuel(s) absent(s)" in w.message for w in result.warnings)


def test_known_successors_are_current_epci(epci_2026):
    successors = {s for group in KNOWN_SUCCESSORS.values() for s in group}
    assert successors <= epci_2026
    assert not set(KNOWN_SUCCESSORS) & epci_2026
    for name in ("FILO2018_DISP_EPCI.csv", "FILO2019_DISP_EPCI.csv"):
        result = read_insee_file(FILOSOFI / name, current_epci=epci_2026)
        assert set(result.unmatched) <= set(KNOWN_SUCCESSORS), name


def test_without_a_current_list_every_epci_is_kept():
    result = read_insee_file(FILOSOFI / "FILO2019_DISP_EPCI.csv")
    assert result.unmatched == [] and result.facts["territory_code"].nunique() == 1240


# -- errors ------------------------------------------------------------------------------------------------------------


def test_text_in_a_number_cell_is_located(tmp_path):
    source = FILOSOFI / "FILO2020_DISP_PAUVRES_DEP.csv"
    _, _, lines = raw_table(source)
    path = write_variant(source, tmp_path / "FILO2020_DISP_PAUVRES_DEP.csv", cell=("59", "TP6020", "18,4 environ"))
    result = read_insee_file(path)
    assert result.facts.empty
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert (finding.row, finding.column) == (lines["59"], "TP6020")
    assert "18,4 environ" in finding.message
    assert f"ligne {lines['59']}" in str(finding) and "colonne « TP6020 »" in str(finding)


def test_unreadable_files_and_missing_codgeo(tmp_path):
    missing = read_insee_file(tmp_path / "absent.csv")
    assert missing.findings and missing.facts.empty
    binary = tmp_path / "FILO2020_DISP_DEP.csv"
    binary.write_bytes(b"\x00\x01\x02PK" * 100)
    assert read_insee_file(binary).findings
    no_code = tmp_path / "FILO2020_DISP_DEP_sans_code.csv"
    no_code.write_text("DEP;Q220\n01;24030\n", encoding="utf-8")
    finding = read_insee_file(no_code).findings[0]
    assert "CODGEO" in finding.message


def test_lost_leading_zero_is_refused_with_an_explicit_message(tmp_path):
    path = tmp_path / "FILO2020_DISP_DEP.csv"
    path.write_text("CODGEO;Q220\n1;24030\n2A;22350\n", encoding="utf-8")
    result = read_insee_file(path)
    assert result.facts.empty
    assert result.findings[0].row == 2 and "zéro initial" in result.findings[0].message


def test_mixed_levels_are_refused(tmp_path):
    path = tmp_path / "mix_2019.csv"
    path.write_text("CODGEO;Q219\n01;23490\n200000172;25520\n", encoding="utf-8")
    result = read_insee_file(path)
    assert result.findings and result.findings[0].row == 3
    assert read_insee_file(path, level="departement").findings[0].row == 3


def test_numbers_follow_the_one_cell_parser_rules(tmp_path):
    """Same rules as every importer (levier.ingest.cells): U+2212 is a minus, English grouping is read, a lone
    « 24.030 » is thousands because the column writes French decimals elsewhere."""
    path = tmp_path / "FILO2020_DISP_DEP.csv"
    path.write_bytes("CODGEO;PIMPOT20;Q220;NBPERS20\r\n01;\u221215,2;24.030;640 000\r\n2A;-14.1;23 910,5;340\u202f000\r\n"
                     "59;\u2212 13,0;22 150;1,234,567\r\n".encode("utf-8"))
    result = read_insee_file(path)
    assert result.findings == [], result.findings
    facts = result.facts.set_index(["territory_code", "indicator"])["value"]
    assert facts[("01", "STAT-PIMPOT")] == -15.2 and facts[("2A", "STAT-PIMPOT")] == -14.1
    assert facts[("59", "STAT-PIMPOT")] == -13.0
    assert facts[("01", "STAT-Q2")] == 24030 and facts[("2A", "STAT-Q2")] == 23910.5
    assert facts[("59", "STAT-NBPERS")] == 1234567 and facts[("2A", "STAT-NBPERS")] == 340000


def test_a_poverty_rate_given_as_a_fraction_is_refused_naming_the_column(tmp_path):
    path = tmp_path / "FILO2020_DISP_PAUVRES_DEP.csv"
    path.write_bytes("CODGEO;TP6020\r\n01;0,105\r\n".encode("utf-8"))
    result = read_insee_file(path)
    assert result.facts.empty
    [finding] = result.findings
    assert (finding.row, finding.column) == (1, "TP6020")
    assert finding.message.startswith("toutes les valeurs sont entre 0 et 1 : des fractions ?")


# -- territories INSEE leaves out: « non publié par l'INSEE (secret statistique) », not « non transmis » ---------------


def test_a_departement_left_out_of_the_file_is_not_published_not_missing(tmp_path):
    # Hand-made: 2 départements of 4 are in the file, 2 columns; 973 and 976 are left out, so 2 × 2 = 4 rows
    # « non publié », none for 01 and 2A, which are in the file.
    path = tmp_path / "FILO2020_DISP_PAUVRES_DEP.csv"
    path.write_bytes("CODGEO;TP6020;TP4020\r\n01;10,5;s\r\n2A;16,3;5,0\r\n".encode("utf-8"))
    result = read_insee_file(path, departements={"01", "2A", "973", "976"})
    assert result.findings == [] and len(result.facts) == 4
    np_rows = result.not_published
    assert sorted(zip(np_rows["territory_code"], np_rows["indicator"])) == [
        ("973", "STAT-TP40"), ("973", "STAT-TP60"), ("976", "STAT-TP40"), ("976", "STAT-TP60")]
    assert np_rows["value"].isna().all() and set(np_rows["missing_reason"]) == {NOT_PUBLISHED}
    assert set(np_rows["period"]) == {2020}
    assert any("973, 976" in w.message and "non publié par l'INSEE" in w.message for w in result.warnings)
    # A secret cell in the file keeps its own marker.
    assert result.facts.set_index(["territory_code", "indicator"]).loc[("01", "STAT-TP40"), "missing_reason"] == "s"
    # Without the reference list, nothing is invented.
    assert read_insee_file(path).not_published.empty


def test_the_label_of_not_published_is_distinct_from_not_sent():
    assert NOT_PUBLISHED == positions.NOT_PUBLISHED
    assert positions.MISSING_LABELS[NOT_PUBLISHED] == "non publié par l'INSEE (secret statistique)"
    assert positions.MISSING_LABELS["absent"] == "aucune valeur transmise"


def test_guyane_reads_not_published_on_the_real_files_and_a_missing_return_stays_not_sent(db):
    # Real Filosofi files: 971, 973 and 976 are absent from every département file. A département's own return that
    # is missing (Isère returned CALPAE 1.1.1 for 2021, Guyane did not) still reads « aucune valeur transmise ».
    reports = load_public_statistics(db, REFERENCE_DIR)
    assert all(r.ok for r in reports)
    rows = "territoire;indicateur;periode;valeur\r\n38;CALPAE-1.1.1-MAJ;2021;120\r\n".encode("utf-8")
    assert import_returns(db, rows, "retour.csv").ok
    table = load_t0_table(db, "973", 2023).set_index("Code")
    assert table.at["STAT-TP60", "Motif d'absence"] == "non publié par l'INSEE (secret statistique)"
    assert pd.isna(table.at["STAT-TP60", "Rang"])
    assert table.at["CALPAE-1.1.1-MAJ", "Motif d'absence"] == "aucune valeur transmise"
    # Martinique is published: its value is there and ranked.
    assert not pd.isna(load_t0_table(db, "972", 2023).set_index("Code").at["STAT-TP60", "Valeur"])
    # Every value of the département files for Guyane is « non publié », none « aucune valeur transmise ».
    stat = table[table["Programme"] == "STAT"]
    assert len(stat) > 0 and (stat["Motif d'absence"] == "non publié par l'INSEE (secret statistique)").all()
