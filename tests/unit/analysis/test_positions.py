"""Comparison metrics on hand-computed data: ranks by direction, quartiles, medians and gaps, changes, trajectories,
attainment and every status, the T0 table; then the loaders on a real database with imported returns."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from levier.core.fmt import fmt_signed
from levier.analysis import positions as m
from levier.views import mi_parcours, t0
from levier.ingest.returns import import_returns

# Six départements in two régions; '06' is under statistical secrecy.
TERR = pd.DataFrame(
    {
        "code": ["01", "02", "03", "04", "05", "06"],
        "name": ["Un", "Deux", "Trois", "Quatre", "Cinq", "Six"],
        "reg": ["R1", "R1", "R1", "R2", "R2", "R2"],
        "reg_name": ["Région Un"] * 3 + ["Région Deux"] * 3,
    }
)


def values_2020() -> pd.DataFrame:
    return TERR.assign(value=[10.0, 20.0, 30.0, 40.0, 50.0, None], missing_reason=[None] * 5 + ["s"])


def by_code(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("code")


# ---------------------------------------------------------------------------------------------------------------
# Positions


def test_rank_1_is_the_lowest_value_when_a_decrease_is_wanted():
    pos = m.positions(values_2020(), "baisse")
    t = by_code(pos.table)
    assert t.loc[["01", "02", "03", "04", "05"], "rank"].tolist() == [1, 2, 3, 4, 5]
    assert t.loc[["01", "02", "03", "04", "05"], "quartile"].tolist() == [1, 2, 3, 4, 4]  # ⌈4r/5⌉
    assert pos.n_ranked == 5
    assert pd.isna(t.loc["06", "rank"]) and pd.isna(t.loc["06", "quartile"])


def test_rank_1_is_the_highest_value_when_an_increase_is_wanted():
    t = by_code(m.positions(values_2020(), "hausse").table)
    assert t.loc[["05", "04", "03", "02", "01"], "rank"].tolist() == [1, 2, 3, 4, 5]
    assert t.loc["05", "quartile"] == 1 and t.loc["01", "quartile"] == 4


def test_no_direction_ranks_by_decreasing_value_and_says_so():
    t = by_code(m.positions(values_2020(), None).table)
    assert t.loc["05", "rank"] == 1
    assert "sans sens défini, rang 1 = la valeur la plus élevée" in m.RANK_RULE


def test_ties_share_the_smallest_rank_and_the_same_quartile():
    frame = pd.DataFrame({"code": list("abcd"), "reg": "R", "value": [5.0, 5.0, 7.0, 9.0]})
    t = by_code(m.positions(frame, "baisse").table)
    assert t["rank"].tolist() == [1, 1, 3, 4]
    assert t["quartile"].tolist() == [1, 1, 3, 4]


def test_medians_and_gaps_regional_national_and_peers():
    pos = m.positions(values_2020(), "baisse", {"01": ["02", "04", "06"]})
    t = by_code(pos.table)
    assert pos.nat_median == 30.0
    assert t.loc["01", "reg_median"] == 20.0 and t.loc["04", "reg_median"] == 45.0  # '06' missing: not in R2's median
    assert t.loc["04", "n_reg"] == 2
    assert t.loc["01", "gap_nat"] == -20.0
    assert t.loc["01", "gap_nat_pct"] == pytest.approx(-66.6667, abs=1e-3)
    assert t.loc["04", "gap_reg"] == -5.0 and t.loc["04", "gap_reg_pct"] == pytest.approx(-11.1111, abs=1e-3)
    # Peers: '02' (20) and '04' (40) have values, '06' has none.
    assert t.loc["01", "peer_median"] == 30.0 and t.loc["01", "n_peers"] == 2
    assert t.loc["01", "gap_peer"] == -20.0
    assert t.loc["01", "assessment_nat"] == m.GOOD  # lower than the median, and lower is better
    assert t.loc["05", "assessment_nat"] == m.BAD
    assert pd.isna(t.loc["02", "peer_median"])  # no peer group asked for '02'


def test_national_and_peer_medians_are_numpys_to_the_last_bit():
    """The medians are computed without numpy (a T0 table takes one per indicator): the same floats as np.median
    over the values that are numbers, odd and even counts, missing values left out."""
    import numpy as np

    rng = np.random.default_rng(16)
    codes = [f"{i:02d}" for i in range(1, 12)]
    terr = pd.DataFrame({"code": codes, "name": codes, "reg": ["R1"] * 11, "reg_name": ["Région"] * 11})
    for _ in range(200):
        values = rng.normal(0, 1e4, 11) / rng.choice([1.0, 3.0, 7.0], 11)
        values[rng.random(11) < 0.25] = np.nan
        peers = list(rng.choice(codes[1:], size=int(rng.integers(1, 10)), replace=False))
        pos = m.positions(terr.assign(value=values), "baisse", {"01": peers})
        numbers = values[~np.isnan(values)]
        assert pos.nat_median == (float(np.median(numbers)) if numbers.size else pos.nat_median)
        peer_values = values[[codes.index(p) for p in peers]]
        peer_values = peer_values[~np.isnan(peer_values)]
        got = by_code(pos.table).loc["01", "peer_median"]
        assert (float(np.median(peer_values)) == got) if peer_values.size else pd.isna(got)


def test_missing_values_are_listed_apart_with_their_reason():
    pos = m.positions(values_2020(), "baisse")
    assert pos.missing["code"].tolist() == ["06"]
    assert pos.missing["missing_label"].tolist() == ["secret statistique"]
    assert pos.table["code"].iloc[-1] == "06"  # ranked ones first
    no_reason = m.positions(TERR.assign(value=[1.0, 2, 3, 4, 5, None]), "baisse")
    assert no_reason.missing["missing_label"].tolist() == ["aucune valeur transmise"]


# ---------------------------------------------------------------------------------------------------------------
# Changes

LONG = pd.DataFrame(
    {
        "code": ["01", "02", "03", "04", "05", "01", "02", "03", "05"],
        "period": [2020] * 5 + [2023] * 4,
        "value": [10.0, 20.0, 30.0, 40.0, 50.0, 12.0, 15.0, 30.0, 45.0],
    }
)


def test_changes_absolute_relative_and_assessment_follow_the_direction():
    ch = by_code(m.changes(LONG, 2020, 2023, "baisse"))
    assert ch.loc["01", "change_abs"] == 2.0 and ch.loc["01", "change_rel"] == pytest.approx(20.0)
    assert ch.loc["01", "assessment"] == m.BAD  # a poverty rate going up
    assert ch.loc["02", "change_abs"] == -5.0 and ch.loc["02", "change_rel"] == pytest.approx(-25.0)
    assert ch.loc["02", "assessment"] == m.GOOD
    assert ch.loc["03", "assessment"] == m.NEUTRAL
    assert ch.loc["04", "assessment"] == m.NO_DATA and not ch.loc["04", "has_both"]
    up = by_code(m.changes(LONG, 2020, 2023, "hausse"))
    assert up.loc["01", "assessment"] == m.GOOD and up.loc["02", "assessment"] == m.BAD
    none = by_code(m.changes(LONG, 2020, 2023, None))
    assert set(none.loc[["01", "02", "03", "05"], "assessment"]) == {m.NEUTRAL}


def test_relative_change_from_zero_is_undefined_not_infinite():
    assert math.isnan(m.relative_change(0.0, 5.0))
    assert m.relative_change(-10.0, -5.0) == pytest.approx(50.0)


def test_change_compared_with_medians_of_changes_of_territories_having_both_years():
    cmp = m.compare_changes(LONG, TERR, "01", 2020, 2023, "baisse", peer_codes=["02", "05"]).set_index("scope")
    assert cmp.loc["territoire", "change_abs"] == 2.0
    assert cmp.loc["national", "n"] == 4  # '04' lacks 2023
    assert cmp.loc["national", "change_abs"] == pytest.approx(-2.5)  # median of 2, -5, 0, -5
    assert cmp.loc["national", "change_rel"] == pytest.approx(-5.0)  # median of 20, -25, 0, -10
    assert cmp.loc["région", "change_abs"] == 0.0 and cmp.loc["région", "label"] == "Médiane des évolutions : Région Un"
    assert cmp.loc["pairs", "change_abs"] == -5.0 and cmp.loc["pairs", "change_rel"] == pytest.approx(-17.5)
    assert cmp.loc["national", "diff_abs"] == pytest.approx(4.5)
    assert cmp.loc["national", "diff_assessment"] == m.BAD  # rose more than the others, for a 'baisse' indicator


def test_reference_series_are_medians_per_year_over_territories_with_a_value():
    own, refs = m.reference_series(LONG, TERR, "01", peer_codes=["02", "05"])
    assert own["value"].tolist() == [10.0, 12.0]
    nat = refs["Médiane nationale"].set_index("period")
    assert nat.loc[2020, "value"] == 30.0 and nat.loc[2023, "value"] == pytest.approx(22.5)  # 12, 15, 30, 45
    assert nat.loc[2023, "n"] == 4
    assert refs["Médiane Région Un"].set_index("period").loc[2023, "value"] == 15.0
    assert refs["Médiane des pairs"].set_index("period").loc[2020, "value"] == 35.0


# ---------------------------------------------------------------------------------------------------------------
# Targets


def test_linear_trajectory_from_t0_to_target():
    path = m.trajectory(2023, 100, 2027, 60)
    assert path["period"].tolist() == [2023, 2024, 2025, 2026, 2027]
    assert path["expected"].tolist() == pytest.approx([100, 90, 80, 70, 60])
    assert path["kind"].tolist() == ["T0", "interpolé", "interpolé", "interpolé", "cible"]


def test_trajectory_through_milestones_is_piecewise():
    path = m.trajectory(2023, 100, 2027, 40, milestones=[(2025, 90), (2031, 0), (2020, 5)])  # last two ignored
    assert path["expected"].tolist() == pytest.approx([100, 95, 90, 65, 40])
    assert path.set_index("period").loc[2025, "kind"] == "jalon"
    assert m.expected_value(path, 2026) == pytest.approx(65)
    assert m.expected_value(path, 2030) == 40  # after the target year: the target
    assert math.isnan(m.expected_value(path, 2022))
    with pytest.raises(ValueError):
        m.trajectory(2023, 100, 2023, 60)


@pytest.mark.parametrize(
    ("current", "rate", "status"),
    [
        (76, 120.0, m.STATUS_AHEAD),
        (78, 110.0, m.STATUS_AHEAD),  # 110 % is 'en avance'
        (80, 100.0, m.STATUS_ON_TRACK),
        (82, 90.0, m.STATUS_ON_TRACK),  # 90 % is still on track
        (84, 80.0, m.STATUS_LATE),
        (105, -25.0, m.STATUS_LATE),  # moving away from the target
    ],
)
def test_attainment_and_status(current, rate, status):
    res = m.assess_target(2023, 100, 2027, 60, 2025, current, direction="baisse")
    assert res.expected == pytest.approx(80)
    assert res.attainment == pytest.approx(rate)
    assert res.status == status


def test_milestones_change_the_expected_value_and_so_the_status():
    linear = m.assess_target(2023, 100, 2027, 40, 2026, 70)
    staged = m.assess_target(2023, 100, 2027, 40, 2026, 70, milestones=[(2025, 90)])
    assert linear.expected == pytest.approx(55) and linear.attainment == pytest.approx(30 / 45 * 100)
    assert staged.expected == pytest.approx(65) and staged.attainment == pytest.approx(30 / 35 * 100)
    assert staged.status == m.STATUS_LATE


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(t0_period=None, t0_value=math.nan, target_period=2027, target_value=60, current_period=2025, current_value=80),
        dict(t0_period=2023, t0_value=100, target_period=2027, target_value=60, current_period=None, current_value=math.nan),
        dict(t0_period=2023, t0_value=100, target_period=2027, target_value=60, current_period=2023, current_value=100),
        dict(t0_period=2023, t0_value=100, target_period=None, target_value=math.nan, current_period=2025, current_value=80),
    ],
    ids=["no T0", "no current value", "nothing after T0", "no target"],
)
def test_status_without_data(kwargs):
    res = m.assess_target(**kwargs)
    assert res.status == m.STATUS_NO_DATA and math.isnan(res.attainment)


def test_maintain_target_guards_the_division_by_zero_and_uses_the_direction():
    assert m.assess_target(2023, 100, 2027, 100, 2025, 100, direction="hausse").status == m.STATUS_ON_TRACK
    assert m.assess_target(2023, 100, 2027, 100, 2025, 105, direction="hausse").status == m.STATUS_AHEAD
    assert m.assess_target(2023, 100, 2027, 100, 2025, 95, direction="hausse").status == m.STATUS_LATE
    assert m.assess_target(2023, 100, 2027, 100, 2025, 95, direction="baisse").status == m.STATUS_AHEAD
    assert math.isnan(m.attainment_rate(100, 100, 105))


def test_status_rule_states_the_thresholds_in_french():
    assert "110" in mi_parcours.STATUS_RULE and "90" in mi_parcours.STATUS_RULE
    for status in m.STATUSES:
        assert status in mi_parcours.STATUS_RULE


def test_target_tracking_splits_final_target_and_milestones():
    own = pd.DataFrame({"indicator": ["X", "X", "X", "Y"], "period": [2023, 2024, 2025, 2024], "value": [100.0, 95, 91, 7]})
    targets = pd.DataFrame(
        {"indicator": ["X", "X", "X", "Y"], "target_year": [2022, 2025, 2027, 2027], "target_value": [1.0, 90, 40, 10]}
    )
    cat = pd.DataFrame({"code": ["X", "Y"], "label": ["Ixe", "Igrec"], "unit": ["%", "nombre"], "direction": ["baisse", "hausse"]})
    out = m.target_tracking(own, targets, cat, 2023).set_index("indicator")
    assert out.loc["X", "target_period"] == 2027 and out.loc["X", "milestones"] == 1  # the 2022 one predates T0
    assert out.loc["X", "current_period"] == 2025 and out.loc["X", "expected"] == pytest.approx(90)
    assert out.loc["X", "attainment"] == pytest.approx(90.0) and out.loc["X", "status"] == m.STATUS_ON_TRACK
    assert out.loc["Y", "status"] == m.STATUS_NO_DATA  # no 2023 value
    capped = m.target_tracking(own, targets, cat, 2023, current_period=2024).set_index("indicator")
    assert capped.loc["X", "current_period"] == 2024 and capped.loc["X", "expected"] == pytest.approx(95)


def test_one_indicator_target_reads_the_same_as_the_tracking_table():
    own = pd.DataFrame({"indicator": ["X", "X", "X"], "period": [2023, 2024, 2025], "value": [100.0, 95, 91]})
    targets = pd.DataFrame({"indicator": ["X", "X"], "target_year": [2025, 2027], "target_value": [90.0, 40]})
    one = m.indicator_target(own, targets, "X", 2023, direction="baisse")
    assert one.target_period == 2027 and one.milestones == ((2025, 90.0),) and one.current_period == 2025
    assert one.expected == pytest.approx(90) and one.status == m.STATUS_ON_TRACK
    assert one.path["period"].tolist() == [2023, 2024, 2025, 2026, 2027]
    assert m.indicator_target(own, targets, "X", 2023, current_period=2024).current_value == 95
    assert m.indicator_target(own, targets, "Y", 2023).status == m.STATUS_NO_DATA


def test_tracking_display_in_french():
    own = pd.DataFrame({"indicator": ["X", "X", "X"], "period": [2023, 2024, 2025], "value": [100.0, 95, 91]})
    targets = pd.DataFrame({"indicator": ["X", "X"], "target_year": [2025, 2027], "target_value": [90.0, 40]})
    cat = pd.DataFrame({"code": ["X"], "label": ["Ixe"], "unit": ["%"], "direction": ["baisse"]})
    shown = mi_parcours.tracking_display(m.target_tracking(own, targets, cat, 2023)).iloc[0]
    assert shown["Statut"] == m.STATUS_ON_TRACK and shown["Taux d'atteinte (%)"] == "90\u00a0%"
    assert shown["Valeur T0"] == "100,0\u00a0%" and shown["Année cible"] == "2027"
    assert shown["Cibles intermédiaires"] == "1"


def test_page_default_periods_are_the_nearest_years_the_territory_has():
    assert mi_parcours.default_periods([2019, 2020, 2021, 2022, 2023, 2024, 2025], "PACTE") == (2023, 2025)
    assert mi_parcours.default_periods([2019, 2020, 2021, 2022], "CALPAE") == (2019, 2022)
    assert mi_parcours.default_periods([], "PACTE") == (2023, 2023)


# ---------------------------------------------------------------------------------------------------------------
# T0 table (pure)

CAT = pd.DataFrame(
    {
        "code": ["STAT-A", "PACTE-B", "PACTE-C", "OTHER-D"],
        "label": ["Taux A", "Nombre B", "Part C", "Indicateur d'un autre contrat"],
        "programme": ["STAT", "PACTE", "PACTE", "PACTE"],
        "axis": [None, "2", "2", "1"],
        "kind": ["contexte", "réalisation", "réalisation", "résultat"],
        "unit": ["%", "personnes", "%", "nombre"],
        "direction": ["baisse", "hausse", "hausse", "hausse"],
        "numerator": [None, None, "PACTE-B", None],
        "source": ["INSEE, Filosofi", "Département", "Calcul Levier", "Département"],
        "territory": [None, None, None, "05"],
    }
)


def t0_values() -> pd.DataFrame:
    stat = values_2020().assign(indicator="STAT-A", period=2020)[["code", "indicator", "period", "value", "missing_reason"]]
    b = pd.DataFrame({"code": ["01", "02", "03"], "indicator": "PACTE-B", "period": 2023, "value": [100.0, 300, 200]})
    late = pd.DataFrame({"code": ["01"], "indicator": "PACTE-B", "period": 2025, "value": [999.0]})  # after T0
    c = pd.DataFrame({"code": ["02"], "indicator": "PACTE-C", "period": 2023, "value": [50.0], "derived": [True]})
    d = pd.DataFrame({"code": ["05"], "indicator": "OTHER-D", "period": 2023, "value": [3.0]})
    return pd.concat([stat, b, late, c, d], ignore_index=True)


def test_t0_table_shows_each_indicator_at_its_latest_year_up_to_t0_with_its_position():
    t = m.t0_table(t0_values(), TERR, CAT, "01", 2023, peer_codes=["02", "04"]).set_index("Code")
    assert "OTHER-D" not in t.index  # another contract's own indicator
    a = t.loc["STAT-A"]
    assert a["Année"] == 2020 and a["Valeur"] == 10.0 and a["Unité"] == "%" and a["Source"] == "INSEE, Filosofi"
    assert a["Rang"] == 1 and a["Territoires classés"] == 5 and a["Quartile"] == 1
    assert a["Médiane régionale"] == 20.0 and a["Médiane nationale"] == 30.0 and a["Médiane des pairs"] == 30.0
    assert a["Écart à la médiane nationale"] == -20.0
    assert a["Situation / médiane nationale"] == "favorable"
    assert a["Origine"] == "Statistique publique"
    b = t.loc["PACTE-B"]
    assert b["Année"] == 2023 and b["Valeur"] == 100.0  # not the 2025 value
    assert b["Rang"] == 3 and b["Territoires classés"] == 3  # 'hausse': 300, 200, 100
    assert b["Origine"] == "Déclaratif (retour du territoire)"
    c = t.loc["PACTE-C"]  # '01' never filled it, others did: shown as missing
    assert pd.isna(c["Valeur"]) and pd.isna(c["Rang"]) and c["Motif d'absence"] == "aucune valeur transmise"
    assert c["Origine"] == "Déclaratif, ratio calculé par Levier"


def yearly_values() -> pd.DataFrame:
    """STAT-A over two years, every territory valued each year with a different value; '01' has no 2022 value
    (secret), '03' has one; '02' is flagged in 2021 (kept out of the ranking)."""
    rows = []
    for year, base in ((2021, 200.0), (2022, 300.0)):
        for i, code in enumerate(TERR["code"]):
            rows.append({"code": code, "indicator": "STAT-A", "period": year, "value": base + 10 * i,
                         "missing_reason": None, "unranked_reason": None})
    out = pd.DataFrame(rows)
    secret = (out["code"] == "01") & (out["period"] == 2022)
    out.loc[secret, "value"] = None
    out.loc[secret, "missing_reason"] = "secret statistique"
    out.loc[(out["code"] == "02") & (out["period"] == 2021), "unranked_reason"] = "valeur signalée"
    return out


def test_t0_table_reads_its_peers_region_and_nation_at_the_year_it_shows():
    """The year shown is the territory's latest with a value (2021 for '01', whose 2022 is secret): its peers',
    régional and national medians are of 2021 too, not of the later year the others filled; a peer kept out of the
    ranking that year is not in the peers' median."""
    t = m.t0_table(yearly_values(), TERR, CAT, "01", 2023, peer_codes=["02", "03", "04"]).set_index("Code")
    a = t.loc["STAT-A"]
    assert a["Année"] == 2021 and a["Valeur"] == 200.0
    assert a["Médiane des pairs"] == 225.0  # '03' 220 and '04' 230; '02' (210) is flagged that year
    assert a["Médiane régionale"] == 210.0  # '01' 200 and '03' 220
    assert a["Médiane nationale"] == 230.0  # 200, 220, 230, 240, 250
    assert a["Rang"] == 1 and a["Territoires classés"] == 5


