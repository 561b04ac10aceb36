"""DREES workbooks read exactly as published (../shared/data/drees): the cells a rapporteur would quote, the national
lines against the sums of the départements, the traps read by rule (69/69D/69M, 20/2A/2B, the 2016 RSA break, ND/NR,
thousand euros) and the import through the one writer (whole, then « déjà importé »), from the command line too."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from levier.analysis.rates import ranking_frame
from levier.cli import main
from levier.ingest.catalogue import read_catalogue
from levier.ingest.detect import KIND_DREES, detect_kind
from levier.ingest.drees import (LYON_SUM_COMMENT, import_drees, load_profiles, lyon_sums, match_profile,
                                 read_drees)
from levier.ingest.insee import facts_frame
from levier.ingest.readers import read_workbook
from tests.conftest import REFERENCE_DIR
from tests.unit.ingest.test_returns import count_facts

FOLDER = REFERENCE_DIR / "drees"
SERIES = "Les bénéficiaires de l'aide sociale départementale - séries longues (1996-2020).xlsx"
Y2020 = "Les bénéficiaires de l'aide sociale départementale en 2020.xlsx"
SPENDING = "Les dépenses d'aide sociale départementale - séries longues (1999 - 2020).xlsx"
MINIMA = "Minima sociaux - donnees departementales par dispositif.xlsx"
OARSA = "OARSA – Principaux indicateurs de 2015 à 2018.xlsx"
STAFF = "Le personnel départemental de l'action sociale et médico-sociale de 2014 à 2020.xlsx"
MONTHLY = "Données mensuelles des prestations de solidarité.xlsx"
SIX = (SERIES, Y2020, SPENDING, MINIMA, OARSA, STAFF)

pytestmark = pytest.mark.skipif(not (FOLDER / MINIMA).is_file(), reason="classeurs DREES de référence absents")


def _book(name: str):
    data = (FOLDER / name).read_bytes()
    return data, read_workbook(data, name, len(data) + 1)


@pytest.fixture(scope="module")
def catalogue():
    return read_catalogue().indicators


@pytest.fixture(scope="module")
def facts(catalogue) -> dict[str, pd.DataFrame]:
    """Every fact of the six workbooks, read as the importer reads them (without the reference filter)."""
    units = dict(zip(catalogue["code"], catalogue["unit"]))
    profiles = load_profiles()
    out = {}
    for name in SIX:
        _, book = _book(name)
        result = read_drees(book, match_profile(book, profiles), units=units)
        assert not result.errors, result.errors[:3]
        out[name] = result.facts
    return out


def cell(frame: pd.DataFrame, indicator: str, code: str, period: int, level: str = "departement") -> pd.Series:
    rows = frame[(frame["indicator"] == indicator) & (frame["territory_code"] == code) & (frame["period"] == period)
                 & (frame["territory_level"] == level)]
    assert len(rows) == 1, (indicator, code, period, level, rows)
    return rows.iloc[0]


def test_each_workbook_is_recognised_by_its_sheets_and_titles_not_its_name():
    profiles = load_profiles()
    names = {}
    for name in SIX + (MONTHLY,):
        data, book = _book(name)
        profile = match_profile(book, profiles)
        names[name] = profile.name if profile else None
        assert detect_kind(data, "sans_nom.xlsx", workbook=book) == (KIND_DREES if profile else detect_kind(
            data, "sans_nom.xlsx", workbook=book))
    # The two « bénéficiaires » workbooks share sheet names (Tab1-ase…): the titles tell them apart.
    assert names[SERIES] == "drees_beneficiaires_series_longues"
    assert names[Y2020] == "drees_beneficiaires_2020"
    assert names[MONTHLY] is None  # the monthly workbook is read by its own reader
    assert len({v for v in names.values() if v}) == 6


def test_cells_a_rapporteur_would_quote(facts):
    series, minima, oarsa = facts[SERIES], facts[MINIMA], facts[OARSA]
    # A DROM written as an integer (971): Guadeloupe, children accueillis at the ASE, 31/12/2002.
    assert cell(series, "STAT-ASE-ACCUEILLIS", "971", 2002)["value"] == 1082
    # Lyon: 69 is the DREES row (Rhône + Métropole, as the COG's 69); 69D and 69M are collectivités.
    assert cell(series, "STAT-ASE-ACCUEILLIS", "69", 2020)["value"] == 4270
    assert cell(series, "STAT-ASE-ACCUEILLIS", "69D", 2020, "collectivite")["value"] == 1240
    assert cell(series, "STAT-ASE-ACCUEILLIS", "69M", 2020, "collectivite")["value"] == 3030
    # Before 2015 the two did not exist: their « - » is no figure at all.
    early = series[(series["territory_code"] == "69D") & (series["period"] < 2015)]
    assert early.empty
    # Corse: 20A/20B are 2A/2B; « 20 » (Collectivité de Corse) is the région 94, never a département.
    assert cell(minima, "STAT-RSA-ALLOCATAIRES", "2A", 2019)["value"] == 2375
    assert cell(minima, "STAT-RSA-ALLOCATAIRES", "2B", 2019)["value"] == 3860
    assert cell(series, "STAT-ASE-ACCUEILLIS", "94", 2020, "region")["value"] == 531
    assert cell(series, "STAT-ASE-ACCUEILLIS", "2A", 2020)["missing_reason"] == "nd"  # « - » once Corse merged
    assert not (series["territory_code"] == "20").any()
    # A région row is a région even when its name says « France » (Île-de-France is not the national line).
    assert cell(series, "STAT-ASE-ACCUEILLIS", "11", 2020, "region")["value"] == 29_065
    assert cell(series, "STAT-ASE-ACCUEILLIS", "FR", 2020, "france")["value"] == 199_530
    assert cell(series, "STAT-ASE-ACCUEILLIS", "04", 2020, "region")["value"] == 2_732  # La Réunion, written 104
    # OARSA « 03-Allier » with « NR  » (non répondant, stored « nc ») and « ND  » (non disponible), spaces and all.
    assert cell(oarsa, "STAT-OARSA-ORIENTES", "03", 2015)["missing_reason"] == "nc"
    assert cell(oarsa, "STAT-OARSA-ORIENTES", "03", 2017)["missing_reason"] == "nd"
    assert math.isnan(cell(oarsa, "STAT-OARSA-ORIENTES", "03", 2017)["value"])
    assert cell(oarsa, "STAT-OARSA-ORIENTES", "03", 2018)["value"] == 62
    assert cell(oarsa, "STAT-OARSA-ORIENTES", "69M", 2018, "collectivite")["value"] == 61
    # A staff « ND »: Ain's social and educational staff 2014.
    staff = cell(facts[STAFF], "STAT-PERS-SOCIAL-EDUCATIF-ETP", "01", 2014)
    assert math.isnan(staff["value"]) and staff["missing_reason"] == "nd"
    assert cell(facts[STAFF], "STAT-PERS-SOCIAL-EDUCATIF-ETP", "01", 2020)["value"] == pytest.approx(186.7)


def test_thousand_euros_are_stored_in_euros(facts):
    spending = facts[SPENDING]
    # ASE-tab1, Ain 1999: 20 631,737446… k€ in the file.
    assert cell(spending, "STAT-DEP-ASE-NETTES", "01", 1999)["value"] == pytest.approx(20_631_737.446, abs=0.01)
    # RSA-RMI tab4, Allier 2010: a negative net figure is kept as published (-583,32 k€).
    assert cell(spending, "STAT-DEP-RSA-INSERTION", "03", 2010)["value"] == pytest.approx(-583_320.66, abs=0.01)
    assert cell(spending, "STAT-DEP-RSA-TOTAL", "FR", 2009, "france")["value"] > 7e9  # 7,48 billion €, not 7,48 M


def test_the_2016_rsa_break_gives_two_series_and_two_2016_values(facts, catalogue):
    minima = facts[MINIMA]
    assert cell(minima, "STAT-RSA-SOCLE-ALLOCATAIRES", "01", 2016)["value"] == 7463  # column « 2016 »
    assert cell(minima, "STAT-RSA-ALLOCATAIRES", "01", 2016)["value"] == 7592  # column « 2016 (2) »
    socle = minima[minima["indicator"] == "STAT-RSA-SOCLE-ALLOCATAIRES"]["period"]
    rsa = minima[minima["indicator"] == "STAT-RSA-ALLOCATAIRES"]["period"]
    assert (socle.min(), socle.max(), rsa.min(), rsa.max()) == (2009, 2016, 2016, 2019)
    links = dict(zip(catalogue["code"], catalogue["series_before"]))
    assert links["STAT-RSA-ALLOCATAIRES"] == "STAT-RSA-SOCLE-ALLOCATAIRES"
    assert links["STAT-RSA-COUVERTS"] == "STAT-RSA-SOCLE-COUVERTS"


def test_national_line_is_drees_own_and_the_sum_of_departements_is_checked_against_it(facts):
    rsa = facts[MINIMA]
    year = rsa[(rsa["indicator"] == "STAT-RSA-ALLOCATAIRES") & (rsa["period"] == 2019)]
    deps = year[year["territory_level"] == "departement"]
    assert len(deps) == 101 and deps["value"].sum() == 1_916_129
    # What Levier shows for France is DREES's national line (rounded to the hundred), not its own sum.
    assert cell(rsa, "STAT-RSA-ALLOCATAIRES", "FR", 2019, "france")["value"] == 1_916_100
    assert not (year["territory_level"] == "collectivite").any()
    # SOURCES.md plausibility anchors.
    assert cell(rsa, "STAT-RSA-ALLOCATAIRES", "59", 2019)["value"] == 109_335
    assert cell(rsa, "STAT-RSA-ALLOCATAIRES", "974", 2019)["value"] == 100_688
    assert cell(rsa, "STAT-RSA-ALLOCATAIRES", "93", 2019)["value"] == 85_825


def test_young_adults_total_never_counts_lyon_twice(facts):
    apjm = facts[Y2020][facts[Y2020]["indicator"] == "STAT-ASE-APJM"]
    assert cell(apjm, "STAT-ASE-APJM", "75", 2020)["value"] == 1_522
    assert cell(apjm, "STAT-ASE-APJM", "59", 2020)["value"] == 1_433
    # SOURCES.md's 30 292 is the sum of every row of the sheet: 69 (1 108) and 69D + 69M (270 + 838) both counted.
    rows = apjm[apjm["territory_level"].isin(["departement", "collectivite"])
                | ((apjm["territory_level"] == "region") & (apjm["territory_code"] == "94")
                   & (apjm["source_row"] < 110))]
    assert rows["value"].sum() == 30_292
    # Without the double count: départements (69 once) + Corse published as a whole (« 20 », 85) = DREES's line.
    deps = apjm[apjm["territory_level"] == "departement"]["value"].sum()
    corse = cell(apjm, "STAT-ASE-APJM", "94", 2020, "region")["value"]
    assert deps + corse == 29_184 == cell(apjm, "STAT-ASE-APJM", "FR", 2020, "france")["value"]


def test_median_share_oriented_is_in_the_published_range(facts):
    oarsa = facts[OARSA]
    share = oarsa[(oarsa["indicator"] == "STAT-OARSA-ORIENTES") & (oarsa["territory_level"] == "departement")]
    medians = share.groupby("period")["value"].median()
    assert list(medians.index) == [2015, 2016, 2017, 2018]
    assert all(82 <= m <= 85 for m in medians), medians


def test_every_figure_keeps_its_table_and_year(facts, catalogue):
    known = catalogue.set_index("code")
    for frame in facts.values():
        assert frame["source_sheet"].notna().all() and (frame["source_row"] > 0).all()
        assert frame["period"].between(1997, 2020).all()  # minima sociaux from 1997
        for code in frame["indicator"].unique():
            assert known.loc[code, "programme"] == "STAT"
            assert known.loc[code, "source"].startswith("DREES")
            # The workbook as DREES titles it, then the table; the producer is said once, by `source`.
            assert known.loc[code, "source_table"].split(",")[0] in WORKBOOK_TITLES, known.loc[code, "source_table"]


WORKBOOK_TITLES = {
    "Les bénéficiaires de l'aide sociale départementale – séries longues 1996-2020",
    "Les bénéficiaires de l'aide sociale départementale en 2020",
    "Les dépenses d'aide sociale départementale – séries longues 1999-2020",
    "Minima sociaux – données départementales par dispositif",
    "OARSA – Principaux indicateurs de 2015 à 2018",
    "Le personnel départemental de l'action sociale et médico-sociale de 2014 à 2020",
}


def test_lyon_is_summed_only_for_counts_when_drees_gives_no_69_line():
    """Planted: 69D = 100 and 69M = 250 with no 69 row → 69 = 350 (marked); a share is never summed; a 69 line that
    DREES publishes is kept as is."""
    def row(code, level, indicator, period, value):
        return {"territory_level": level, "territory_code": code, "indicator": indicator, "period": period,
                "measure": "valeur", "value": value, "missing_reason": None, "comment": None, "submitted_on": None,
                "source_sheet": "T", "source_row": 1}
    planted = facts_frame([
        row("69D", "collectivite", "A", 2018, 100.0), row("69M", "collectivite", "A", 2018, 250.0),
        row("69D", "collectivite", "P", 2018, 40.0), row("69M", "collectivite", "P", 2018, 60.0),
        row("69D", "collectivite", "A", 2019, 100.0), row("69M", "collectivite", "A", 2019, 250.0),
        row("69", "departement", "A", 2019, 360.0),
    ])
    out = lyon_sums(planted, {"A": "personnes", "P": "%"})
    dep69 = out[(out["territory_code"] == "69")].set_index(["indicator", "period"])
    assert dep69.loc[("A", 2018), "value"] == 350 and dep69.loc[("A", 2018), "comment"] == LYON_SUM_COMMENT
    assert dep69.loc[("A", 2019), "value"] == 360  # published: never replaced
    assert ("P", 2018) not in dep69.index


def test_spending_is_ranked_in_euros_per_inhabitant_and_insertion_per_allocataire(catalogue):
    """Planted: 1 000 000 € for 1 000 inhabitants = 1 000 € par habitant; 300 000 € of insertion for 150 allocataires
    = 2 000 € par allocataire du RSA."""
    values = pd.DataFrame({"code": ["01", "01"], "indicator": ["STAT-DEP-ASE-NETTES", "STAT-DEP-RSA-INSERTION"],
                           "period": [2019, 2019], "value": [1_000_000.0, 300_000.0]})
    den = pd.DataFrame({"code": ["01"], "indicator": ["STAT-RSA-ALLOCATAIRES"], "period": [2019], "value": [150.0]})
    out = ranking_frame(values, catalogue, population={"01": 1000.0}, denominators=den).set_index("indicator")
    assert out.loc["STAT-DEP-ASE-NETTES", "value"] == 1000
    assert out.loc["STAT-DEP-ASE-NETTES", "rank_unit"] == "€ par habitant"
    assert out.loc["STAT-DEP-RSA-INSERTION", "value"] == 2000
    assert out.loc["STAT-DEP-RSA-INSERTION", "rank_unit"] == "€ par allocataire du RSA"


def test_import_lands_whole_then_is_already_imported(db):
    data, book = _book(OARSA)
    report = import_drees(db, data, OARSA, workbook=book)
    assert report.ok and report.status == "importé", report.summary()
    assert report.rows_accepted > 4000 and count_facts(db) == report.rows_accepted
    with db.reader() as r:  # real public statistics, never flagged as demo
        assert r._con.execute("SELECT count(*) FROM fact WHERE is_demo").fetchone()[0] == 0
    # 975 (Saint-Pierre-et-Miquelon), 977, 978: collectivités d'outre-mer outside the reference, said and not stored.
    assert any("977-Saint-Barthélemy" in w.message for w in report.warnings)
    again = import_drees(db, data, OARSA, workbook=book)
    assert again.status == "déjà importé" and again.ok


def test_cli_dry_run_on_a_quoted_pattern_checks_the_six_workbooks(db, capsys, tmp_path):
    # The monthly workbook belongs to its own reader: a folder with the six others, linked, not copied.
    for name in (MINIMA, OARSA):
        (tmp_path / name).symlink_to(FOLDER / name)
    assert main(["import", "--dry-run", str(tmp_path / "*.xlsx")]) == 0
    out = capsys.readouterr().out
    assert out.count("vérifié (simulation)") == 2, out
    assert "feuille sans tableau" not in out and "mise en page inconnue" not in out.lower()


def test_importer_page_preview_lists_the_values_with_the_national_line(db):
    """What the Importer page shows before « Confirmer »: every value, France and régions included, nothing written."""
    from levier.views.importer import check_file

    data = (FOLDER / MINIMA).read_bytes()
    check = check_file(db, data, MINIMA)
    assert check.report.status == "vérifié (simulation)", check.report.summary()
    table = check.changes
    france = table[(table["Territoire"] == "FR") & (table["Indicateur"] == "STAT-RSA-ALLOCATAIRES")
                   & (table["Année"] == 2019)]
    assert france["Nouvelle valeur"].tolist() == ["1\xa0916\xa0100\xa0personnes"]
    assert count_facts(db) == 0


def test_a_thousand_euro_table_that_does_not_say_so_is_refused_not_guessed():
    """The ASE-tab1 sheet with its « en milliers d'euros » line blanked: the profile's ×1 000 is not applied blindly."""
    import dataclasses

    from levier.ingest.drees import Profile, Table

    data = (FOLDER / SPENDING).read_bytes()
    book = read_workbook(data, SPENDING, len(data) + 1, only={"ASE-tab1"})
    sheet = book.sheets[0]
    cells = sheet.cells.copy()
    cells = cells.mask(cells.apply(lambda c: c.astype(str).str.contains("milliers d'euros", regex=False)), "")
    book.sheets[0] = dataclasses.replace(sheet, cells=cells)
    table = Table("ASE-tab1", "Dépenses nettes totales", "STAT-DEP-ASE-NETTES", scale=1000,
                  published_unit="en milliers d'euros")
    result = read_drees(book, Profile("essai", SPENDING, (table,)), units={"STAT-DEP-ASE-NETTES": "€"})
    assert result.facts.empty and "en milliers d'euros" in result.errors[0].message


def test_an_indicator_read_from_two_tables_is_refused(tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(
            f'nom = "{name}"\n[[tableau]]\nfeuille = "F{name}"\ntitre = "T"\nindicateur = "STAT-X"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="STAT-X lu dans deux tableaux"):
        load_profiles(tmp_path)
