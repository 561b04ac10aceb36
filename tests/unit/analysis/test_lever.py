"""Lever-effect metrics against hand computations, the Effet levier view and its export table on the demo, and the demo
funding against the national envelopes and waves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from levier.analysis import lever
from levier.demo.common import public_first_wave
from levier.demo.funding import national_envelopes
from levier.store.db import Query
from levier.views import effet_levier


def _f(rows):
    return pd.DataFrame(rows, columns=["code", "programme", "axis", "action", "year", "funder", "planned", "committed",
                                       "spent"])


FUNDING = _f([
    ("A", "PACTE", "1", "X", 2024, "etat", 100, 90, 80),
    ("A", "PACTE", "1", "X", 2024, "departement", 120, 100, 60),
    ("A", "PACTE", "1", "X", 2025, "etat", 200, 180, 150),
    ("A", "PACTE", "1", "X", 2025, "departement", 150, 150, 100),
    ("A", "PACTE", "2", "Y", 2024, "etat", 50, 50, 50),
    ("B", "PACTE", "1", "X", 2024, "etat", 1000, 800, 500),
    ("B", "PACTE", "1", "X", 2024, "departement", 1000, 800, 500),
])
INDICATORS = pd.DataFrame([
    ("IND1", "Personnes accompagnées", "PACTE", "1", "X", "réalisation", "personnes", None, None),
    ("IND2", "Taux de sortie", "PACTE", "1", "X", "résultat", "%", "IND1", "IND0"),
    ("IND3", "Personnes orientées", "PACTE", "2", "Y", "résultat", "personnes", None, None),
], columns=["code", "label", "programme", "axis", "action", "kind", "unit", "numerator", "denominator"])


def _v(rows):
    return pd.DataFrame(rows, columns=["code", "indicator", "period", "value"])


def test_action_totals_execution_rates_and_leverage_by_hand():
    t = lever.action_totals(FUNDING, codes=["A"]).set_index("action")
    x = t.loc["X"]
    assert (x["etat_planned"], x["etat_committed"], x["etat_spent"]) == (300, 270, 230)
    assert (x["departement_planned"], x["departement_committed"], x["departement_spent"]) == (270, 250, 160)
    assert x["total_committed_rate"] == pytest.approx(100 * 520 / 570)
    assert x["total_spent_rate"] == pytest.approx(100 * 390 / 570)
    assert x["etat_spent_rate"] == pytest.approx(100 * 230 / 300)
    assert x["leverage"] == pytest.approx(390 / 230)
    y = t.loc["Y"]
    assert math.isnan(y["departement_planned"]) and y["total_planned"] == 50 and y["leverage"] == 1.0
    only_2025 = lever.action_totals(FUNDING, codes=["A"], years=[2025]).set_index("action")
    assert list(only_2025.index) == ["X"] and only_2025.loc["X", "etat_planned"] == 200


def test_territory_action_totals_keep_each_territory_apart():
    t = lever.territory_action_totals(FUNDING).set_index(["code", "action"])
    assert len(t) == 3  # (A, X), (A, Y), (B, X)
    a = t.loc[("A", "X")]
    assert (a["etat_spent"], a["departement_spent"]) == (230, 160)
    assert a["leverage_spent"] == pytest.approx(390 / 230) == a["leverage"]
    assert a["own_per_state_planned"] == pytest.approx(270 / 300)
    b = t.loc[("B", "X")]
    assert b["leverage_committed"] == 2.0 and b["own_per_state_spent"] == 1.0
    assert t.loc[("A", "Y"), "own_per_state_spent"] == 0.0  # no own money: 0 € per State €
    only_2025 = lever.territory_action_totals(FUNDING, years=[2025])
    assert only_2025[["code", "action"]].values.tolist() == [["A", "X"]]


def test_leverage_and_own_per_state():
    assert lever.leverage(100, 150) == (2.5, 1.5)
    assert lever.leverage(100, float("nan")) == (1.0, 0.0)
    assert all(math.isnan(v) for v in lever.leverage(0, 10))
    assert lever.CONTRACT_LEVERAGE == lever.leverage(1, 1)[0]


def test_poor_population_takes_the_latest_year_at_or_before():
    stats = _v([("A", "STAT-NBPERS", 2019, 1000), ("A", "STAT-NBPERS", 2020, 2000), ("A", "STAT-TP60", 2020, 10.0),
                ("B", "STAT-NBPERS", 2020, 5000)])
    at_2019 = lever.poor_population(stats, 2019).set_index("code")
    assert at_2019.loc["A", "persons"] == 1000 and at_2019.loc["A", "rate_year"] == 2020  # no rate before: latest one
    assert at_2019.loc["A", "poor"] == 100
    latest = lever.poor_population(stats).set_index("code")
    assert latest.loc["A", "poor"] == 200
    assert math.isnan(latest.loc["B", "poor"])  # no published poverty rate


def test_leverage_table_per_poor_inhabitant_and_caveats():
    amounts = lever.territory_amounts(FUNDING, "spent")
    territories = pd.DataFrame({"code": ["A", "B", "C"], "name": ["Alpha", "Bêta", "Gamma"]})
    poor = pd.DataFrame({"code": ["A"], "poor": [100.0]})
    t = lever.leverage_table(amounts, territories, poor).set_index("code")
    assert t.loc["A", "state"] == 280 and t.loc["A", "own"] == 160
    assert t.loc["A", "leverage"] == pytest.approx(440 / 280)
    assert t.loc["A", "own_per_state"] == pytest.approx(160 / 280)
    assert t.loc["A", "state_per_poor"] == pytest.approx(2.8) and t.loc["A", "total_per_poor"] == pytest.approx(4.4)
    assert "moins de 10\u00a0000 € de l'État" in t.loc["A", "caveat"]
    assert "population pauvre inconnue" in t.loc["B", "caveat"] and math.isnan(t.loc["B", "state_per_poor"])
    assert "aucun € de l'État" in t.loc["C", "caveat"] and math.isnan(t.loc["C", "leverage"])
    agg = lever.aggregate_leverage(t.reset_index(), ["A", "B"])
    assert agg["leverage"] == pytest.approx((780 + 660) / 780)
    assert agg["state_per_poor"] == pytest.approx(2.8) and agg["missing_poor"] == 1


# Cost per result. Planted action X of territory A: 100 000 € spent a year in 2024, 2025 and 2026 (50 000 € from
# each funder; 120 000 € planned), nothing before; T0 is therefore 2023.
COST_FUNDING = _f([
    *((code, "PACTE", "1", "X", y, who, 60_000, 55_000, 50_000) for code in ("A", "B") for y in (2024, 2025, 2026)
      for who in ("etat", "departement")),
    *(("C", "PACTE", "1", "X", y, who, 30_000, 25_000, 25_000) for y in (2024, 2025, 2026)
      for who in ("etat", "departement")),
    *(("A", "CALPAE", "1", "CALPAE-1.2", y, "etat", 100_000, 100_000, 100_000) for y in (2020, 2021, 2022)),
])
COST_INDICATORS = pd.DataFrame([
    ("IND1", "Personnes accompagnées", "PACTE", "1", "X", "réalisation", "personnes", "hausse", None, None),
    ("IND4", "Enfants suivis", "PACTE", "1", "X", "résultat", "personnes", None, None, None),
    ("IND5", "Personnes en attente", "PACTE", "1", "X", "résultat", "personnes", "baisse", None, None),
    ("CALPAE-1.2-ABRI", "Adultes et mineurs mis à l'abri", "CALPAE", "1", "CALPAE-1.2", "résultat", "personnes",
     "hausse", None, None),
    ("CALPAE-1.2-ABRI-MIN", "Mineurs mis à l'abri", "CALPAE", "1", "CALPAE-1.2", "résultat", "personnes", "hausse",
     None, None),
], columns=["code", "label", "programme", "axis", "action", "kind", "unit", "direction", "numerator", "denominator"])


def _series(code, indicator, pairs):
    return _v([(code, indicator, y, v) for y, v in pairs])


def _cost(values, codes=("A",), **kw):
    return lever.cost_per_result(COST_FUNDING, values, COST_INDICATORS, list(codes), **kw).set_index("indicator")


def test_cost_is_euros_of_the_funded_years_per_beneficiary_year_above_t0():
    # Hand computation: T0 = 2023 (50); 2024–2026 give 60, 70, 80: 10 + 20 + 30 = 60 beneficiary-years;
    # 3 × 100 000 € = 300 000 € spent: 5 000 € per beneficiary-year. The old figure divided the same money by the
    # last year's rise (80 − 50 = 30): 10 000 € per "extra" beneficiary, twice as much.
    values = _series("A", "IND1", [(2022, 10), (2023, 50), (2024, 60), (2025, 70), (2026, 80)])
    row = _cost(values).loc["IND1"]
    assert row["t0"] == "2023" and row["baseline"] == 50 and row["funded_years"] == "2024–2026"
    assert row["beneficiary_years"] == 60 and row["euros"] == 300_000 and row["cost"] == pytest.approx(5_000)
    assert row["caveat"] == ""
    assert _cost(values, stage="planned").loc["IND1", "cost"] == pytest.approx(360_000 / 60)  # 6 000 €
    # The period stops in 2025: 200 000 € for 10 + 20 = 30 beneficiary-years.
    row = _cost(values, end_year=2025).loc["IND1"]
    assert row["funded_years"] == "2024–2025" and row["cost"] == pytest.approx(200_000 / 30)
    # A funded year without a value counts neither its euros nor its beneficiaries: 200 000 € / (10 + 30) = 5 000 €.
    gap = _series("A", "IND1", [(2023, 50), (2024, 60), (2026, 80)])
    row = _cost(gap).loc["IND1"]
    assert row["cost"] == pytest.approx(200_000 / 40) and row["funded_years"] == "2024, 2026"
    assert "sans valeur (2025)" in row["caveat"]


def test_t0_is_the_year_before_the_first_funding_and_without_its_value_there_is_no_cost():
    # 2022 has a value but T0 is 2023, the year before the first funding (2024): no baseline, no cost; a funded year
    # (2024) is never taken as T0.
    values = _series("A", "IND1", [(2022, 40), (2024, 60), (2025, 70), (2026, 80)])
    row = _cost(values).loc["IND1"]
    assert math.isnan(row["cost"]) and row["t0"] == "2023"
    assert "pas de valeur en 2023, l'année précédant le premier financement (2024)" in row["caveat"]


def test_no_cost_without_a_rise_above_t0_and_caveats_on_small_denominators():
    # 50 at T0, then 40, 50, 60: −10 + 0 + 10 = 0 beneficiary-year.
    flat = _series("A", "IND1", [(2023, 50), (2024, 40), (2025, 50), (2026, 60)])
    row = _cost(flat).loc["IND1"]
    assert math.isnan(row["cost"]) and row["beneficiary_years"] == 0
    assert "pas de hausse au-dessus du niveau d'avant financement" in row["caveat"]
    # 50 at T0, then 51, 52, 53: 6 beneficiary-years, 50 000 € each; below 10, said.
    small = _series("A", "IND1", [(2023, 50), (2024, 51), (2025, 52), (2026, 53)])
    row = _cost(small).loc["IND1"]
    assert row["cost"] == pytest.approx(50_000) and "moins de 10 bénéficiaires-années" in row["caveat"]
    # 1 000 at T0, then 1 010 each year: 30 beneficiary-years, below 5 % × 1 000 × 3 = 150: a rise within noise.
    thin = _series("A", "IND1", [(2023, 1000), (2024, 1010), (2025, 1010), (2026, 1010)])
    row = _cost(thin).loc["IND1"]
    assert row["cost"] == pytest.approx(10_000) and "hausse inférieure à 5\u00a0% du niveau T0" in row["caveat"]


def test_no_cost_for_an_indicator_without_a_desired_direction():
    rising = [(2023, 50), (2024, 60), (2025, 70), (2026, 80)]
    values = pd.concat([_series("A", "IND4", rising), _series("A", "IND5", rising)])
    costs = _cost(values)
    assert math.isnan(costs.loc["IND4", "cost"]) and "sans sens souhaité" in costs.loc["IND4", "caveat"]
    assert math.isnan(costs.loc["IND5", "cost"]) and "à faire baisser" in costs.loc["IND5", "caveat"]


def test_a_breakdown_line_is_charged_its_share_or_gets_no_cost():
    # CALPAE-1.2: 100 000 € a year 2020–2022. All sheltered: 50 at T0 (2019), then 60, 70, 80: 5 000 €.
    # Minors sheltered (a "dont" line): 20, then 25, 30, 35: 30 beneficiary-years.
    values = pd.concat([_series("A", "CALPAE-1.2-ABRI", [(2019, 50), (2020, 60), (2021, 70), (2022, 80)]),
                        _series("A", "CALPAE-1.2-ABRI-MIN", [(2019, 20), (2020, 25), (2021, 30), (2022, 35)])])
    costs = _cost(values)
    assert costs.loc["CALPAE-1.2-ABRI", "cost"] == pytest.approx(5_000)
    minors = costs.loc["CALPAE-1.2-ABRI-MIN"]
    assert math.isnan(minors["cost"]) and math.isnan(minors["euros"])  # was 300 000 / 15 = 20 000 €, all the money
    assert "ligne de détail" in minors["caveat"] and "n'est pas connue" in minors["caveat"]
    # Its share known (40 % of the money): 0,4 × 300 000 = 120 000 € / 30 = 4 000 €.
    shares = pd.DataFrame({"indicator": ["CALPAE-1.2-ABRI-MIN"], "share": [0.4]})
    minors = _cost(values, shares=shares).loc["CALPAE-1.2-ABRI-MIN"]
    assert minors["euros"] == pytest.approx(120_000) and minors["cost"] == pytest.approx(4_000)
    assert "40,0\u00a0% des € de l'action" in minors["caveat"]
    assert lever.breakdown_lines(COST_INDICATORS) == {"CALPAE-1.2-ABRI-MIN": "CALPAE-1.2-ABRI"}


def test_a_value_kept_out_by_quality_is_never_used_in_a_cost():
    values = _series("A", "IND1", [(2023, 50), (2024, 60), (2025, 70), (2026, 80)])
    values["unranked_reason"] = [None, None, "contrôle qualité : unité douteuse (voir Qualité)", None]
    row = _cost(values).loc["IND1"]
    assert math.isnan(row["cost"]) and math.isnan(row["euros"])
    assert "valeur 2025 écartée (contrôle qualité : unité douteuse (voir Qualité))" in row["caveat"]
    values["unranked_reason"] = [None, np.nan, "", None]  # empty reasons: rankable, the cost stands
    assert _cost(values).loc["IND1", "cost"] == pytest.approx(5_000)


def test_a_region_sums_money_and_beneficiary_years_of_the_territories_that_have_them():
    # A: 300 000 € / 60. B: no value at T0, left out. C: 150 000 € spent, 100 at T0 then 130 each year: 90.
    # (300 000 + 150 000) / (60 + 90) = 3 000 €.
    values = pd.concat([_series("A", "IND1", [(2023, 50), (2024, 60), (2025, 70), (2026, 80)]),
                        _series("B", "IND1", [(2024, 500), (2025, 900), (2026, 1000)]),
                        _series("C", "IND1", [(2023, 100), (2024, 130), (2025, 130), (2026, 130)])])
    row = _cost(values, codes=("A", "B", "C")).loc["IND1"]
    assert row["territories"] == 2 and row["euros"] == 450_000 and row["beneficiary_years"] == 150
    assert row["cost"] == pytest.approx(3_000)
    assert "1 territoire(s) exclus : pas de valeur en 2023" in row["caveat"]
    gated = values.assign(unranked_reason=np.where((values["code"] == "C") & (values["period"] == 2024),
                                                   "valeur plancher", None))
    row = _cost(gated, codes=("A", "B", "C")).loc["IND1"]
    assert row["territories"] == 1 and row["cost"] == pytest.approx(5_000)
    assert "2 territoire(s) exclus" in row["caveat"] and "valeur écartée par le contrôle qualité (1)" in row["caveat"]


def test_substitution_flag_needs_own_down_and_state_up_in_consecutive_years():
    f = _f([
        ("A", "CALPAE", "3", "Z", 2020, "etat", 100, 100, 100), ("A", "CALPAE", "3", "Z", 2020, "departement", 100, 100, 100),
        ("A", "CALPAE", "3", "Z", 2021, "etat", 120, 120, 120), ("A", "CALPAE", "3", "Z", 2021, "departement", 80, 80, 80),
        ("B", "CALPAE", "3", "Z", 2020, "etat", 100, 100, 100), ("B", "CALPAE", "3", "Z", 2020, "departement", 100, 100, 100),
        ("B", "CALPAE", "3", "Z", 2021, "etat", 120, 120, 120), ("B", "CALPAE", "3", "Z", 2021, "departement", 97, 97, 97),
        ("C", "CALPAE", "3", "Z", 2019, "etat", 100, 100, 100), ("C", "CALPAE", "3", "Z", 2019, "departement", 100, 100, 100),
        ("C", "CALPAE", "3", "Z", 2021, "etat", 150, 150, 150), ("C", "CALPAE", "3", "Z", 2021, "departement", 50, 50, 50),
    ])
    flags = lever.substitution_flags(f, "spent")
    assert flags[["code", "year"]].values.tolist() == [["A", 2021]]
    msg = flags["message"].iloc[0].replace("\u00a0", " ")
    assert "baissent de 20 %" in msg and "augmentent de 20 %" in msg and "Z (A), 2020 → 2021" in msg
    assert lever.substitution_flags(f, "spent", codes=["B", "C"]).empty


def test_new_action_with_beneficiaries_before_its_first_funding():
    flags = pd.DataFrame({"code": ["A", "A"], "programme": ["PACTE", "PACTE"], "action": ["X", "Y"],
                          "nature": ["nouvelle", "nouvelle"]})
    values = _v([("A", "IND1", 2023, 100)])
    found, unchecked = lever.new_action_flags(flags, FUNDING, values, INDICATORS)
    assert found[["code", "action", "year", "indicator", "value"]].values.tolist() == [["A", "X", 2023, "IND1", 100.0]]
    assert "déclarée « mesure nouvelle »" in found["message"].iloc[0]
    assert unchecked == 1  # Y: no value in 2023, the declaration cannot be checked
    reinforced = flags.assign(nature="renforcement")
    assert lever.new_action_flags(reinforced, FUNDING, values, INDICATORS)[0].empty


def test_reallocation_flows_add_up():
    moves = pd.DataFrame({"code": ["A", "A", "B", "A"], "year": [2024, 2025, 2024, 2024],
                          "from_action": ["X", "X", "X", "Y"], "to_action": ["Y", "Y", "Y", "X"],
                          "amount": [10.0, 5.0, 100.0, 1.0]})
    flows = lever.reallocation_flows(moves, codes=["A"]).set_index(["from_action", "to_action"])
    assert flows.loc[("X", "Y"), "amount"] == 15 and flows.loc[("X", "Y"), "moves"] == 2
    assert lever.reallocation_flows(moves, codes=["A"], years=[2025])["amount"].tolist() == [5.0]


# ---------------------------------------------------------------------------------------------------------------
# The demo


def test_demo_state_money_adds_up_to_the_national_envelopes(demo_db):
    env = national_envelopes()
    for programme in ("CALPAE", "CDPPE", "PACTE"):
        f = demo_db.read(Query.FUNDING_CURRENT, {"programme": programme, "level": "departement"})
        state = f[f["funder"].str.startswith("etat")].groupby("year")["planned"].sum()
        for (prog, year), amount in env.items():
            if prog == programme and year in state.index:
                assert state[year] == pytest.approx(amount, abs=0.5), (programme, year)
    cdppe = demo_db.read(Query.FUNDING_CURRENT, {"programme": "CDPPE", "level": "departement"})
    lines = cdppe[cdppe["year"] == 2020].groupby("funder")["planned"].sum()
    assert lines["etat_budget"] == 50_000_000 and lines["etat_fir"] == 15_000_000 and lines["etat_ondam"] == 15_000_000
    assert cdppe[cdppe["year"] == 2020]["code"].nunique() == 30
    assert env[("CALPAE", 2019)] == 135_000_000 and env[("PACTE", 2024)] == 260_000_000


def test_demo_waves_are_stored_once_and_drive_the_returns(demo_db):
    waves = demo_db.read(Query.CONTRACT_CURRENT, {"programme": "CDPPE", "level": "departement"}).set_index("code")
    assert len(waves) == 101
    assert waves["signed_year"].value_counts().to_dict() == {2020: 30, 2021: 40, 2022: 31}
    public = set(public_first_wave())
    assert {"2A", "2B", "59", "974"} <= public and len(public) == 22
    assert set(waves.index[waves["wave_source"] == "liste publique"]) == public
    assert (waves.loc[list(public), "signed_year"] == 2020).all()
    assert set(waves.loc[waves["wave_source"] == "complété par le générateur", "signed_year"]) == {2020, 2021, 2022}
    assert waves.loc["93", "signed_year"] != 2020  # the Seine-Saint-Denis did not apply in 2020
    with demo_db.reader() as r:
        signed = r._con.execute(
            "SELECT territory_code, min(period) FROM current_fact WHERE indicator LIKE 'CDPPE-%' "
            "AND comment LIKE '%Contrat signé en%' GROUP BY territory_code").fetchall()
    # The demo returns note « Contrat signé en AAAA » in the bilan of the signing year: the same waves.
    assert {c: int(y) for c, y in signed} == {c: int(y) for c, y in waves["signed_year"].items()}
    funded = demo_db.read(Query.FUNDING_CURRENT, {"programme": "CDPPE", "level": "departement"})
    assert funded.groupby("code")["year"].min().to_dict() == {c: int(y) for c, y in waves["signed_year"].items()}


def test_demo_lever_page_shows_the_planted_cases(demo_db):
    nord = effet_levier.lever_view(demo_db, "departement", "59", "CALPAE", "planned", 2019, 2022)
    assert any(m.startswith("CALPAE-3.1 (59), 2020 → 2021") and "baissent de 30" in m for m in nord.substitutions)
    assert nord.headline["Effet levier"] != "–"
    assert nord.unchecked_new > 0  # CALPAE actions declared new: no year before 2019 to check them
    isere = effet_levier.lever_view(demo_db, "departement", "38", "PACTE", "spent", 2024, 2026)
    assert any("PACTE-MOBECO (38)" in m for m in isere.new_actions)
    france = effet_levier.lever_view(demo_db, "france", "FR", "PACTE", "spent", 2024, 2026)
    assert any("PACTE-RSA (62)" in m for m in france.substitutions)
    assert len(france.execution) == 11 and france.sankey_figure is not None
    assert "3 département(s) sans taux de pauvreté publié" in " ".join(france.notes)


def test_demo_euros_per_poor_inhabitant_match_a_hand_computation(demo_db):
    data = effet_levier.load_lever_data(demo_db, "PACTE")
    f = data.funding[(data.funding["code"] == "62") & data.funding["year"].between(2024, 2025)]
    total = f["spent"].sum()
    s = data.stats[data.stats["code"] == "62"]
    persons = s[(s["indicator"] == "STAT-NBPERS")].sort_values("period")["value"].iloc[-1]
    rate = s[(s["indicator"] == "STAT-TP60")].sort_values("period")["value"].iloc[-1]
    view = effet_levier.lever_view(demo_db, "departement", "62", "PACTE", "spent", 2024, 2025)
    expected = total / (persons * rate / 100)
    assert view.headline["€ par habitant pauvre"] == f"{expected:,.1f}".replace(",", "\u00a0").replace(".", ",") + "\u00a0€"


def test_funding_table_is_the_page_execution_table_per_territory(demo_db):
    table = effet_levier.funding_table(demo_db)
    assert list(table.columns[:2]) == ["code", "libelle"]
    assert table["code"].map(type).eq(str).all() and "2A" in set(table["code"])
    assert not table.duplicated(["code", "programme", "action"]).any()
    for col in ("etat_prevu", "departement_engage", "total_consomme", "effet_levier_consomme",
                "euros_propres_par_euro_etat_prevu", "taux_consommation_total"):
        assert pd.api.types.is_float_dtype(table[col]), col
    nord = effet_levier.funding_table(demo_db, territory="59")
    assert set(nord["code"]) == {"59"} and set(nord["libelle"]) == {"Nord"}
    pacte = nord[nord["programme"] == "PACTE"].set_index("action")
    years = {p.code: p.years for p in effet_levier.funding_programmes(demo_db)}["PACTE"]
    assert (pacte["annee_debut"].iloc[0], pacte["annee_fin"].iloc[0]) == (years[0], years[-1])
    page = effet_levier.lever_view(demo_db, "departement", "59", "PACTE", "spent", years[0], years[-1])
    shown = page.execution_export.set_index("Code action")
    assert list(pacte.index) == list(shown.index)  # same actions, in the page's order
    for ours, theirs in (("etat_prevu", "État prévu (€)"), ("departement_consomme", "Département consommé (€)"),
                         ("effet_levier_consomme", "Effet levier (consommé)")):
        assert pacte[ours].tolist() == pytest.approx(shown[theirs].tolist(), nan_ok=True), ours
    row = pacte.iloc[0]
    assert row["euros_propres_par_euro_etat_consomme"] == pytest.approx(row["departement_consomme"] / row["etat_consomme"])
    one_year = effet_levier.funding_table(demo_db, territory="59", year=years[-1])
    assert set(one_year["annee_debut"]) == {years[-1]}


def test_funding_table_by_region_sums_its_departements(demo_db):
    deps = effet_levier.funding_table(demo_db)
    hdf = effet_levier.funding_table(demo_db, level="region", territory="32")
    assert set(hdf["code"]) == {"32"} and set(hdf["libelle"]) == {"Hauts-de-France"}
    hdf_deps = deps[deps["code"].isin(["02", "59", "60", "62", "80"])]
    for programme in set(hdf["programme"]):
        mine = hdf[hdf["programme"] == programme]
        assert mine["etat_consomme"].sum() == pytest.approx(hdf_deps.loc[hdf_deps["programme"] == programme,
                                                                          "etat_consomme"].sum())
    assert effet_levier.funding_table(demo_db, territory="ZZ").empty
    with pytest.raises(ValueError, match="suivis par département"):
        effet_levier.funding_table(demo_db, level="epci")


def test_demo_isere_costs_per_beneficiary_year(demo_db):
    # CALPAE: the demo returns start in 2019, the first funded year; T0 = 2018 has no value, so no cost (the old
    # figure, 1 884 063 € / (106 − 94) = 157 005 € per "extra" young person, took the funded 2019 as T0).
    calpae = effet_levier.lever_view(demo_db, "departement", "38", "CALPAE", "spent", 2019, 2022)
    costs = calpae.costs_export.set_index("Code indicateur")
    ref = costs.loc["CALPAE-1.1.1-REF"]
    assert math.isnan(ref["€ par bénéficiaire-année"])
    assert "pas de valeur en 2018, l'année précédant le premier financement (2019)" in ref["Mise en garde"]
    assert "ligne de détail" in costs.loc["CALPAE-4.1.1-TH-TER", "Mise en garde"]  # was 2 670 500 € for one trainee
    assert "sans sens souhaité" in costs.loc["CALPAE-1.2-PROT", "Mise en garde"]  # was 1 296 257 € per child
    # PACTE: recomputed here from the stored funding and values, T0 = 2023.
    pacte = effet_levier.lever_view(demo_db, "departement", "38", "PACTE", "spent", 2024, 2026)
    data = effet_levier.load_lever_data(demo_db, "PACTE")
    v = data.values[(data.values["code"] == "38") & (data.values["indicator"] == "PACTE-1-ACC")].set_index("period")
    f = data.funding[(data.funding["code"] == "38") & (data.funding["action"] == "PACTE-1000J")]
    assert f["year"].min() == 2024
    bys = sum(v.loc[y, "value"] - v.loc[2023, "value"] for y in (2024, 2025, 2026))
    row = pacte.costs_export.set_index("Code indicateur").loc["PACTE-1-ACC"]
    assert row["Bénéficiaires-années au-dessus de T0"] == bys and row["Année T0 (avant financement)"] == "2023"
    assert row["€ par bénéficiaire-année"] == pytest.approx(f["spent"].sum() / bys)
    shown = pacte.costs.set_index("Indicateur").loc[effet_levier.short_indicator_label(row["Indicateur"])]
    assert shown["T0 (année · bénéficiaires)"] == f"2023 · {int(v.loc[2023, 'value'])}"
    assert shown["Action"] == "PACTE-1000J"