def test_t0_tables_made_together_read_each_territorys_own_year():
    """Two tables made at once (a région's key figure) read the same indicator at different years: '01' at 2021,
    '03' at 2022, each with that year's national statistics; each is the table made alone."""
    values = yearly_values()
    rows, stats = m.position_frame(values.assign(raw_value=values["value"]), TERR, {"STAT-A": "baisse"},
                                   m.LEVEL_DEPARTEMENT)
    both = m.t0_tables_positioned(rows, stats, TERR, CAT, [m.T0Request("01"), m.T0Request("03")], 2023)
    one = both[both[m.REQUEST_CODE] == "01"].set_index("Code").loc["STAT-A"]
    three = both[both[m.REQUEST_CODE] == "03"].set_index("Code").loc["STAT-A"]
    assert (one["Année"], one["Médiane nationale"], one["Rang"]) == (2021, 230.0, 1)
    assert (three["Année"], three["Médiane nationale"], three["Rang"]) == (2022, 330.0, 2)  # 310…350, '01' secret
    for code in ("01", "03"):
        alone = m.t0_table_positioned(rows, stats, TERR, CAT, code, 2023)
        mine = both[both[m.REQUEST_CODE] == code].drop(columns=m.REQUEST_CODE).reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)


def test_t0_table_labels_and_order_are_ready_to_display():
    t = m.t0_table(t0_values(), TERR, CAT, "01", 2023)
    assert list(t.columns) == m.T0_COLUMNS
    assert t["Code"].tolist() == ["STAT-A", "PACTE-B", "PACTE-C"]  # catalogue order
    text = t0.format_t0_table(t).set_index("Code")
    assert text.loc["STAT-A", "Valeur"] == "10,0\u00a0%"
    assert text.loc["STAT-A", "Rang"] == "1 / 5"
    assert text.loc["STAT-A", "Écart à la médiane nationale"] == "−20,0\u00a0pt"
    assert text.loc["STAT-A", "Écart à la médiane nationale (%)"] == "−66,7\u00a0%"
    assert text.loc["PACTE-B", "Valeur"] == "100\u00a0personnes"
    assert text.loc["PACTE-C", "Valeur"] == "aucune valeur transmise"
    # The page lays out only the columns it shows, each as the whole table gives it.
    shown = t0.format_t0_table(t, t0.T0_DISPLAY).set_index("Code")
    assert "Écart à la médiane nationale (%)" not in shown.columns
    pd.testing.assert_frame_equal(shown, text[shown.columns])
    without = m.t0_table(t0_values(), TERR, CAT, "01", 2023, include_missing=False)
    assert "PACTE-C" not in set(without["Code"])


