"""Evaluation of contracted against not-yet-contracted (or never-contracted) territories: the Callaway–Sant'Anna
group-time estimator (library diff-diff) aggregated by year relative to signature, a joint pre-trend test with its
power, the rules that refuse an estimate the data cannot support (saying why, in French), and a CALPAE dose-response.

The estimator (explained in French on the page, ESTIMATOR_TEXT): for each wave g (territories signing in year g) and
each year t, ATT(g, t) is the change of the wave's mean from g − 1 to t minus the same change among the controls
(territories still without a contract in t, or never under contract: `controls`, chosen by the caller). These
group-time gaps are averaged by year relative to signature e = t − g, each wave weighted by its size; year −1 is the
reference (0 by construction); years before signature (e ≤ −2) measure pre-trends. A wave is never compared with a
territory already under contract, and each wave's gap has its own coefficient: no bleeding across waves (the bias of
a pooled or stacked two-way fixed-effects event study under heterogeneous effects, Sun and Abraham 2021). Standard
errors come from the estimator's influence functions, clustered by territory. The library moderndid (a port of R's
`did`) is the test-time cross-check.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from levier.core.fmt import fmt_number, fmt_pct

CONTROLS_NOT_YET = "pas_encore"  # territories not yet under contract in the year compared (never-contracted included)
CONTROLS_NEVER = "jamais"  # territories never under contract within the observed years
CONTROL_GROUPS = {CONTROLS_NOT_YET: "not_yet_treated", CONTROLS_NEVER: "never_treated"}
CONTROL_LABELS = {CONTROLS_NOT_YET: ("territoires pas encore sous contrat l'année comparée (et ceux jamais sous "
                                     "contrat)"),
                  CONTROLS_NEVER: "territoires jamais sous contrat sur les années observées"}

MIN_PRE_PERIODS = 2  # observed years before signature a wave needs (g − 1, the reference, and at least one more)
MIN_TREATED = 5  # contracted territories behind the estimate, and behind each year relative to signature
MIN_CONTROLS = 5  # never-contracted territories, when they are the controls
MIN_CLUSTERS = 20  # territories in the estimation sample: cluster-robust errors need many clusters
MIN_DOSE_UNITS = 20
CONFIDENCE = 0.95
POWER_TARGET = 0.80  # the power at which the minimal detectable pre-trend is stated

REFERENCE_EVENT = -1

ESTIMATOR_TEXT = (
    "**Méthode — différence de différences échelonnée de Callaway et Sant'Anna (2021).** Pour chaque vague de "
    "contrats et chaque année, on calcule l'écart entre l'évolution de l'indicateur dans les départements de la vague "
    "(depuis l'année précédant leur signature) et son évolution chez les départements témoins : **{controls}** (choix "
    "affiché, modifiable) ; un département déjà sous contrat ne sert jamais de témoin. Ces écarts par vague et par "
    "année sont ensuite moyennés par année relative à la signature, chaque vague pesant selon son nombre de "
    "départements ; la composition de chaque année relative (vagues et départements) est affichée. L'année −1 est la "
    "référence (0 par construction). Chaque vague a ses propres écarts : contrairement à une régression à effets fixes "
    "commune, un effet différent d'une vague à l'autre ne crée pas de fausse tendance antérieure. Intervalles à 95 % "
    "issus des fonctions d'influence de l'estimateur, regroupés par département (bibliothèque diff-diff, vérifiée "
    "en test contre moderndid, portage du paquet R « did »). Les années **avant** la signature (−2, −3…) sont testées "
    "**conjointement** (test de Wald) : si les tendances étaient parallèles, elles seraient proches de 0 ; la "
    "puissance du test est indiquée, car un test peu puissant ne prouve rien. Une vague sans deux années observées "
    "avant sa signature est écartée ; l'estimation est refusée plutôt qu'affichée quand il reste moins de "
    f"{MIN_TREATED} départements sous contrat, moins de {MIN_CLUSTERS} départements au total, ou aucune année "
    "antérieure testable. Pour un effectif, l'indicateur est pris en logarithme et l'écart lu en pourcentage ; pour un "
    "taux, en points. Le résultat est un **écart estimé**, pas la preuve d'un effet du contrat : voir les limites."
)

LIMIT_WAVES = ("Vagues non tirées au sort : l'État a retenu les 30 départements de 2020 parmi des volontaires, les "
               "suivants ont choisi leur date. S'ils différaient déjà (moyens, priorités, dynamique), l'écart estimé "
               "mêle cette différence à l'effet du contrat.")
LIMIT_CONTROLS = ("Peu de témoins : seuls les départements qui n'ont pas encore signé (ou jamais) servent de "
                  "comparaison ; après 2022 il n'y en a plus, et chaque année relative repose sur quelques dizaines de "
                  "départements.")
LIMIT_DECLARATIVE = ("Données déclaratives : les valeurs sont transmises par les départements eux-mêmes, avec des "
                     "définitions qui varient ; un changement de méthode de comptage à la signature ressemblerait à "
                     "un effet.")
LIMIT_DEMO = "Données fictives de démonstration : l'estimation illustre la méthode, elle ne dit rien de la réalité."
LIMIT_WORDING = ("« Écart estimé », pas « effet » : l'écart n'est attribuable au contrat que si les départements "
                 "auraient évolué comme leurs témoins sans lui, ce que les données ne prouvent pas.")


def limit_pre_period(max_pre: int) -> str:
    if max_pre <= 1:
        return ("Période antérieure courte : une seule année observée avant la signature (l'année de référence) ; "
                "aucune tendance antérieure n'est testable, l'hypothèse de tendances parallèles est invérifiable.")
    return (f"Période antérieure courte : au plus {max_pre} années observées avant la signature ; le test des "
            "tendances antérieures repose sur peu de points (voir sa puissance).")


DOSE_LIMITS = (
    "Pas de groupe non traité : la CALPAE a couvert 99 départements ; on compare des départements plus ou moins dotés, "
    "jamais des départements avec et sans contrat.",
    "Dotation non aléatoire : l'enveloppe est répartie selon la pauvreté du département ; les plus dotés par habitant "
    "pauvre diffèrent des autres pour bien d'autres raisons (confusion possible).",
    "Une pente est une corrélation, pas un effet causal ; elle ne dit rien d'un département en particulier.",
    LIMIT_DECLARATIVE,
)


def estimator_text(controls: str = CONTROLS_NOT_YET) -> str:
    """The French method text, naming the controls used."""
    return ESTIMATOR_TEXT.replace("{controls}", CONTROL_LABELS[controls])


# ---------------------------------------------------------------------------------------------------------------
# Panel helpers


def cohort_counts(panel: pd.DataFrame, cohort: Mapping[str, float]) -> pd.DataFrame:
    """Per year, territories with a value already contracted (treated) and not yet contracted (controls).
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
    window: tuple[int, int] | None  # first and last observed years of the wave's territories
    pre_periods: int  # observed years before signature
    note: str


