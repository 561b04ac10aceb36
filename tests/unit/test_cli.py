"""The command line as a user types it: reference load, import (dry run and real), the journal."""

from __future__ import annotations

from levier.cli import main
from tests.unit.ingest.test_returns import GOOD, NE, count_facts, long_csv


def test_import_dry_run_then_real_then_journal(db, tmp_path, capsys):
    good = tmp_path / "retours_2021.csv"
    good.write_bytes(GOOD)
    assert main(["import", str(good), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "vérifié (simulation)" in out and "5 valeur(s) à importer" in out
    assert count_facts(db) == 0

    assert main(["import", str(good)]) == 0
    assert "importé" in capsys.readouterr().out
    assert count_facts(db) == 5

    bad = tmp_path / "mauvais.csv"
    bad.write_bytes(long_csv([["1", NE, "2021", "3"]]))
    assert main(["import", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "rejeté" in out and "ligne 2" in out and "colonne « territoire »" in out

    assert main(["imports"]) == 0
    journal = capsys.readouterr().out
    assert "retours_2021.csv" in journal and "mauvais.csv" in journal and "rejeté" in journal


def test_reference_load_prints_counts_and_journals_it(db, capsys):
    from tests.conftest import REFERENCE_DIR

    assert main(["reference", "load", str(REFERENCE_DIR)]) == 0
    out = capsys.readouterr().out
    assert "Départements, millésime 2026 : 101" in out
    assert "EPCI à fiscalité propre, millésime 2024 : 1\u00a0255" in out
    assert main(["imports"]) == 0
    assert "référence" in capsys.readouterr().out


def test_reference_load_from_a_wrong_folder_says_which_file_is_missing(db, tmp_path, capsys):
    assert main(["reference", "load", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Erreur" in err and ".csv" in err


def test_import_detects_an_insee_file_and_a_panorama_workbook(db, capsys):
    from levier.core.config import PROJECT_ROOT
    from tests.conftest import REFERENCE_DIR

    filo = REFERENCE_DIR / "filosofi" / "FILO2020_DISP_PAUVRES_DEP.csv"
    assert main(["import", str(filo)]) == 0
    out = capsys.readouterr().out
    assert "statistique publique" in out and "format insee" in out and "importé" in out
    assert main(["import", str(filo)]) == 0
    assert "déjà été importé" in capsys.readouterr().out
    assert main(["import", str(PROJECT_ROOT / "tests" / "fixtures" / "panorama_exemple.xlsx")]) == 0
    assert "format panorama" in capsys.readouterr().out