def test_t0_table_for_a_territory_under_secrecy_keeps_the_row_without_rank():
    t = m.t0_table(t0_values(), TERR, CAT, "06", 2023).set_index("Code")
    assert pd.isna(t.loc["STAT-A", "Valeur"]) and t.loc["STAT-A", "Motif d'absence"] == "secret statistique"
    assert t.loc["STAT-A", "Médiane nationale"] == 30.0  # the reference is still shown


def test_signed_formats():
    assert fmt_signed(-1234.4, "€") == "−1\u00a0234\u00a0€"
    assert fmt_signed(0.004, "ratio") == "+0,004"
    assert fmt_signed(-0.0001, "%") == "0,0\u00a0pt"
    assert fmt_signed(float("nan"), "%") == "–"


def test_epci_comparison_set_is_the_same_nature_and_lyon_counts_as_metropole():
    terr = pd.DataFrame({"code": ["a", "b", "c", "d"], "nature": ["CC", "CA", "METRO", "MET69"]})
    assert m.comparison_set(terr, "epci", "d")["code"].tolist() == ["c", "d"]
    assert m.comparison_set(terr, "epci", "a")["code"].tolist() == ["a"]
    assert len(m.comparison_set(terr, "departement", "a")) == 4


# ---------------------------------------------------------------------------------------------------------------
# Loaders on a real database (schema, catalogue, real geography), with returns imported the normal way