@dataclass
class PreTrendTest:
    """Joint test that every pre-signature coefficient (e ≤ −2) is 0 — the cluster-robust Wald statistic W with the
    Hotelling small-sample correction W·(G − k) / (k·(G − 1)) ~ F(k, G − k), G territories, k coefficients (the plain
    χ² test rejected 13,5 % of the time at 5 % in the seeded simulation of the tests, the corrected one 4,5 %) — and
    its power against a linear pre-trend: coefficient s × (e + 1) in year e, the gap widening by s per year before
    signature (non-centrality s²·b'V⁻¹b)."""
    statistic: float  # the Wald statistic W
    df: int  # k
    clusters: int  # G
    p_value: float
    information: float  # b'V⁻¹b for b = (e + 1): the non-centrality per unit of squared slope

    def _critical(self, alpha: float) -> float:
        return float(_special().fdtri(self.df, self.clusters - self.df, 1 - alpha))

    def power(self, slope: float, alpha: float = 1 - CONFIDENCE) -> float:
        """Probability that the test rejects at level alpha when the true pre-trend is `slope` per year."""
        lam = slope ** 2 * self.information
        crit = self._critical(alpha)
        if lam == 0:
            return _f_sf(crit, self.df, self.clusters - self.df)
        return _ncf_sf(crit, self.df, self.clusters - self.df, lam)

    def minimal_detectable_slope(self, power: float = POWER_TARGET, alpha: float = 1 - CONFIDENCE) -> float:
        """The smallest linear pre-trend (per year) the test detects with probability `power`."""
        if self.information <= 0:
            return math.inf
        crit = self._critical(alpha)
        lam = _increasing_root(lambda x: _ncf_sf(crit, self.df, self.clusters - self.df, x) - power, 1e-9, 1e5)
        return math.sqrt(lam / self.information)


