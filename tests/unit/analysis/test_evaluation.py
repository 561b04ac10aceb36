"""Staggered event study on synthetic panels with a known planted effect, a placebo, the cross-check against a plain
two-way fixed-effects OLS, the refusal rules, the dose-response, and the views on the demo."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from levier.analysis import evaluation as ev
from levier.views import evaluation as ev_view

YEARS = list(range(2012, 2022))


def synthetic(cohorts=(2015, 2017, 2019, 2021), n_units=100, effect=2.0, dynamic=None, seed=7, sd=1.0,
              years=YEARS, log=False):
    """y = unit effect + year effect + effect × (after signing) + noise. `dynamic(e)` overrides the effect by event
    time. Cohort None = never contracted within the panel."""
    rng = np.random.default_rng(seed)
    units = [f"D{i:03d}" for i in range(n_units)]
    cohort = {u: cohorts[i % len(cohorts)] for i, u in enumerate(units)}
    unit_fe = dict(zip(units, rng.normal(0.0, 5.0, n_units)))
    year_fe = dict(zip(years, np.cumsum(rng.normal(0.3, 1.0, len(years)))))
    rows = []
    for u in units:
        g = cohort[u]
        for t in years:
            treated = g is not None and t >= g
            d = (dynamic(t - g) if dynamic else effect) if treated else 0.0
            y = unit_fe[u] + year_fe[t] + d + rng.normal(0.0, sd)
            rows.append((u, t, math.exp(y / 10 + 3) if log else y))
    panel = pd.DataFrame(rows, columns=["unit", "year", "y"])
    return panel, {u: (float(g) if g is not None else float("nan")) for u, g in cohort.items()}


def _coef(study, e):
    return study.coefs.set_index("event_time").loc[e]


def test_recovers_a_planted_effect_within_its_interval():
    panel, cohort = synthetic(effect=2.0)
    s = ev.event_study(panel, cohort)
    assert s.ok, s.refusal
    assert s.att["low"] < 2.0 < s.att["high"] and s.att["low"] > 0
    post = s.coefs[(s.coefs["event_time"] >= 0)]
    assert abs(post["estimate"].mean() - 2.0) < 0.3
    covered = ((post["low"] < 2.0) & (2.0 < post["high"])).mean()
    assert covered >= 0.8
    pre = s.coefs[(s.coefs["event_time"] < -1)]
    assert len(pre) >= 2 and ((pre["low"] < 0) & (0 < pre["high"])).mean() >= 0.75
    assert s.pretrend_p is not None and s.pretrend_p > 0.05
    ref = _coef(s, -1)
    assert ref["reference"] and ref["estimate"] == 0.0
    # Only not-yet-treated départements are controls: the last wave (2021) is a control until 2020, never after.
    used = {c.cohort: c for c in s.cohorts}
    assert used[2015].window == (2012, 2020) and used[2021].used is False
    assert "moins de 5 départements encore sans contrat en 2021" in used[2021].note


def test_placebo_without_effect_is_not_significant():
    panel, cohort = synthetic(effect=0.0, seed=11)
    s = ev.event_study(panel, cohort)
    assert s.ok
    assert s.att["low"] < 0 < s.att["high"] and s.att["p_value"] > 0.05
    assert abs(s.att["estimate"]) < 0.3


def test_dynamic_effects_are_recovered_year_by_year():
    panel, cohort = synthetic(dynamic=lambda e: 1.0 + e, cohorts=(2015, 2016, 2017, None), seed=3)
    s = ev.event_study(panel, cohort)
    for e, truth in ((0, 1.0), (1, 2.0), (2, 3.0)):
        c = _coef(s, e)
        assert c["low"] < truth < c["high"], (e, c.to_dict())


def test_log_scale_reads_a_multiplicative_effect():
    panel, cohort = synthetic(effect=1.0, log=True, seed=5)  # y = exp(level/10 + 3): +1 on the level = +10 % on y
    s = ev.event_study(panel, cohort, log=True)
    assert s.scale == "log"
    assert s.att["low"] < 0.1 < s.att["high"]


def test_single_wave_matches_plain_two_way_fixed_effects_exactly():
    panel, cohort = synthetic(cohorts=(2016, None), seed=2)
    s = ev.event_study(panel, cohort)
    events = sorted(int(e) for e in s.coefs["event_time"])
    assert events == list(range(-4, 6))
    plain = ev.twfe_event_study(panel, cohort, events).set_index("event_time")
    mine = s.coefs.set_index("event_time").drop(index=-1)
    np.testing.assert_allclose(mine["estimate"], plain["estimate"], atol=1e-8)
    np.testing.assert_allclose(mine["se"], plain["se"], rtol=1e-6)
    np.testing.assert_allclose(mine["low"], plain["low"], atol=1e-6)


def test_staggered_waves_agree_with_plain_twfe_when_the_effect_is_homogeneous():
    panel, cohort = synthetic(cohorts=(2015, 2017, 2019, None), seed=9)
    s = ev.event_study(panel, cohort)
    post = [e for e in s.coefs["event_time"] if e >= 0]
    g = panel["unit"].map(cohort)
    all_events = sorted(int(e) for e in (panel["year"] - g).dropna().unique())
    plain = ev.twfe_event_study(panel, cohort, all_events).set_index("event_time")
    mine = s.coefs.set_index("event_time")
    for e in post:
        assert abs(mine.loc[e, "estimate"] - plain.loc[e, "estimate"]) < mine.loc[e, "se"], e
        assert plain.loc[e, "low"] < 2.0 < plain.loc[e, "high"]


def test_refuses_without_a_pre_period():
    panel, cohort = synthetic(cohorts=(2012, None))
    s = ev.event_study(panel, cohort)
    assert not s.ok and s.coefs.empty
    assert "aucune période avant contrat" in s.refusal[0]
    assert any("aucune valeur l'année précédant la signature (2011)" in r for r in s.refusal)


def test_refuses_with_too_few_departements():
    panel, cohort = synthetic(n_units=12, cohorts=(2016, None))
    s = ev.event_study(panel, cohort)
    assert not s.ok
    assert "seulement 12 départements" in s.refusal[0] and "au moins 20" in s.refusal[0]


def test_refuses_when_every_departement_signs_the_same_year():
    panel, cohort = synthetic(cohorts=(2016,))
    s = ev.event_study(panel, cohort)
    assert not s.ok and "encore sans contrat en 2016" in " ".join(s.refusal)


def test_refuses_without_values():
    panel, cohort = synthetic()
    panel["y"] = np.nan
    s = ev.event_study(panel, cohort)
    assert not s.ok and "aucune valeur" in s.refusal[0]


def test_counts_of_treated_and_not_yet_treated_per_year():
    panel, cohort = synthetic(cohorts=(2015, 2017, None), n_units=30)
    counts = ev.cohort_counts(panel, cohort).set_index("year")
    assert counts.loc[2014].tolist() == [0, 30]
    assert counts.loc[2016].tolist() == [10, 20] and counts.loc[2021].tolist() == [20, 10]


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


def test_demo_event_study_uses_the_2021_wave_and_says_why_not_the_others(demo_db):
    view = ev_view.event_study_view(demo_db, "CDPPE-1-EPP-TX", "59")
    assert view.ok
    cohorts = view.cohorts.set_index("Vague")
    assert cohorts.loc[2020, "Utilisée"] == "non" and "aucune valeur l'année précédant la signature (2019)" in \
        cohorts.loc[2020, "Commentaire"]
    assert cohorts.loc[2021, "Utilisée"] == "oui"
    assert view.headline["Tendances antérieures (p)"] == "non testable"
    limits = " ".join(view.limits)
    for words in ("Vagues non tirées au sort", "Peu de témoins", "Données déclaratives", "une seule année observée",
                  "Données fictives"):
        assert words in limits
    assert view.wave_of_selected == "Nord (59) a signé son contrat CDPPE en 2020."
    longer = ev_view.event_study_view(demo_db, "CALPAE-1.1.3-PAR-TX")
    assert longer.ok and longer.headline["Tendances antérieures (p)"] != "non testable"
    assert "-2" in set(longer.table["Année relative"])


def test_demo_refuses_an_indicator_observed_only_after_the_waves(demo_db):
    view = ev_view.event_study_view(demo_db, "PACTE-2-SORT-TX")
    assert not view.ok and view.figure is None
    assert "aucune période avant contrat" in view.refusal[0]
    assert view.limits  # the limits are shown even without an estimate


def test_demo_dose_response(demo_db):
    view = ev_view.dose_response_view(demo_db, "CALPAE-3.1.1-OR1M-TX", "59")
    assert view.ok and int(view.headline["Départements"]) >= 90
    assert "Pas de groupe non traité" in " ".join(view.limits)
    choices = ev_view.evaluation_choices(demo_db)
    did = choices.event_study
    assert did.codes[did.default] == "CDPPE-1-EPP-TX" and "PACTE-2-SORT-TX" not in did.codes
    assert choices.dose.codes[choices.dose.default] == "CALPAE-3.1.1-OR1M-TX"
    assert all(c.startswith("CALPAE-") for c in choices.dose.codes)
