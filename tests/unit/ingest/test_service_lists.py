"""Service lists: both real lists import with their quirks, bad rows give located French findings, storage."""

from __future__ import annotations

import numpy as np
import pytest

from levier.core.config import settings
from levier.ingest import service_lists as services
from tests.queries import ProbeQuery
from levier.ingest.readers import read_cells
from levier.store.db import Database

REF_DIR = settings().reference_dir
FS_FILE = REF_DIR / "services" / "france_services_anct_20240801.csv"
PE_FILE = REF_DIR / "services" / "pole_emploi_agences_2019-11.csv"

pytestmark = pytest.mark.skipif(not FS_FILE.is_file(), reason=f"reference data not found in {REF_DIR}")


@pytest.fixture(scope="module")
def ref() -> services.Referential:
    return services.build_referential(REF_DIR)


@pytest.fixture(scope="module")
def france_services(ref):
    return services.read_services(FS_FILE, services.FRANCE_SERVICES_ANCT, reference=ref)


@pytest.fixture(scope="module")
def agencies(ref):
    return services.read_services(PE_FILE, services.POLE_EMPLOI_AGENCES, reference=ref)


def test_france_services_list_imports_whole(france_services):
    points, errors, warnings = france_services
    assert errors == [] and warnings == []
    assert len(points) == 2845
    assert points["epci"].notna().sum() == 2842
    assert points["epci"].nunique() == 1185
    assert (points["location_method"] == services.METHOD_COORDINATES).all()
    assert points.geometry.notna().all() and points.crs.to_epsg() == 4326
    no_epci = points[points["epci"].isna()]
    assert sorted(no_epci["commune"]) == ["29155", "97801", "97801"]  # Ouessant and Saint-Martin
    assert set(points["service_type"]) == {"france_services"}
    assert points["dep"].str.fullmatch(r"\d{2}|2[AB]|97\d").all()


def test_france_services_codes_are_resolved(france_services):
    points = france_services[0].set_index("source_ref")
    by_raw = {
        "75112": "75056",  # Paris arrondissement
        "69388": "69123",  # Lyon
        "13202": "13055",  # Marseille
        "49069": "49126",  # old code -> Orée d'Anjou
        "93059": "93066",  # Pierrefitte-sur-Seine
    }
    raw = read_cells(FS_FILE.read_bytes(), FS_FILE.name, 10**8)[1][0].cells
    header = raw.iloc[0].tolist()
    body = raw.iloc[1:]
    ids = dict(zip(body[header.index("insee_com")], body[header.index("id_fs")], strict=False))
    for old, new in by_raw.items():
        assert points.loc[ids[old], "commune"] == new, old
    # The Rouen structure declares insee_dep 27 but its commune (76540) and position are in Seine-Maritime.
    rouen = points[points["commune"] == "76540"]
    assert (rouen["dep"] == "76").all()


def test_quoted_line_breaks_do_not_split_rows(france_services):
    points = france_services[0]
    assert points["source_ref"].is_unique
    assert points["source_row"].max() == 2846  # header + 2,845 records, however many physical lines
    assert FS_FILE.read_bytes().count(b"\n") > 2846  # line breaks inside quoted addresses and comments
    assert (points["address"] == "27 Avenue Robert Schuman").any()  # trailing breaks trimmed
    assert points["lat"].between(-22, 52).all()  # no field shifted into the coordinates


def test_agencies_keep_local_agencies_only(agencies):
    points, errors, _ = agencies
    assert errors == []
    assert points.attrs["rows_read"] == 959 and points.attrs["rows_kept"] == 852
    assert len(points) == 852
    assert set(points["service_type"]) == {"agence_france_travail"}
    assert points["epci"].notna().sum() >= 848
    assert points["commune"].notna().sum() > 830  # found by name in the postcode's département
    assert not points["address"].fillna("").str.contains("NULL").any()  # the literal NULL is a blank


def test_spm_agency_with_martinique_coordinates_is_a_warning(agencies):
    points, _, warnings = agencies
    spm = points[points["source_ref"] == "SPM0001005310"].iloc[0]
    assert np.isnan(spm["lon"]) and spm["location_method"] == services.METHOD_NONE  # not silently in Martinique
    assert spm["dep"] == "975"
    found = [w for w in warnings if w.row == spm["source_row"]]
    assert len(found) == 1
    text = str(found[0])
    assert "Saint-Pierre-et-Miquelon" in text and "972" in text and "ligne 897" in text
    assert "DN_LATITUDE" in text
    # The same check catches three more geocoding errors of that list.
    assert len(warnings) == 4
    lille = points[points["source_ref"] == "HDF0058002756"].iloc[0]  # LOMME (59) placed in the Sarthe
    assert lille["location_method"] == services.METHOD_COMMUNE and lille["dep"] == "59"
    assert not points.loc[points["dep"] == "972", "source_ref"].str.startswith("SPM").any()


