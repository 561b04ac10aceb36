"""Properties of reading and writing files, checked on generated inputs: codes stay text, encodings and French
number spellings read the same, no cell text can crash an importer, exports never carry a live formula."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from levier.store.db import Database
from levier.report.tables import to_csv_bytes, to_xlsx_bytes
from levier.ingest.returns import ImportContext, parse_returns
from levier.ingest.detect import import_file
from levier.ingest.readers import read_cells
from tests.badfiles import KINDS, LONG_HEADER, NE, long_csv, xlsx_bytes
from tests.unit.ingest.test_bad_files import looks_french

# Deterministic: the same examples on every run and every machine, few enough to keep this file under 30 s.
PROPS = hsettings(derandomize=True, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def props(max_examples: int) -> hsettings:
    return hsettings(PROPS, max_examples=max_examples)
LIMIT = 20 * 2**20
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def store(base_db_path, tmp_path_factory) -> Database:
    import shutil

    path = tmp_path_factory.mktemp("props") / "base.duckdb"
    shutil.copy(base_db_path, path)
    return Database(path)


@pytest.fixture(scope="module")
def ctx(store) -> ImportContext:
    return ImportContext.load(store)


# Codes as the reference geography writes them: the ones a spreadsheet likes to turn into numbers first.
DEPARTEMENTS = ["01", "02", "05", "09", "10", "2A", "2B", "38", "59", "75", "95", "971", "972", "973", "974", "976"]
METROPOLES = ["200046977", "243300316", "200040715"]  # Lyon, Bordeaux, Grenoble: 9-digit SIRENs, text too


@props(25)
@given(codes=st.lists(st.sampled_from(DEPARTEMENTS), min_size=1, max_size=6, unique=True),
       as_xlsx=st.booleans(), sep=st.sampled_from([";", ",", "\t"]))
def test_departement_codes_stay_text_through_import(ctx, codes, as_xlsx, sep):
    rows = [[c, NE, "2021", str(10 + i)] for i, c in enumerate(codes)]
    if as_xlsx:
        data = xlsx_bytes({"retours": [LONG_HEADER, *rows]})
    else:
        data = long_csv(rows, sep=sep)
    parsed = parse_returns(data, "codes.xlsx" if as_xlsx else "codes.csv", ctx)
    assert not parsed.errors, [str(e) for e in parsed.errors]
    assert parsed.facts["territory_code"].tolist() == codes
    assert all(isinstance(c, str) for c in parsed.facts["territory_code"])


def test_metropole_sirens_and_leading_zero_codes_exist_in_the_reference(ctx):
    missing = [c for c in DEPARTEMENTS + METROPOLES if c not in ctx.territories]
    assert not missing, missing


@props(40)
@given(codes=st.lists(st.sampled_from(DEPARTEMENTS + METROPOLES + ["01001", "2A004", "97101"]), min_size=1, max_size=8),
       values=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=8, max_size=8))
def test_exports_round_trip_codes_as_text(codes, values):
    frame = pd.DataFrame({"code": codes, "valeur": values[: len(codes)]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert back["code"].tolist() == codes
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
    cells = ws["A"][1:]
    assert [c.value for c in cells] == codes and all(c.data_type == "s" for c in cells)


# --- encodings ------------------------------------------------------------------------------------------------
# French text where each non-ASCII character is followed by an ASCII one (or ends the text): such cp1252 bytes can
# never also be valid UTF-8, so the decoder's choice is never ambiguous. (Text like « É€ » in cp1252 is valid UTF-8
# too, « ɀ »: an ambiguity no decoder can settle; real French writing does not produce it.)
FRENCH_EXTRA = "éèêëàâäîïôöùûüçÉÈÊËÀÂÎÏÔÖÙÛÜÇœŒæÆ€’–—«»…°"
ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,'()-/"
_pair = st.tuples(st.sampled_from(FRENCH_EXTRA), st.sampled_from(ASCII)).map("".join)
french_text = st.lists(st.one_of(st.sampled_from(ASCII), _pair), min_size=1, max_size=40).map("".join).filter(
    lambda t: t.strip() != "")


@props(60)
@given(comment=french_text)
def test_cp1252_and_utf8_files_read_the_same(comment):
    rows = [["38", NE, "2021", "12", "", "", comment]]
    versions = {enc: read_cells(long_csv(rows, encoding=enc), "f.csv", LIMIT)[1][0].cells for enc in
                ("utf-8-sig", "utf-8", "cp1252")}
    for enc, cells in versions.items():
        assert cells.iat[1, 6] == comment, enc
    assert "\x80" not in versions["cp1252"].iat[1, 6] and "\x9c" not in versions["cp1252"].iat[1, 6]


@props(30)
@given(comment=french_text.filter(lambda t: all(ch in ASCII or "\xa0" <= ch <= "\xff" for ch in t)))
def test_latin1_file_reads_like_cp1252_where_they_agree(comment):
    # Outside 0x80–0x9F latin-1 and cp1252 are the same bytes: a latin-1 file reads right.
    data = long_csv([["38", NE, "2021", "12", "", "", comment]], encoding="latin-1")
    assert read_cells(data, "f.csv", LIMIT)[1][0].cells.iat[1, 6] == comment


def test_euro_and_oe_are_read_as_cp1252_not_latin1(ctx):
    data = long_csv([["38", NE, "2021", "12", "", "", "Cœur de cible : 12 € — Œuvre"]], encoding="cp1252")
    parsed = parse_returns(data, "euro.csv", ctx)
    assert not parsed.errors
    assert parsed.facts["comment"].iloc[0] == "Cœur de cible : 12 € — Œuvre"


# Numbers: tests/unit/ingest/test_cells.py (the one cell parser).


# --- arbitrary cells through every importer ----------------------------------------------------------------------

cell = st.one_of(
    st.text(max_size=25),
    st.sampled_from(["01", "2A", "1", "971", NE, "2021", "2021-S1", "2021.0", "1 234,5", "-3", "s", "=1+1",
                     "'; DROP TABLE fact; --", "\u202eRTL", "é€œ", "CODGEO", "siren_epci", "financeur", "variante"]),
)
table = st.lists(st.lists(cell, min_size=1, max_size=6), min_size=1, max_size=6)
header = st.sampled_from([LONG_HEADER, ["CODGEO", "TP6020"], ["territoire", "indicateur", "variante"],
                          ["type", "nom", "latitude", "longitude", "code_commune"],
                          ["territoire", "programme", "action", "annee", "financeur", "prevu"], ["Code", "Indicateur", "2021"]])


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


@props(60)
@given(head=header, body=table, as_xlsx=st.booleans(), kind=st.sampled_from(KINDS + ("auto",)))
def test_arbitrary_cells_never_crash_an_importer(store, head, body, as_xlsx, kind):
    rows = [head, *body]
    if as_xlsx:
        clean = [[c.replace("\x00", "") for c in r] for r in rows]  # a workbook cannot hold NUL characters
        data, name = xlsx_bytes({"Feuille 38": clean}), "cellules.xlsx"
    else:
        data, name = _csv(rows), "cellules.csv"
    report = import_file(store, data, name, kind=kind, dry_run=True)  # dry run: the property needs no writes
    for finding in report.errors + report.warnings:
        assert finding.file == name
        assert looks_french(finding.message), finding.message


# --- exports ------------------------------------------------------------------------------------------------------

# What a spreadsheet sees of a CSV: records split on CR or LF outside quotes (Excel, LibreOffice), quotes removed.
def spreadsheet_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


no_cr = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n")
export_text = st.one_of(
    st.text(alphabet=no_cr, max_size=20),
    st.sampled_from(FORMULA_START[:-1]).flatmap(lambda s: st.text(alphabet=no_cr, max_size=10).map(lambda t: s + t)),
)


@props(80)
@given(texts=st.lists(export_text, min_size=1, max_size=8))
def test_exports_neutralise_every_formula_start(texts):
    frame = pd.DataFrame({"code": ["01"] * len(texts), "texte": texts})
    rows = spreadsheet_cells(to_csv_bytes(frame))
    assert [r[1] for r in rows[1:]] == [("'" + t) if t.startswith(FORMULA_START) else t for t in texts]
    assert all(not c.startswith(FORMULA_START) for r in rows[1:] for c in r)
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
    for original, c in zip(texts, ws["B"][1:]):
        assert c.data_type != "f"
        if original.startswith(FORMULA_START):
            assert c.data_type == "s" and str(c.value) == "'" + original
        else:
            assert c.value is None or not str(c.value).startswith(FORMULA_START)


def test_a_leading_cr_or_tab_is_neutralised_in_xlsx():
    frame = pd.DataFrame({"texte": ["\r=1+1", "\t=1+1"]})
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame))).active
    assert [c.data_type for c in ws["A"][1:]] == ["s", "s"]
    assert all(str(c.value).startswith("'") for c in ws["A"][1:])


def test_a_carriage_return_inside_a_cell_cannot_smuggle_a_formula():
    frame = pd.DataFrame({"code": ["01", "02"], "texte": ["note\r=HYPERLINK(\"http://x\",\"clic\")", "\r@SUM(A1)"]})
    cells = [c for r in spreadsheet_cells(to_csv_bytes(frame)) for c in r]
    assert not [c for c in cells if c.startswith(FORMULA_START)], cells


def test_export_headers_are_neutralised_too():
    frame = pd.DataFrame({"=HYPERLINK(\"http://x\")": ["a"]})
    assert not spreadsheet_cells(to_csv_bytes(frame))[0][0].startswith("=")
