"""Unknown layouts mapped, not refused: INSEE's Filosofi figures as another producer publishes them (`,`-separated,
long French labels, the year only in the file name), built here from the real INSEE files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from levier.cli import main
from levier.core.config import settings
from levier.ingest.detect import import_file
from levier.ingest.filosofi import read_insee_file
from levier.ingest.mapping import (
    EXACT,
    NONE,
    STRONG,
    WEAK,
    MappingError,
    MappingRequest,
    apply_profile,
    catalogue_frame,
    find_profile,
    import_proposal,
    load_profiles,
    mapped_facts,
    profile_name,
    proposal_from_table,
    proposal_table,
    propose,
    read_profile,
    recognise,
)
from levier.ingest.readers import read_csv_cells
from levier.store.db import Query

FILOSOFI = settings().reference_dir / "filosofi"
POOR = FILOSOFI / "FILO2020_DISP_PAUVRES_DEP.csv"
DISP = FILOSOFI / "FILO2020_DISP_DEP.csv"
SHIPPED = Path(__file__).resolve().parents[3] / "data" / "profils"

pytestmark = pytest.mark.skipif(not (POOR.exists() and DISP.exists()), reason="données Filosofi de référence absentes")

# The producer's header -> (INSEE column it republishes, catalogue indicator Levier should propose, confidence).
# The labels are INSEE's own (base-cc Filosofi, dossier complet) with the producer's unit notes « (% pop totale) »,
# « (en euros) » and its « Revenu disponible par unité de consommation (Médiane) » wording.
PRODUCER = [
    ("Nombre de ménages fiscaux", "NBMEN20", "STAT-NBMEN", EXACT),
    ("Nombre de personnes dans les ménages fiscaux", "NBPERS20", "STAT-NBPERS", EXACT),
    ("Médiane du revenu disponible par UC (en euros)", "Q220", "STAT-Q2", STRONG),
    ("Revenu disponible par unité de consommation (1er décile)", "D120", "STAT-D1", STRONG),
    ("Revenu disponible par unité de consommation (9e décile)", "D920", "STAT-D9", STRONG),
    ("Rapport interdécile 9e décile/1er décile", "RD", "STAT-RD", EXACT),
    ("Taux de pauvreté-Ensemble (% pop totale)", "TP6020", "STAT-TP60", EXACT),
    ("Taux de pauvreté au seuil de 50 % (% pop totale)", "TP5020", "STAT-TP50", EXACT),
    ("Taux de pauvreté au seuil de 40 % (% pop totale)", "TP4020", "STAT-TP40", EXACT),
    ("Intensité de la pauvreté (%)", "TP60IP20", "STAT-TP60IP", EXACT),
    ("Niveau de vie médian des ménages pauvres (en euros)", "TP60Q220", "STAT-TP60Q2", WEAK),
    ("Taux de pauvreté-moins de 30 ans (% pop totale)", "AGE1TP6020", "STAT-TP60-AGE1", EXACT),
    ("Taux de pauvreté-30 à 39 ans  (% pop totale)", "AGE2TP6020", "STAT-TP60-AGE2", EXACT),
    ("Taux de pauvreté-40 à 49 ans (% pop totale)", "AGE3TP6020", "STAT-TP60-AGE3", EXACT),
    ("Taux de pauvreté-50 à 59 ans (% pop totale)", "AGE4TP6020", "STAT-TP60-AGE4", EXACT),
    ("Taux de pauvreté-60 à 74 ans (% pop totale)", "AGE5TP6020", "STAT-TP60-AGE5", EXACT),
    ("Taux de pauvreté-75 ans ou plus (% pop totale)", "AGE6TP6020", "STAT-TP60-AGE6", EXACT),
    ("Taux de pauvreté (en %) - Propriétaire", "TOL1TP6020", "STAT-TP60-TOL1", STRONG),
    ("Taux de pauvreté (en %) - Locataire", "TOL2TP6020", "STAT-TP60-TOL2", STRONG),
    ("Taux de pauvreté-familles monoparentales (% pop totale)", "TYM5TP6020", "STAT-TP60-TYM5", EXACT),
    ("Part des revenus d'activité (%)", "PACT20", "STAT-PACT", EXACT),
    ("dont part des salaires et traitements (%)", "PTSA20", "STAT-PTSA", EXACT),
    ("Part des pensions, retraites et rentes (%)", "PPEN20", "STAT-PPEN", EXACT),
    ("Part de l'ensemble des prestations sociales (%)", "PPSOC20", "STAT-PPSOC", EXACT),
    ("dont part des minima sociaux (%)", "PPMINI20", "STAT-PPMINI", EXACT),
    ("Revenus (en %) - Dont part des prestations logement", "PPLOGT20", "STAT-PPLOGT", STRONG),
    ("Part des impôts (%)", "PIMPOT20", "STAT-PIMPOT", EXACT),
    ("3e décile du niveau de vie (€)", "D320", None, NONE),  # not in the catalogue: listed, not imported
]


def _insee(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    return {r[0]: dict(zip(rows[0], r)) for r in rows[1:] if r}


def producer_csv(columns=PRODUCER, *, title: str | None = None, codes: list[str] | None = None,
                 note: bool = True) -> bytes:
    """The producer's file: `,` separator, decimal point, long labels, département names, values from INSEE."""
    poor, disp = _insee(POOR), _insee(DISP)
    names = pd.read_csv(settings().reference_dir / "cog" / "departements_2026.csv", dtype=str)
    names = dict(zip(names["code_dep"], names["nom"]))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if title:  # a spreadsheet saved as CSV pads the title row with separators
        w.writerow([title] + [""] * (len(columns) + 1))
    w.writerow(["Code géographique", "Libellé géographique", *[c[0] for c in columns]])
    for code in codes or list(poor):
        cells = {**disp[code], **poor[code]}
        w.writerow([code, names[code], *[cells[c[1]].replace(",", ".") for c in columns]])
    if note:
        w.writerow([])
        w.writerow(["Source : Insee, Filosofi 2020 (fichier localisé social et fiscal), mise en forme par l'observatoire"])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def profiles(tmp_path, monkeypatch) -> Path:
    """A private profile folder: nothing is written into data/profils, and the shipped profiles stay out of the way."""
    folder = tmp_path / "profils"
    monkeypatch.setenv("LEVIER_PROFILS_DIR", str(folder))
    return folder


