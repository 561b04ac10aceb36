"""The comparability matrix of one indicator (levier.analysis.comparability), on declarations written by hand: each
territory's status, the variants it declares (a ratio's parts prefixed by their code), since when, and from which
file, with the blanks a real declaration file leaves."""

from __future__ import annotations

import pandas as pd

from levier.analysis import comparability as comp

RATIO, NUM = "CALPAE-3.1.1-OR1M-TX", "CALPAE-3.1.1-OR1M"
TERRITORIES = pd.DataFrame({"level": ["departement"] * 4, "code": ["01", "26", "38", "69"],
                            "name": ["Ain", "Drôme", "Isère", "Rhône"]})


def _declarations(rows: list[tuple]) -> pd.DataFrame:
    columns = ["territory_level", "territory_code", "indicator", "variant", "variant_label", "is_reference",
               "description", "period_from", "file_name"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["period_from"] = frame["period_from"].astype("Int64")
    return frame


DECLARED = _declarations([
    ("departement", "38", RATIO, "V1", "Sorties à un mois", False, "Compte les sorties à 30 jours", None, "isere.csv"),
    ("departement", "38", NUM, "V2", "Numérateur élargi", False, None, 2021, "isere.csv"),
    ("departement", "38", NUM, "V2", "Numérateur élargi", False, "", 2021, "isere_bis.csv"),
    ("departement", "69", RATIO, "REF", "Référence", True, float("nan"), 2020, "rhone.csv"),
    ("departement", "26", RATIO, "REF", "Référence", True, None, None, None),
])


def test_each_territory_reads_its_status_variants_years_and_files():
    matrix = comp.comparability(RATIO, DECLARED, TERRITORIES).matrix.set_index("Code territoire")
    isere = matrix.loc["38"]
    assert isere["Statut"] == comp.STATUS_VARIANT
    assert isere["Variante(s)"] == f"{NUM} : V2, V1"  # sorted, the part's code in front of its variant
    assert isere["Libellé"] == f"Sorties à un mois ; {NUM} : Numérateur élargi"  # each once, in the file's order
    assert isere["Description"] == "Compte les sorties à 30 jours"  # blanks (None, "") left out
    assert isere["Depuis"] == "2021, toujours"
    assert isere["Fichier"] == "isere.csv, isere_bis.csv"
    rhone = matrix.loc["69"]
    assert (rhone["Statut"], rhone["Variante(s)"], rhone["Depuis"]) == (comp.STATUS_REFERENCE, "", "")
    assert rhone["Fichier"] == "rhone.csv"  # the reference's own file, for lack of a variant
    assert (matrix.loc["26", "Statut"], matrix.loc["26", "Fichier"]) == (comp.STATUS_REFERENCE, "")
    assert matrix.loc["01"].tolist()[:2] == ["Ain", comp.STATUS_UNDECLARED]


def test_a_year_reads_the_declarations_in_force_that_year():
    before = comp.comparability(RATIO, DECLARED, TERRITORIES, period=2020)
    assert before.matrix.set_index("Code territoire").at["38", "Variante(s)"] == "V1"  # V2 starts in 2021
    assert before.mixed and before.reference_only == ["26", "69"] and before.undeclared == ["01"]
    only = comp.comparability(RATIO, DECLARED, TERRITORIES, codes=["69", "01"], period=2019)
    assert only.matrix["Code territoire"].tolist() == ["69", "01"]  # Rhône's reference starts in 2020
    assert only.matrix["Statut"].tolist() == [comp.STATUS_UNDECLARED] * 2 and not only.mixed
