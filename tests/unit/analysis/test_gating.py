"""Quality findings gate the figures, on planted findings whose answers are computed by hand: one row per value in
doubt with its severity, ratios inheriting the gate of their parts, error-level values out of ranks and medians,
warning-level ones ranked but marked, trajectories with a rejected value left without status."""

from __future__ import annotations

import math

import pandas as pd

from levier.analysis import gating, positions, quality
from levier.analysis.quality import ERROR, WARNING, CheckResult

OR1M, NE, OR1M_TX, ACC = "CALPAE-3.1.1-OR1M", "CALPAE-3.1.1-NE", "CALPAE-3.1.1-OR1M-TX", "CALPAE-2.1.2-ACC"
CATALOGUE = pd.DataFrame({
    "code": [OR1M, NE, OR1M_TX, ACC],
    "numerator": [None, None, OR1M, None],
    "denominator": [None, None, NE, None],
})


def keys(*rows: tuple[str, str, int]) -> pd.DataFrame:
    return pd.DataFrame({"territory_level": "departement", "territory_code": [r[0] for r in rows],
                         "indicator": [r[1] for r in rows], "period": [r[2] for r in rows]})


def result(code: str, *rows: tuple[str, str, int], severity: str | None = None) -> CheckResult:
    return CheckResult(code, code, "", pd.DataFrame(), keys(*rows), severity or quality.CHECK_SEVERITY[code])


# Gironde-like: 75 typed for a count of 7 428 new entrants (unit slip + series break), a count frozen in Haute-Vienne.
CHECKS = [
    result("unites", ("33", OR1M, 2021)),
    result("ruptures", ("33", OR1M, 2021)),
    result("valeurs_figees", ("87", ACC, 2020), ("87", ACC, 2021)),
]


def test_every_check_has_a_severity_and_the_impossible_ones_are_errors():
    assert set(quality.CHECK_SEVERITY) == {"sous_effectifs", "pourcentages", "ruptures", "valeurs_figees", "unites",
                                           "statistique_publique", "source_independante"}
    for code in ("sous_effectifs", "pourcentages", "ruptures", "unites"):
        assert quality.CHECK_SEVERITY[code] == ERROR
    assert quality.CHECK_SEVERITY["valeurs_figees"] == WARNING
    assert quality.CHECK_SEVERITY["source_independante"] == WARNING  # the public figure has its own limits
    for word in ("erreur", "avertissement", "rangs", "médianes", "trajectoires", "coûts"):
        assert word in quality.SEVERITY_RULE


def test_one_row_per_value_in_doubt_and_the_derived_rate_inherits_its_numerators_error():
    g = gating.gates(CHECKS, CATALOGUE).set_index(["territory_code", "indicator", "period"])
    assert len(g) == 4  # 33 OR1M 2021, 33 OR1M-TX 2021, 87 ACC 2020 and 2021
    slip = g.loc[("33", OR1M, 2021)]
    assert slip["severity"] == ERROR and slip["checks"] == "unites, ruptures"
    assert slip["reason"] == ("contrôle qualité : unité douteuse ; rupture de série "
                              "(voir la page Qualité des données)")
    rate = g.loc[("33", OR1M_TX, 2021)]
    assert rate["severity"] == ERROR and rate["source_indicator"] == OR1M
    assert rate["reason"].startswith(f"contrôle qualité du numérateur {OR1M} : unité douteuse")
    frozen = g.loc[("87", ACC, 2021)]
    assert frozen["severity"] == WARNING and "valeur identique" in frozen["reason"]
    assert ("87", ACC, 2019) not in g.index  # the first year of a run may be a real measure


def test_a_flagged_denominator_gates_the_ratio_too():
    g = gating.gates([result("ruptures", ("59", NE, 2020))], CATALOGUE).set_index(["territory_code", "indicator"])
    assert g.loc[("59", OR1M_TX), "severity"] == ERROR
    assert f"du dénominateur {NE}" in g.loc[("59", OR1M_TX), "reason"]


def test_the_worst_severity_wins_and_the_public_check_grades_each_value():
    public = CheckResult("statistique_publique", "", "", pd.DataFrame(),
                         keys(("13", NE, 2021), ("62", NE, 2021)).assign(severity=[ERROR, WARNING]), WARNING)
    both = [public, result("valeurs_figees", ("62", NE, 2021))]
    g = gating.gates(both, CATALOGUE).set_index(["territory_code", "indicator"])
    assert g.loc[("13", NE), "severity"] == ERROR and "plus d'entrants que de personnes pauvres" in g.loc[("13", NE), "reason"]
    assert g.loc[("62", NE), "severity"] == WARNING
    assert g.loc[("62", NE), "reason"] == ("contrôle qualité : écart à la statistique publique ; valeur identique aux "
                                           "années précédentes (voir la page Qualité des données)")
    # An error hides the warnings of the same value from its reason: it says why the value is excluded.
    mixed = gating.gates([result("unites", ("33", OR1M, 2021)), result("valeurs_figees", ("33", OR1M, 2021))], CATALOGUE)
    row = mixed[mixed["indicator"] == OR1M].iloc[0]
    assert row["severity"] == ERROR and "valeur identique" not in row["reason"]