def stored(db, codes: list[str]) -> pd.DataFrame:
    frame = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": codes})
    return frame.sort_values(["territory_code", "indicator", "period"]).reset_index(drop=True)


# -- The proposal -------------------------------------------------------------------------------------------------------


def test_every_filosofi_column_of_the_producer_file_is_matched_with_its_confidence():
    cells = read_csv_cells(producer_csv(), "filosofi_2020_dep.csv").cells
    proposal = propose(cells, catalogue_frame(), file_name="filosofi_2020_dep.csv")
    assert proposal.territory_header == "Code géographique" and proposal.level == "departement"
    assert proposal.header_row == 0 and proposal.year == 2020 and proposal.year_source == "nom du fichier"
    got = {c.header: (c.indicator, c.confidence) for c in proposal.columns if c.numeric}
    assert got == {h: (code, conf) for h, _, code, conf in PRODUCER}
    assert proposal.unmatched == ["3e décile du niveau de vie (€)"]
    assert [c.header for c in proposal.columns if not c.numeric] == ["Libellé géographique"]


def test_the_year_comes_from_the_option_then_a_title_cell_then_the_file_name():
    catalogue = catalogue_frame()
    titled = read_csv_cells(producer_csv(title="Revenus et pauvreté des ménages en 2020"), "pauvrete.csv").cells
    p = propose(titled, catalogue, file_name="pauvrete.csv")
    assert (p.year, p.year_source, p.header_row) == (2020, "titre", 1)
    plain = read_csv_cells(producer_csv(), "pauvrete.csv").cells
    assert propose(plain, catalogue, file_name="pauvrete.csv").year is None
    forced = propose(plain, catalogue, file_name="filosofi_2019_dep.csv", year=2020)
    assert (forced.year, forced.year_source) == (2020, "option")


