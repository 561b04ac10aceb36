"""Evaluation of contracted against not-yet-contracted départements: a staggered event study across the CDPPE
waves (stacked difference-in-differences with not-yet-treated controls, statsmodels OLS with two-way fixed effects
and errors clustered by département), a dose-response view for CALPAE, and the rules that refuse an estimate the
data cannot support, saying why.

The estimator (explained in French on the page, ESTIMATOR_TEXT): for each wave g with an observed year before its
signature, a sub-panel keeps the départements of that wave and, as controls, only those still without a contract at
the end of the window (signing after g + K, where K is the last year after signature with enough such controls);
the sub-panels are stacked and one OLS is fitted with event-time dummies (year relative to signature, −1 as the
reference), département × wave and year × wave fixed effects, and a covariance clustered by département (a
département appears in several sub-panels). Comparing each wave only with départements not yet treated avoids the
"forbidden comparisons" of a plain two-way fixed-effects regression on staggered adoption (Goodman-Bacon 2021;
stacked design of Cengiz, Dube, Lindner and Zipperer 2019).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MIN_TREATED = 5  # contracted départements behind a wave, or behind one event-time coefficient
MIN_CONTROLS = 5  # not-yet-contracted départements a wave is compared with
MIN_CLUSTERS = 20  # départements in the estimation sample: cluster-robust errors need many clusters
MIN_DOSE_UNITS = 20
MAX_LEADS = 4  # years before signature kept in a sub-panel
CONFIDENCE = 0.95

REFERENCE_EVENT = -1

ESTIMATOR_TEXT = (
    "**Méthode — différence de différences échelonnée (étude d'événement « empilée »).** Pour chaque vague de "
    "contrats (2020, 2021, 2022) ayant au moins une année observée avant sa signature, on compare l'évolution de "
    "l'indicateur dans les départements de la vague à celle des départements **qui n'ont pas encore signé** sur "
    "toute la fenêtre étudiée (témoins « pas encore traités ») ; les départements déjà sous contrat ne servent jamais "
    "de témoins. Ces comparaisons sont empilées puis estimées en une seule régression par moindres carrés ordinaires "
    "(statsmodels) : une variable par année relative à la signature (l'année −1 sert de référence, fixée à 0), des "
    "effets fixes département × vague et année × vague. Les intervalles de confiance à 95 % sont robustes et "
    "regroupés par département (un département peut figurer dans plusieurs comparaisons). Les coefficients des "
    "années **avant** la signature testent l'hypothèse de tendances parallèles : ils devraient être proches de 0. "
    "Pour un effectif, l'indicateur est pris en logarithme et l'effet est lu en pourcentage ; pour un taux, en points."
)

LIMIT_WAVES = ("Vagues non tirées au sort : l'État a retenu les 30 départements de 2020 parmi des volontaires, les "
               "suivants ont choisi leur date. S'ils différaient déjà (moyens, priorités, dynamique), l'écart estimé "
               "mêle cette différence à l'effet du contrat.")
LIMIT_CONTROLS = ("Peu de témoins : seuls les départements qui n'ont pas encore signé servent de comparaison ; après "
                  "2022 il n'y en a plus, et chaque année d'effet repose sur quelques dizaines de départements.")
LIMIT_DECLARATIVE = ("Données déclaratives : les valeurs sont transmises par les départements eux-mêmes, avec des "
                     "définitions qui varient ; un changement de méthode de comptage à la signature ressemblerait à "
                     "un effet.")
LIMIT_DEMO = "Données fictives de démonstration : l'estimation illustre la méthode, elle ne dit rien de la réalité."


def limit_pre_period(max_pre: int) -> str:
    if max_pre <= 1:
        return ("Période antérieure courte : une seule année observée avant la signature (l'année de référence) ; "
                "aucune tendance antérieure n'est testable, l'hypothèse de tendances parallèles est invérifiable.")
    return (f"Période antérieure courte : au plus {max_pre} années observées avant la signature ; le test des "
            "tendances antérieures repose sur peu de points.")


DOSE_LIMITS = (
    "Pas de groupe non traité : la CALPAE a couvert 99 départements ; on compare des départements plus ou moins dotés, "
    "jamais des départements avec et sans contrat.",
    "Dotation non aléatoire : l'enveloppe est répartie selon la pauvreté du département ; les plus dotés par habitant "
    "pauvre diffèrent des autres pour bien d'autres raisons (confusion possible).",
    "Une pente est une corrélation, pas un effet causal ; elle ne dit rien d'un département en particulier.",
    LIMIT_DECLARATIVE,
)


# ---------------------------------------------------------------------------------------------------------------
# Panel helpers


def cohort_counts(panel: pd.DataFrame, cohort: Mapping[str, float]) -> pd.DataFrame:
    """Per year, départements with a value already contracted (treated) and not yet contracted (controls).
    panel: unit, year, y."""
    p = panel.dropna(subset=["y"])
    g = p["unit"].map(cohort).astype(float)
    treated = g <= p["year"]
    out = pd.DataFrame({"year": p["year"], "treated": treated, "control": ~treated})
    counts = out.groupby("year").agg(treated=("treated", "sum"), not_yet_treated=("control", "sum")).reset_index()
    return counts.astype({"year": int, "treated": int, "not_yet_treated": int})


@dataclass
class CohortNote:
    cohort: int
    units: int
    used: bool
    window: tuple[int, int] | None
    controls: int
    note: str


def stack_panel(panel: pd.DataFrame, cohort: Mapping[str, float], max_leads: int = MAX_LEADS,
                min_treated: int = MIN_TREATED, min_controls: int = MIN_CONTROLS) -> tuple[pd.DataFrame, list[CohortNote]]:
    """The stacked sample: one sub-panel per usable wave with its clean (not-yet-treated) controls.

    Returns (stacked: unit, year, y, stack, treated, event; notes per wave). `cohort` maps a unit to its signing
    year (NaN or absent = never within the data)."""
    p = panel.dropna(subset=["y"]).copy()
    p["g"] = p["unit"].map(cohort).astype(float)
    years = sorted(int(y) for y in p["year"].unique())
    if not years:
        return pd.DataFrame(columns=["unit", "year", "y", "stack", "treated", "event"]), []
    last = years[-1]
    frames, notes = [], []
    for g in sorted(int(x) for x in p["g"].dropna().unique()):
        treated_units = set(p.loc[p["g"] == g, "unit"])
        n = len(treated_units)
        if g - 1 not in years:
            notes.append(CohortNote(g, n, False, None, 0, f"vague {g} : aucune valeur l'année précédant la signature "
                                    f"({g - 1}) ; sans « avant », elle ne peut pas être comparée."))
            continue
        k_max = None
        for k in range(0, last - g + 1):
            clean = p.loc[(p["g"].isna() | (p["g"] > g + k)) & (p["year"] == g + k), "unit"].nunique()
            if clean >= min_controls:
                k_max = k
            else:
                break
        if k_max is None:
            notes.append(CohortNote(g, n, False, None, 0, f"vague {g} : moins de {min_controls} départements encore sans "
                                    f"contrat en {g} pour servir de témoins."))
            continue
        leads = min(max_leads, len([y for y in years if y < g]))
        lo, hi = g - leads, g + k_max
        controls = set(p.loc[p["g"].isna() | (p["g"] > hi), "unit"])
        sub = p[p["unit"].isin(treated_units | controls) & p["year"].between(lo, hi)].copy()
        present = sub.loc[sub["unit"].isin(treated_units), "unit"].nunique()
        if present < min_treated:
            notes.append(CohortNote(g, n, False, (lo, hi), len(controls), f"vague {g} : moins de {min_treated} "
                                    "départements avec des valeurs sur la fenêtre."))
            continue
        sub["stack"] = g
        sub["treated"] = sub["unit"].isin(treated_units)
        sub["event"] = np.where(sub["treated"], sub["year"] - g, np.nan)
        frames.append(sub)
        notes.append(CohortNote(g, n, True, (lo, hi), len(controls),
                                f"vague {g} : {present} départements comparés à {len(controls)} départements encore "
                                f"sans contrat, de {lo} à {hi}."))
    stacked = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["unit", "year", "y", "stack", "treated", "event"])
    return stacked, notes


def _design(stacked: pd.DataFrame, regressors: pd.DataFrame) -> pd.DataFrame:
    """Regressors of interest + unit×wave dummies (all) + year×wave dummies (all but each wave's first year)."""
    unit_stack = stacked["unit"].astype(str) + "@" + stacked["stack"].astype(int).astype(str)
    year_stack = stacked["year"].astype(int).astype(str) + "@" + stacked["stack"].astype(int).astype(str)
    fe_unit = pd.get_dummies(unit_stack, prefix="u", dtype=float)
    first_year = stacked.groupby("stack")["year"].transform("min")
    fe_year = pd.get_dummies(year_stack.where(stacked["year"] != first_year), prefix="t", dtype=float)
    return pd.concat([regressors.reset_index(drop=True), fe_unit.reset_index(drop=True),
                      fe_year.reset_index(drop=True)], axis=1)


def _fit(y: pd.Series, X: pd.DataFrame, groups: pd.Series):
    import statsmodels.api as sm  # statsmodels takes a second to import: only when an estimate is asked for

    codes, _ = pd.factorize(groups)
    model = sm.OLS(y.to_numpy(dtype=float), X.to_numpy(dtype=float))
    return model.fit(method="qr", cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)


def _dummy(event: int) -> str:
    return f"e_m{-event}" if event < 0 else f"e_p{event}"


@dataclass
class EventStudy:
    ok: bool
    refusal: list[str]
    coefs: pd.DataFrame  # event_time, estimate, se, low, high, p_value, n_treated, reference
    att: dict[str, float]
    counts: pd.DataFrame
    cohorts: list[CohortNote]
    pretrend_p: float | None
    max_pre: int
    n_obs: int
    n_clusters: int
    scale: str  # 'points' | 'log'
    notes: list[str] = field(default_factory=list)


def event_study(panel: pd.DataFrame, cohort: Mapping[str, float], *, log: bool = False,
                min_treated: int = MIN_TREATED, min_controls: int = MIN_CONTROLS,
                min_clusters: int = MIN_CLUSTERS, max_leads: int = MAX_LEADS) -> EventStudy:
    """Stacked event study on panel (unit, year, y) with signing years `cohort`; refuses, saying why, when the data
    cannot support an estimate."""
    panel = panel[["unit", "year", "y"]].copy()
    panel["y"] = pd.to_numeric(panel["y"], errors="coerce").astype(float)
    notes: list[str] = []
    if log:
        nonpositive = int((panel["y"] <= 0).sum())
        panel.loc[panel["y"] <= 0, "y"] = np.nan
        panel["y"] = np.log(panel["y"])
        if nonpositive:
            notes.append(f"{nonpositive} valeur(s) nulle(s) écartée(s) (logarithme).")
    counts = cohort_counts(panel, cohort)
    stacked, cohorts = stack_panel(panel, cohort, max_leads, min_treated, min_controls)
    empty = pd.DataFrame(columns=["event_time", "estimate", "se", "low", "high", "p_value", "n_treated", "reference"])

    def refuse(reasons: list[str]) -> EventStudy:
        return EventStudy(False, reasons, empty, {}, counts, cohorts, None, 0, len(stacked),
                          int(stacked["unit"].nunique()) if len(stacked) else 0, "log" if log else "points", notes)

    if panel["y"].notna().sum() == 0:
        return refuse(["aucune valeur de l'indicateur pour les départements."])
    if not any(c.used for c in cohorts):
        reasons = [c.note for c in cohorts] or ["aucune date de signature connue pour les départements."]
        if all("précédant la signature" in c.note for c in cohorts):
            reasons.insert(0, "aucune période avant contrat : aucune vague n'a d'année observée avant sa signature.")
        return refuse(reasons)

    # Event times with too few contracted départements behind them are dropped, not estimated on a handful.
    treated = stacked[stacked["treated"]]
    per_event = treated.groupby("event")["unit"].nunique()
    thin = [int(e) for e, n in per_event.items() if n < min_treated and e != REFERENCE_EVENT]
    if thin:
        stacked = stacked[~(stacked["treated"] & stacked["event"].isin(thin))]
        notes.append("année(s) relative(s) " + ", ".join(f"{e:+d}" for e in thin) +
                     f" non estimée(s) : moins de {min_treated} départements contractants.")
    events = sorted(int(e) for e in stacked.loc[stacked["treated"], "event"].dropna().unique())
    post = [e for e in events if e >= 0]
    clusters = int(stacked["unit"].nunique())
    if not post:
        return refuse(["aucune année après signature n'a assez de départements contractants et de témoins."])
    if REFERENCE_EVENT not in events:
        return refuse(["l'année précédant la signature (référence) n'est observée pour aucun département contractant."])
    if clusters < min_clusters:
        return refuse([f"seulement {clusters} départements dans l'échantillon d'estimation : il en faut au moins "
                       f"{min_clusters} pour des intervalles de confiance regroupés par département fiables."])

    estimated = [e for e in events if e != REFERENCE_EVENT]
    regs = pd.DataFrame({_dummy(e): (stacked["treated"] & (stacked["event"] == e)).astype(float).to_numpy()
                         for e in estimated})
    X = _design(stacked, regs)
    res = _fit(stacked["y"].reset_index(drop=True), X, stacked["unit"].reset_index(drop=True))
    ci = res.conf_int(alpha=1 - CONFIDENCE)
    names = list(X.columns)
    rows = []
    n_by_event = stacked[stacked["treated"]].groupby("event")["unit"].nunique()
    for e in events:
        if e == REFERENCE_EVENT:
            rows.append((e, 0.0, 0.0, 0.0, 0.0, math.nan, int(n_by_event.get(e, 0)), True))
            continue
        j = names.index(_dummy(e))
        rows.append((e, float(res.params[j]), float(res.bse[j]), float(ci[j][0]), float(ci[j][1]),
                     float(res.pvalues[j]), int(n_by_event.get(e, 0)), False))
    coefs = pd.DataFrame(rows, columns=["event_time", "estimate", "se", "low", "high", "p_value", "n_treated",
                                        "reference"])
    pre = [e for e in estimated if e < REFERENCE_EVENT]
    pretrend_p = None
    if pre:
        R = np.zeros((len(pre), len(names)))
        for i, e in enumerate(pre):
            R[i, names.index(_dummy(e))] = 1.0
        pretrend_p = float(res.wald_test(R, scalar=True).pvalue)

    # The average effect after signature: the same stacked sample, one dummy for every post-signature year.
    post_reg = pd.DataFrame({"post": (stacked["treated"] & (stacked["event"] >= 0)).astype(float).to_numpy()})
    res_att = _fit(stacked["y"].reset_index(drop=True), _design(stacked, post_reg), stacked["unit"].reset_index(drop=True))
    ci_att = res_att.conf_int(alpha=1 - CONFIDENCE)
    att = {"estimate": float(res_att.params[0]), "se": float(res_att.bse[0]), "low": float(ci_att[0][0]),
           "high": float(ci_att[0][1]), "p_value": float(res_att.pvalues[0])}
    max_pre = max((len([y for y in range(c.window[0], c.cohort)]) for c in cohorts if c.used and c.window), default=0)
    return EventStudy(True, [], coefs, att, counts, cohorts, pretrend_p, max_pre, int(len(stacked)), clusters,
                      "log" if log else "points", notes)


def twfe_event_study(panel: pd.DataFrame, cohort: Mapping[str, float], events: Sequence[int]) -> pd.DataFrame:
    """Plain two-way fixed-effects event study (statsmodels formula: unit and year dummies, event-time dummies for
    the listed events, −1 left out), clustered by unit: the textbook regression the stacked estimator is checked
    against. Returns event_time, estimate, se, low, high."""
    import statsmodels.formula.api as smf  # a second to import: only when this check runs

    p = panel.dropna(subset=["y"]).copy()
    g = p["unit"].map(cohort).astype(float)
    terms = []
    for e in events:
        if e == REFERENCE_EVENT:
            continue
        name = _dummy(e)
        p[name] = ((p["year"] - g) == e).astype(float)
        terms.append(name)
    formula = "y ~ C(unit) + C(year)" + "".join(f" + {t}" for t in terms)
    codes, _ = pd.factorize(p["unit"])
    res = smf.ols(formula, data=p).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    ci = res.conf_int(alpha=1 - CONFIDENCE)
    rows = [(e, float(res.params[_dummy(e)]), float(res.bse[_dummy(e)]), float(ci.loc[_dummy(e), 0]),
             float(ci.loc[_dummy(e), 1])) for e in events if e != REFERENCE_EVENT]
    return pd.DataFrame(rows, columns=["event_time", "estimate", "se", "low", "high"])


# ---------------------------------------------------------------------------------------------------------------
# Dose-response


@dataclass
class DoseResponse:
    ok: bool
    refusal: list[str]
    slope: float
    low: float
    high: float
    p_value: float
    n: int
    fit: pd.DataFrame  # dose, fitted, low, high
    points: pd.DataFrame  # code, name, dose, change


def dose_response(points: pd.DataFrame, min_units: int = MIN_DOSE_UNITS) -> DoseResponse:
    """OLS of the change in the indicator on the dose (State € per poor inhabitant), heteroskedasticity-robust (HC1)
    errors, with the 95 % band of the fitted line. points: code, name, dose, change."""
    import statsmodels.api as sm  # a second to import: only when an estimate is asked for

    pts = points.dropna(subset=["dose", "change"]).reset_index(drop=True)
    empty = pd.DataFrame(columns=["dose", "fitted", "low", "high"])
    if len(pts) < min_units:
        return DoseResponse(False, [f"seulement {len(pts)} départements ont à la fois une dotation par habitant pauvre "
                                    f"et une évolution de l'indicateur : il en faut au moins {min_units}."],
                            math.nan, math.nan, math.nan, math.nan, len(pts), empty, pts)
    if pts["dose"].std() <= 1e-9 * max(1.0, abs(pts["dose"].mean())):
        return DoseResponse(False, ["la dotation par habitant pauvre est la même partout : aucune pente n'est estimable."],
                            math.nan, math.nan, math.nan, math.nan, len(pts), empty, pts)
    X = sm.add_constant(pts["dose"].to_numpy(dtype=float))
    res = sm.OLS(pts["change"].to_numpy(dtype=float), X).fit(cov_type="HC1", use_t=True)
    ci = res.conf_int(alpha=1 - CONFIDENCE)
    grid = np.linspace(pts["dose"].min(), pts["dose"].max(), 40)
    pred = res.get_prediction(sm.add_constant(grid)).summary_frame(alpha=1 - CONFIDENCE)
    fit = pd.DataFrame({"dose": grid, "fitted": pred["mean"].to_numpy(), "low": pred["mean_ci_lower"].to_numpy(),
                        "high": pred["mean_ci_upper"].to_numpy()})
    return DoseResponse(True, [], float(res.params[1]), float(ci[1][0]), float(ci[1][1]), float(res.pvalues[1]),
                        len(pts), fit, pts)


def indicator_change(values: pd.DataFrame, start: int, end: int, *, points: bool) -> pd.Series:
    """Per territory (code), the change of an indicator from `start` to `end`: in points for a rate (`points`),
    else in % of the start value (NaN when the start is not positive). values: code, period, value."""
    wide = values.pivot_table(index="code", columns="period", values="value")
    if points:
        return wide[end] - wide[start]
    return 100 * (wide[end] / wide[start].where(wide[start] > 0) - 1)


def state_dose(funding: pd.DataFrame, poor: pd.Series) -> pd.Series:
    """Per territory (code), State € spent per poor inhabitant: the dose of the dose-response view.
    funding: the long funding frame (levier.analysis.lever); poor: poor inhabitants indexed by code."""
    state = funding[funding["funder"].str.startswith("etat")].groupby("code")["spent"].sum(min_count=1)
    return state / poor.reindex(state.index)