def twelve_rates() -> pd.DataFrame:
    """OR1M-TX in 2021 for twelve départements: eleven from 30 % to 80 % by steps of 5 points, Gironde's 1,0 %."""
    codes = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "33"]
    values = [30.0 + 5 * i for i in range(11)] + [75 / 7428 * 100]
    return pd.DataFrame({"code": codes, "indicator": OR1M_TX, "period": 2021, "value": values,
                         "reg": ["R1"] * 6 + ["R2"] * 5 + ["R2"]})


def test_the_unit_slip_is_not_ranked_and_the_others_rank_as_if_it_were_absent():
    gated = gating.apply_gates(twelve_rates(), gating.gates(CHECKS, CATALOGUE), "departement")
    pos = positions.positions(gated, "hausse", {"33": ["08", "09", "10"], "08": ["33", "09", "10"]})
    gironde = pos.row("33")
    assert pd.isna(gironde["rank"]) and pd.isna(gironde["quartile"]) and gironde["assessment_nat"] == positions.UNRANKED
    assert "unité douteuse" in gironde["unranked_reason"] and "Qualité des données" in gironde["unranked_reason"]
    assert gironde["value"] == 75 / 7428 * 100  # still shown
    # Without Gironde: 11 ranked, 80 % first, 30 % last; national median of 30..80 = 55 (with 1,0 % it would be 52,5).
    assert pos.n_ranked == 11 and pos.row("11")["rank"] == 1 and pos.row("01")["rank"] == 11
    assert pos.nat_median == 55.0
    # Région R2 = 07..11 (60, 65, 70, 75, 80) and Gironde: median 70, not 67,5.
    assert pos.row("09")["reg_median"] == 70.0 and pos.row("09")["n_reg"] == 5
    # 08's peers 33, 09, 10: the peer median is over 09 and 10 only, (70 + 75) / 2.
    assert pos.row("08")["peer_median"] == 72.5 and pos.row("08")["n_peers"] == 2
    assert pd.isna(gironde["gap_nat"])


def test_a_warning_level_value_is_still_ranked_but_marked():
    v = pd.DataFrame({"code": ["85", "86", "87"], "indicator": ACC, "period": 2021, "value": [300.0, 100.0, 200.0]})
    gated = gating.apply_gates(v, gating.gates(CHECKS, CATALOGUE), "departement")
    pos = positions.positions(gated, "hausse")
    hv = pos.row("87")
    assert hv["rank"] == 2 and pos.n_ranked == 3 and pos.nat_median == 200.0
    assert "valeur identique aux années précédentes" in hv["quality_warning"] and hv["unranked_reason"] is None
    assert pos.row("85")["quality_warning"] is None


def test_gates_merge_with_a_reason_already_there_and_follow_the_level():
    v = pd.DataFrame({"code": ["33", "33"], "indicator": [OR1M, OR1M], "period": [2021, 2020], "value": [75.0, 3000.0],
                      "unranked_reason": ["valeur plancher publiée par l'INSEE", None]})
    out = gating.apply_gates(v, gating.gates(CHECKS, CATALOGUE), "departement")
    assert out["unranked_reason"].iloc[0].startswith("valeur plancher publiée par l'INSEE ; contrôle qualité : ")
    assert out["unranked_reason"].iloc[1] is None  # 2020 is not in doubt
    blank = gating.apply_gates(pd.DataFrame({"code": ["33"], "indicator": [OR1M], "period": [None], "value": [None]}),
                               gating.gates(CHECKS, CATALOGUE), "departement")
    assert blank["unranked_reason"].isna().all()  # a territory left-joined without a value matches nothing
    epci = gating.apply_gates(v.drop(columns="unranked_reason"), gating.gates(CHECKS, CATALOGUE), "epci")
    assert epci["unranked_reason"].isna().all()  # a département's finding does not gate an EPCI's value


def test_checked_indicators_are_the_parts_and_what_the_unit_check_compares_them_with():
    base, needed = gating.checked_indicators(CATALOGUE, [OR1M_TX])
    assert base == {OR1M, NE} and needed == {OR1M, NE}
    base, needed = gating.checked_indicators(CATALOGUE, [OR1M])
    assert base == {OR1M} and needed == {OR1M, NE}  # the numerator is judged against its denominator


# ---------------------------------------------------------------------------------------------------------------
# Trajectories