def test_years_in_the_headers_give_one_year_per_column_unless_the_option_overrides():
    text = ("Code géographique,Taux de pauvreté-Ensemble 2019 (%),Taux de pauvreté-Ensemble 2020 (%)\n"
            "59,18.1,18.4\n62,18.0,18.2\n")
    cells = read_csv_cells(text.encode(), "x.csv").cells
    catalogue = catalogue_frame()
    facts, errors, _, _ = mapped_facts(propose(cells, catalogue, file_name="x.csv"), cells)
    assert errors == [] and sorted(set(facts["period"])) == [2019, 2020]
    one = read_csv_cells(text.split("\n")[0].rsplit(",", 1)[0].encode() + b"\n59,18.1\n62,18.0\n", "x.csv").cells
    facts, errors, warnings, _ = mapped_facts(propose(one, catalogue, file_name="x.csv", year=2021), one)
    assert errors == [] and set(facts["period"]) == {2021}
    assert "--annee l'emporte" in warnings[0].message


def test_profile_name_comes_from_the_file_name_without_its_year():
    assert profile_name("filosofi_2021_dep.csv") == "filosofi_dep"
    assert profile_name("Revenus - Départements 2020.xlsx") == "revenus_departements"


def test_a_table_without_territory_codes_is_refused_in_french():
    cells = read_csv_cells("Département,Taux de pauvreté-Ensemble (% pop totale)\nAin,10.9\nAisne,18.3\n".encode(),
                           "x.csv").cells
    with pytest.raises(MappingError, match="aucune colonne de territoires reconnue"):
        propose(cells, catalogue_frame(), file_name="x.csv")


def test_the_page_table_round_trips_and_takes_the_users_edits():
    cells = read_csv_cells(producer_csv(), "filosofi_2020_dep.csv").cells
    catalogue = catalogue_frame()
    proposal = propose(cells, catalogue, file_name="filosofi_2020_dep.csv")
    table = proposal_table(proposal)
    assert list(table.columns) == ["Colonne du fichier", "Indicateur proposé", "Libellé", "Confiance"]
    row = table.set_index("Colonne du fichier").loc["Taux de pauvreté-Ensemble (% pop totale)"]
    assert (row["Indicateur proposé"], row["Libellé"], row["Confiance"]) == (
        "STAT-TP60", "Taux de pauvreté au seuil de 60 %", "exacte")
    assert proposal_from_table(proposal, table, catalogue) == proposal
    edited = table.copy()
    edited.loc[edited["Colonne du fichier"] == "3e décile du niveau de vie (€)", "Indicateur proposé"] = "STAT-Q3"
    edited.loc[edited["Colonne du fichier"] == "Intensité de la pauvreté (%)", "Indicateur proposé"] = ""
    changed = proposal_from_table(proposal, edited, catalogue)
    by = {c.header: c for c in changed.columns}
    assert by["3e décile du niveau de vie (€)"].indicator == "STAT-Q3"
    assert by["Intensité de la pauvreté (%)"].indicator is None
    edited.loc[edited["Colonne du fichier"] == "Part des impôts (%)", "Indicateur proposé"] = "STAT-NIMPORTE"
    with pytest.raises(MappingError, match="« Part des impôts \\(%\\) » : indicateur « STAT-NIMPORTE »"):
        proposal_from_table(proposal, edited, catalogue)


# -- Import: values exactly as INSEE published them ----------------------------------------------------------------------


def test_accepted_mapping_stores_exactly_the_values_of_the_official_insee_files(db, profiles):
    codes = sorted({c for _, _, c, _ in PRODUCER if c})
    official = [import_file(db, p.read_bytes(), p.name) for p in (POOR, DISP)]
    assert all(r.status == "importé" for r in official)
    expected = stored(db, codes)

    report = import_file(db, producer_csv(), "filosofi_2020_dep.csv", mapping=MappingRequest(accept=True))
    assert report.errors == [] and report.status == "importé"
    assert report.rows_accepted == len(expected) and report.rows_changed == 0  # identical to the official import
    pd.testing.assert_frame_equal(stored(db, codes), expected)
    assert (profiles / "filosofi_dep.toml").exists()


