"""Funding import: every validation rule, whole-file rejection, idempotence, history, and the three layouts."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
import xlsxwriter

from levier.ingest.funding import (
    FORMAT_CONTRACTS,
    FORMAT_LONG,
    FORMAT_REALLOCATIONS,
    FORMAT_SHEETS,
    KIND_FUNDING,
    import_funding,
    is_funding_file,
)
from levier.ingest.detect import KIND_FUNDING as ROUTED_KIND, detect_kind, import_file
from levier.ingest.report import STATUS_ALREADY, STATUS_DRY_RUN, STATUS_IMPORTED, STATUS_REJECTED

HEADER = "territoire;programme;action;annee;financeur;prevu;engage;consomme;nature;commentaire"


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode("utf-8")


GOOD = _csv(
    "38;CALPAE;CALPAE-3.1;2020;État;100000;90000;80000;renforcement;",
    "38;CALPAE;CALPAE-3.1;2020;Département;100000;95000;70000;renforcement;",
    "38;CALPAE;CALPAE-3.1;2021;État;120000;110000;100000;renforcement;",
    "38;CALPAE;CALPAE-3.1;2021;Département;110000;100000;90000;renforcement;",
    "38;CALPAE;CALPAE-1.1;2021;État;50000;50000;40000;nouvelle;fiche 1.1",
    "38;CALPAE;CALPAE-1.1;2021;Département;52000;50000;40000;nouvelle;",
)


def _funding(db) -> pd.DataFrame:
    from levier.store.db import Query

    frames = [db.read(Query.FUNDING_CURRENT, {"programme": p, "level": "departement"}) for p in ("CALPAE", "CDPPE", "PACTE")]
    return pd.concat(frames, ignore_index=True)


def _messages(findings) -> str:
    return "\n".join(str(f) for f in findings)


def test_long_file_is_imported_with_natures_and_journal(db):
    report = import_funding(db, GOOD, "financements.csv", imported_by="test")
    assert report.status == STATUS_IMPORTED, report.summary()
    assert report.kind == KIND_FUNDING and report.file_format == FORMAT_LONG
    stored = _funding(db)
    assert len(stored) == 6
    row = stored[(stored["action"] == "CALPAE-3.1") & (stored["year"] == 2020) & (stored["funder"] == "etat")].iloc[0]
    assert (row["planned"], row["committed"], row["spent"]) == (100000, 90000, 80000)
    assert row["axis"] == "3" and row["code"] == "38"
    from levier.store.db import Query

    flags = db.read(Query.FUNDING_ACTION_FLAGS, {"programme": "CALPAE", "level": "departement"})
    assert dict(zip(flags["action"], flags["nature"])) == {"CALPAE-1.1": "nouvelle", "CALPAE-3.1": "renforcement"}
    again = import_funding(db, GOOD, "copie.csv", imported_by="test")
    assert again.status == STATUS_ALREADY and "déjà été importé" in again.message
    assert len(_funding(db)) == 6


def test_dry_run_writes_nothing(db):
    report = import_funding(db, GOOD, "financements.csv", dry_run=True)
    assert report.status == STATUS_DRY_RUN and report.rows_accepted == 6 + 2
    assert _funding(db).empty


def test_stage_per_line_layout_gives_the_same_amounts(db):
    lines = []
    for funder, amounts in (("État", (100000, 90000, 80000)), ("Département", (100000, 95000, 70000))):
        for stage, amount in zip(("prévu", "engagé", "consommé"), amounts):
            lines.append(f"38;CALPAE;CALPAE-3.1;2020;{funder};{stage};{amount}")
    data = _csv(*lines, header="territoire;programme;action;annee;financeur;etape;montant")
    report = import_funding(db, data, "etapes.csv")
    assert report.status == STATUS_IMPORTED, report.summary()
    stored = _funding(db).set_index("funder")
    assert stored.loc["etat", ["planned", "committed", "spent"]].tolist() == [100000, 90000, 80000]
    assert stored.loc["departement", "spent"] == 70000


def _fiche_workbook(nature: str = "nouvelle", spent_2024: float = 30000) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("PACTE-AV")
    for i, (label, value) in enumerate((("Territoire", "62"), ("Programme", "PACTE"), ("Action", "PACTE-AV"),
                                        ("Nature", nature)), start=1):
        ws.write_string(i, 0, label)
        ws.write_string(i, 1, value)
    for j, h in enumerate(("Année", "Financeur", "Prévu", "Engagé", "Consommé")):
        ws.write_string(6, j, h)
    ws.write_number(7, 0, 2024)
    ws.write_string(7, 1, "État")
    for j, v in enumerate((50000, 45000, spent_2024), start=2):
        ws.write_number(7, j, v)
    ws.write_string(8, 1, "Département")  # year left blank: the line continues 2024
    for j, v in enumerate((50000, 40000, 20000), start=2):
        ws.write_number(8, j, v)
    ws2 = wb.add_worksheet("Reventilations")
    for j, h in enumerate(("territoire", "programme", "annee", "action_origine", "action_destination", "montant")):
        ws2.write_string(0, j, h)
    for j, v in enumerate(("62", "PACTE", "2024", "PACTE-AV", "PACTE-RSA", "5000")):
        ws2.write_string(1, j, v)
    wb.close()
    return buf.getvalue()


def test_per_action_workbook_with_reallocation_sheet(db):
    data = _fiche_workbook()
    assert is_funding_file(data, "fiches.xlsx")
    report = import_funding(db, data, "fiches.xlsx")
    assert report.status == STATUS_IMPORTED, report.summary()
    assert report.file_format == FORMAT_SHEETS
    stored = _funding(db).set_index("funder")
    assert stored.loc["departement", "year"] == 2024 and stored.loc["departement", "spent"] == 20000
    from levier.store.db import Query

    moves = db.read(Query.FUNDING_REALLOCATIONS, {"programme": "PACTE", "level": "departement"})
    assert moves[["from_action", "to_action", "funder", "amount"]].iloc[0].tolist() == ["PACTE-AV", "PACTE-RSA", "etat", 5000]


def test_committed_above_planned_is_a_located_warning(db):
    data = _csv("38;CALPAE;CALPAE-3.1;2020;État;100000;110000;80000;;",
                "38;CALPAE;CALPAE-3.1;2020;Département;100000;90000;80000;;")
    report = import_funding(db, data, "f.csv")
    assert report.status == STATUS_IMPORTED
    (w,) = [w for w in report.warnings if "engagé" in w.message]
    assert w.row == 2 and w.column == "engagé" and "supérieur au montant prévu" in w.message


def test_spent_above_committed_rejects_the_whole_file(db):
    data = _csv("38;CALPAE;CALPAE-3.1;2020;État;100000;90000;80000;;",
                "38;CALPAE;CALPAE-3.1;2020;Département;100000;90000;95000;;")
    report = import_funding(db, data, "f.csv")
    assert report.status == STATUS_REJECTED
    (e,) = report.errors
    assert e.row == 3 and "consommé" in e.message and "supérieur au montant engagé" in e.message
    assert _funding(db).empty  # the valid first line is not written either
    from levier.store.db import Query

    journal = db.read(Query.IMPORT_BY_HASH, {"hash": __import__("levier.ingest.journal", fromlist=["x"]).content_hash(data)})
    assert journal.empty  # rejected attempts are journaled, but not as an import


def test_rejection_is_journaled_with_its_errors(db):
    data = _csv("38;CALPAE;CALPAE-3.1;2020;État;-5;;;;")
    report = import_funding(db, data, "negatif.csv")
    assert report.status == STATUS_REJECTED and report.import_id is not None
    with db.reader() as r:
        rows = r._con.execute("SELECT status, kind, errors FROM import_run WHERE id = ?", [report.import_id]).fetchall()
    status, kind, errors = rows[0]
    assert status == STATUS_REJECTED and kind == KIND_FUNDING
    assert "montant négatif" in json.loads(errors)[0]["motif"]


@pytest.mark.parametrize("line,expected", [
    ("1;CALPAE;CALPAE-3.1;2020;État;10;;;;", "zéro initial a été perdu"),
    ("99;CALPAE;CALPAE-3.1;2020;État;10;;;;", "territoire inconnu « 99 »"),
    ("38;STAT;CALPAE-3.1;2020;État;10;;;;", "programme « STAT » inconnu"),
    ("38;CALPAE;CALPAE-9.9;2020;État;10;;;;", "action « CALPAE-9.9 » inconnue pour le programme CALPAE"),
    ("38;CALPAE;CDPPE-PMI;2020;État;10;;;;", "action « CDPPE-PMI » inconnue pour le programme CALPAE"),
    ("38;CALPAE;CALPAE-3.1;2018;État;10;;;;", "hors des années du programme CALPAE (2019–2022)"),
    ("38;CALPAE;CALPAE-3.1;20;État;10;;;;", "année « 20 » invalide"),
    ("38;CALPAE;CALPAE-3.1;2020;Région;10;;;;", "financeur « Région » inconnu"),
    ("38;CALPAE;CALPAE-3.1;2020;FIR;10;;;;", "n'existe que pour la CDPPE"),
    ("38;CALPAE;CALPAE-3.1;2020;État;10 k€;;;;", "« 10 k€ » : multiplicateur d'unité"),
    ("38;CALPAE;CALPAE-3.1;2020;État;480.000;;;;", "« 480.000 » : séparateur de milliers ou décimale ? Écrivez 480000 ou 480,000"),
    ("38;CALPAE;CALPAE-3.1;2020;État;12,5 %;;;;", "« 12,5 % » : pourcentage pour un indicateur en euros"),
    ("38;CALPAE;CALPAE-3.1;2020;État;douze;;;;", "montant illisible : « douze » n'est pas un nombre"),
    ("38;CALPAE;CALPAE-3.1;2020;État;-10;;;;", "montant négatif"),
    ("38;CALPAE;CALPAE-3.1;2020;État;10;;;peut-être;", "nature « peut-être » inconnue"),
])
def test_each_invalid_line_is_refused_with_a_french_located_message(db, line, expected):
    report = import_funding(db, _csv(line), "f.csv")
    assert report.status == STATUS_REJECTED
    assert expected in _messages(report.errors), _messages(report.errors)
    assert all(e.row == 2 for e in report.errors if e.row is not None)
    assert _funding(db).empty


def test_duplicates_and_contradictory_natures_are_errors(db):
    data = _csv("38;CALPAE;CALPAE-3.1;2020;État;10;;;nouvelle;",
                "38;CALPAE;CALPAE-3.1;2020;Etat;12;;;renforcement;")
    report = import_funding(db, data, "f.csv")
    text = _messages(report.errors)
    assert "doublon" in text and "figure déjà ligne 2" in text
    assert "nature de l'action contradictoire" in text


def test_cofinancing_far_from_half_warns_for_calpae_not_for_cdppe(db):
    calpae = _csv("38;CALPAE;CALPAE-3.1;2020;État;100000;;;;", "38;CALPAE;CALPAE-3.1;2020;Département;300000;;;;")
    report = import_funding(db, calpae, "calpae.csv")
    assert report.status == STATUS_IMPORTED
    assert any("part de l'État 25,0 %" in w.message and "loin des 50 %" in w.message for w in report.warnings)
    close = _csv("38;CALPAE;CALPAE-2.1;2020;État;100000;;;;", "38;CALPAE;CALPAE-2.1;2020;Département;110000;;;;")
    assert not import_funding(db, close, "proche.csv").warnings
    alone = _csv("38;PACTE;PACTE-AV;2024;État;100000;;;;")
    assert any("aucun cofinancement du département" in w.message for w in import_funding(db, alone, "seul.csv").warnings)
    cdppe = _csv("38;CDPPE;CDPPE-PMI;2021;État – crédits budgétaires;100000;;;;",
                 "38;CDPPE;CDPPE-PMI;2021;FIR;20000;;;;", "38;CDPPE;CDPPE-PMI;2021;Département;10000;;;;")
    report = import_funding(db, cdppe, "cdppe.csv")
    assert report.status == STATUS_IMPORTED and not report.warnings
    assert set(_funding(db).query("programme == 'CDPPE'")["funder"]) == {"etat_budget", "etat_fir", "departement"}


def test_cdppe_state_money_not_split_is_kept_with_a_warning(db):
    report = import_funding(db, _csv("38;CDPPE;CDPPE-PMI;2021;État;100000;;;;"), "cdppe.csv")
    assert report.status == STATUS_IMPORTED
    assert any("non ventilés entre crédits budgétaires, FIR et ONDAM" in w.message for w in report.warnings)


def test_a_new_file_supersedes_only_what_changed_and_keeps_history(db):
    assert import_funding(db, GOOD, "v1.csv").status == STATUS_IMPORTED
    changed = GOOD.replace(b"2021;\xc3\x89tat;120000;110000;100000", b"2021;\xc3\x89tat;120000;115000;100000")
    report = import_funding(db, changed, "v2.csv")
    assert report.status == STATUS_IMPORTED and report.rows_changed == 1
    stored = _funding(db)
    row = stored[(stored["action"] == "CALPAE-3.1") & (stored["year"] == 2021) & (stored["funder"] == "etat")].iloc[0]
    assert row["committed"] == 115000
    with db.reader() as r:
        history = r._con.execute(
            "SELECT committed FROM funding WHERE territory_code = '38' AND action = 'CALPAE-3.1' AND year = 2021 "
            "AND funder = 'etat' ORDER BY import_id").fetchall()
    assert [h[0] for h in history] == [110000, 115000]


REALLOC_HEADER = "territoire;programme;annee;action_origine;action_destination;financeur;montant;motif"


def test_reallocations_rules(db):
    assert import_funding(db, GOOD, "base.csv").status == STATUS_IMPORTED
    bad = _csv("38;CALPAE;2021;CALPAE-3.1;CALPAE-3.1;État;1000;", "38;CALPAE;2021;CALPAE-3.1;CALPAE-1.1;État;-5;",
               header=REALLOC_HEADER)
    report = import_funding(db, bad, "rev.csv")
    text = _messages(report.errors)
    assert report.status == STATUS_REJECTED and "identiques" in text and "attendu un montant positif" in text
    big = _csv("38;CALPAE;2021;CALPAE-3.1;CALPAE-1.1;État;150000;comité du 12/10", header=REALLOC_HEADER)
    report = import_funding(db, big, "rev2.csv")
    assert report.status == STATUS_IMPORTED and report.file_format == FORMAT_REALLOCATIONS
    assert any("plus que les 120 000 € de l'État prévus" in w.message.replace("\u00a0", " ") for w in report.warnings)


def test_contract_list_numbers_waves_by_signing_year(db):
    data = _csv("38;CDPPE;2021;", "59;CDPPE;2020;", "62;CDPPE;2022;", header="territoire;programme;annee_signature;source")
    report = import_funding(db, data, "contrats.csv")
    assert report.status == STATUS_IMPORTED and report.file_format == FORMAT_CONTRACTS
    from levier.store.db import Query

    contracts = db.read(Query.CONTRACT_CURRENT, {"programme": "CDPPE", "level": "departement"}).set_index("code")
    assert contracts.loc["59", "wave"] == 1 and contracts.loc["38", "wave"] == 2 and contracts.loc["62", "wave"] == 3
    assert contracts.loc["38", "wave_source"] == "déclaré dans le fichier importé"
    late = _csv("38;CDPPE;2025;", header="territoire;programme;annee_signature;source")
    assert "hors des années du programme CDPPE" in _messages(import_funding(db, late, "x.csv").errors)


def test_unrecognised_layout_and_empty_file(db):
    report = import_funding(db, b"a;b;c\r\n1;2;3\r\n", "autre.csv")
    assert "mise en page non reconnue" in _messages(report.errors)
    assert "vide" in _messages(import_funding(db, b"", "vide.csv").errors)


def test_the_import_page_routes_funding_files_by_shape(db):
    assert detect_kind(GOOD, "nom-trompeur-retours.csv") == ROUTED_KIND == KIND_FUNDING
    assert detect_kind(b"territoire;indicateur;periode;valeur\r\n38;CALPAE-3.1.1-NE;2021;12\r\n", "f.csv") != KIND_FUNDING
    report = import_file(db, GOOD, "financements.csv")
    assert report.kind == KIND_FUNDING and report.status == STATUS_IMPORTED


def test_amounts_are_read_as_documented_in_french_and_english_notation(db):
    """docs/financements.md: « 12 500,50 € » is read; a lone « 480.000 » is thousands when the file writes French
    decimals elsewhere, a decimal point when it writes English; mixing both notations refuses the ambiguous cell."""
    french = _csv("38;CALPAE;CALPAE-3.1;2020;État;1.234.567,5;480.000;12 500,50 €;;",
                  "38;CALPAE;CALPAE-3.1;2021;État;\u00a0120\u202f000 EUR;110 000;100000;;")
    report = import_funding(db, french, "notations.csv")
    assert report.status == STATUS_IMPORTED, report.summary()
    stored = _funding(db).set_index("year")
    assert tuple(stored.loc[2020, ["planned", "committed", "spent"]]) == (1234567.5, 480000, 12500.5)
    assert tuple(stored.loc[2021, ["planned", "committed", "spent"]]) == (120000, 110000, 100000)

    english = _csv("38;CALPAE;CALPAE-1.1;2020;État;1,234,567;480.000;€120.50;;")
    report = import_funding(db, english, "anglais.csv")
    assert report.status == STATUS_IMPORTED, report.summary()
    row = _funding(db).query("action == 'CALPAE-1.1' and year == 2020").iloc[0]
    assert (row["planned"], row["committed"], row["spent"]) == (1234567, 480.0, 120.5)

    mixed = _csv("38;CALPAE;CALPAE-1.1;2021;État;1,234,567;480.000;12 500,50;;")
    report = import_funding(db, mixed, "melange.csv")
    assert report.status == STATUS_REJECTED
    [error] = report.errors
    assert (error.row, error.column) == (2, "engage")
    assert "« 480.000 » : séparateur de milliers ou décimale ? (la colonne mélange les notations" in error.message