def long_csv(rows: list[list[str]]) -> bytes:
    header = ["territoire", "indicateur", "periode", "valeur", "cible", "annee_cible", "commentaire", "date_transmission"]
    lines = [";".join(header)] + [";".join(r + [""] * (len(header) - len(r))) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


POVERTY = {"38": "11,3", "69": "14,9", "73": "10,5", "74": "9,4", "01": "10,6", "13": "18,2", "75": "15,3"}


@pytest.fixture
def loaded(db):
    rows = [[dep, "STAT-TP60", "2020", v] for dep, v in POVERTY.items()]
    rows += [["2A", "STAT-TP60", "2020", "s"]]
    rows += [
        ["38", "PACTE-2-NE", "2023", "5 000"],
        ["38", "PACTE-2-ORI", "2023", "3 000", "4 500", "2027"],
        ["38", "PACTE-2-ORI", "2024", "", "3 600", "2025"],  # a milestone, no value
        ["38", "PACTE-2-NE", "2025", "5 000"],
        ["38", "PACTE-2-ORI", "2025", "3 500"],
        ["69", "PACTE-2-NE", "2023", "8 000"],
        ["69", "PACTE-2-ORI", "2023", "6 400"],
    ]
    report = import_returns(db, long_csv(rows), "retours_test.csv")
    assert report.ok, report.summary()
    return db


def test_t0_table_of_a_departement_from_the_database(loaded):
    t = t0.load_t0_table(loaded, "38", 2023, peer_codes=["69", "73", "74"]).set_index("Code")
    tp = t.loc["STAT-TP60"]
    assert tp["Valeur"] == pytest.approx(11.3) and tp["Année"] == 2020 and tp["Source"] == "INSEE, Filosofi"
    # Lower is better: 9.4, 10.5, 10.6, 11.3 -> 4th of the 7 départements with a value.
    assert tp["Rang"] == 4 and tp["Territoires classés"] == 7 and tp["Quartile"] == 3
    assert tp["Médiane régionale"] == pytest.approx(10.6)  # ARA: 01, 38, 69, 73, 74
    assert tp["Médiane nationale"] == pytest.approx(11.3)
    assert tp["Médiane des pairs"] == pytest.approx(10.5)
    ratio = t.loc["PACTE-2-ORI-TX"]
    assert ratio["Valeur"] == pytest.approx(60.0) and ratio["Année"] == 2023
    assert ratio["Origine"] == "Déclaratif, ratio calculé par Levier"
    assert ratio["Rang"] == 2 and ratio["Territoires classés"] == 2  # 69: 80 %, higher is better
    assert t.loc["PACTE-2-ORI", "Valeur"] == 3000  # the 2023 value, not the 2025 one
    assert "CALPAE-3.1.1-NE" not in t.index  # nobody returned it: nothing to show


def test_positions_from_the_database_list_every_departement_without_value(loaded):
    pos = t0.load_positions(loaded, "STAT-TP60", 2020, code="38", peer_codes=["69", "73"])
    assert pos.n_ranked == 7
    assert len(pos.missing) == 101 - 7
    corse = pos.missing.set_index("code").loc["2A"]
    assert corse["missing_reason"] == "s" and corse["name"] == "Corse-du-Sud"
    assert pos.row("38")["reg_name"] == "Auvergne-Rhône-Alpes"


def test_target_tracking_from_the_database(loaded):
    out = mi_parcours.load_target_tracking(loaded, "38", 2023).set_index("indicator")
    ori = out.loc["PACTE-2-ORI"]
    assert ori["target_period"] == 2027 and ori["target_value"] == 4500 and ori["milestones"] == 1
    # Milestone 3 600 in 2025: expected 3 600, current 3 500 -> (3500-3000)/(3600-3000) = 83,3 %.
    assert ori["expected"] == pytest.approx(3600) and ori["attainment"] == pytest.approx(500 / 600 * 100)
    assert ori["status"] == m.STATUS_LATE
    one = mi_parcours.load_target_assessment(loaded, "38", "PACTE-2-ORI", 2023)
    assert one.status == m.STATUS_LATE and one.path["period"].tolist() == [2023, 2024, 2025, 2026, 2027]


def test_change_comparison_from_the_database(loaded):
    cmp = mi_parcours.load_change_comparison(loaded, "38", "PACTE-2-ORI", 2023, 2025).set_index("scope")
    # A count is compared as its rate over its catalogue denominator (PACTE-2-NE, per 100): 3 000 / 5 000 = 60
    # in 2023, 3 500 / 5 000 = 70 in 2025, a change of +10 per 100 new entrants (not +500 persons).
    assert cmp.loc["territoire", "change_abs"] == pytest.approx(10.0)
    assert cmp.loc["territoire", "value_from"] == pytest.approx(60.0)
    assert cmp.loc["territoire", "assessment"] == m.GOOD
    assert cmp.loc["territoire", "unit"] == "pour 100 nouveaux entrants au RSA"
    assert cmp.loc["national", "n"] == 1  # only 38 has both years


def test_an_unranked_value_is_shown_but_kept_out_of_ranks_medians_and_peer_medians():
    # Five départements; 38's value is flagged (unranked): ranks 1..4 go to the others, medians ignore 999.
    values = pd.DataFrame({
        "code": ["01", "02", "03", "38", "69"],
        "value": [10.0, 20.0, 30.0, 999.0, 40.0],
        "reg": ["84", "32", "84", "84", "84"],
        "unranked_reason": [None, None, None, "valeur signalée : unité douteuse", None],
    })
    pos = m.positions(values, "baisse", {"38": ["01", "03", "38"], "01": ["38", "03"]})
    isere = pos.row("38")
    assert isere["value"] == 999.0
    assert isere["unranked_reason"] == "valeur signalée : unité douteuse"
    assert pd.isna(isere["rank"]) and pd.isna(isere["quartile"])
    assert pos.n_ranked == 4 and isere["n_ranked"] == 4
    assert pos.nat_median == 25.0  # median of 10, 20, 30, 40
    assert isere["reg_median"] == 30.0 and isere["n_reg"] == 3  # 10, 30, 40 in région 84
    assert math.isnan(isere["gap_nat"]) and isere["assessment_nat"] == m.UNRANKED
    assert m.ASSESSMENT_LABELS[isere["assessment_nat"]] == "non classé"
    ain = pos.row("01")
    assert ain["rank"] == 1 and ain["peer_median"] == 30.0 and ain["n_peers"] == 1  # 38's 999 is not a peer value
    assert list(pos.ranked["code"]) == ["01", "02", "03", "69"]


def test_a_change_resting_on_an_unranked_value_is_shown_but_neither_judged_nor_compared():
    # 38 went 10 → 40 but its 2021 value is flagged; the others' changes are +1, +2, +3 (median +2).
    values = pd.DataFrame({
        "code": ["01", "01", "02", "02", "03", "03", "38", "38"],
        "period": [2019, 2021] * 4,
        "value": [10.0, 11.0, 10.0, 12.0, 10.0, 13.0, 10.0, 40.0],
        "unranked_reason": [None] * 7 + ["contrôle qualité : unité douteuse"],
    })
    territories = pd.DataFrame({"code": ["01", "02", "03", "38"], "name": ["Ain", "Aisne", "Allier", "Isère"],
                                "reg": ["84", "32", "84", "84"], "reg_name": ["ARA", "HDF", "ARA", "ARA"]})
    out = m.compare_changes(values, territories, "38", 2019, 2021, "hausse").set_index("scope")
    assert out.at["territoire", "change_abs"] == 30.0  # its own change stays visible …
    assert out.at["territoire", "assessment"] == m.UNRANKED  # … but is not called « favorable »
    assert out.at["national", "change_abs"] == 2.0 and out.at["national", "n"] == 3  # 38 enters no median
    assert math.isnan(out.at["national", "diff_abs"])  # and is not compared with it