def test_a_trajectory_with_a_rejected_current_value_gets_no_status():
    own = pd.DataFrame({"indicator": [OR1M] * 3 + [NE] * 3, "period": [2019, 2020, 2021] * 2,
                        "value": [3000.0, 3200.0, 75.0, 7000.0, 7200.0, 7428.0]})
    own = gating.apply_gates(own.assign(code="33"), gating.gates(CHECKS, CATALOGUE), "departement")
    targets = pd.DataFrame({"indicator": [OR1M, NE], "target_year": [2022, 2022], "target_value": [3600.0, 7600.0]})
    cat = pd.DataFrame({"code": [OR1M, NE], "label": ["Orientés", "Entrants"], "unit": ["personnes"] * 2,
                        "direction": ["hausse", "hausse"]})
    out = positions.target_tracking(own, targets, cat, 2019, 2021).set_index("indicator")
    slip = out.loc[OR1M]
    assert slip["status"] == positions.STATUS_EXCLUDED and math.isnan(slip["attainment"])
    assert slip["status_reason"].startswith("dernière valeur (2021) écartée, contrôle qualité : unité douteuse")
    assert slip["current_value"] == 75.0 and slip["expected"] == 3400.0  # shown, with the trajectory's 3 000 → 3 600
    # NE is clean: expected 7 000 + 2/3 × 600 = 7 400; (7 428 − 7 000) / (7 400 − 7 000) = 107 % -> on track.
    ne = out.loc[NE]
    assert ne["status"] == positions.STATUS_ON_TRACK and pd.isna(ne["status_reason"])
    assert abs(ne["attainment"] - 107.0) < 1e-9


def test_a_rejected_t0_value_gives_no_attainment_either():
    res = positions.indicator_target(
        pd.DataFrame({"indicator": ["X", "X"], "period": [2023, 2025], "value": [10.0, 50.0],
                      "unranked_reason": ["contrôle qualité : rupture de série (voir la page Qualité des données)", None]}),
        pd.DataFrame({"indicator": ["X"], "target_year": [2027], "target_value": [90.0]}), "X", 2023, direction="hausse")
    assert res.status == positions.STATUS_EXCLUDED and math.isnan(res.attainment)
    assert res.reason.startswith("valeur T0 (2023) écartée, contrôle qualité : rupture de série")
    assert len(res.path) == 5  # the trajectory is still drawn


def test_a_warning_on_the_current_value_leaves_the_status_and_says_so():
    # T0 2019 = 500, target 2022 = 560: expected 540 in 2021; 500 frozen -> 0 % of the way, late, with the warning.
    own = pd.DataFrame({"indicator": [ACC] * 3, "period": [2019, 2020, 2021], "value": [500.0] * 3, "code": "87"})
    own = gating.apply_gates(own, gating.gates(CHECKS, CATALOGUE), "departement")
    res = positions.indicator_target(own, pd.DataFrame({"indicator": [ACC], "target_year": [2022],
                                                        "target_value": [560.0]}), ACC, 2019, 2021, "hausse")
    assert res.status == positions.STATUS_LATE and res.attainment == 0.0
    assert res.reason.startswith("dernière valeur (2021) signalée, contrôle qualité : valeur identique")


def test_gates_reach_their_rows_among_many_others_and_blank_reasons_read_as_none():
    """apply_gates looks up only the rows of a gated territory and indicator: a gated value among thousands of
    others (any index, periods as text or float, blank and missing reasons) gets its reason, nothing else does."""
    n = 3_000
    v = pd.DataFrame({"code": [f"{i % 101:02d}" for i in range(n)], "indicator": [OR1M if i % 3 else ACC for i in range(n)],
                      "period": [2019 + i % 4 for i in range(n)], "value": 1.0,
                      "unranked_reason": [["", None, math.nan, "déjà là"][i % 4] for i in range(n)]},
                     index=range(10 * n, 11 * n))
    gironde = v.index[(v["code"] == "33") & (v["indicator"] == OR1M) & (v["period"] == 2021)]
    vienne = v.index[(v["code"] == "87") & (v["indicator"] == ACC) & v["period"].isin([2020, 2021])]
    assert len(gironde) and len(vienne)
    v["period"] = v["period"].astype(object)
    v.loc[gironde[0], "period"] = "2021"  # a period read as text still matches its gate
    out = gating.apply_gates(v, gating.gates(CHECKS, CATALOGUE), "departement")
    assert list(out.index) == list(v.index)
    errors = out.index[out["unranked_reason"].fillna("").str.contains("contrôle qualité")]
    warnings = out.index[out["quality_warning"].notna()]
    assert set(errors) == set(gironde) and set(warnings) == set(vienne)
    kept = out.loc[~out.index.isin(errors), "unranked_reason"]
    assert set(kept.map(repr)) == {"None", "'déjà là'"}  # blank and NaN reasons read as None
    both = v.loc[gironde, "unranked_reason"].eq("déjà là")
    assert out.loc[gironde[both.to_numpy()], "unranked_reason"].str.startswith("déjà là ; contrôle qualité").all()
