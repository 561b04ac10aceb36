"""Lever-effect metrics against hand computations, the Effet levier view and its export table on the demo, and the demo
funding against the national envelopes and waves."""

from __future__ import annotations

import math

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


def test_cost_per_additional_beneficiary_by_hand():
    values = _v([("A", "IND1", 2023, 100), ("A", "IND1", 2025, 150), ("A", "IND3", 2023, 10), ("A", "IND3", 2025, 15)])
    costs = lever.cost_per_result(FUNDING, values, INDICATORS, ["A"], stage="spent").set_index("indicator")
    assert "IND2" not in costs.index  # a percentage is not a count of beneficiaries
    ind1 = costs.loc["IND1"]
    assert (ind1["t0"], ind1["end"], ind1["additional"]) == (2023, 2025, 50)
    assert ind1["euros"] == 80 + 60 + 150 + 100 and ind1["cost"] == pytest.approx(390 / 50)
    assert ind1["caveat"] == ""
    ind3 = costs.loc["IND3"]
    assert ind3["cost"] == pytest.approx(50 / 5) and "moins de 10 bénéficiaires supplémentaires" in ind3["caveat"]
    planned = lever.cost_per_result(FUNDING, values, INDICATORS, ["A"], stage="planned").set_index("indicator")
    assert planned.loc["IND1", "cost"] == pytest.approx((100 + 120 + 200 + 150) / 50)


def test_cost_caveats_funded_baseline_no_gain_and_missing_territory():
    funded_t0 = _v([("A", "IND1", 2024, 100), ("A", "IND1", 2025, 130)])
    row = lever.cost_per_result(FUNDING, funded_t0, INDICATORS, ["A"]).set_index("indicator").loc["IND1"]
    assert row["t0"] == 2024 and row["euros"] == 150 + 100 and row["cost"] == pytest.approx(250 / 30)
    assert "pas de valeur avant le premier financement (2024)" in row["caveat"]
    fall = _v([("A", "IND1", 2023, 100), ("A", "IND1", 2025, 90)])
    row = lever.cost_per_result(FUNDING, fall, INDICATORS, ["A"]).set_index("indicator").loc["IND1"]
    assert math.isnan(row["cost"]) and "aucun bénéficiaire supplémentaire" in row["caveat"]
    both = _v([("A", "IND1", 2023, 100), ("A", "IND1", 2025, 150), ("B", "IND1", 2023, 200)])
    row = lever.cost_per_result(FUNDING, both, INDICATORS, ["A", "B"]).set_index("indicator").loc["IND1"]
    assert row["territories"] == 1 and row["cost"] == pytest.approx(390 / 50)  # B has no 2025 value: left out
    assert "1 territoire(s) sans valeur" in row["caveat"]
    row = lever.cost_per_result(FUNDING, both, INDICATORS, ["A"], end_year=2024).set_index("indicator").loc["IND1"]
    assert "une seule année" in row["caveat"]


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