def test_bad_file_gives_located_french_findings(ref, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_text(
        "type;nom;latitude;longitude;code_commune\n"
        "CCAS;Bon lieu;45,1885;5,7245;38185\n"  # row 2: fine (Grenoble)
        "CCAS;Sans rien;;;\n"  # row 3: cannot be placed
        "CCAS;Illisible;abc;5,72;\n"  # row 4: unreadable latitude
        "CCAS;Au large;0;0;\n"  # row 5: Gulf of Guinea
        "CCAS;Inversé;2,35;48,85;\n"  # row 6: lat/lon swapped (Paris)
        "CCAS;Commune inconnue;;;99999\n"  # row 7: unknown commune, no coordinates
        "CCAS;Code tronqué;;;1053\n"  # row 8: leading zero lost
        ";Sans type;45,19;5,72;\n"  # row 9: no type
        "CCAS;Commune seule;;;01053\n"  # row 10: placed at its commune's point
        "CCAS;Code inconnu mais position;45,19;5,72;99998\n",  # row 11: warning only
        encoding="utf-8",
    )
    points, errors, warnings = services.read_services(path, services.GENERIC_LIST, reference=ref)
    by_row = {e.row: e for e in errors}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9]
    assert all(e.file == "lieux.csv" for e in errors)
    assert "ne peut pas être placé" in by_row[3].message
    assert by_row[4].column == "latitude" and "« abc »" in by_row[4].message
    assert "hors de France" in by_row[5].message
    assert "inversées" in by_row[6].message
    assert "inconnu" in by_row[7].message and by_row[7].column == "code_commune"
    assert "zéro initial" in by_row[8].message and "01053" in by_row[8].message
    assert by_row[9].column == "type"
    assert str(by_row[4]).startswith("fichier « lieux.csv », ligne 4, colonne « latitude » : ")
    assert [w.row for w in warnings] == [11]
    kept = points.set_index("source_row")
    assert sorted(kept.index) == [2, 10, 11]
    assert kept.loc[2, "epci"] == "200040715" and kept.loc[2, "commune"] == "38185"
    assert kept.loc[10, "location_method"] == services.METHOD_COMMUNE and kept.loc[10, "dep"] == "01"
    assert kept.loc[11, "location_method"] == services.METHOD_COORDINATES and kept.loc[11, "dep"] == "38"


def test_missing_columns_are_reported_on_the_header_row(ref, tmp_path):
    path = tmp_path / "vide.csv"
    path.write_text("libellé;x;y\nA;1;2\n", encoding="utf-8")
    points, errors, _ = services.read_services(path, services.GENERIC_LIST, reference=ref)
    assert points.empty
    assert {e.column for e in errors} == {"type", "nom", "latitude et longitude ou code_commune"}
    assert all(e.row == 1 and "colonne obligatoire absente" in e.message for e in errors)


def test_xlsx_list_with_french_headers(ref, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Type", "Nom", "Latitude", "Longitude", "Code commune"])
    ws.append(["Centre social", "Centre A", 48.8566, 2.3522, "75056"])
    ws.append(["Centre social", "Centre B", None, None, "69123"])
    path = tmp_path / "centres.xlsx"
    wb.save(path)
    points, errors, warnings = services.read_services(path, services.GENERIC_LIST, reference=ref)
    assert errors == [] and warnings == []
    assert list(points["commune"]) == ["75056", "69123"]
    assert list(points["location_method"]) == [services.METHOD_COORDINATES, services.METHOD_COMMUNE]
    assert points["epci"].tolist() == ["200054781", "200046977"]  # Grand Paris, Métropole de Lyon


def test_postcode_departements():
    assert services.dep_of_postcode("01600") == "01"
    assert services.dep_of_postcode("20000") == "2A"
    assert services.dep_of_postcode("20200") == "2B"
    assert services.dep_of_postcode("97500") == "975"
    assert services.dep_of_postcode("97150") == "978"  # Saint-Martin kept Guadeloupe's postcodes
    assert services.dep_of_postcode("7500") is None


def test_points_are_stored_and_the_latest_import_wins(agencies, france_services, tmp_path):
    db = Database(tmp_path / "t.duckdb")
    db.migrate()
    points = agencies[0]
    with db.transaction() as w:
        assert services.store_points(w, points, import_id=1, source=points.attrs["source"]) == 852
        assert services.store_points(w, points.iloc[:10], import_id=2, source=points.attrs["source"]) == 10
        services.store_points(w, france_services[0], import_id=3, source="ANCT")
    latest = services.stored_points(db, "agence_france_travail")
    assert len(latest) == 10 and set(latest["import_id"]) == {2}
    assert latest["dep"].iloc[0] == "01" and latest["commune"].iloc[0] == "01427"  # codes stay text
    types = db.read(ProbeQuery.SERVICE_TYPES).set_index("service_type")
    assert types.loc["france_services", "points"] == 2845
    assert types.loc["france_services", "placed"] == 2845
