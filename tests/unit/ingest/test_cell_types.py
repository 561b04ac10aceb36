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
from levier.ingest.drees import load_profiles
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


# --------------------------------------------------------------------------------------------------------------------
# Service lists: coordinates


SERVICE_HEADER = ["type", "nom", "latitude", "longitude", "code_commune"]


def test_service_coordinates_typed_as_numbers_are_stored_exactly(db):
    # Typed numbers, as openpyxl writes them: 45.188 is never « 45 188 » nor ambiguous (the reader's text of a
    # typed number is Python's, not the person's notation).
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(SERVICE_HEADER)
    ws.append(["CCAS", "Grenoble", 45.188, 5.724, "38185"])
    ws.append(["CCAS", "Lyon", 45.767, 4.834, "69123"])
    buf = io.BytesIO()
    wb.save(buf)
    report = import_file(db, buf.getvalue(), "lieux.xlsx")
    assert report.status == STATUS_IMPORTED, report.summary()
    points = table(db, "SELECT name, lat, lon, commune FROM service_point ORDER BY source_row")
    assert points["lat"].tolist() == [45.188, 45.767] and points["lon"].tolist() == [5.724, 4.834]
    assert points["commune"].tolist() == ["38185", "69123"]


def test_service_coordinates_in_percentage_or_date_cells_are_refused_naming_the_cell(db):
    data = xlsx({"lieux": [
        SERVICE_HEADER,
        ["CCAS", "Grenoble", 45.188, 5.724, "38185"],  # row 2: fine
        ["CCAS", "Pourcentage", 0.45188, 5.724, "38185"],  # row 3: shown « 45,188 % »: 45.188 was not typed
        ["CCAS", "Date", 45.188, dt.date(2024, 3, 15), "38185"],  # row 4: a date, not a longitude
    ]}, formats={("lieux", 2, 2): {"num_format": "0.000%"}})
    report = import_file(db, data, "lieux.xlsx")
    assert report.status == STATUS_REJECTED
    errors = located(report)
    assert set(errors) == {("lieux", 3, "latitude"), ("lieux", 4, "longitude")}, errors
    assert errors[("lieux", 3, "latitude")] == ("coordonnée illisible : « 45,188 % » : pourcentage pour un "
                                                "indicateur en degrés (un nombre décimal est attendu, ex. 48,8566).")
    assert errors[("lieux", 4, "longitude")] == ("coordonnée illisible : « 2024-03-15 » : date, pas un nombre (un "
                                                 "nombre décimal est attendu, ex. 48,8566).")
    assert table(db, "SELECT count(*) AS n FROM service_point")["n"].iloc[0] == 0


# --------------------------------------------------------------------------------------------------------------------
# Panorama workbook (sheet « donnees »): rates per EPCI, and any catalogue indicator it names


PANORAMA_HEADER = ["siren_epci", "nom_epci", "annee", "STAT-PAN-MOBILITE", "STAT-PAN-FORMATION", "STAT-NBPERS",
                   "STAT-Q2"]
GRENOBLE, LYON = "200040715", "200046977"


def facts(db: Database) -> pd.DataFrame:
    return table(db, "SELECT territory_code, indicator, period, value, source_row FROM current_fact "
                     "ORDER BY source_row, indicator")