def test_accepted_mapping_in_an_empty_base_then_the_official_files_change_nothing(db, profiles):
    codes = sorted({c for _, _, c, _ in PRODUCER if c})
    report = import_file(db, producer_csv(), "filosofi_2020_dep.csv", mapping=MappingRequest(accept=True))
    assert report.status == "importé" and report.rows_changed == report.rows_accepted > 0
    facts = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": codes})
    assert len(facts) == 98 * len(codes)
    nord = facts.set_index(["territory_code", "indicator"])["value"]
    assert nord[("59", "STAT-TP60")] == float(_insee(POOR)["59"]["TP6020"].replace(",", "."))
    assert nord[("2A", "STAT-Q2")] == float(_insee(DISP)["2A"]["Q220"].replace(",", "."))
    before = stored(db, codes)
    for path in (POOR, DISP):
        import_file(db, path.read_bytes(), path.name)
    pd.testing.assert_frame_equal(stored(db, codes), before)


def test_the_same_values_as_the_insee_reader_row_by_row(profiles):
    cells = read_csv_cells(producer_csv(), "filosofi_2020_dep.csv").cells
    proposal = propose(cells, catalogue_frame(), file_name="filosofi_2020_dep.csv")
    facts, errors, warnings, rows = mapped_facts(proposal, cells)
    assert errors == [] and rows == 98
    assert any("sous le tableau" in w.message for w in warnings)
    assert any("3e décile" in w.message for w in warnings)
    reference = pd.concat([read_insee_file(POOR).facts, read_insee_file(DISP).facts])
    key = ["territory_code", "indicator"]
    ref = reference[reference["indicator"].isin(facts["indicator"])].set_index(key).sort_index()
    got = facts.set_index(key).sort_index()
    assert got.index.equals(ref.index)
    assert (got["value"].fillna(-1) == ref["value"].fillna(-1)).all()  # exactly, not approximately
    assert got["missing_reason"].equals(ref["missing_reason"])
    assert got.loc[("01", "STAT-TP60"), "source_row"] == 2  # the line in the producer's file


def test_saved_profile_is_reused_on_the_next_file_without_a_question(db, profiles):
    first = import_file(db, producer_csv(), "filosofi_2020_dep.csv", mapping=MappingRequest(accept=True))
    assert first.status == "importé"
    profile = read_profile(profiles / "filosofi_dep.toml")
    assert profile.year_source == "nom du fichier" and profile.territory == "code geographique"
    assert profile.columns["taux de pauvrete ensemble"] == "STAT-TP60"
    assert "3e decile du niveau de vie" in profile.signature and "3e decile du niveau de vie" not in profile.columns
    # Another producer file, same headers in another order, other départements, year still in the name.
    reordered = PRODUCER[::-1]
    second = import_file(db, producer_csv(reordered, codes=["13", "59", "974"]), "filosofi_2021_dep.csv")
    assert second.errors == [] and second.status == "importé"
    assert second.file_format == "profil filosofi_dep" and "Profil « filosofi_dep » appliqué" in second.message
    facts = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": ["STAT-TP60"]})
    assert set(facts.loc[facts["period"] == 2021, "territory_code"]) == {"13", "59", "974"}


def test_without_acceptance_nothing_is_written_and_the_message_says_how(db, profiles):
    report = import_file(db, producer_csv(), "filosofi_2020_dep.csv")
    assert report.status == "rejeté" and report.import_id is None
    assert "--accepter-correspondance" in report.errors[0].message
    line = next(li for li in report.message.splitlines() if "Taux de pauvreté-Ensemble (% pop totale)" in li)
    assert [c.strip() for c in line.split("|")] == ["Taux de pauvreté-Ensemble (% pop totale)", "STAT-TP60",
                                                   "Taux de pauvreté au seuil de 60 %", "exacte"]
    assert db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": ["STAT-TP60"]}).empty
    assert not profiles.exists()


def test_a_year_nowhere_is_asked_for(db, profiles):
    report = import_file(db, producer_csv(), "pauvrete_dep.csv", mapping=MappingRequest(accept=True))
    assert report.status == "rejeté" and "--annee N" in report.errors[0].message
    assert not profiles.exists()
    report = import_file(db, producer_csv(), "pauvrete_dep.csv", mapping=MappingRequest(accept=True, year=2020))
    assert report.status == "importé"
    assert read_profile(profiles / "pauvrete_dep.toml").year_source == "option"


