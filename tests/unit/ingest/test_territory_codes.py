"""Producers' territory codes (DREES, INSEE) read into COG levels and codes by rule."""

import pytest

from levier.ingest.territory_codes import (LEVEL_COLLECTIVITE, LEVEL_DEPARTEMENT, LEVEL_REGION, Territory,
                                           departement, national_row, region)


@pytest.mark.parametrize("raw, expected", [
    (1, Territory(LEVEL_DEPARTEMENT, "01")), ("01", Territory(LEVEL_DEPARTEMENT, "01")),
    (971.0, Territory(LEVEL_DEPARTEMENT, "971")), ("2A", Territory(LEVEL_DEPARTEMENT, "2A")),
    ("20B", Territory(LEVEL_DEPARTEMENT, "2B")), (20, Territory(LEVEL_REGION, "94")),
    ("69D", Territory(LEVEL_COLLECTIVITE, "69D")), ("69M", Territory(LEVEL_COLLECTIVITE, "69M")),
    (69, Territory(LEVEL_DEPARTEMENT, "69")), ("03-Allier ", Territory(LEVEL_DEPARTEMENT, "03")),
    ("2A - Corse-du-Sud", Territory(LEVEL_DEPARTEMENT, "2A")),
    ("Ain", None), (96, None), (977, None), (None, None), ("", None),
])
def test_departement_codes_as_producers_write_them(raw, expected):
    assert departement(raw) == expected


def test_drom_regions_written_with_old_codes():
    assert region(101) == Territory(LEVEL_REGION, "01")
    assert region(84) == Territory(LEVEL_REGION, "84")
    assert region("Bretagne") is None


@pytest.mark.parametrize("label, expected", [
    ("TOTAL estimé France entière", True), ("TOTAL estimé France entière (hors Mayotte)", True),
    ("TOTAL estimé France métropolitaine", False), ("TOTAL estimé DROM (hors Mayotte)", False),
    ("France entière", True), ("Ain", None), ("France métropolitaine et DROM", True),
    ("TOTAL estimé France métropolitaine et DROM (hors Mayotte)", False), ("DOM", False),
])
def test_national_rows(label, expected):
    assert national_row(label) is expected