def test_panorama_percentage_cells_are_the_percent_for_a_rate(db):
    # 0,153 shown « 15,3 % » is the rate 15,3; 0,005 shown « 0,5 % » is 0,5 (a percent, not a fraction to refuse);
    # typed numbers are read exactly: 12 500 persons, 21 250 € and the year 2020.
    data = xlsx({"donnees": [
        PANORAMA_HEADER,
        [GRENOBLE, "Grenoble-Alpes-Métropole", 2020, 0.153, 22.5, 12500, 21250],
        [LYON, "Métropole de Lyon", 2020, 0.005, 31, 1400000, 23000.5],
    ]}, formats={("donnees", 1, 3): {"num_format": "0.0%"}, ("donnees", 2, 3): {"num_format": "0.0%"}})
    report = import_file(db, data, "panorama.xlsx")
    assert report.status == STATUS_IMPORTED, report.summary()
    got = facts(db).set_index(["territory_code", "indicator"])["value"]
    assert got[(GRENOBLE, "STAT-PAN-MOBILITE")] == pytest.approx(15.3, abs=1e-12)
    assert got[(LYON, "STAT-PAN-MOBILITE")] == pytest.approx(0.5, abs=1e-12)
    assert got[(GRENOBLE, "STAT-PAN-FORMATION")] == 22.5 and got[(LYON, "STAT-PAN-FORMATION")] == 31
    assert got[(GRENOBLE, "STAT-NBPERS")] == 12500 and got[(LYON, "STAT-Q2")] == 23000.5
    assert set(facts(db)["period"]) == {2020}


def test_panorama_percentage_count_or_amount_and_date_cells_are_refused_naming_the_cell(db):
    data = xlsx({"donnees": [
        PANORAMA_HEADER,
        [GRENOBLE, "Grenoble", 2020, 15.3, 22.5, 0.125, 21250],  # row 2: « 12,5 % » persons
        [LYON, "Lyon", 2020, 12.1, dt.date(2024, 3, 15), 1400000, 0.5],  # row 3: a date; « 50 % » euros
        ["200039865", "Metz Métropole", 20.2, 10.0, 20.0, 220000, 21000],  # row 4: the year « 2020 % »
        ["200041630", "Saint-Étienne Métropole", dt.date(2020, 1, 1), 10.0, 20.0, 400000, 20000],  # row 5: date
    ]}, formats={("donnees", 1, 5): PERCENT, ("donnees", 2, 6): PERCENT, ("donnees", 3, 2): PERCENT})
    report = import_file(db, data, "panorama.xlsx")
    assert report.status == STATUS_REJECTED
    errors = located(report)
    assert errors == {
        ("donnees", 2, "STAT-NBPERS"): "valeur illisible : « 12,5 % » : pourcentage pour un indicateur en personnes "
                                       "(attendu un nombre ou un marqueur s, nd, nc, so)",
        ("donnees", 3, "STAT-PAN-FORMATION"): "valeur illisible : « 2024-03-15 » : date, pas un nombre (attendu un "
                                              "nombre ou un marqueur s, nd, nc, so)",
        ("donnees", 3, "STAT-Q2"): "valeur illisible : « 50 % » : pourcentage pour un indicateur en euros (attendu "
                                   "un nombre ou un marqueur s, nd, nc, so)",
        ("donnees", 4, "annee"): "année « 2020 % » : cellule au format pourcentage (attendu AAAA, ex. 2020)",
        ("donnees", 5, "annee"): "année « 2020-01-01 » : date, pas un nombre (attendu AAAA, ex. 2020)",
    }
    assert facts(db).empty


# --------------------------------------------------------------------------------------------------------------------
# DREES workbook published as is (the OARSA profile, data/profils/drees/oarsa.toml): rates in %, delays in days


def oarsa(values: dict[tuple[str, str], list], formats: dict[tuple[str, int, int], dict] | None = None,
          years: dict[str, list] | None = None) -> bytes:
    """A workbook shaped like the DREES's OARSA one: every sheet of its profile with its title, « Département/
    territoire » then the years 2017 and 2018 (or `years` of a sheet); `values` gives (sheet, territory) its two cells
    (rows 6, 7, 8 for 38-Isère, 69-Rhône, 2A-Corse-du-Sud), any other cell is « ND »."""
    profile = next(p for p in load_profiles() if p.name == "drees_oarsa")
    sheets = {}
    for t in profile.tables:
        unit = "En jours" if "DELAI" in t.indicator else "En %"
        rows: list[list] = [[], [None, f"{t.sheet} - {t.title}"], [None, "Champ : France entière."], [None, unit],
                            [None, "Département/territoire", *(years or {}).get(t.sheet, [2017, 2018])]]
        for code in ("38-Isère", "69-Rhône", "2A-Corse-du-Sud"):
            rows.append([None, code, *values.get((t.sheet, code), ["ND", "ND"])])
        sheets[t.sheet] = rows
    return xlsx(sheets, formats)