def test_bad_cells_under_a_confirmed_mapping_are_located(db, profiles):
    data = producer_csv().replace(b"\n59,Nord,", b"\n59,Nord,beaucoup", 1)
    line = data.decode().splitlines().index(next(li for li in data.decode().splitlines() if li.startswith("59,"))) + 1
    report = import_file(db, data, "filosofi_2020_dep.csv", mapping=MappingRequest(accept=True))
    assert report.status == "rejeté" and len(report.errors) == 1
    bad = report.errors[0]
    assert (bad.row, bad.column) == (line, "Nombre de ménages fiscaux")
    assert "« beaucoup1073548 » n'est pas un nombre" in bad.message  # the one cell parser's words


def test_epci_table_keeps_current_epci_and_names_the_others(db, profiles):
    """An EPCI table of Filosofi 2019 in long labels: SIREN recognised by their values; EPCI absent from the current
    list are reported and left out, as the INSEE reader does; the other values are INSEE's exactly."""
    source = FILOSOFI / "FILO2019_DISP_EPCI.csv"
    rows = _insee(source)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["SIREN", "Nom de l'EPCI", "Médiane du revenu disponible par UC (en euros)",
                "dont part des minima sociaux (%)"])
    for code, r in rows.items():
        w.writerow([code, r["LIBGEO"], r["Q219"].replace(",", "."), r["PPMINI19"].replace(",", ".")])
    report = import_file(db, out.getvalue().encode("utf-8"), "revenus_epci_2019.csv",
                         mapping=MappingRequest(accept=True))
    assert report.status == "importé", report.summary()
    assert any("6 EPCI absent(s)" in w.message for w in report.warnings)
    got = stored(db, ["STAT-Q2", "STAT-PPMINI"])
    current = set(db.read(Query.CURRENT_EPCI_CODES)["code"])
    reference = read_insee_file(source, current_epci=current).facts
    reference = reference[reference["indicator"].isin(["STAT-Q2", "STAT-PPMINI"]) & reference["value"].notna()]
    assert len(got) == len(reference) and set(got["territory_level"]) == {"epci"}
    merged = got.merge(reference, on=["territory_code", "indicator", "period"])
    assert len(merged) == len(got) and (merged["value_x"] == merged["value_y"]).all()


def test_returns_files_still_go_to_the_returns_importer(db, profiles):
    from tests.unit.ingest.test_returns import GOOD

    assert recognise(GOOD, "retours_2021.csv", "csv") is None
    assert import_file(db, GOOD, "retours_2021.csv").status == "importé"


def test_shares_written_as_fractions_are_converted_exactly_and_said(db, profiles):
    """A producer writing 0.184 for 18,4 % : the proposal says it will multiply by 100, and 18.4 is stored exactly."""
    poor = _insee(POOR)
    body = "".join(f"{c},{float(poor[c]['TP6020'].replace(',', '.')) / 100!r}\n" for c in ("01", "59", "974"))
    data = ("Code géographique,Taux de pauvreté-Ensemble (% pop totale)\n" + body).encode()
    report = import_file(db, data, "pauvrete_fraction_2020.csv")
    assert "multipliées par 100" in report.message and report.status == "rejeté"
    report = import_file(db, data, "pauvrete_fraction_2020.csv", mapping=MappingRequest(accept=True))
    assert report.status == "importé"
    values = stored(db, ["STAT-TP60"]).set_index("territory_code")["value"]
    assert values["59"] == float(poor["59"]["TP6020"].replace(",", "."))  # 18.4, not 18.400000000000002
    assert read_profile(profiles / "pauvrete_fraction.toml").conversions == {"taux de pauvrete ensemble": 100.0}


def producer_workbook(rows: list[tuple[str, float, float]], percent_in_count: str | None = None) -> bytes:
    """The producer's table as an xlsx: the poverty rate in Excel percentage cells (18,4 % typed), the households as
    numbers, except in the row of `percent_in_count`, where the count too is a percentage cell."""
    import xlsxwriter  # the writer of the test's workbook only

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Feuil1")
    pct = wb.add_format({"num_format": "0.0%"})
    ws.write_row(0, 0, ["Code géographique", "Taux de pauvreté-Ensemble (% pop totale)", "Nombre de ménages fiscaux"])
    for i, (code, rate, households) in enumerate(rows, start=1):
        ws.write_string(i, 0, code)
        ws.write_number(i, 1, rate / 100, pct)
        ws.write_number(i, 2, households, pct if code == percent_in_count else None)
    wb.close()
    return buf.getvalue()


