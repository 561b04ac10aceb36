"""Ranking figures on planted data: a count is ranked as its rate, a count without denominator and a published floor
are shown but never ranked; every expected number below is computed by hand in the comments."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from levier.analysis import positions as pos
from levier.analysis import rates as m
from levier.core.fmt import NBSP

# A catalogue of six indicators: two typed counts (one the other's denominator), a count over the population, a count
# with no meaningful denominator, a count nobody gave a denominator to, and the 40 % poverty rate with its floor.
CAT = pd.DataFrame({
    "code": ["REF", "MAJ", "ACC", "INST", "NEW", "TP40"],
    "unit": ["personnes", "personnes", "personnes", "nombre", "personnes", "%"],
    "direction": ["hausse", None, "hausse", "hausse", "hausse", "baisse"],
    "rate_base": ["MAJ", "population", "population", "aucun", None, None],
    "rate_scale": [100.0, 100000.0, 1000.0, None, None, None],
    "rate_noun": ["jeunes devenus majeurs", None, None, None, None, None],
    "published_floor": [None, None, None, None, None, 5.0],
}).set_index("code", drop=False)

TERR = pd.DataFrame({"code": ["59", "38", "976"], "name": ["Nord", "Isère", "Mayotte"], "reg": ["32", "84", "06"]})
POPULATION = {"59": 2_600_000.0, "38": 1_300_000.0, "976": 300_000.0}


def long(indicator: str, period: int, values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"code": list(values), "indicator": indicator, "period": period, "value": list(values.values())})


def test_a_large_count_is_ranked_on_its_rate_not_on_its_size():
    # Nord takes charge of 300 young people out of 1 000 turning 18 (30 per 100), Isère 60 of 100 (60), Mayotte 40 of
    # 50 (80). Raw, Nord would be 1st « favorable »; on the rate it is 3rd, below the median 60: « défavorable ».
    ref = long("REF", 2021, {"59": 300.0, "38": 60.0, "976": 40.0})
    maj = long("MAJ", 2021, {"59": 1000.0, "38": 100.0, "976": 50.0})
    frame = m.ranking_frame(ref, CAT, POPULATION, maj, 2026)
    assert frame.set_index("code")["value"].to_dict() == pytest.approx({"59": 30.0, "38": 60.0, "976": 80.0})
    assert frame["raw_value"].tolist() == [300.0, 60.0, 40.0]  # the count is still what is shown
    assert frame["rank_unit"].iloc[0] == "pour 100 jeunes devenus majeurs"
    assert "MAJ" in frame["rank_basis"].iloc[0]
    p = pos.positions(frame.merge(TERR, on="code"), "hausse")
    nord = p.row("59")
    assert nord["rank"] == 3 and nord["quartile"] == 4 and nord["nat_median"] == pytest.approx(60.0)
    assert nord["assessment_nat"] == pos.BAD and nord["raw_value"] == 300.0
    assert p.row("976")["rank"] == 1


def test_a_count_over_the_population_says_per_how_many_inhabitants_and_which_population():
    # 5 200 / 2 600 000 × 1 000 = 2,0 ; 1 300 / 1 300 000 × 1 000 = 1,0.
    frame = m.ranking_frame(long("ACC", 2022, {"59": 5200.0, "38": 1300.0}), CAT, POPULATION, None, 2026)
    assert frame["value"].tolist() == pytest.approx([2.0, 1.0])
    assert frame["rank_basis"].iloc[0] == (f"pour 1{NBSP}000 habitants, population municipale INSEE en vigueur "
                                           "en 2026")


def test_a_count_without_denominator_is_shown_without_rank_quartile_or_label():
    for indicator in ("INST", "NEW"):  # 'aucun', and a count the catalogue gave no denominator: never ranked raw
        frame = m.ranking_frame(long(indicator, 2021, {"59": 18.0, "38": 5.0, "976": 2.0}), CAT, POPULATION)
        assert set(frame["unranked_reason"]) == {m.REASON_NO_DENOMINATOR}
        assert frame["value"].tolist() == [18.0, 5.0, 2.0]  # shown as they are
        p = pos.positions(frame.merge(TERR, on="code"), "hausse")
        assert p.n_ranked == 0 and p.table["rank"].isna().all() and p.table["quartile"].isna().all()
        assert set(p.table["assessment_nat"]) == {pos.UNRANKED} and math.isnan(p.nat_median)


def test_a_missing_or_zero_denominator_keeps_the_count_shown_but_unranked():
    ref = long("REF", 2021, {"59": 300.0, "38": 60.0, "976": 40.0})
    maj = long("MAJ", 2021, {"59": 1000.0, "38": 0.0})  # Mayotte sent no denominator, Isère a zero
    frame = m.ranking_frame(ref, CAT, POPULATION, maj).set_index("code")
    assert frame.at["59", "value"] == pytest.approx(30.0) and pd.isna(frame.at["59", "unranked_reason"])
    assert frame.at["38", "unranked_reason"] == "dénominateur MAJ nul : effectif non classé"
    assert frame.at["976", "unranked_reason"] == "dénominateur MAJ non transmis pour cette année : effectif non classé"
    assert frame.at["976", "value"] == 40.0  # the count, not a NaN that would read as « aucune valeur transmise »


def test_a_value_published_at_its_floor_is_shown_le_and_never_ranked():
    # One of four at the floor: Isère's 5,0 is « ≤ 5,0 % », unranked; the three others are ranked 1..3.
    values = long("TP40", 2020, {"38": 5.0, "59": 7.1, "976": 9.0, "13": 6.2})
    frame = m.ranking_frame(values, CAT, POPULATION).set_index("code")
    assert frame.at["38", "censored"] and not frame.at["59", "censored"]
    assert frame.at["38", "unranked_reason"] == f"valeur plancher publiée par l'INSEE : ≤ 5,0{NBSP}%"
    assert m.shown_value(5.0, "%", True) == f"≤ 5,0{NBSP}%"
    p = pos.positions(frame.reset_index().assign(reg="84"), "baisse")
    assert p.row("38")["rank"] is pd.NA or pd.isna(p.row("38")["rank"])
    assert p.n_ranked == 3 and p.row("13")["rank"] == 1 and p.nat_median == pytest.approx(7.1)


def test_when_half_the_values_sit_at_the_floor_nobody_is_ranked_that_year():
    # Three of five at 5,0: the median is itself « ≤ 5,0 % »; ranking the two others 1 and 2 would lie.
    values = long("TP40", 2020, {"01": 5.0, "02": 5.0, "03": 5.0, "59": 7.1, "93": 9.0})
    frame = m.ranking_frame(values, CAT, POPULATION)
    assert frame["unranked_reason"].notna().all()
    assert frame["censored"].tolist() == [True, True, True, False, False]
    assert pos.positions(frame.assign(reg="84"), "baisse").n_ranked == 0


def test_other_values_are_ranked_as_themselves():
    values = long("TP40", 2020, {"59": 7.1, "93": 9.0})
    frame = m.ranking_frame(values, CAT, POPULATION)
    assert frame["value"].tolist() == [7.1, 9.0] and frame["unranked_reason"].isna().all()
    assert frame["rank_basis"].tolist() == ["", ""] and frame["rank_unit"].tolist() == ["%", "%"]


def test_the_mid_term_peer_row_shows_the_median_change_and_no_start_or_end_it_does_not_have():
    # Peers 02, 03, 04 go 100 → 90 (−10, −10 %), 400 → 436 (+36, +9 %), 300 → 333 (+33, +11 %): the median change is
    # +33 and the median relative change +9 %; the medians of the levels (300 → 333) are not shown beside them.
    values = pd.DataFrame({
        "code": ["01", "02", "03", "04"] * 2, "period": [2019] * 4 + [2022] * 4,
        "value": [200.0, 100.0, 400.0, 300.0, 210.0, 90.0, 436.0, 333.0],
    })
    terr = pd.DataFrame({"code": ["01", "02", "03", "04"], "name": list("ABCD"), "reg": ["R"] * 4})
    cmp = pos.compare_changes(values, terr, "01", 2019, 2022, "hausse", ["02", "03", "04"]).set_index("scope")
    peers = cmp.loc["pairs"]
    assert peers["change_abs"] == pytest.approx(33.0) and peers["change_rel"] == pytest.approx(9.0)
    assert math.isnan(peers["value_from"]) and math.isnan(peers["value_to"])
    assert peers["label"] == "Médiane des évolutions : pairs" and peers["assessment"] == pos.GOOD
    own = cmp.loc["territoire"]
    assert (own["value_from"], own["value_to"], own["change_abs"]) == (200.0, 210.0, 10.0)
    assert own["change_rel"] == pytest.approx(5.0) and peers["diff_abs"] == pytest.approx(10.0 - 33.0)


def test_an_unranked_value_enters_no_median_change():
    # 03 has a flagged 2022 value: the national median change is over 01, 02 only: median(+10, −10) = 0.
    values = pd.DataFrame({
        "code": ["01", "02", "03"] * 2, "period": [2019] * 3 + [2022] * 3,
        "value": [200.0, 100.0, 400.0, 210.0, 90.0, 4000.0],
        "unranked_reason": [None] * 5 + ["contrôle qualité : unité douteuse"],
    })
    terr = pd.DataFrame({"code": ["01", "02", "03"], "name": list("ABC"), "reg": ["R"] * 3})
    cmp = pos.compare_changes(values, terr, "01", 2019, 2022, "hausse").set_index("scope")
    assert cmp.loc["national", "n"] == 2 and cmp.loc["national", "change_abs"] == pytest.approx(0.0)