# The F tails through scipy.special rather than scipy.stats, and the root by bisection rather than scipy.optimize:
# scipy.stats and scipy.optimize add about 45 MB to the server's memory and 1.5 s to its start, for three calls.
# scipy.special itself (13 MB) is imported by the first test asked for, not with the module: the app imports this
# module at start, and a server whose users never open an estimate or a pre-trend test never holds it.


def _special():
    from scipy import special  # on the first test asked for: 13 MB the server need not hold (above)

    return special


def _f_sf(x: float, dfn: int, dfd: int) -> float:
    """P(F(dfn, dfd) > x), 1 at or below 0 as scipy.stats.f.sf."""
    return 1.0 if x <= 0 else float(_special().fdtrc(dfn, dfd, x))


def _ncf_sf(x: float, dfn: int, dfd: int, nc: float) -> float:
    """P(F(dfn, dfd, non-centrality nc) > x): scipy.stats.ncf.sf to about 1e-16 (the rejection probabilities
    used here are at least the test's level, far from the tail where 1 − cdf would lose digits)."""
    return 1.0 if x <= 0 else 1.0 - float(_special().ncfdtr(dfn, dfd, nc, x))


def _increasing_root(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of an increasing f in [lo, hi], to the last bit by bisection (about 60 evaluations)."""
    if not f(lo) < 0 < f(hi):
        raise ValueError(f"no root of an increasing function between {lo} and {hi}")
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return mid
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid


def pretrend_test(beta: np.ndarray, vcov: np.ndarray, events: list[int], clusters: int) -> PreTrendTest | None:
    """The joint pre-trend test of coefficients `beta` (years `events`, all ≤ −2) with covariance `vcov`, estimated
    on `clusters` territories; None when nothing is testable."""
    Vinv = np.linalg.pinv(vcov)
    k = int(np.linalg.matrix_rank(vcov))
    if k == 0 or clusters <= k:
        return None
    stat = float(beta @ Vinv @ beta)
    scaled = stat * (clusters - k) / (k * (clusters - 1))
    b = np.array([e + 1.0 for e in events])
    return PreTrendTest(stat, k, clusters, _f_sf(scaled, k, clusters - k), float(b @ Vinv @ b))


@dataclass
class EventStudy:
    ok: bool
    refusal: list[str]
    coefs: pd.DataFrame  # event_time, estimate, se, low, high, p_value, n_treated, cohorts, reference
    att: dict[str, float]  # the average gap over every (wave, year after signature): estimate, se, low, high, p_value
    counts: pd.DataFrame
    cohorts: list[CohortNote]
    pretrend: PreTrendTest | None
    max_pre: int
    n_obs: int
    n_clusters: int
    n_treated: int
    n_controls: int
    controls: str
    scale: str  # 'points' | 'log'
    notes: list[str] = field(default_factory=list)

    @property
    def pretrend_p(self) -> float | None:
        return self.pretrend.p_value if self.pretrend else None


COEF_COLUMNS = ["event_time", "estimate", "se", "low", "high", "p_value", "n_treated", "cohorts", "reference"]


def _cohort_notes(p: pd.DataFrame, years: list[int], min_pre: int) -> list[CohortNote]:
    notes = []
    for g in sorted(int(x) for x in p["g"].dropna().unique()):
        own = p[p["g"] == g]
        n = int(own["unit"].nunique())
        seen = sorted(int(y) for y in own["year"].unique())
        window = (seen[0], seen[-1]) if seen else None
        pre = [y for y in seen if y < g]
        if g - 1 not in pre:
            notes.append(CohortNote(g, n, False, window, len(pre), f"vague {g} : aucune valeur l'année précédant la "
                                    f"signature ({g - 1}) ; sans année de référence, elle ne peut pas être comparée."))
        elif len(pre) < min_pre:
            notes.append(CohortNote(g, n, False, window, len(pre), f"vague {g} : {len(pre)} seule année observée "
                                    f"avant la signature ({g - 1}) ; il en faut au moins {min_pre} pour tester les "
                                    "tendances antérieures : vague écartée."))
        else:
            notes.append(CohortNote(g, n, True, window, len(pre), f"vague {g} : {n} territoires, {len(pre)} années "
                                    f"observées avant la signature ({pre[0]}–{pre[-1]})."))
    return notes


def _composition(gt: Mapping, p: pd.DataFrame) -> dict[int, tuple[int, str]]:
    """Per year relative to signature, the contracted territories behind its estimate (observed both in the year and
    in the reference year of their wave) and the waves they belong to."""
    observed = set(zip(p["unit"], p["year"].astype(int)))
    members = p.groupby("g")["unit"].unique()
    out: dict[int, tuple[set, set]] = {}
    for (g, t), cell in gt.items():
        if not np.isfinite(cell.get("effect", np.nan)):
            continue
        g, t = int(g), int(t)
        units = {u for u in members.get(g, []) if (u, t) in observed and (u, g - 1) in observed}
        units_e, waves_e = out.setdefault(t - g, (set(), set()))
        units_e |= units
        waves_e.add(g)
    return {e: (len(u), ", ".join(str(w) for w in sorted(ws))) for e, (u, ws) in out.items()}


def _pretrend(es, pre: list[int], clusters: int) -> PreTrendTest | None:
    if not pre or es.vcov is None:
        return None
    index = [int(e) for e in es.vcov_index]
    pos = [index.index(e) for e in pre]
    V = np.asarray(es.vcov, dtype=float)[np.ix_(pos, pos)]
    beta = es.to_dataframe().set_index("event_time").loc[pre, "att"].to_numpy(dtype=float)
    return pretrend_test(beta, V, pre, clusters)


def event_study(panel: pd.DataFrame, cohort: Mapping[str, float], *, controls: str = CONTROLS_NOT_YET,
                log: bool = False, min_treated: int = MIN_TREATED, min_controls: int = MIN_CONTROLS,
                min_clusters: int = MIN_CLUSTERS, min_pre: int = MIN_PRE_PERIODS) -> EventStudy:
    """Callaway–Sant'Anna event study on panel (unit, year, y) with signing years `cohort` (unit → year; NaN or
    absent = never within the data) against `controls` (CONTROLS_NOT_YET or CONTROLS_NEVER); refuses, saying why in
    French, when the data cannot support an estimate."""
    if controls not in CONTROL_GROUPS:
        raise ValueError(f"controls must be one of {sorted(CONTROL_GROUPS)}, got {controls!r}")
    panel = panel[["unit", "year", "y"]].copy()
    panel["unit"] = panel["unit"].astype(str)
    panel["year"] = panel["year"].astype(int)
    panel["y"] = pd.to_numeric(panel["y"], errors="coerce").astype(float)
    notes: list[str] = []
    if log:
        nonpositive = int((panel["y"] <= 0).sum())
        panel.loc[panel["y"] <= 0, "y"] = np.nan
        panel["y"] = np.log(panel["y"])
        if nonpositive:
            notes.append(f"{nonpositive} valeur(s) nulle(s) écartée(s) (logarithme).")
    panel = panel.dropna(subset=["y"])
    cohort = {str(k): float(v) for k, v in cohort.items()}
    counts = cohort_counts(panel, cohort)
    scale = "log" if log else "points"
    empty = pd.DataFrame(columns=COEF_COLUMNS)

    def refuse(reasons: list[str], cohorts: list[CohortNote] | None = None, n_obs: int = 0, clusters: int = 0,
               treated: int = 0, ctrl: int = 0) -> EventStudy:
        return EventStudy(False, reasons, empty, {}, counts, cohorts or [], None, 0, n_obs, clusters, treated, ctrl,
                          controls, scale, notes)

    if panel.empty:
        return refuse(["aucune valeur de l'indicateur pour les territoires."])
    years = sorted(int(y) for y in panel["year"].unique())
    p = panel.copy()
    p["g"] = p["unit"].map(cohort).astype(float)
    late = p["g"] > years[-1]
    if late.any():
        notes.append(f"{p.loc[late, 'unit'].nunique()} territoire(s) signant après {years[-1]}, dernière année "
                     "observée : comptés comme jamais sous contrat.")
        p.loc[late, "g"] = np.nan
    cohorts = _cohort_notes(p, years, min_pre)
    if not cohorts:
        return refuse(["aucune date de signature connue pour les territoires observés."])
    used = [c.cohort for c in cohorts if c.used]
    if not used:
        reasons = [f"moins de {min_pre} années observées avant la signature pour chaque vague : les tendances "
                   "antérieures ne sont pas testables, aucun écart n'est estimé."] + [c.note for c in cohorts]
        return refuse(reasons, cohorts)
    dropped = [c.cohort for c in cohorts if not c.used]
    if dropped:
        notes.append("vague(s) " + ", ".join(map(str, dropped)) + " écartée(s) (ni comme vague ni comme témoin) : "
                     f"moins de {min_pre} années observées avant la signature.")
    p = p[p["g"].isna() | p["g"].isin(used)]
    treated_units = int(p.loc[p["g"].notna(), "unit"].nunique())
    never_units = int(p.loc[p["g"].isna(), "unit"].nunique())
    clusters = int(p["unit"].nunique())
    n_obs = len(p)
    if treated_units < min_treated:
        return refuse([f"seulement {treated_units} territoire(s) sous contrat dans les vagues utilisables : il en "
                       f"faut au moins {min_treated}."], cohorts, n_obs, clusters, treated_units, never_units)
    if controls == CONTROLS_NEVER and never_units < min_controls:
        return refuse([f"seulement {never_units} territoire(s) jamais sous contrat pour servir de témoins : il en faut "
                       f"au moins {min_controls} (ou choisir les témoins « pas encore sous contrat »)."],
                      cohorts, n_obs, clusters, treated_units, never_units)
    if controls == CONTROLS_NOT_YET:
        unit_g = p.groupby("unit")["g"].first()
        clean = max(int((unit_g.isna() | (unit_g > g)).sum()) for g in used)
        if clean < min_controls:
            return refuse([f"moins de {min_controls} territoires encore sans contrat l'année de signature de chaque "
                           f"vague retenue ({', '.join(map(str, used))}) : aucun témoin pour la comparer."],
                          cohorts, n_obs, clusters, treated_units, never_units)
    if clusters < min_clusters:
        return refuse([f"seulement {clusters} territoires dans l'échantillon d'estimation : il en faut au moins "
                       f"{min_clusters} pour des intervalles de confiance regroupés par territoire fiables."],
                      cohorts, n_obs, clusters, treated_units, never_units)
    missing = len(p["unit"].unique()) * len(years) - n_obs
    if missing:
        notes.append(f"{missing} couple(s) territoire × année sans valeur : chaque écart n'utilise que les "
                     "territoires observés à la fois l'année comparée et l'année de référence.")

    # diff-diff takes two seconds to import: only when an estimate is asked for.
    from diff_diff import CallawaySantAnna

    data = p.assign(first_treat=p["g"].fillna(0).astype(int))
    estimator = CallawaySantAnna(control_group=CONTROL_GROUPS[controls], estimation_method="reg",
                                 base_period="universal", alpha=1 - CONFIDENCE, rank_deficient_action="silent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unbalanced-panel notice is said above, in French
        try:
            fit = estimator.fit(data, outcome="y", unit="unit", time="year", first_treat="first_treat")
            es = fit.aggregate("event_study")
        except (ValueError, np.linalg.LinAlgError) as exc:
            return refuse([f"l'estimateur n'a pas pu être calculé sur ces données (message de la bibliothèque "
                           f"diff-diff : {exc})."], cohorts, n_obs,
                          clusters, treated_units, never_units)
    table = es.to_dataframe()
    composition = _composition(fit.group_time_effects, p)
    rows, thin = [], []
    for r in table.itertuples():
        e = int(r.event_time)
        if e == REFERENCE_EVENT:
            rows.append((e, 0.0, 0.0, 0.0, 0.0, math.nan, treated_units, ", ".join(map(str, used)), True))
            continue
        if not np.isfinite(r.att) or not np.isfinite(r.se):
            continue
        n, waves = composition.get(e, (0, ""))
        if n < min_treated:
            thin.append(e)
            continue
        rows.append((e, float(r.att), float(r.se), float(r.conf_int_lower), float(r.conf_int_upper),
                     float(r.p_value), n, waves, False))
    if thin:
        notes.append("année(s) relative(s) " + ", ".join(f"{e:+d}" for e in sorted(thin)) +
                     f" non montrée(s) : moins de {min_treated} territoires sous contrat derrière.")
    coefs = pd.DataFrame(rows, columns=COEF_COLUMNS).sort_values("event_time").reset_index(drop=True)
    post = [int(e) for e in coefs["event_time"] if e >= 0]
    pre = [int(e) for e in coefs["event_time"] if e < REFERENCE_EVENT]
    if not post:
        return refuse(["aucune année après signature n'a à la fois assez de territoires sous contrat et des témoins "
                       f"({CONTROL_LABELS[controls]}) : aucun écart n'est estimable."], cohorts, n_obs, clusters,
                      treated_units, never_units)
    if not pre:
        return refuse([f"aucune année antérieure à la référence n'est estimable (moins de {min_pre} années avant la "
                       "signature avec des témoins) : les tendances antérieures ne sont pas testables."], cohorts,
                      n_obs, clusters, treated_units, never_units)
    pretrend = _pretrend(es, pre, clusters)
    low, high = fit.overall_conf_int
    att = {"estimate": float(fit.overall_att), "se": float(fit.overall_se), "low": float(low), "high": float(high),
           "p_value": float(fit.overall_p_value)}
    max_pre = max(c.pre_periods for c in cohorts if c.used)
    return EventStudy(True, [], coefs, att, counts, cohorts, pretrend, max_pre, n_obs, clusters, treated_units,
                      never_units, controls, scale, notes)


# ---------------------------------------------------------------------------------------------------------------
# The event-time table of `levier evaluation --panel` (its panel file is read by levier.ingest.panel)

TABLE_COLUMNS = ("temps_relatif", "estimation", "erreur_type", "ic_bas", "ic_haut", "n_territoires")


def event_table(study: EventStudy) -> pd.DataFrame:
    """The event-time table of an accepted estimate with the CLI's column names: one row per year relative to
    signature, the reference year with 0."""
    c = study.coefs
    return pd.DataFrame({"temps_relatif": c["event_time"].astype(int), "estimation": c["estimate"].astype(float),
                         "erreur_type": c["se"].astype(float), "ic_bas": c["low"].astype(float),
                         "ic_haut": c["high"].astype(float), "n_territoires": c["n_treated"].astype(int)})


def event_table_csv(study: EventStudy) -> str:
    """event_table as CSV text: `,` separated, decimal point, full precision."""
    return event_table(study).to_csv(index=False, float_format="%.10g", lineterminator="\n")


def study_notes(study: EventStudy) -> list[str]:
    """French lines describing an accepted estimate beyond its table: controls, pre-trend test and its power, notes."""
    out = [f"Témoins : {CONTROL_LABELS[study.controls]} ; {study.n_clusters} territoires dont {study.n_treated} sous "
           "contrat."]
    t = study.pretrend
    if t is not None:
        out.append(f"Test conjoint des tendances antérieures : Wald = {fmt_number(t.statistic, 2)} ({t.df} "
                   f"coefficients, correction de Hotelling sur {t.clusters} territoires), "
                   f"p = {fmt_number(t.p_value, 3)} ; pente antérieure détectable avec "
                   f"{fmt_pct(100 * POWER_TARGET, 0)} "
                   f"de puissance : {fmt_number(t.minimal_detectable_slope(), 3)} par an.")
    return out + study.notes


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
