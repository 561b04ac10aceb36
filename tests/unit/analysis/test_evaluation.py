"""Callaway–Sant'Anna event study (diff-diff) on synthetic panels with heterogeneous, dynamic and pre-trending
effects: bias and coverage over 100 seeded replications, the pre-trend test against its stated power, the cross-check
against a second library (moderndid), the refusal rules, the panel CSV reader, the dose-response, and the views on the
demo."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from levier.analysis import evaluation as ev
from levier.views import evaluation as ev_view

YEARS = list(range(2014, 2023))
# Heterogeneous and dynamic effects: (gap in the signing year, change per year after) for each wave.
EFFECTS = {2018: (3.0, 0.5), 2019: (2.0, 0.0), 2020: (1.0, -0.3)}


def staggered(seed: int, per_wave: int = 10, never: int = 10, effects=EFFECTS, pretrend: float = 0.0,
              sd: float = 1.0, rho: float = 0.5, years=YEARS):
    """y = unit effect + year effect + wave effect(e) after signing + pretrend × year for ever-contracted units +
    AR(1) noise (rho). Units: per_wave per wave, then `never` never contracted."""
    rng = np.random.default_rng(seed)
    waves = [g for g in effects for _ in range(per_wave)] + [None] * never
    year_fe = np.cumsum(rng.normal(0.3, 1.0, len(years)))
    rows = []
    for i, g in enumerate(waves):
        a = rng.normal(0.0, 3.0)
        eps = rng.normal(0.0, sd)
        for k, t in enumerate(years):
            if k:
                eps = rho * eps + math.sqrt(1 - rho ** 2) * rng.normal(0.0, sd)
            gap = effects[g][0] + effects[g][1] * (t - g) if g is not None and t >= g else 0.0
            trend = pretrend * k if g is not None else 0.0
            rows.append((f"{i:03d}", t, a + year_fe[k] + gap + trend + eps))
    panel = pd.DataFrame(rows, columns=["unit", "year", "y"])
    return panel, {f"{i:03d}": (float(g) if g is not None else math.nan) for i, g in enumerate(waves)}


def truth(e: int, effects=EFFECTS, last: int = YEARS[-1]) -> float:
    """The event-time estimand, computed by hand from the design: 0 before signature; after, the mean of the waves'
    gaps at e over the waves observed e years after signing (equal wave sizes, so equal weights)."""
    if e < 0:
        return 0.0
    return float(np.mean([lvl + slope * e for g, (lvl, slope) in effects.items() if g + e <= last]))


def _coef(study, e):
    return study.coefs.set_index("event_time").loc[e]


# ---------------------------------------------------------------------------------------------------------------
# Simulations (seeded; the numbers are quoted in the issue's report)


def test_simulation_no_false_pretrend_and_honest_coverage():
    """100 replications, waves 2018/2019/2020 with gaps 3 (+0.5/year), 2 (flat) and 1 (−0.3/year), 10 never
    contracted, serially correlated noise, not-yet-treated controls. The stacked estimator this replaces averaged
    +0.131 in year −3 (a false pre-trend); here every pre-period mean is within 2 Monte-Carlo s.e. of 0, and the 95 %
    intervals cover the truth 90 to 98 % of the time."""
    start = time.perf_counter()
    records, rejected = [], []
    for r in range(100):
        panel, cohort = staggered(1000 + r)
        s = ev.event_study(panel, cohort, controls=ev.CONTROLS_NOT_YET)
        assert s.ok, s.refusal
        rejected.append(s.pretrend.p_value < 0.05)
        for row in s.coefs.itertuples():
            if not row.reference:
                t = truth(row.event_time)
                records.append((row.event_time, row.estimate - t, row.low <= t <= row.high))
    elapsed = time.perf_counter() - start
    d = pd.DataFrame(records, columns=["e", "error", "covered"])
    by = d.groupby("e").agg(bias=("error", "mean"), sd=("error", "std"), n=("error", "size"),
                            coverage=("covered", "mean"))
    by["mcse"] = by["sd"] / np.sqrt(by["n"])
    pre = by[by.index < -1]
    assert list(pre.index) == [-6, -5, -4, -3, -2]
    assert (pre["bias"].abs() <= 2 * pre["mcse"]).all(), pre
    assert 0.90 <= d["covered"].mean() <= 0.98, by
    assert (by["coverage"] >= 0.85).all(), by
    post = by[by.index >= 0]
    assert (post["bias"].abs() < 0.15).all(), post  # year +1 of the stacked estimator was 0.235 off
    assert np.mean(rejected) <= 0.10  # the joint pre-trend test's size, no pre-trend planted
    assert elapsed < 60, elapsed


def test_pretrend_test_detects_half_a_point_a_year_at_its_stated_power():
    """100 replications, no gap, ever-contracted départements drifting +0.5/year against 20 never-contracted ones
    (the controls here): the joint test rejects as often as the power it states against a 0.5/year slope."""
    rejections, stated, detectable = [], [], []
    for r in range(100):
        panel, cohort = staggered(5000 + r, never=20, effects={g: (0.0, 0.0) for g in EFFECTS}, pretrend=0.5,
                                  sd=2.0, rho=0.0)
        s = ev.event_study(panel, cohort, controls=ev.CONTROLS_NEVER)
        assert s.ok, s.refusal
        rejections.append(s.pretrend.p_value < 0.05)
        stated.append(s.pretrend.power(0.5))
        detectable.append(s.pretrend.minimal_detectable_slope())
    assert np.mean(stated) > 0.6
    assert abs(np.mean(rejections) - np.mean(stated)) <= 0.10, (np.mean(rejections), np.mean(stated))
    assert 0.4 < np.mean(detectable) < 0.7  # 80 % power is reached a little above 0.5/year


def test_power_formula_on_one_pre_period_computed_by_hand():
    """One pre-period coefficient with s.e. 0.1 and very many territories: the test is a two-sided z-test, so 80 %
    power needs a true coefficient of (1.96 + 0.8416) × 0.1 = 0.2802 (the slope, since year −2 carries −1 × slope);
    half of it gives Φ(1.4008 − 1.96) + Φ(−1.4008 − 1.96) = 0.288. With 20 territories the F(1, 19) critical value
    2.093² replaces 1.96²: the detectable slope grows to about (2.093 + 0.861) × 0.1 ≈ 0.295."""
    t = ev.PreTrendTest(statistic=0.0, df=1, clusters=10 ** 6, p_value=1.0, information=1 / 0.1 ** 2)
    assert t.minimal_detectable_slope() == pytest.approx(0.2802, abs=3e-4)
    assert t.power(0.14008) == pytest.approx(0.288, abs=3e-3)
    assert t.power(0.0) == pytest.approx(0.05)
    small = ev.PreTrendTest(statistic=0.0, df=1, clusters=20, p_value=1.0, information=1 / 0.1 ** 2)
    assert small.minimal_detectable_slope() == pytest.approx(0.295, abs=3e-3)
    # The p-value, by hand: W = 2² / 0.1² ... with beta = 0.2 and s.e. 0.1, W = 4 and the scaled statistic
    # 4 × 19 / 19 = 4 on F(1, 19): p = 0.0600.
    test = ev.pretrend_test(np.array([0.2]), np.array([[0.01]]), [-2], 20)
    assert test.statistic == pytest.approx(4.0) and test.p_value == pytest.approx(0.0600, abs=5e-4)


def test_the_issues_case_three_waves_with_effects_3_2_1_has_no_false_pretrend():
    """The issue's measured case, one large panel: waves 2019/2020/2021 with constant gaps 3/2/1 and no pre-trend.
    Year −3 must be ≈ 0 (it was +0.131 with the stacked estimator) and year +1 the mean of the waves observed a year
    after signing: (3 + 2 + 1) / 3 = 2 (it was 2.765 for a true 3.0 with the pooled coefficient)."""
    effects = {2019: (3.0, 0.0), 2020: (2.0, 0.0), 2021: (1.0, 0.0)}
    panel, cohort = staggered(3, per_wave=60, never=60, effects=effects, rho=0.0)
    s = ev.event_study(panel, cohort)
    minus3, plus1 = _coef(s, -3), _coef(s, 1)
    assert abs(minus3["estimate"]) < 2 * minus3["se"]
    assert minus3["low"] < 0 < minus3["high"]
    assert plus1["low"] < 2.0 < plus1["high"] and abs(plus1["estimate"] - 2.0) < 0.25
    assert s.pretrend.p_value > 0.05


# ---------------------------------------------------------------------------------------------------------------
# A second library on the same panel


@pytest.mark.parametrize("controls, theirs", [(ev.CONTROLS_NOT_YET, "notyettreated"),
                                              (ev.CONTROLS_NEVER, "nevertreated")])
def test_diff_diff_matches_moderndid_on_the_same_panel(controls, theirs):
    # moderndid (a port of R's did) is only a test-time cross-check: imported here, not by levier.
    from moderndid import aggte, att_gt

    panel, cohort = staggered(21)
    s = ev.event_study(panel, cohort, controls=controls)
    data = panel.assign(id=panel["unit"].astype(int), g=panel["unit"].map(cohort).fillna(0).astype(int))
    mp = att_gt(data, yname="y", tname="year", idname="id", gname="g", control_group=theirs, est_method="reg",
                base_period="universal", boot=False, cband=False)
    agg = aggte(mp, type="dynamic", boot=False, cband=False)
    other = pd.DataFrame({"event_time": np.asarray(agg.event_times, dtype=int), "estimate": agg.att_by_event,
                          "se": agg.se_by_event}).set_index("event_time")
    mine = s.coefs.set_index("event_time")
    assert list(mine.index) == list(other.index)
    np.testing.assert_allclose(mine["estimate"], other["estimate"], atol=1e-8)
    est = ~mine["reference"].astype(bool)
    np.testing.assert_allclose(mine.loc[est, "se"], other.loc[est, "se"], rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# What the estimate shows and refuses


def test_bins_show_their_composition_and_the_reference_row():
    """Waves of 10 signing 2018/2019/2020 in 2014–2022: year −6 only has the 2020 wave (2014 = 2020 − 6), year +4
    only the 2018 wave (2022 = 2018 + 4); years −4 to +2 have all three (30 départements)."""
    panel, cohort = staggered(8)
    s = ev.event_study(panel, cohort)
    c = s.coefs.set_index("event_time")
    assert list(c.index) == list(range(-6, 5))
    assert c.loc[-6, "n_treated"] == 10 and c.loc[-6, "cohorts"] == "2020"
    assert c.loc[4, "n_treated"] == 10 and c.loc[4, "cohorts"] == "2018"
    assert c.loc[3, "n_treated"] == 20 and c.loc[3, "cohorts"] == "2018, 2019"
    assert (c.loc[-4:2, "n_treated"] == 30).all()
    ref = c.loc[-1]
    assert ref["reference"] and ref["estimate"] == 0.0 and ref["se"] == 0.0 and ref["n_treated"] == 30
    assert s.controls == ev.CONTROLS_NOT_YET and s.n_clusters == 40 and s.n_treated == 30


def test_thin_bins_are_not_shown():
    """Only 3 départements in the 2020 wave: year −6 (2020 wave alone) rests on 3 and is left out, said so."""
    panel, cohort = staggered(9)
    thin = [u for u, g in cohort.items() if g == 2020][3:]
    panel = panel[~panel["unit"].isin(thin)]
    s = ev.event_study(panel, cohort)
    assert s.ok and -6 not in set(s.coefs["event_time"])
    assert any("-6" in n and "moins de 5 territoires" in n for n in s.notes)


def test_refuses_with_fewer_than_two_pre_periods():
    panel, cohort = staggered(2, effects={2015: (1.0, 0.0), 2016: (1.0, 0.0)})  # data from 2014: one year before 2015
    panel = panel[panel["year"] >= 2015]  # now 2015 has none and 2016 has one
    s = ev.event_study(panel, cohort)
    assert not s.ok and s.coefs.empty
    assert "moins de 2 années observées avant la signature" in s.refusal[0]
    text = " ".join(s.refusal)
    assert "vague 2015 : aucune valeur l'année précédant la signature (2014)" in text
    assert "vague 2016 : 1 seule année observée avant la signature (2015)" in text


def test_refuses_with_too_few_clusters_or_treated_or_controls():
    panel, cohort = staggered(4, per_wave=3, never=3)  # 12 départements
    s = ev.event_study(panel, cohort)
    assert not s.ok and "seulement 12 territoires" in s.refusal[0] and "au moins 20" in s.refusal[0]

    panel, cohort = staggered(4, per_wave=1, never=30)  # 3 contracted
    s = ev.event_study(panel, cohort)
    assert not s.ok and "seulement 3 territoire(s) sous contrat" in s.refusal[0]

    panel, cohort = staggered(4, never=2)
    s = ev.event_study(panel, cohort, controls=ev.CONTROLS_NEVER)
    assert not s.ok and "seulement 2 territoire(s) jamais sous contrat" in s.refusal[0]


def test_refuses_when_every_unit_signs_the_same_year_and_none_is_left_as_control():
    panel, cohort = staggered(5, per_wave=30, never=0, effects={2018: (1.0, 0.0)})
    s = ev.event_study(panel, cohort)
    assert not s.ok and "aucun témoin" in s.refusal[0]


def test_refuses_without_values():
    panel, cohort = staggered(6)
    panel["y"] = np.nan
    s = ev.event_study(panel, cohort)
    assert not s.ok and "aucune valeur" in s.refusal[0]


def test_log_scale_reads_a_multiplicative_gap():
    panel, cohort = staggered(7, effects={g: (1.0, 0.0) for g in EFFECTS})
    panel["y"] = np.exp(panel["y"] / 10 + 3)  # +1 on the level = +10 % on y
    s = ev.event_study(panel, cohort, log=True)
    assert s.scale == "log" and s.att["low"] < 0.1 < s.att["high"]


def test_counts_of_treated_and_not_yet_treated_per_year():
    panel, cohort = staggered(1, effects={2016: (0.0, 0.0), 2018: (0.0, 0.0)})
    counts = ev.cohort_counts(panel, cohort).set_index("year")
    assert counts.loc[2015].tolist() == [0, 30]
    assert counts.loc[2017].tolist() == [10, 20] and counts.loc[2021].tolist() == [20, 10]


# ---------------------------------------------------------------------------------------------------------------
# The event-time table of `levier evaluation --panel` (its file: tests/unit/ingest/test_panel.py)


def test_event_table_csv_has_the_reference_row_with_zeros():
    panel, cohort = staggered(8)
    s = ev.event_study(panel, cohort)
    lines = ev.event_table_csv(s).splitlines()
    assert lines[0] == "temps_relatif,estimation,erreur_type,ic_bas,ic_haut,n_territoires"
    assert "-1,0,0,0,0,30" in lines and len(lines) == 1 + len(s.coefs)


def test_dose_response_slope_and_refusals():
    rng = np.random.default_rng(4)
    dose = rng.uniform(20, 120, 90)
    points = pd.DataFrame({"code": [f"{i:02d}" for i in range(90)], "name": "x", "dose": dose,
                           "change": 0.05 * dose + rng.normal(0, 1.0, 90)})
    r = ev.dose_response(points)
    assert r.ok and r.low < 0.05 < r.high and r.low > 0 and r.n == 90
    assert len(r.fit) == 40 and (r.fit["low"] <= r.fit["fitted"]).all() and (r.fit["fitted"] <= r.fit["high"]).all()
    flat = ev.dose_response(points.assign(change=rng.normal(0, 1.0, 90)))
    assert flat.low < 0 < flat.high
    few = ev.dose_response(points.head(12))
    assert not few.ok and "seulement 12 départements" in few.refusal[0]
    same = ev.dose_response(points.assign(dose=50.0))
    assert not same.ok and "la même partout" in same.refusal[0]


def test_change_in_points_for_a_rate_in_percent_for_a_count_and_the_state_dose():
    values = pd.DataFrame({"code": ["A", "A", "B", "B", "C"], "period": [2019, 2022, 2019, 2022, 2022],
                           "value": [10.0, 12.5, 0.0, 4.0, 3.0]})
    points = ev.indicator_change(values, 2019, 2022, points=True)
    assert points["A"] == 2.5 and points["B"] == 4.0 and math.isnan(points["C"])
    percent = ev.indicator_change(values, 2019, 2022, points=False)
    assert percent["A"] == 25.0 and math.isnan(percent["B"])  # no % change from zero
    funding = pd.DataFrame({"code": ["A", "A", "A", "B"], "funder": ["etat", "etat_fir", "departement", "etat"],
                            "spent": [100.0, 50.0, 999.0, 30.0]})
    dose = ev.state_dose(funding, pd.Series({"A": 10.0}))
    assert dose["A"] == 15.0 and math.isnan(dose["B"])  # the département's own money is not the dose


# ---------------------------------------------------------------------------------------------------------------
# On the demo


def test_demo_offers_only_cdppe_outcomes_and_refuses_with_its_reasons(demo_db):
    """Demo CDPPE returns start in 2020: the 2020 wave has no year before, the 2021 wave one, and the 2022 wave two
    but no département left without a contract in 2022: refused, not headlined."""
    choices = ev_view.evaluation_choices(demo_db)
    did = choices.event_study
    assert did.codes[did.default] == "CDPPE-1-EPP-TX"
    assert did.codes and all(c.startswith("CDPPE-") for c in did.codes)  # no CALPAE RSA/accueil outcome
    view = ev_view.event_study_view(demo_db, "CDPPE-1-EPP-TX", "59")
    assert not view.ok and view.figure is None and view.headline == {}
    assert "aucun témoin" in view.refusal[0]
    cohorts = view.cohorts.set_index("Vague")
    assert cohorts.loc[2020, "Utilisée"] == "non" and "(2019)" in cohorts.loc[2020, "Commentaire"]
    assert cohorts.loc[2021, "Utilisée"] == "non" and "1 seule année" in cohorts.loc[2021, "Commentaire"]
    limits = " ".join(view.limits)
    for words in ("« Écart estimé », pas « effet »", "Vagues non tirées au sort", "Peu de témoins",
                  "Données déclaratives", "Données fictives"):
        assert words in limits
    assert view.wave_of_selected == "Nord (59) a signé son contrat CDPPE en 2020."
    # The one sentence about the chosen département comes apart from the study (the app estimates it once).
    assert ev_view.wave_of(demo_db, "59") == view.wave_of_selected
    assert ev_view.event_study_view(demo_db, "CDPPE-1-EPP-TX").wave_of_selected == ""
    assert ev_view.wave_of(demo_db, None) == "" and ev_view.wave_of(demo_db, "99") == ""
    never = ev_view.event_study_view(demo_db, "CDPPE-1-EPP-TX", controls=ev.CONTROLS_NEVER)
    assert not never.ok and "jamais sous contrat" in never.refusal[0]
    calpae = ev_view.event_study_view(demo_db, "CALPAE-3.1.1-OR1M-TX")
    assert not calpae.ok and "n'est pas un indicateur de résultat du programme CDPPE" in calpae.refusal[0]


def test_an_accepted_estimate_is_headlined_as_a_gap_with_its_power():
    panel, cohort = staggered(8)
    study = ev.event_study(panel, cohort)
    view = ev_view.event_study_result(study, indicator="X", label="x", source="s", years=YEARS, counts_figure=None,
                                      limits=[ev.LIMIT_WORDING], wave="")
    assert view.ok and ev_view.HEADLINE == "Écart estimé moyen après signature" and ev_view.HEADLINE in view.headline
    assert "effet distinct" not in view.headline["Lecture"] and "pas la preuve d'un effet" in view.headline["Lecture"]
    assert view.headline["Témoins"] == "Pas encore sous contrat (et jamais)"
    assert view.headline["Tendance antérieure détectable (80 %)"].endswith("par an")
    assert any(x.startswith("Puissance du test des tendances antérieures") for x in view.limits)
    assert list(view.table.columns) == ["Année relative", "Écart estimé", "Intervalle à 95 %", "p-valeur",
                                        "Départements sous contrat", "Vagues"]
    assert "pas encore sous contrat" in view.method and "écart estimé" in view.method


def test_demo_refuses_an_indicator_observed_only_after_the_waves(demo_db):
    view = ev_view.event_study_view(demo_db, "PACTE-2-SORT-TX")
    assert not view.ok and view.figure is None and "n'est pas un indicateur de résultat" in view.refusal[0]
    assert view.limits  # the limits are shown even without an estimate


def test_demo_dose_response(demo_db):
    view = ev_view.dose_response_view(demo_db, "CALPAE-3.1.1-OR1M-TX", "59")
    assert view.ok and int(view.headline["Départements"]) >= 90
    assert "Pas de groupe non traité" in " ".join(view.limits)
    choices = ev_view.evaluation_choices(demo_db)
    assert choices.dose.codes[choices.dose.default] == "CALPAE-3.1.1-OR1M-TX"
    assert all(c.startswith("CALPAE-") for c in choices.dose.codes)


def test_the_app_holds_no_scipy_until_a_test_is_asked_for():
    """The app imports the evaluation at start: scipy.special (about 13 MB of the server's memory) comes with the
    first pre-trend test asked for, and diff-diff with scipy.stats only with the first estimate."""
    import subprocess
    import sys

    code = ("import sys; import levier.app.cache; from levier.analysis import evaluation as ev; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'diff_diff'})); "
            "t = ev.PreTrendTest(statistic=4.0, df=1, clusters=20, p_value=1.0, information=100.0); "
            "print(round(t.power(0.2), 6), 'scipy.special' in sys.modules, 'scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    power = ev.PreTrendTest(statistic=4.0, df=1, clusters=20, p_value=1.0, information=100.0).power(0.2)
    assert out[1] == f"{round(power, 6)} True False"