def test_drees_percentage_cell_is_the_percent_for_a_rate_and_typed_numbers_are_exact(db):
    data = oarsa({("Tableau B1", "38-Isère"): [83, 0.86], ("Tableau B13", "38-Isère"): [97, 105.5]},
                 formats={("Tableau B1", 5, 3): {"num_format": "0%"}})
    report = import_file(db, data, "oarsa.xlsx")
    assert report.status == STATUS_IMPORTED, report.summary()
    got = facts(db).set_index(["territory_code", "indicator", "period"])["value"]
    assert got[("38", "STAT-OARSA-ORIENTES", 2018)] == 86  # « 86 % »: the percent
    assert got[("38", "STAT-OARSA-ORIENTES", 2017)] == 83
    assert got[("38", "STAT-OARSA-DELAI-ORIENTATION", 2017)] == 97
    assert got[("38", "STAT-OARSA-DELAI-ORIENTATION", 2018)] == 105.5


def test_drees_percentage_or_date_cell_in_a_delay_is_refused_naming_the_cell(db):
    data = oarsa({("Tableau B13", "38-Isère"): [0.97, 105], ("Tableau B13", "69-Rhône"): [80, dt.date(2024, 3, 15)]},
                 formats={("Tableau B13", 5, 2): PERCENT})
    report = import_file(db, data, "oarsa.xlsx")
    assert report.status == STATUS_REJECTED
    assert located(report) == {
        ("Tableau B13", 6, "2017"): "valeur illisible : « 97 % » : pourcentage pour un indicateur en jours",
        ("Tableau B13", 7, "2018"): "valeur illisible : « 2024-03-15 » : date, pas un nombre",
    }
    assert facts(db).empty


def test_drees_date_typed_year_header_is_read_as_its_year_with_a_warning(db):
    data = oarsa({("Tableau B1", "38-Isère"): [83, 86]}, years={"Tableau B1": [2017, dt.date(2018, 1, 1)]})
    report = import_file(db, data, "oarsa.xlsx")
    assert report.status == STATUS_IMPORTED, report.summary()
    got = facts(db).set_index(["territory_code", "indicator", "period"])["value"]
    assert got[("38", "STAT-OARSA-ORIENTES", 2018)] == 86 and got[("38", "STAT-OARSA-ORIENTES", 2017)] == 83
    said = [w for w in report.warnings if w.sheet == "Tableau B1" and "au format date" in w.message]
    assert [(w.row, w.column, w.message) for w in said] == [
        (5, "2018-01-01", "en-tête « 2018-01-01 » (cellule D5, au format date) lu comme l'année 2018")]


def test_a_postcode_typed_as_a_number_is_not_stored_without_its_zero(db):
    # 01600 typed in a number cell becomes 1600: not stored as a postcode, said; the place is kept, placed by its
    # coordinates.
    data = xlsx({"lieux": [SERVICE_HEADER + ["code_postal"], ["CCAS", "Trévoux", 45.941, 4.775, "01427", 1600]]})
    report = import_file(db, data, "lieux.xlsx")
    assert report.status == STATUS_IMPORTED, report.summary()
    assert [(w.row, w.column, w.message) for w in report.warnings] == [
        (2, "code_postal", "code postal « 1600 » sur 4 chiffres (zéro initial perdu par un tableur ?) : non "
                           "enregistré ; écrivez-le sur 5 chiffres, par exemple 01600.")]
    points = table(db, "SELECT commune, postcode, dep, lat FROM service_point")
    assert points.to_dict("records") == [{"commune": "01427", "postcode": None, "dep": "01", "lat": 45.941}]
