"""Real own spending (DREES) on the Effet levier page: per inhabitant, national medians, the substitution test on
real spending and what it can say, against hand computations on planted data (the DREES facts are planted with the
fixed codes: STAT-DEP-RSA-INSERTION, STAT-DEP-RSA-ALLOCATION, STAT-DEP-ASE-NETTES)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from levier.analysis import lever
from levier.core.fmt import NBSP
from levier.views import effet_levier

INS = "STAT-DEP-RSA-INSERTION"
FIXED = "INSEE, population municipale en vigueur en 2026"


def _spending(rows):
    return pd.DataFrame(rows, columns=["code", "indicator", "period", "value"])


def test_programmes_map_to_their_own_spending_field():
    assert lever.own_field("CALPAE").indicator == INS and lever.own_field("CALPAE").axes == ("3",)
    assert lever.own_field("PACTE").indicator == INS and lever.own_field("PACTE").axes == ("2",)
    assert lever.own_field("CDPPE").indicator == "STAT-DEP-ASE-NETTES" and lever.own_field("CDPPE").axes is None
    assert lever.own_field("STAT") is None


def test_population_of_the_same_year_else_the_fixed_one_named():
    # Filosofi persons exist for 2018 only: 2017 takes the 2026 population, 2018 the 2018 persons.
    persons = pd.DataFrame({"code": ["01"], "period": [2018], "value": [600_000.0]})
    fixed = pd.DataFrame({"code": ["01", "02"], "population": [650_000, 500_000]})
    pop = lever.population_by_year(persons, fixed, [2017, 2018], FIXED).set_index(["code", "year"])
    assert pop.at[("01", 2017), "population"] == 650_000 and pop.at[("01", 2017), "population_source"] == FIXED
    assert pop.at[("01", 2018), "population"] == 600_000
    assert pop.at[("01", 2018), "population_source"].endswith("Filosofi (personnes des ménages fiscaux) 2018")
    assert pop.at[("02", 2018), "population"] == 500_000  # no Filosofi for 02: the fixed population, said so


def test_per_inhabitant_and_national_medians_by_hand():
    # 2018: 01 = 6 000 000 / 600 000 = 10 ; 02 = 10 000 000 / 500 000 = 20 ; 03 = 45 000 000 / 1 500 000 = 30.
    # Median of (10, 20, 30) = 20. The collectivité 69M (a planted 1 000 € per inhabitant) never counts.
    pop = pd.DataFrame({"code": ["01", "02", "03", "69M"], "year": [2018] * 4,
                        "population": [600_000.0, 500_000.0, 1_500_000.0, 1_000.0], "population_source": [FIXED] * 4})
    spend = _spending([("01", INS, 2018, 6e6), ("02", INS, 2018, 1e7), ("03", INS, 2018, 4.5e7),
                       ("69M", INS, 2018, 1e6), ("04", INS, 2018, 1e6)])  # 04: no population, no € per inhabitant
    per = lever.per_inhabitant(spend, pop).set_index("code")
    assert per.at["01", "per_inhabitant"] == pytest.approx(10.0)
    assert per.at["03", "per_inhabitant"] == pytest.approx(30.0)
    assert math.isnan(per.at["04", "per_inhabitant"])
    med = lever.national_medians(per.reset_index(), ["01", "02", "03", "04"])
    assert med.to_dict("records") == [{"indicator": INS, "year": 2018, "median": 20.0, "n": 3}]


def _state(rows):
    return pd.DataFrame(rows, columns=["year", "state"])


def _own(rows):
    return pd.DataFrame(rows, columns=["year", "euros"])


def test_real_spending_falling_while_contract_money_arrives_is_flagged_with_years_and_amounts():
    # 2018 → 2019: own 1 000 000 → 800 000 € (−20 %); State 0 € in 2018 (no contract yet) → 300 000 € in 2019.
    hits = lever.own_substitution(_own([(2017, 990_000), (2018, 1_000_000), (2019, 800_000)]),
                                  _state([(2019, 300_000), (2020, 400_000)]), 2019,
                                  field_label="Dépenses d'insertion du RSA", programme="CALPAE", stage="spent",
                                  state_is_demo=True)
    assert hits["year"].tolist() == [2019]
    msg = hits["message"].iloc[0]
    for part in (f"1{NBSP}000{NBSP}000{NBSP}€ en 2018", f"800{NBSP}000{NBSP}€ en 2019", f"baissent de 20{NBSP}%",
                 f"0{NBSP}€ en 2018 (pas encore de contrat)", f"300{NBSP}000{NBSP}€ en 2019", "réel, DREES",
                 "données fictives", "pas un effet"):
        assert part in msg, part
    assert "effet levier" not in msg.lower()


def test_no_flag_when_real_spending_holds_or_falls_within_tolerance_or_before_the_contract():
    state = _state([(2019, 300_000)])
    kwargs = {"field_label": "Dépenses", "programme": "CALPAE", "stage": "spent", "state_is_demo": True}
    # 1 000 000 → 960 000: −4 %, within the 5 % tolerance.
    assert lever.own_substitution(_own([(2018, 1_000_000), (2019, 960_000)]), state, 2019, **kwargs).empty
    # A 30 % fall in 2017 → 2018, before the contract: not a substitution test year.
    assert lever.own_substitution(_own([(2017, 1_000_000), (2018, 700_000)]), state, 2019, **kwargs).empty
    # CDPPE starts in 2020, DREES stops in 2019: nothing shared, nothing flagged.
    assert lever.own_substitution(_own([(2018, 1_000_000), (2019, 500_000)]), _state([(2020, 1e6)]), 2020,
                                  **kwargs).empty


def test_scope_says_what_the_years_allow():
    calpae = lever.own_substitution_scope(range(1999, 2020), range(2019, 2023), "CALPAE")
    assert "s'arrêtent en 2019" in calpae and "Seule l'année 2019 est commune" in calpae
    assert "Rien ne peut être dit des années 2020–2022" in calpae and "pas un effet" in calpae
    cdppe = lever.own_substitution_scope(range(1999, 2020), range(2020, 2023), "CDPPE")
    assert "Aucune année commune" in cdppe and "ne peut pas être fait" in cdppe


def test_state_money_of_the_field_is_the_axis_money_only():
    funding = pd.DataFrame([
        ("59", "CALPAE", "3", "CALPAE-3.1", 2019, "etat", 100.0, 100.0, 80.0),
        ("59", "CALPAE", "3", "CALPAE-3.2", 2019, "etat_fir", 100.0, 100.0, 20.0),
        ("59", "CALPAE", "3", "CALPAE-3.1", 2019, "departement", 100.0, 100.0, 999.0),
        ("59", "CALPAE", "1", "CALPAE-1.1", 2019, "etat", 100.0, 100.0, 5000.0),
        ("62", "CALPAE", "3", "CALPAE-3.1", 2019, "etat", 100.0, 100.0, 7000.0),
    ], columns=["code", "programme", "axis", "action", "year", "funder", "planned", "committed", "spent"])
    state = lever.field_state_money(funding, lever.own_field("CALPAE"), "59", "spent")
    assert state.to_dict("records") == [{"year": 2019, "state": 100.0}]  # 80 + 20, axis 3 and State funders only


def test_a_metropole_is_told_it_has_no_drees_own_spending():
    assert "pas de dépenses propres publiées par la DREES" in effet_levier.epci_notice("METRO")
    assert "pas de dépenses propres" not in effet_levier.epci_notice("CA")


def _view_inputs():
    """Three départements, 2012–2019. Insertion spending of 01: 1 000 000 € a year, 800 000 € in 2019; population 2026 =
    100 000; Filosofi persons (2014 and after) = 80 000. 2013: 1 000 000 / 100 000 = 10,0 € per inhabitant;
    2014: 1 000 000 / 80 000 = 12,5 €."""
    terr = pd.DataFrame({"code": ["01", "02", "03"], "name": ["Ain", "Aisne", "Allier"],
                         "population": [100_000, 200_000, 300_000], "vintage": [2026] * 3})
    persons = pd.DataFrame([(c, y, p * 0.8) for c, p in zip(terr["code"], terr["population"]) for y in range(2014, 2020)],
                           columns=["code", "period", "value"])
    rows = []
    for code, scale in (("01", 1.0), ("02", 4.0), ("03", 9.0)):
        for year in range(2012, 2020):
            value = 800_000.0 if code == "01" and year == 2019 else 1_000_000.0 * scale
            rows.append((code, INS, year, value, "Dépenses d'insertion", "DREES, enquête Aide sociale",
                         "Les dépenses d'aide sociale départementale – séries longues, tableau RSA-RMI tab3"))
    spending = pd.DataFrame(rows, columns=["code", "indicator", "period", "value", "label", "source", "source_table"])
    funding = pd.DataFrame([("01", "CALPAE", "3", "CALPAE-3.1", y, "etat", 1e5, 1e5, 1e5) for y in range(2019, 2023)],
                           columns=["code", "programme", "axis", "action", "year", "funder", "planned", "committed",
                                    "spent"])
    return spending, terr, persons, funding


def test_the_view_shows_real_spending_per_inhabitant_its_source_and_the_flag():
    spending, terr, persons, funding = _view_inputs()
    view = effet_levier.own_spending_view(spending, terr, persons, funding, code="01", name="Ain", programme="CALPAE",
                                          stage="spent", contract_years=(2019, 2020, 2021, 2022), is_demo=True)
    assert not view.message
    table = view.table.set_index("Année")
    assert table.at["2013", "€ par habitant"] == "10,0" and table.at["2014", "€ par habitant"] == "12,5"
    # 2014 medians: 01 12,5 ; 02 4 000 000 / 160 000 = 25 ; 03 9 000 000 / 240 000 = 37,5 -> median 25,0.
    assert table.at["2014", "Médiane des départements (€ par habitant)"] == "25,0"
    assert table.at["2013", "Population utilisée"] == "population municipale 2026"
    assert table.at["2014", "Population utilisée"] == "Filosofi 2014"
    assert view.export.set_index("Année").at[2013, "Population (source)"] == FIXED
    caption = next(a.text for a in view.figure.layout.annotations if a.name == "source").replace("<br>", " ")
    assert "population : INSEE, Filosofi 2014–2019 et population municipale 2026 pour 2012–2013" in caption
    assert "DREES, enquête Aide sociale — Les dépenses d'aide sociale départementale – séries longues, tableau " \
           "RSA-RMI tab3, 2012–2019" in view.real_and_fictive
    assert "Réel" in view.real_and_fictive and "données fictives de démonstration" in view.real_and_fictive
    assert len(view.substitutions) == 1 and "2018 →" in view.substitutions[0]
    assert "Seule l'année 2019 est commune" in view.scope


def test_the_view_says_why_there_is_no_series():
    spending, terr, persons, funding = _view_inputs()
    empty = spending.iloc[0:0]
    view = effet_levier.own_spending_view(empty, terr, persons, funding, code="01", name="Ain", programme="CALPAE",
                                          stage="spent", contract_years=(2019,), is_demo=True)
    assert "ne sont pas encore importées" in view.message and view.figure is None
    other = spending[spending["code"] != "01"]
    view = effet_levier.own_spending_view(other, terr, persons, funding, code="01", name="Ain", programme="CALPAE",
                                          stage="spent", contract_years=(2019,), is_demo=True)
    assert "ne publie pas de série" in view.message and "Ain" in view.message


def test_tested_years_are_the_contract_years_with_spending_that_year_and_the_year_before():
    spending, terr, persons, funding = _view_inputs()
    calpae = effet_levier.own_spending_view(spending, terr, persons, funding, code="02", name="Aisne",
                                            programme="CALPAE", stage="spent", contract_years=(2019, 2020, 2021, 2022),
                                            is_demo=True)
    assert calpae.tested_years == (2019,) and calpae.substitutions == []
    cdppe = effet_levier.own_spending_view(spending.assign(indicator="STAT-DEP-ASE-NETTES"), terr, persons, funding,
                                           code="02", name="Aisne", programme="CDPPE", stage="spent",
                                           contract_years=(2020, 2021, 2022), is_demo=True)
    assert cdppe.tested_years == () and "Aucune année commune" in cdppe.scope
