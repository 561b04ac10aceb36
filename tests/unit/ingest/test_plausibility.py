"""Plausibility rules of the catalogue on imported returns: whole counts, bounds per inhabitant, growth, target year."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from levier.core.config import CATALOGUE_DIR
from levier.ingest import plausibility
from levier.ingest.catalogue import read_catalogue, resolve_rules, validate_catalogue
from levier.ingest.report import STATUS_IMPORTED, STATUS_REJECTED, Finding
from levier.ingest.returns import FACT_COLUMNS, ImportContext, import_returns, parse_returns
from levier.store.db import Query
from tests.badfiles import long_csv, xlsx_bytes, LONG_HEADER

NE = "CALPAE-3.1.1-NE"  # nouveaux entrants RSA: a context count, growth beyond 10× refused
OR1M = "CALPAE-3.1.1-OR1M"  # oriented within a month: an action's count, growth beyond 10× only warned
NAIS = "CDPPE-1-NAIS"  # births: at most 0,1 per inhabitant
DEL = "CALPAE-3.2.2-DEL"  # an average delay in days: decimals allowed
NBSP = "\u00a0"
RULES = "data/catalogue/regles.csv"


@pytest.fixture(scope="module")
def indicators() -> pd.DataFrame:
    return read_catalogue().indicators.set_index("code", drop=False)


def facts(rows: list[tuple]) -> pd.DataFrame:
    """(territory, indicator, period, measure, value[, row]) -> validated facts as validate() returns them."""
    out = []
    for i, (territory, indicator, period, measure, value, *row) in enumerate(rows):
        out.append({"territory_level": "departement", "territory_code": territory, "indicator": indicator,
                    "period": period, "measure": measure, "value": value, "missing_reason": None, "comment": None,
                    "submitted_on": None, "source_sheet": None, "source_row": row[0] if row else i + 2})
    return pd.DataFrame(out, columns=FACT_COLUMNS)


def check(rows, indicators, populations=None, stored=None):
    return plausibility.check(facts(rows), indicators, populations, stored, "f.csv")


# --- The rules as the catalogue gives them ---------------------------------------------------------------------


def test_catalogue_rules_resolve_unit_defaults_then_indicator_overrides(indicators):
    assert validate_catalogue(read_catalogue()) == []
    ne, or1m, nais, delay = (indicators.loc[c] for c in (NE, OR1M, NAIS, DEL))
    assert (ne["whole_number"], ne["max_per_inhabitant"], ne["max_value"], ne["max_growth"]) == (True, 1, 1e8, 10)
    assert (ne["growth_severity"], or1m["growth_severity"]) == ("erreur", "avertissement")
    assert nais["max_per_inhabitant"] == 0.1 and nais["whole_number"]
    assert not delay["whole_number"] and delay["max_value"] == 3660 and pd.isna(delay["max_growth"])
    percent = indicators[indicators["unit"] == "%"]
    assert not percent["whole_number"].any() and percent["max_growth"].isna().all()


def test_broken_rules_are_refused_in_french(tmp_path):
    for name in ("programmes.csv", "axes.csv", "actions.csv", "indicateurs.csv", "regles.csv"):
        shutil.copy(CATALOGUE_DIR / name, tmp_path / name)
    with open(tmp_path / "regles.csv", "a", encoding="utf-8") as out:
        out.write("unité,litres,oui,,,,,\n")
        out.write("indicateur,CALPAE-9.9.9-XX,,,,,,\n")
        out.write("indicateur,CALPAE-3.1.1-OR1M,peut-être,beaucoup,-3,0.5,grave,\n")
    problems = validate_catalogue(read_catalogue(tmp_path))
    assert "regles.csv, règle « unité litres » : unité inconnue (attendu : personnes, nombre, %, €, jours, minutes, " \
           "ratio)." in problems
    assert "regles.csv, règle « indicateur CALPAE-9.9.9-XX » : indicateur inconnu dans le catalogue." in problems
    name = "regles.csv, règle « indicateur CALPAE-3.1.1-OR1M »"
    assert f"{name} : « peut-être » n'est pas une valeur valide pour whole (attendu : oui ou non)." in problems
    assert f"{name} : « beaucoup » n'est pas un nombre (colonne max_per_inhabitant)." in problems
    assert f"{name} : max_value doit être un nombre positif (ici « -3 »)." in problems
    assert f"{name} : max_growth est un facteur d'une année sur l'autre, supérieur à 1 (ici « 0.5 »)." in problems
    assert f"{name} : gravité « grave » inconnue (attendu : erreur, avertissement)." in problems


def test_no_rules_file_means_no_rule(indicators):
    bare = resolve_rules(indicators.drop(columns=["whole_number", "max_per_inhabitant", "max_value", "max_growth",
                                                  "growth_severity"]), None)
    out = check([("38", NE, 2021, "valeur", 5412.7)], bare, {"38": 1000.0})
    assert out.errors == [] and out.warnings == []


# --- Whole numbers ---------------------------------------------------------------------------------------------


def test_a_fraction_of_a_person_is_refused_and_a_fraction_of_a_day_is_not(indicators):
    out = check([("38", NE, 2021, "valeur", 5412.7), ("38", DEL, 2021, "valeur", 28.5),
                 ("38", NE, 2020, "valeur", 5412.000000000001)], indicators, {"38": 1_271_166.0})
    assert out.errors == [Finding("f.csv", f"valeur 5{NBSP}412,7 pour {NE} : un nombre entier est attendu "
                                           "(l'indicateur compte des personnes, sans décimale).", None, 2, "valeur")]
    assert out.warnings == []


def test_a_fraction_of_a_family_is_refused_too(indicators):
    out = check([("38", "CALPAE-1.2-FAM", 2021, "valeur", 12.5)], indicators, {"38": 1_271_166.0})
    assert [f.message for f in out.errors] == ["valeur 12,5 pour CALPAE-1.2-FAM : un nombre entier est attendu "
                                               "(l'indicateur est un comptage, sans décimale)."]


def test_a_fractional_target_is_refused_too(indicators):
    out = check([("38", NE, 2022, "cible", 100.5)], indicators, {"38": 1_271_166.0})
    assert [f.message for f in out.errors] == [f"cible 100,5 pour {NE} : un nombre entier est attendu (l'indicateur "
                                               "compte des personnes, sans décimale)."]
    assert out.errors[0].column == "cible"


# --- Magnitude ---------------------------------------------------------------------------------------------------


def test_ten_to_the_twentieth_persons_is_refused_even_without_a_population(indicators):
    huge = "100" + (NBSP + "000") * 6
    for populations in (None, {}, {"38": 1_271_166.0}):
        out = check([("38", NE, 2021, "valeur", 1e20)], indicators, populations)
        assert [f.message for f in out.errors] == [
            f"valeur {huge} invraisemblable pour {NE} : au plus 100{NBSP}000{NBSP}000 selon le catalogue ({RULES}) ; "
            "vérifiez l'unité et les séparateurs."]


def test_a_count_above_the_population_is_refused(indicators):
    out = check([("48", NE, 2021, "valeur", 80_000), ("48", NE, 2020, "valeur", 76_000)], indicators, {"48": 76_000.0})
    assert [(f.row, f.message) for f in out.errors] == [
        (2, f"valeur 80{NBSP}000 pour {NE} en 2021 : plus que la population de 48 (76{NBSP}000 habitants) ({RULES}) ; "
            "vérifiez l'unité et les séparateurs.")]


def test_an_indicator_may_have_its_own_bound_per_inhabitant(indicators):
    out = check([("976", NAIS, 2021, "valeur", 30_000), ("976", NAIS, 2020, "valeur", 10_770)], indicators,
                {"976": 256_518.0})
    assert [f.message for f in out.errors] == [
        f"valeur 30{NBSP}000 pour {NAIS} en 2021 : plus de 0,1 par habitant de 976 (256{NBSP}518 habitants), soit au "
        f"plus 25{NBSP}651 ({RULES}) ; vérifiez l'unité et les séparateurs."]


def test_unknown_populations_are_named_once_not_per_row(indicators):
    rows = [(t, NE, y, "valeur", 100) for t in ("38", "2A", "971") for y in (2019, 2020, 2021)]
    out = check(rows, indicators, {"38": 1_271_166.0})
    assert out.errors == []
    assert [str(f) for f in out.warnings] == [
        f"fichier « f.csv » : population inconnue pour 2A, 971 (géographie de référence non chargée) : le contrôle du "
        f"nombre par habitant ({RULES}) n'a pas été fait pour leurs valeurs ; seul le plafond absolu s'applique."]
    assert check(rows, indicators, None).warnings == []  # no store at all: nothing to say about it


# --- Growth from the previous year -----------------------------------------------------------------------------


def test_growth_beyond_the_catalogue_factor_is_an_error_or_a_warning_as_it_says(indicators):
    rows = [("38", NE, 2020, "valeur", 5_000, 2), ("38", NE, 2021, "valeur", 50_001, 3),
            ("38", OR1M, 2020, "valeur", 40, 4), ("38", OR1M, 2021, "valeur", 900, 5),
            ("38", OR1M, 2022, "valeur", 9_000, 6)]  # exactly 10×: allowed
    out = check(rows, indicators, {"38": 1_271_166.0})
    assert [(f.row, f.message) for f in out.errors] == [
        (3, f"valeur 50{NBSP}001 pour {NE} en 2021 : plus de 10 fois celle de 2020 (5{NBSP}000, même fichier) pour 38 "
            f"({RULES}) ; vérifiez l'unité ou une erreur de saisie.")]
    assert [(f.row, f.message) for f in out.warnings] == [
        (5, f"valeur 900 pour {OR1M} en 2021 : plus de 10 fois celle de 2020 (40, même fichier) pour 38 ({RULES}) ; "
            "vérifiez qu'il ne s'agit pas d'une erreur de saisie ou d'unité (valeur importée).")]


def test_growth_is_measured_on_the_stored_value_when_the_file_has_no_previous_year(indicators):
    stored = pd.DataFrame({"territory_level": ["departement"] * 2, "territory_code": ["38", "38"],
                           "indicator": [NE, NE], "period": [2020, 2019], "value": [5_000.0, 0.0]})
    out = check([("38", NE, 2021, "valeur", 60_000), ("38", NE, 2020, "valeur", 4_000)], indicators,
                {"38": 1_271_166.0}, stored)
    # 2021 against the file's own 2020 (4 000), not the stored 5 000; 2020 against a stored 0: no factor to apply.
    assert [f.message for f in out.errors] == [
        f"valeur 60{NBSP}000 pour {NE} en 2021 : plus de 10 fois celle de 2020 (4{NBSP}000, même fichier) pour 38 "
        f"({RULES}) ; vérifiez l'unité ou une erreur de saisie."]
    out = check([("38", NE, 2021, "valeur", 60_000)], indicators, {"38": 1_271_166.0}, stored)
    assert "(5\u00a0000, valeur enregistrée)" in out.errors[0].message


def test_a_grid_finding_names_its_year_column():
    raw = pd.DataFrame({"sheet": ["38 - Isère"] * 2, "row": [4, 4], "period": ["2020", "2021"],
                        "c_value": ["2020", "2021 (provisoire)"], "c_target": ["cible"] * 2})
    f = facts([("38", NE, 2020, "valeur", 1, 4), ("38", NE, 2021, "valeur", 2, 4)])
    f["source_sheet"] = "38 - Isère"
    assert plausibility.value_columns(f, raw).tolist() == ["2020", "2021 (provisoire)"]


# --- Through the importer, with the real store ------------------------------------------------------------------


def test_fractional_persons_are_refused_naming_file_row_and_column(db):
    report = import_returns(db, long_csv([["38", NE, "2021", "5 412,7"]]), "virgule.csv")
    assert report.status == STATUS_REJECTED
    assert [str(f) for f in report.errors] == [
        f"fichier « virgule.csv », ligne 2, colonne « valeur » : valeur 5{NBSP}412,7 pour {NE} : un nombre entier est "
        "attendu (l'indicateur compte des personnes, sans décimale)."]


def test_ten_to_the_twentieth_in_a_workbook_names_the_sheet(db):
    data = xlsx_bytes({"retours": [LONG_HEADER, ["38", NE, "2021", 1e20]]})
    report = import_returns(db, data, "enorme.xlsx")
    assert report.status == STATUS_REJECTED
    found = report.errors[0]
    assert (found.sheet, found.row, found.column) == ("retours", 2, "valeur")
    assert "invraisemblable" in found.message and "au plus 100\u00a0000\u00a0000" in found.message


def test_a_count_above_the_stored_population_is_refused(db):
    population = db.read(Query.IMPORT_CONTEXT_POPULATIONS).set_index("code").at["48", "population"]
    report = import_returns(db, long_csv([["48", NE, "2021", str(int(population) + 1)]]), "lozere.csv")
    assert report.status == STATUS_REJECTED
    assert report.errors[0].message == (
        f"valeur {plausibility.fmt_found(population + 1)} pour {NE} en 2021 : plus que la population de 48 "
        f"({plausibility.fmt_found(population)} habitants) ({RULES}) ; vérifiez l'unité et les séparateurs.")


def test_a_tenfold_rise_of_an_action_is_imported_with_a_warning(db):
    first = import_returns(db, long_csv([["38", NE, "2020", "5000"], ["38", OR1M, "2020", "40"]]), "2020.csv")
    assert first.status == STATUS_IMPORTED, first.summary()
    report = import_returns(db, long_csv([["38", NE, "2021", "5100"], ["38", OR1M, "2021", "900"]]), "2021.csv")
    assert report.status == STATUS_IMPORTED, report.summary()
    assert [str(f) for f in report.warnings] == [
        f"fichier « 2021.csv », ligne 3, colonne « valeur » : valeur 900 pour {OR1M} en 2021 : plus de 10 fois celle "
        f"de 2020 (40, valeur enregistrée) pour 38 ({RULES}) ; vérifiez qu'il ne s'agit pas d'une erreur de saisie ou "
        "d'unité (valeur importée)."]
    stored = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": [NE, OR1M]})
    values = stored.set_index(["indicator", "period"])["value"].to_dict()
    assert values == {(NE, 2020): 5000, (OR1M, 2020): 40, (NE, 2021): 5100, (OR1M, 2021): 900}


def test_a_tenfold_rise_of_a_context_count_is_refused(db):
    import_returns(db, long_csv([["38", NE, "2020", "5000"]]), "2020.csv")
    report = import_returns(db, long_csv([["38", NE, "2021", "50 001"]]), "2021.csv")
    assert report.status == STATUS_REJECTED
    assert [str(f) for f in report.errors] == [
        f"fichier « 2021.csv », ligne 2, colonne « valeur » : valeur 50{NBSP}001 pour {NE} en 2021 : plus de 10 fois "
        f"celle de 2020 (5{NBSP}000, valeur enregistrée) pour 38 ({RULES}) ; vérifiez l'unité ou une erreur de saisie."]
    stored = db.read(Query.CURRENT_VALUES_FOR_INDICATORS, {"codes": [NE]})
    assert stored["period"].tolist() == [2020]


# --- Target years ----------------------------------------------------------------------------------------------


def test_a_target_year_outside_the_programme_is_refused(db):
    data = long_csv([["38", NE, "2021", "5000", "6000", "2099"], ["2A", NE, "2021", "300", "320", "2018"],
                     ["01", NE, "2021", "1200", "1300", "2022"]])
    report = import_returns(db, data, "cibles.csv")
    assert report.status == STATUS_REJECTED
    assert [str(f) for f in report.errors] == [
        "fichier « cibles.csv », ligne 2, colonne « annee_cible » : année de cible 2099 hors des années du programme "
        "CALPAE (2019–2022) : une cible porte sur une année du programme.",
        "fichier « cibles.csv », ligne 3, colonne « annee_cible » : année de cible 2018 hors des années du programme "
        "CALPAE (2019–2022) : une cible porte sur une année du programme.",
    ]


def test_the_catalogue_margin_lets_a_target_fall_after_the_programme(db):
    ctx = ImportContext.load(db)
    data = long_csv([["38", NE, "2021", "5000", "6000", "2024"]])
    assert parse_returns(data, "cibles.csv", ctx).errors[0].message.endswith(
        "(2019–2022) : une cible porte sur une année du programme.")
    wider = ImportContext(**{**ctx.__dict__, "target_margins": {"CALPAE": 3}})
    parsed = parse_returns(data, "cibles.csv", wider)
    assert parsed.errors == []
    assert parsed.facts.set_index("measure").at["cible", "period"] == 2024
    late = parse_returns(long_csv([["38", NE, "2021", "5000", "6000", "2026"]]), "cibles.csv", wider)
    assert late.errors[0].message == ("année de cible 2026 hors des années du programme CALPAE (2019–2022, cibles "
                                      "admises jusqu'en 2025) : une cible porte sur une année du programme.")


def test_a_grid_error_names_the_sheet_the_row_and_the_year_column(db):
    data = xlsx_bytes({"38 - Isère": [["Code", "Indicateur", 2020, 2021], [NE, "", 5000, 5412.7]]})
    report = import_returns(db, data, "grille.xlsx")
    assert report.status == STATUS_REJECTED
    assert [str(f) for f in report.errors] == [
        f"fichier « grille.xlsx », feuille « 38 - Isère », ligne 2, colonne « 2021 » : valeur 5{NBSP}412,7 pour {NE} : "
        "un nombre entier est attendu (l'indicateur compte des personnes, sans décimale)."]


def test_the_rules_are_stored_with_the_catalogue_and_no_bound_is_null(db):
    stored = db.read(Query.IMPORT_CONTEXT_INDICATORS).set_index("code")
    assert stored.at[NE, "whole_number"] and stored.at[NE, "growth_severity"] == "erreur"
    assert stored.at[NAIS, "max_per_inhabitant"] == 0.1
    with db.reader() as r:  # inspection: NULL, not NaN, where the catalogue sets no bound
        nulls = r._con.execute("SELECT count(*) FROM indicator WHERE unit = '%' AND max_per_inhabitant IS NULL "
                               "AND max_growth IS NULL AND growth_severity IS NULL").fetchone()[0]
    assert nulls == int((read_catalogue().indicators["unit"] == "%").sum())