def test_mapped_workbook_cells_mean_their_type(db, profiles):
    """Under a confirmed mapping, an Excel percentage cell is the percent it shows for a rate (never converted as a
    fraction) and is refused, naming its cell, for a count."""
    poor, disp = _insee(POOR), _insee(DISP)
    rows = [(c, float(poor[c]["TP6020"].replace(",", ".")), float(disp[c]["NBMEN20"])) for c in ("01", "59", "974")]
    report = import_file(db, producer_workbook(rows, percent_in_count="59"), "pauvrete_2020.xlsx",
                         mapping=MappingRequest(accept=True))
    assert report.status == "rejeté" and len(report.errors) == 1
    bad = report.errors[0]
    assert (bad.sheet, bad.row, bad.column) == ("Feuil1", 3, "Nombre de ménages fiscaux")
    assert bad.message == (f"« {int(rows[1][2]) * 100} % » : pourcentage pour un indicateur en nombre (attendu un "
                           "nombre ou un marqueur s, nd, so, nc)")  # the cell shows 107354800 %
    report = import_file(db, producer_workbook(rows), "pauvrete_2020.xlsx", mapping=MappingRequest(accept=True))
    assert report.status == "importé", report.summary()
    values = stored(db, ["STAT-TP60", "STAT-NBMEN"]).set_index(["territory_code", "indicator"])["value"]
    assert values[("59", "STAT-TP60")] == float(poor["59"]["TP6020"].replace(",", "."))  # 18.4 exactly, not × 100
    assert values[("974", "STAT-NBMEN")] == float(disp["974"]["NBMEN20"])


def test_forced_insee_reader_keeps_every_column_of_the_producer_file(tmp_path):
    """`--type insee` used to keep 3 columns of this file and drop the poverty rates: the INSEE reader recognises
    the layout by its shipped profile, as detection does, and reads every column the profile maps."""
    path = tmp_path / "filosofi_2020_dep.csv"
    path.write_bytes(producer_csv(note=False))  # the INSEE reader takes every row under the header as data
    result = read_insee_file(path)
    assert result.findings == [] and result.income_year == 2020
    assert result.profile == "filosofi_libelles_longs_dep"
    got = set(result.facts["indicator"])
    expected = {code for _, _, code, _ in PRODUCER if code}
    assert got == expected and "STAT-TP60Q2" in got  # a weak match for the engine, settled by the profile
    assert result.ignored_columns == ["3e décile du niveau de vie (€)"]


def test_forced_insee_reader_without_the_profile_reads_what_the_engine_is_sure_of(tmp_path):
    """Without a profile of its exact headers, an INSEE table's columns are those the mapping engine matches
    exactly or strongly (INSEE codes, labels, INSEE's label variants); a weak match is ignored, named."""
    path = tmp_path / "filosofi_2020_dep.csv"
    path.write_bytes(producer_csv(note=False))
    result = read_insee_file(path, profiles=[])
    assert result.findings == [] and result.profile is None
    assert set(result.facts["indicator"]) == {code for _, _, code, conf in PRODUCER if code and conf in (EXACT, STRONG)}
    assert set(result.ignored_columns) == {"Niveau de vie médian des ménages pauvres (en euros)",
                                           "3e décile du niveau de vie (€)"}


def test_page_flow_edit_the_table_then_confirm(db, profiles):
    data = producer_csv(codes=["01", "59"])
    rec = recognise(data, "filosofi_2020_dep.csv", "csv")
    assert rec is not None and rec.profile is None
    edited = proposal_table(rec.proposal)
    edited.loc[edited["Colonne du fichier"] == "Niveau de vie médian des ménages pauvres (en euros)",
               "Indicateur proposé"] = ""
    proposal = proposal_from_table(rec.proposal, edited)
    report = import_proposal(db, data, "filosofi_2020_dep.csv", proposal, save_as="observatoire")
    assert report.status == "importé"
    assert stored(db, ["STAT-TP60Q2"]).empty and len(stored(db, ["STAT-TP60"])) == 2
    assert "niveau de vie median des menages pauvres" not in read_profile(profiles / "observatoire.toml").columns


# -- Shipped profiles ----------------------------------------------------------------------------------------------------


