"""A rejected file with very many bad rows: the first 1,000 errors built and journaled, every error counted per rule,
the full list still there to download, and the journal and home page reading counts, not lists."""

from __future__ import annotations

import io
import json

import pandas as pd

from levier.ingest.report import FINDINGS_KEPT, Finding, ImportReport
from levier.ingest.returns import import_returns
from levier.store.db import Query
from levier.views.accueil import load_home_summary
from tests.unit.ingest.test_returns import NE, long_csv

DUPLICATES = 2_500


def _bad_file() -> bytes:
    """One valid row, 2,500 copies of it (duplicates), then three unknown territories."""
    rows = [["38", NE, "2021", "12"]] * (DUPLICATES + 1) + [["99", NE, "2021", "5"], ["98", NE, "2021", "5"],
                                                            ["97", NE, "2021", "5"]]
    return long_csv(rows)


def test_a_file_with_thousands_of_bad_rows_keeps_the_first_1000_and_counts_every_one(db):
    report = import_returns(db, _bad_file(), "doublons.csv")
    assert report.status == "rejeté"
    assert report.error_count == DUPLICATES + 3
    assert report.error_counts() == {"doublon": DUPLICATES, "territoire": 3}
    # Built: the first of each rule, in row order; the journal keeps the first 1,000 of them.
    first = report.errors[0]
    assert (first.row, first.column, first.rule) == (3, "indicateur", "doublon")
    assert first.message == f"doublon : 38 / {NE} / 2021 figure déjà ligne 2."
    assert len(report.errors) <= FINDINGS_KEPT + 3

    # The full list, for the download button: every error, located and worded as the built ones.
    table = report.findings_table()
    assert len(table) == DUPLICATES + 3
    assert table["Règle"].value_counts().to_dict() == {"doublon": DUPLICATES, "territoire": 3}
    last = table[table["Règle"] == "doublon"].iloc[-1]
    assert (last["Ligne"], last["Motif"]) == (DUPLICATES + 2, f"doublon : 38 / {NE} / 2021 figure déjà ligne 2.")
    assert "territoire inconnu « 97 »" in table[table["Ligne"] == DUPLICATES + 5]["Motif"].iloc[0]
    downloaded = pd.read_csv(io.BytesIO(report.findings_csv()), sep=";", encoding="utf-8-sig")
    assert len(downloaded) == DUPLICATES + 3 and list(downloaded.columns)[-1] == "Règle"

    # The summary the command line prints lists at most 1,000 and says how many more, per rule.
    summary = report.summary()
    assert "2\u00a0503 erreur(s)" in summary and "Par règle : doublon : 2\u00a0500 ; territoire : 3." in summary
    assert summary.count("doublon : 38") == FINDINGS_KEPT

    journal = db.read(Query.RECENT_IMPORTS, {"limit": 1}).iloc[0]
    assert len(json.loads(journal["errors"])) == FINDINGS_KEPT
    assert journal["error_count"] == DUPLICATES + 3
    assert json.loads(journal["error_rules"]) == {"doublon": DUPLICATES, "territoire": 3}
    home = load_home_summary(db).imports.iloc[0]
    assert home["Erreurs"] == DUPLICATES + 3 and home["Erreurs par règle"] == "doublon : 2\u00a0500 ; territoire : 3"


def test_a_finding_without_a_rule_counts_under_its_first_words():
    report = ImportReport("f.csv", "retours", errors=[
        Finding("f.csv", "territoire inconnu « 99 » : attendu un code", row=2),
        Finding("f.csv", "« 5.412 » n'est pas un nombre.", row=3),
        Finding("f.csv", "« x » n'est pas un nombre.", row=4),
        Finding("f.csv", "12", row=5, rule=None),
    ])
    assert report.error_counts() == {"n'est pas un": 2, "territoire inconnu": 1, "autre": 1}


def test_a_funding_file_with_thousands_of_duplicates_counts_them_all(db):
    """Funding's findings go through the same builder: counted past the first 1,000, all in the download."""
    from levier.ingest.funding import import_funding
    from tests.unit.ingest.test_funding import _csv

    line = "38;CALPAE;CALPAE-3.1;2020;État;100000;90000;80000;renforcement;"
    report = import_funding(db, _csv(*[line] * 1_501), "financements.csv")
    assert report.status == "rejeté"
    # One duplicate per amount (prévu, engagé, consommé) of each of the 1,500 repeated rows.
    assert report.error_count == 4_500 and report.error_counts() == {"doublon": 4_500}
    assert len(report.errors) == FINDINGS_KEPT and report.errors[0].row == 3
    table = report.findings_table()
    assert len(table) == 4_500 and table["Ligne"].max() == 1_502
    assert table.groupby("Ligne")["Colonne"].nunique().eq(3).all()
    assert table["Motif"].str.startswith("doublon : 38 / CALPAE-3.1 / 2020").all()