def test_shipped_producer_profile_applies_without_a_question(db, monkeypatch):
    monkeypatch.delenv("LEVIER_PROFILS_DIR", raising=False)
    report = import_file(db, producer_csv(codes=["01", "59", "974"]), "filosofi_2020_dep.csv")
    assert report.errors == [] and report.status == "importé"
    assert report.file_format == "profil filosofi_libelles_longs_dep"
    facts = stored(db, ["STAT-TP60"]).set_index("territory_code")["value"]
    assert facts["974"] == float(_insee(POOR)["974"]["TP6020"].replace(",", "."))


@pytest.mark.parametrize("path", sorted(FILOSOFI.glob("FILO20*_DEP.csv")) + sorted(FILOSOFI.glob("FILO20*_EPCI.csv")),
                         ids=lambda p: p.name)
def test_shipped_insee_profiles_give_exactly_what_the_insee_reader_gives(path):
    """Every INSEE layout Levier reads has its profile; through the one mapping engine, the published values come
    out exactly as the INSEE reader stores them (indicator, year from the code suffix, value, missing reason, row)."""
    cells = read_csv_cells(path.read_bytes(), path.name).cells
    catalogue = catalogue_frame()
    proposal = propose(cells, catalogue, file_name=path.name)
    profile = find_profile(proposal.signature, load_profiles(SHIPPED))
    assert profile is not None and profile.name.startswith("insee_filosofi")
    applied = apply_profile(proposal, profile, catalogue, cells)
    facts, errors, _, _ = mapped_facts(applied, cells)
    reference = read_insee_file(path).facts
    assert errors == [] and len(facts) == len(reference) > 0
    key = ["territory_code", "indicator", "period"]
    pd.testing.assert_frame_equal(facts.sort_values(key).reset_index(drop=True),
                                  reference.sort_values(key).reset_index(drop=True))


# -- Command line --------------------------------------------------------------------------------------------------------


def test_cli_prints_the_proposal_and_writes_only_when_accepted(db, profiles, tmp_path, capsys):
    path = tmp_path / "filosofi_2020_dep.csv"
    path.write_bytes(producer_csv())
    assert main(["import", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Correspondance proposée" in out
    assert [c.strip() for c in out.splitlines()[2].split("|")] == [
        "Colonne du fichier", "Indicateur proposé", "Libellé", "Confiance"]
    assert "Médiane du revenu disponible par UC (en euros)" in out and "forte" in out
    assert "--accepter-correspondance" in out and "rien écrit" in out
    assert db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": ["STAT-TP60"]}).empty

    assert main(["import", str(path), "--accepter-correspondance", "--profil", "observatoire"]) == 0
    out = capsys.readouterr().out
    assert "importé" in out and "profil « observatoire »" in out
    assert (profiles / "observatoire.toml").exists()

    again = tmp_path / "filosofi_2019_dep.csv"
    again.write_bytes(producer_csv(codes=["01", "02"]))
    assert main(["import", str(again)]) == 0
    assert "format profil observatoire" in capsys.readouterr().out


def test_cli_year_option(db, profiles, tmp_path, capsys):
    path = tmp_path / "pauvrete.csv"
    path.write_bytes(producer_csv(codes=["01", "2A"]))
    assert main(["import", str(path), "--accepter-correspondance"]) == 1
    assert "--annee N" in capsys.readouterr().out
    assert main(["import", str(path), "--accepter-correspondance", "--annee", "deux mille"]) == 2
    assert "année « deux mille » invalide" in capsys.readouterr().err
    assert main(["import", str(path), "--accepter-correspondance", "--annee", "2020"]) == 0
    facts = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": ["STAT-TP60"]})
    assert facts["period"].tolist() == [2020, 2020]


def test_cli_file_without_territory_column_is_refused(db, profiles, tmp_path, capsys):
    path = tmp_path / "pauvrete_2020.csv"
    path.write_text("Département,Taux de pauvreté-Ensemble (% pop totale)\nAin,10.9\nAisne,18.3\n", encoding="utf-8")
    assert main(["import", str(path), "--accepter-correspondance"]) == 1
    out = capsys.readouterr().out
    assert "rejeté" in out and "mise en page non reconnue" in out
    assert not profiles.exists()

