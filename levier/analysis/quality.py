"""Quality of the stored returns: completeness and lateness, consistency checks, declared figures against public
statistics, and a 0–100 score per département — every result a DataFrame with French labels, ready to download."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from levier.analysis import independent
from levier.analysis.comparability import non_reference_values
from levier.core.fmt import fmt_number, fmt_pct
from levier.core.periods import is_monthly_period

DEPARTEMENT = "departement"
LEVEL_LABELS = {"departement": "département", "epci": "métropole"}
COUNT_UNITS = ("personnes", "nombre")

STATUS_SENT = "transmis"
STATUS_PARTIAL = "partiel"
STATUS_MISSING = "manquant"
STATUS_LATE = "en retard"
STATUS_NOT_DUE = "non échu"
STATUS_DECLARED_MISSING = "déclaré manquant"  # a cell answered with s / nd / nc / so
STATUSES = (STATUS_SENT, STATUS_PARTIAL, STATUS_LATE, STATUS_MISSING, STATUS_NOT_DUE)

# Robust z-score (Iglewicz & Hoaglin, 1993): 0.6745 (x − médiane) / MAD, outlier when |z| > 3.5.
MAD_CONSTANT = 0.6745
MEANAD_CONSTANT = 1.253314  # when MAD = 0 the same authors scale the mean absolute deviation instead
Z_THRESHOLD = 3.5
MIN_TERRITORIES = 10  # a national distribution needs at least this many territories
BREAK_MIN_FACTOR = 1.5  # a break must also be a change of at least ×1.5 or ÷1.5
BREAK_MIN_COUNT = 20  # below this on both years, a count is too small for its changes to mean anything
BREAK_NOISE_SIGMAS = 3  # a break must exceed 3 × √(v₀ + v₁), the counting noise of a difference of two counts
FROZEN_MIN_YEARS = 3
# A count v that fluctuates at least like a Poisson count repeats the next year with probability ≈ 1/√(4πv)
# (difference of two counts ≈ normal with variance 2v); a run of n equal years has chance ≈ that ^ (n − 1).
FROZEN_MAX_CHANCE = 1e-3  # flag a run only when chance explains it this rarely: v ≥ 80 for 3 years, v ≥ 8 for 4
FROZEN_MIN_VALUE = 20  # and never below 20, where capacity limits can hold a small count still
# Counts of structures or communes (stocks, not flows of people) that may genuinely stay the same for years.
FROZEN_EXEMPT = ("CALPAE-2.1.2-STE", "PACTE-1-CANT")
FROZEN_KINDS = ("réalisation", "résultat", "contexte")  # 'moyens' (places, structures) may genuinely stay the same
UNIT_PERCENT_SHARE = 0.05  # numerator/denominator below 5 % of the national median …
UNIT_MAX_PERCENT = 100  # … with a numerator that could be a percentage (≤ 100) and a denominator that could not

# "Dont" relations the catalogue does not carry as ratios: each detail is part of its total.
SUBCOUNT_PAIRS: tuple[tuple[str, str], ...] = (
    ("CALPAE-1.2-ABRI-MIN", "CALPAE-1.2-ABRI"),
    *((f"CALPAE-4.1.{g}-{d}", f"CALPAE-4.1.{g}-TOT") for g in (1, 2)
      for d in ("TH-AV", "TH-DS", "TH-NUM", "TH-PART", "TH-TER", "TH-INS", "SE-FPT", "SE-FPH", "SE-PNL")),
)

COMPLETENESS_RULE = (
    "Pour chaque programme, les indicateurs attendus sont ceux de la grille nationale que le territoire saisit "
    "(les ratios, calculés par Levier, et les indicateurs propres à un contrat ne sont pas attendus). "
    "« transmis » : tous les indicateurs attendus de l'année sont renseignés (une valeur, ou un motif s, nd, nc, so) ; "
    "« partiel » : certains seulement ; « manquant » : aucun, après l'échéance ; « en retard » : le premier envoi "
    "est daté (date de transmission du fichier) après l'échéance, fixée au jour et au mois du programme de l'année "
    "suivante ; « non échu » : rien encore, l'échéance n'est pas passée. Sans date de transmission, le retard "
    "n'est pas évalué. Dans un fichier, des lignes de plusieurs années portant la même date (une grille) forment le "
    "retour de la dernière de ces années : cette date ne juge pas le retard des années antérieures qu'elles rappellent. Tous les départements sont attendus : un département non signataire apparaît « manquant »."
)
SUBCOUNT_RULE = (
    "Un sous-effectif ne peut pas dépasser son total : le numérateur d'un ratio (p. ex. nouveaux entrants orientés "
    "en un mois) ne peut excéder son dénominateur (nouveaux entrants), ni un détail (« dont mineurs ») son total. "
    "L'import refuse un fichier qui le contient ; ce contrôle porte sur les données enregistrées, où l'écart peut "
    "naître de deux imports séparés (le total corrigé après coup, par exemple)."
)
PERCENT_RULE = (
    "Un pourcentage doit être compris entre 0 et 100. Pour un ratio calculé par Levier, un taux au-delà de 100 % "
    "signale un numérateur supérieur au dénominateur ; pour un taux saisi, une erreur de saisie."
)
BREAK_RULE = (
    "Rupture de série : l'évolution d'une année sur l'autre d'un effectif est aberrante à la fois au regard de "
    "l'évolution habituelle du département et de celle des autres départements la même année. On calcule "
    "l'évolution en logarithme, ln((valeur + 1) / (valeur de l'année précédente + 1)), on en retire l'évolution "
    "médiane du département sur ses autres années (s'il en a au moins trois), puis on la compare aux autres "
    "départements pour le même indicateur et la même année par un score z robuste (Iglewicz et Hoaglin) : "
    "z = 0,6745 × (x − médiane) / MAD, où MAD est la médiane des écarts absolus à la médiane. Une rupture est "
    f"signalée quand |z| > 3,5, que l'écart correspond au moins à un facteur {str(BREAK_MIN_FACTOR).replace('.', ',')} "
    "(hausse de 50 % ou baisse d'un tiers) et que la variation dépasse trois fois le bruit d'un comptage, "
    "3 × √(valeur + valeur précédente) : un petit effectif qui passe de 13 à 22 varie par hasard. Il faut au moins "
    f"{MIN_TERRITORIES} départements comparables ; les effectifs inférieurs à {BREAK_MIN_COUNT} les deux années sont "
    "ignorés. Un pic isolé apparaît comme deux ruptures de "
    "sens opposé (la hausse puis le retour) : seule la valeur de l'année du pic est mise en doute."
)
FROZEN_RULE = (
    f"Valeurs figées : un effectif identique au chiffre près pendant au moins {FROZEN_MIN_YEARS} années consécutives "
    "est rarement une mesure ; c'est souvent la valeur de l'année précédente recopiée faute de donnée. Un petit "
    "effectif peut toutefois se répéter par hasard : un effectif v qui fluctue au moins comme un comptage retombe "
    "sur la même valeur l'année suivante avec une probabilité d'environ 1/√(4πv) (1 sur 18 pour v = 25). Une série "
    "de n années identiques n'est signalée que si cette probabilité, élevée à la puissance n − 1, est inférieure à "
    "1 sur 1 000 : à partir de 80 pour trois années, de 20 pour quatre (jamais en dessous de 20). Les indicateurs "
    "de moyens (places, structures, intervenants) et les nombres de structures ou de communes engagées, qui "
    "peuvent rester stables, ne sont pas contrôlés."
)
UNIT_RULE = (
    "Unité incohérente avec le catalogue. (1) Numérateur saisi en pourcentage : le rapport numérateur / dénominateur "
    f"d'un ratio est inférieur à {int(UNIT_PERCENT_SHARE * 100)} % du rapport médian des départements la même année, "
    f"alors que le numérateur ne dépasse pas {UNIT_MAX_PERCENT} et que le dénominateur le dépasse : « 72 » saisi "
    "pour 72 % au lieu de 3 600 personnes. (2) Taux saisi en proportion : une part en % comprise strictement entre "
    "0 et 1 quand la médiane nationale dépasse 10 % (0,85 au lieu de 85 %). (3) Effectif non entier : un nombre de "
    "personnes ou d'unités avec des décimales est une moyenne ou un pourcentage, pas un effectif."
)
INDEPENDENT_RULE = (
    "Déclaré et statistique publique côte à côte. Aucune série publique des entrées au RSA par département ne "
    "figure dans les données de référence de Levier ; le nombre déclaré de nouveaux entrants au RSA est donc "
    "rapporté à la population pauvre estimée par l'INSEE (Filosofi : personnes des ménages fiscaux × taux de "
    "pauvreté à 60 %, millésime le plus proche antérieur à l'année, sinon le plus proche). "
    "Borne dure : des entrants plus nombreux que la population pauvre sont impossibles (le RSA est sous le seuil "
    "de pauvreté). Plausibilité : le taux d'entrée pour 1 000 personnes pauvres est comparé aux autres "
    "départements (score z robuste sur son logarithme, |z| > 3,5) ; la valeur attendue est le taux médian national "
    "appliqué à la population pauvre du département. La part des minima sociaux dans le revenu disponible "
    "(Filosofi) est donnée pour contexte. Ce n'est pas une vérification du chiffre, seulement de son ordre de "
    "grandeur."
)
SCORE_RULE = (
    "Score de qualité (0 à 100) = 100 × complétude × part des valeurs sans anomalie × part des valeurs à définition "
    "comparable. Complétude : valeurs chiffrées reçues / valeurs attendues, pour les années échues des programmes "
    "dont le département a transmis au moins un retour, à partir de son premier retour (entrée progressive dans les "
    "contrats : vagues CDPPE 2020–2022). Sans anomalie : part de ses valeurs saisies qu'aucun contrôle de cohérence "
    "ne signale (sous-effectif, pourcentage, rupture, valeur figée, unité, statistique publique). Comparable : "
    "part de ses valeurs calculées selon la définition de référence ou sans variante déclarée. Un département "
    "sans aucun retour n'a pas de score."
)


# Severity of a finding. An error-level value is impossible or off by a factor (a sub-count above its total, a
# percentage outside 0–100, a unit slip, a series break, more entrants than poor people): it is shown with its reason
# but kept out of ranks, medians, trajectories and costs (levier.analysis.gating). A warning-level value is plausible
# in magnitude but doubtful (a count repeated year after year, a figure atypical next to public statistics): it is
# marked, not excluded.
ERROR = "error"
WARNING = "warning"
SEVERITY_LABELS = {ERROR: "erreur", WARNING: "avertissement"}

# Each check's level, and why (the same reasons, in French, in SEVERITY_RULE for the quality page).
CHECK_SEVERITY = {
    # Impossible by definition: one of the two numbers is wrong, and the ratio built from them exceeds 100 %.
    "sous_effectifs": ERROR,
    # Impossible by definition (the check only reads programmes whose percentages are bounded).
    "pourcentages": ERROR,
    # A jump of ×1.5 beyond the département's own trend, the other départements' that year and counting noise: until
    # the change is explained (definition, perimeter, typing), the value is not comparable with the others'.
    "ruptures": ERROR,
    # The number is not in the catalogue's unit (a percentage typed for a count, a proportion for a percentage, a
    # mean for a count): off by a factor of 10 to 100, any rank it gets is an artefact of the slip.
    "unites": ERROR,
    # Probably last year's figure copied over: right in magnitude, doubtful in its year; a stable count may also
    # genuinely repeat. Marked, not excluded.
    "valeurs_figees": WARNING,
    # Per value: « impossible » (more entrants than poor people, a hard bound) is an error; « atypique » (an
    # order-of-magnitude comparison with an estimated population, not a verification) is a warning.
    "statistique_publique": WARNING,
    # A declared figure beyond the tolerance of the independent public series the catalogue links it to: the public
    # figure has its own limits (field, date, a survey itself declarative), so a warning, never an error.
    "source_independante": WARNING,
}
SEVERITY_RULE = (
    "Gravité des anomalies. Une **erreur** est une valeur impossible ou fausse d'un facteur : sous-effectif "
    "supérieur à son total, pourcentage hors de 0–100, unité incohérente (pourcentage saisi à la place d'un effectif, "
    "proportion à la place d'un pourcentage, effectif non entier), rupture de série, plus d'entrants au RSA que de "
    "personnes pauvres. Elle reste affichée avec son motif, mais n'entre ni dans les rangs, ni dans les quartiles, "
    "ni dans les médianes (nationale, régionale, des pairs), ni dans les trajectoires (pas de taux d'atteinte ni de "
    "statut), ni dans les coûts par résultat ; un ratio calculé par Levier hérite de l'erreur de son numérateur ou "
    "de son dénominateur. Un **avertissement** signale une valeur plausible mais douteuse : valeur identique "
    "plusieurs années de suite (probable recopie, mais un effectif stable peut se répéter), écart atypique à la "
    "statistique publique (un ordre de grandeur, pas une vérification), écart à une source indépendante au-delà de "
    "la tolérance (la série publique a ses propres limites). Elle est signalée là où elle est utilisée, "
    "mais reste classée et comptée."
)


@dataclass(frozen=True)
class CheckResult:
    """One consistency check: French title and rule, the rows to show, the stored values it puts in doubt, and the
    level of its findings (CHECK_SEVERITY)."""

    code: str
    title: str
    rule: str
    rows: pd.DataFrame  # French column labels
    # territory_level, territory_code, indicator, period of the typed-in values at fault; a check whose findings
    # differ in level (statistique_publique) adds a `severity` column
    keys: pd.DataFrame
    severity: str = ERROR

    @property
    def n_flagged(self) -> int:
        return len(self.keys)

    def key_severities(self) -> pd.Series:
        """The level of each flagged value (aligned with `keys`): its own when the check sets one, else the check's."""
        own = self.keys["severity"] if "severity" in self.keys.columns else pd.Series(None, index=self.keys.index,
                                                                                         dtype=object)
        return own.where(own.notna(), self.severity).astype(object)


KEY_COLUMNS = ["territory_level", "territory_code", "indicator", "period"]


def _no_keys() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "period" else "str") for c in KEY_COLUMNS})


@dataclass
class QualityData:
    """Everything the checks read (levier.views.qualite.load_quality_data fetches it through one connection)."""

    values: pd.DataFrame
    indicators: pd.DataFrame
    territories: pd.DataFrame
    declarations: pd.DataFrame
    cells: pd.DataFrame
    subcounts: pd.DataFrame
    percentages: pd.DataFrame
    public: pd.DataFrame
    level: str = DEPARTEMENT
    today: date = field(default_factory=date.today)

    def name(self, level: pd.Series, code: pd.Series) -> pd.Series:
        names = dict(zip(zip(self.territories["level"], self.territories["code"]), self.territories["name"]))
        return pd.Series([names.get(k, "") for k in zip(level, code)], index=code.index, dtype="str")

    def label(self, codes: pd.Series) -> pd.Series:
        return codes.map(dict(zip(self.indicators["code"], self.indicators["label"]))).fillna("")


def _on(d: QualityData, today: date | None) -> QualityData:
    """The same data judged on another day (due dates, lateness)."""
    return d if today is None else replace(d, today=today)


def _head(d: QualityData, frame: pd.DataFrame, indicator_col: str | None = "indicator") -> dict[str, pd.Series]:
    """The columns every check table starts with."""
    out = {
        "Niveau": frame["territory_level"].map(LEVEL_LABELS).fillna(frame["territory_level"]),
        "Code territoire": frame["territory_code"],
        "Territoire": d.name(frame["territory_level"], frame["territory_code"]),
    }
    if indicator_col:
        out["Indicateur"] = frame[indicator_col]
        out["Libellé"] = d.label(frame[indicator_col])
    return out


def robust_z(x: pd.Series, groups: list[pd.Series] | pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Iglewicz–Hoaglin modified z-score of x within groups; also each group's size and median.

    MAD = 0 (half the group identical) falls back to the mean absolute deviation scaled by 1.253314; a group whose
    values are all equal gives z = 0."""
    g = x.groupby(groups)
    med = g.transform("median")
    dev = (x - med).abs()
    gd = dev.groupby(groups)
    mad = gd.transform("median")
    meanad = gd.transform("mean")
    n = g.transform("count")
    z = pd.Series(0.0, index=x.index)
    use_mad = mad > 0
    z[use_mad] = MAD_CONSTANT * (x - med)[use_mad] / mad[use_mad]
    use_mean = ~use_mad & (meanad > 0)
    z[use_mean] = (x - med)[use_mean] / (MEANAD_CONSTANT * meanad[use_mean])
    return z, n, med


# ---------------------------------------------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------------------------------------------


def _cells(d: QualityData, programme: str | None) -> pd.DataFrame:
    cells = d.cells if programme is None else d.cells[d.cells["programme"] == programme]
    return cells.copy()


def _group_status(g: pd.DataFrame, today: date) -> pd.Series:
    due = pd.to_datetime(g["due_on"])
    first = pd.to_datetime(g["first_submitted"])
    status = np.select(
        [
            (g["n_returned"] == 0) & (due >= pd.Timestamp(today)),
            g["n_returned"] == 0,
            first.notna() & (first > due),
            g["n_returned"] < g["n_expected"],
        ],
        [STATUS_NOT_DUE, STATUS_MISSING, STATUS_LATE, STATUS_PARTIAL],
        default=STATUS_SENT,
    )
    return pd.Series(status, index=g.index)


def completeness_groups(d: QualityData, programme: str | None = None) -> pd.DataFrame | None:
    """The cells counted per (territory, programme, year): due date, indicators expected, returned and with a
    value, first submission. Whatever the day (the publication step stores them); None without any cell."""
    cells = _cells(d, programme)
    if cells.empty:
        return None
    return cells.groupby(["territory_code", "territory_name", "programme", "period"], as_index=False, sort=True).agg(
        due_on=("due_on", "first"),
        n_expected=("indicator", "size"),
        n_returned=("returned", "sum"),
        n_values=("value", "count"),
        first_submitted=("first_submitted_on", "min"),
    )


def completeness_summary(d: QualityData, programme: str | None = None, *, today: date | None = None,
                         groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (territory, programme, year), internal column names (the basis of the matrix and the score).
    `groups`: completeness_groups(d, programme) when the caller holds them (stored at publication): only the
    statuses of the day are then computed."""
    d = _on(d, today)
    g = completeness_groups(d, programme) if groups is None else groups.copy()
    if g is None or g.empty:
        return pd.DataFrame(columns=["territory_code", "territory_name", "programme", "period", "due_on", "n_expected",
                                     "n_returned", "n_values", "first_submitted", "status", "days_late"])
    g["status"] = _group_status(g, d.today)
    late = (pd.to_datetime(g["first_submitted"]) - pd.to_datetime(g["due_on"])).dt.days
    g["days_late"] = late.where(late > 0).astype("Int64")
    return g


def completeness(d: QualityData, programme: str | None = None, *, today: date | None = None,
                 summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Départements × years (× programmes): status, counts, due date, first submission, days late. `summary`:
    completeness_summary(d, programme, today=today) when the caller already holds it."""
    g = completeness_summary(d, programme, today=today) if summary is None else summary
    return pd.DataFrame(
        {
            "Code territoire": g["territory_code"],
            "Territoire": g["territory_name"],
            "Programme": g["programme"],
            "Année": g["period"],
            "Statut": g["status"],
            "Indicateurs attendus": g["n_expected"],
            "Indicateurs renseignés": g["n_returned"].astype("int64"),
            "Valeurs chiffrées": g["n_values"],
            "Complétude (%)": (100 * g["n_returned"] / g["n_expected"]).round(1),
            "Échéance": pd.to_datetime(g["due_on"]).dt.date,
            "Premier envoi": pd.to_datetime(g["first_submitted"]).dt.date,
            "Jours de retard": g["days_late"],
        }
    )


def completeness_matrix(d: QualityData, programme: str, *, today: date | None = None) -> pd.DataFrame:
    """Départements as rows, the programme's years as columns, the status in each cell."""
    return matrix_of_completeness(completeness(d, programme, today=today))


def matrix_of_completeness(comp: pd.DataFrame) -> pd.DataFrame:
    """completeness() rows of one programme as its matrix: départements as rows, years as columns, the status in
    each cell (the quality page pivots the report's completeness, computed once for every programme)."""
    wide = comp.pivot(index=["Code territoire", "Territoire"], columns="Année", values="Statut")
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def completeness_by_indicator(d: QualityData, programme: str, period: int | None = None, *,
                              today: date | None = None) -> pd.DataFrame:
    """Départements × expected indicators (one year or all): 'transmis', 'déclaré manquant (nd)', 'manquant'…"""
    d = _on(d, today)
    cells = _cells(d, programme)
    if period is not None:
        cells = cells[cells["period"] == period]
    due = pd.to_datetime(cells["due_on"])
    first = pd.to_datetime(cells["first_submitted_on"])
    marker = STATUS_DECLARED_MISSING + " (" + cells["missing_reason"].fillna("").astype(str) + ")"
    status = np.select(
        [
            ~cells["returned"] & (due >= pd.Timestamp(d.today)),
            ~cells["returned"],
            first.notna() & (first > due),
            cells["value"].isna(),
        ],
        [STATUS_NOT_DUE, STATUS_MISSING, STATUS_LATE, marker],
        default=STATUS_SENT,
    )
    return pd.DataFrame(
        {
            "Code territoire": cells["territory_code"],
            "Territoire": cells["territory_name"],
            "Indicateur": cells["indicator"],
            "Libellé": d.label(cells["indicator"]),
            "Année": cells["period"],
            "Statut": status,
            "Valeur": cells["value"],
        }
    ).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Consistency checks
# ---------------------------------------------------------------------------------------------------------------


def check_subcounts(d: QualityData) -> CheckResult:
    s = d.subcounts
    rows = pd.DataFrame(
        {
            **_head(d, s, "sub"),
            "Année": s["period"],
            "Sous-effectif": s["sub_value"],
            "Total": s["total"],
            "Libellé du total": d.label(s["total"]),
            "Valeur du total": s["total_value"],
            "Ratio concerné": s["ratio"].fillna(""),
            "Fichier du sous-effectif": s["sub_file"],
            "Fichier du total": s["total_file"],
        }
    )
    keys = s.rename(columns={"sub": "indicator"})[KEY_COLUMNS].drop_duplicates()
    return CheckResult("sous_effectifs", "Sous-effectifs supérieurs à leur total", SUBCOUNT_RULE, rows, keys,
                       CHECK_SEVERITY["sous_effectifs"])


def check_percentages(d: QualityData) -> CheckResult:
    p = d.percentages
    rows = pd.DataFrame(
        {
            **_head(d, p),
            "Année": p["period"],
            "Valeur (%)": p["value"].round(1),
            "Origine": np.where(p["derived"], "ratio calculé par Levier", "taux saisi"),
            "Numérateur": p["numerator"].fillna(""),
            "Dénominateur": p["denominator"].fillna(""),
        }
    )
    # A derived rate is wrong because of its numerator (or denominator): the typed-in numerator carries the doubt.
    keys = p.assign(indicator=p["numerator"].where(p["derived"], p["indicator"]))[KEY_COLUMNS].drop_duplicates()
    return CheckResult("pourcentages", "Pourcentages hors de 0–100", PERCENT_RULE, rows, keys, CHECK_SEVERITY["pourcentages"])


def _series(d: QualityData, units: tuple[str, ...], kinds: tuple[str, ...] | None = None) -> pd.DataFrame:
    # Year-on-year checks (breaks, frozen values): a monthly period (YYYYMM) is never read as a year.
    v = d.values[d.values["unit"].isin(units) & ~is_monthly_period(d.values["period"])]
    if kinds is not None:
        v = v[v["kind"].isin(kinds)]
    v = v.sort_values(["territory_level", "territory_code", "indicator", "period"]).reset_index(drop=True)
    g = v.groupby(["territory_level", "territory_code", "indicator"], sort=False)
    return v.assign(prev_value=g["value"].shift(1), prev_period=g["period"].shift(1))


def check_breaks(d: QualityData) -> CheckResult:
    v = _series(d, COUNT_UNITS)
    consecutive = (v["period"] - v["prev_period"]) == 1
    big_enough = np.maximum(v["value"], v["prev_value"]) >= BREAK_MIN_COUNT
    ch = v[consecutive & big_enough].copy()
    ch["r"] = np.log((ch["value"] + 1) / (ch["prev_value"] + 1))
    series = [ch["territory_level"], ch["territory_code"], ch["indicator"]]
    own_n = ch.groupby(series)["r"].transform("count")
    own = ch.groupby(series)["r"].transform("median").where(own_n >= 3, 0.0)
    ch["own"] = own
    ch["r_adj"] = ch["r"] - own
    z, n, med = robust_z(ch["r_adj"], [ch["territory_level"], ch["indicator"], ch["period"]])
    ch["z"], ch["n"] = z, n
    ch["nat"] = ch.groupby([ch["territory_level"], ch["indicator"], ch["period"]])["r"].transform("median")
    noise = BREAK_NOISE_SIGMAS * np.sqrt(ch["value"] + ch["prev_value"])
    flag = ((ch["n"] >= MIN_TERRITORIES) & (ch["z"].abs() > Z_THRESHOLD)
            & (ch["r_adj"].abs() >= math.log(BREAK_MIN_FACTOR)) & ((ch["value"] - ch["prev_value"]).abs() > noise))
    f = ch[flag].reset_index(drop=True)
    # An isolated spike shows as two opposite breaks (y−1→y, y→y+1): only the value of year y is in doubt.
    series_key = list(zip(f["territory_level"], f["territory_code"], f["indicator"]))
    sign = dict(zip(zip(series_key, f["period"]), np.sign(f["r"])))
    spike_after = [sign.get((k, y + 1), 0) == -s_ for k, y, s_ in zip(series_key, f["period"], np.sign(f["r"]))]
    spike_before = [sign.get((k, y - 1), 0) == -s_ for k, y, s_ in zip(series_key, f["period"], np.sign(f["r"]))]
    f["nature"] = np.select(
        [np.array(spike_after, dtype=bool), np.array(spike_before, dtype=bool)],
        ["pic isolé : la valeur de cette année est en cause", "retour au niveau habituel après un pic"],
        default="rupture de niveau",
    )
    in_doubt = f[f["nature"] != "retour au niveau habituel après un pic"]
    pct = lambda r: (100 * (np.exp(r) - 1)).round(1)  # noqa: E731 - a log change shown as a percentage
    rows = pd.DataFrame(
        {
            **_head(d, f),
            "Année": f["period"],
            "Valeur": f["value"],
            "Valeur de l'année précédente": f["prev_value"],
            "Évolution (%)": pct(f["r"]),
            "Évolution habituelle du département (%)": pct(f["own"]),
            "Évolution médiane nationale (%)": pct(f["nat"]),
            "Score z robuste": f["z"].round(1),
            "Départements comparés": f["n"].astype("int64"),
            "Nature": f["nature"],
        }
    )
    return CheckResult("ruptures", "Ruptures de série", BREAK_RULE, rows, in_doubt[KEY_COLUMNS].drop_duplicates(),
                       CHECK_SEVERITY["ruptures"])


def check_frozen(d: QualityData) -> CheckResult:
    v = _series(d, COUNT_UNITS, FROZEN_KINDS)
    v = v[(v["value"] >= FROZEN_MIN_VALUE) & ~v["indicator"].isin(FROZEN_EXEMPT)].reset_index(drop=True)
    g = v.groupby(["territory_level", "territory_code", "indicator"], sort=False)
    v["prev_value"], v["prev_period"] = g["value"].shift(1), g["period"].shift(1)
    same = (v["value"] == v["prev_value"]) & ((v["period"] - v["prev_period"]) == 1)
    v["run"] = (~same).cumsum()
    runs = v.groupby(["territory_level", "territory_code", "indicator", "run"], as_index=False, sort=False).agg(
        value=("value", "first"), first=("period", "min"), last=("period", "max"), n=("period", "size")
    )
    chance = (4 * math.pi * runs["value"]) ** (-(runs["n"] - 1) / 2)
    runs = runs[(runs["n"] >= FROZEN_MIN_YEARS) & (chance < FROZEN_MAX_CHANCE)].reset_index(drop=True)
    rows = pd.DataFrame(
        {
            **_head(d, runs),
            "Valeur répétée": runs["value"],
            "Première année": runs["first"],
            "Dernière année": runs["last"],
            "Nombre d'années": runs["n"],
        }
    )
    # The first year of a run may be a real measure; the copies after it are in doubt.
    flagged = v.merge(runs[["territory_level", "territory_code", "indicator", "first", "last"]],
                      on=["territory_level", "territory_code", "indicator"])
    flagged = flagged[(flagged["period"] > flagged["first"]) & (flagged["period"] <= flagged["last"])]
    return CheckResult("valeurs_figees", "Valeurs identiques plusieurs années de suite", FROZEN_RULE, rows,
                       flagged[KEY_COLUMNS].drop_duplicates(), CHECK_SEVERITY["valeurs_figees"])


def check_units(d: QualityData) -> CheckResult:
    vals = d.values
    ratios = d.indicators[d.indicators["numerator"].notna() & d.indicators["denominator"].notna()]
    parts = []
    key = ["territory_level", "territory_code", "period"]
    by_indicator = {code: part[key + ["value"]] for code, part in vals.groupby("indicator", sort=False)}
    for ratio, num, den in zip(ratios["code"], ratios["numerator"], ratios["denominator"]):
        if num not in by_indicator or den not in by_indicator:
            continue
        m = by_indicator[num].merge(by_indicator[den], on=key, suffixes=("_num", "_den"))
        parts.append(m.assign(ratio=ratio, numerator=num, denominator=den))
    rows_list, keys_list = [], []
    if parts:
        m = pd.concat(parts, ignore_index=True)
        m = m[m["value_den"] > 0].copy()
        m["q"] = m["value_num"] / m["value_den"]
        grp = m.groupby(["territory_level", "ratio", "period"])["q"]
        m["median"], m["n"] = grp.transform("median"), grp.transform("count")
        bad = m[(m["n"] >= MIN_TERRITORIES) & (m["q"] < UNIT_PERCENT_SHARE * m["median"])
                & (m["value_num"] <= UNIT_MAX_PERCENT) & (m["value_den"] > UNIT_MAX_PERCENT)].reset_index(drop=True)
        rows_list.append(pd.DataFrame({
            **_head(d, bad, "numerator"),
            "Année": bad["period"],
            "Valeur": bad["value_num"],
            "Motif": "numérateur saisi en pourcentage ?",
            "Détail": [
                f"{num} / {den} = {fmt_pct(100 * q)} contre {fmt_pct(100 * med)} en médiane nationale (ratio {r})"
                for num, den, q, med, r in zip(bad["numerator"], bad["denominator"], bad["q"], bad["median"], bad["ratio"])
            ],
        }))
        keys_list.append(bad.rename(columns={"numerator": "indicator"})[KEY_COLUMNS])
    typed_pct = vals[vals["unit"] == "%"].copy()
    if not typed_pct.empty:
        grp = typed_pct.groupby(["territory_level", "indicator", "period"])["value"]
        typed_pct["median"], typed_pct["n"] = grp.transform("median"), grp.transform("count")
        bad = typed_pct[(typed_pct["n"] >= MIN_TERRITORIES) & (typed_pct["median"] > 10)
                        & (typed_pct["value"] > 0) & (typed_pct["value"] < 1)].reset_index(drop=True)
        rows_list.append(pd.DataFrame({
            **_head(d, bad),
            "Année": bad["period"],
            "Valeur": bad["value"],
            "Motif": "taux saisi en proportion ?",
            "Détail": [f"{fmt_number(v, 2)} saisi, contre {fmt_pct(m)} en médiane nationale"
                       for v, m in zip(bad["value"], bad["median"])],
        }))
        keys_list.append(bad[KEY_COLUMNS])
    counts = vals[vals["unit"].isin(COUNT_UNITS)]
    bad = counts[(counts["value"] - counts["value"].round()).abs() > 1e-9].reset_index(drop=True)
    rows_list.append(pd.DataFrame({
        **_head(d, bad),
        "Année": bad["period"],
        "Valeur": bad["value"],
        "Motif": "effectif non entier",
        "Détail": [f"{fmt_number(v, 2)} ({u}) : un effectif est un nombre entier" for v, u in zip(bad["value"], bad["unit"])],
    }))
    keys_list.append(bad[KEY_COLUMNS])
    rows = pd.concat(rows_list, ignore_index=True)
    keys = pd.concat(keys_list, ignore_index=True).drop_duplicates() if keys_list else _no_keys()
    return CheckResult("unites", "Unités incohérentes avec le catalogue", UNIT_RULE, rows, keys, CHECK_SEVERITY["unites"])


# ---------------------------------------------------------------------------------------------------------------
# Declared figures next to public statistics
# ---------------------------------------------------------------------------------------------------------------

POOR_RATE = "STAT-TP60"
PERSONS = "STAT-NBPERS"
MINIMA = "STAT-PPMINI"


@dataclass(frozen=True)
class PublicPairing:
    declared: str  # a typed-in count declared by the départements
    per: str  # what the rate is expressed per, in French


PUBLIC_PAIRINGS: tuple[PublicPairing, ...] = (
    PublicPairing("CALPAE-3.1.1-NE", "pour 1 000 personnes pauvres"),
    PublicPairing("PACTE-2-NE", "pour 1 000 personnes pauvres"),
)


def _nearest_year(declared: pd.DataFrame, stat: pd.DataFrame, name: str) -> pd.DataFrame:
    """For each declared (territory, year), the statistic of the latest year not after it, else the earliest after."""
    s = stat[["territory_code", "period", "value"]].rename(columns={"period": f"{name}_year", "value": name})
    m = declared[["territory_code", "period"]].drop_duplicates().merge(s, on="territory_code")
    if m.empty:
        return declared.assign(**{name: np.nan, f"{name}_year": pd.NA})
    after = m[f"{name}_year"] > m["period"]
    m = m.assign(_after=after, _dist=(m[f"{name}_year"] - m["period"]).abs())
    m = m.sort_values(["_after", "_dist"]).drop_duplicates(["territory_code", "period"])
    return declared.merge(m[["territory_code", "period", name, f"{name}_year"]], on=["territory_code", "period"], how="left")


def declared_vs_public(d: QualityData) -> CheckResult:
    pub = d.public[d.public["territory_level"] == DEPARTEMENT]
    declared = pub[pub["indicator"].isin([p.declared for p in PUBLIC_PAIRINGS])]
    declared = declared[["territory_level", "territory_code", "indicator", "period", "value"]].reset_index(drop=True)
    t = declared
    for name in (PERSONS, POOR_RATE, MINIMA):
        t = _nearest_year(t, pub[pub["indicator"] == name], name)
    t["poor"] = t[PERSONS] * t[POOR_RATE] / 100
    t["rate"] = 1000 * t["value"] / t["poor"]
    ok = t["rate"].notna() & (t["rate"] > 0)
    t["z"], t["n"], t["median"] = np.nan, 0, np.nan
    if ok.any():
        sub = t[ok]
        z, n, _ = robust_z(np.log(sub["rate"]), [sub["indicator"], sub["period"]])
        t.loc[ok, "z"], t.loc[ok, "n"] = z, n
        t.loc[ok, "median"] = sub.groupby([sub["indicator"], sub["period"]])["rate"].transform("median")
    t.loc[t["n"] < MIN_TERRITORIES, ["z", "median"]] = np.nan
    t["expected"] = t["median"] * t["poor"] / 1000
    verdict = np.select(
        [t["poor"].isna(), t["value"] > t["poor"], t["z"].abs() > Z_THRESHOLD, t["z"].isna()],
        ["pas de donnée INSEE", "impossible : plus d'entrants que de personnes pauvres", "atypique (|z| > 3,5)",
         "pas assez de départements pour comparer"],
        default="cohérent",
    )
    t = t.assign(verdict=verdict).sort_values(["indicator", "period", "territory_code"]).reset_index(drop=True)
    rows = pd.DataFrame(
        {
            **_head(d, t),
            "Année": t["period"],
            "Valeur déclarée": t["value"],
            "Population pauvre estimée (INSEE)": t["poor"].round(0),
            "Millésime du taux de pauvreté": t[f"{POOR_RATE}_year"].astype("Int64"),
            "Millésime de la population": t[f"{PERSONS}_year"].astype("Int64"),
            "Entrants pour 1 000 personnes pauvres": t["rate"].round(1),
            "Médiane nationale pour 1 000": t["median"].round(1),
            "Valeur attendue au taux médian": t["expected"].round(0),
            "Écart à la valeur attendue (%)": (100 * (t["value"] / t["expected"] - 1)).round(1),
            "Score z robuste": t["z"].round(1),
            "Part des minima sociaux dans le revenu (%, Filosofi)": t[MINIMA],
            "Verdict": t["verdict"],
        }
    )
    flagged = t[t["verdict"].str.startswith(("impossible", "atypique"))]
    # A hard bound broken is an error; an atypical rate against an estimated population only a warning.
    keys = flagged.assign(severity=np.where(flagged["verdict"].str.startswith("impossible"), ERROR, WARNING))
    keys = keys[KEY_COLUMNS + ["severity"]].drop_duplicates(KEY_COLUMNS).reset_index(drop=True)
    return CheckResult("statistique_publique", "Déclaré et statistique publique", INDEPENDENT_RULE, rows, keys,
                       CHECK_SEVERITY["statistique_publique"])


INDEPENDENT_CHECK = "source_independante"
INDEPENDENT_SOURCE_RULE = (
    "Déclaré et source indépendante. Là où le catalogue relie un indicateur déclaré à une série publique qui mesure "
    "la même chose (colonne independent_source), la valeur déclarée par le département est mise à côté de la valeur "
    "publique du même département. " + independent.YEAR_RULE + " " + independent.TOLERANCE_RULE
)


def declared_vs_independent(d: QualityData) -> CheckResult:
    """Declared contract figures next to the independent public series the catalogue links them to
    (levier.analysis.independent): every comparison is listed; those beyond the tolerance are warnings."""
    public = d.public[["territory_level", "territory_code", "indicator", "period", "value"]]
    t = independent.compare(d.values, public, d.indicators)
    t = t.assign(territory_level=DEPARTEMENT, indicator=t["declared"])
    labels = dict(zip(d.indicators["code"], d.indicators["label"]))
    rows = pd.DataFrame(
        {
            **_head(d, t),
            "Valeur déclarée": t["declared_value"].astype(float).round(1),
            "Année déclarée": t["declared_year"].astype("Int64"),
            "Source indépendante": t["public"],
            "Libellé de la source": t["public"].map(labels).fillna(""),
            "Valeur publique": t["public_value"].astype(float).round(1),
            "Année publique": t["public_year"].astype("Int64"),
            "Référence comparée": t["reference_text"],
            "Écart": [independent.gap_text(g, u) for g, u in zip(t["gap"], t["gap_unit"])],
            "Tolérance": [independent.tolerance_text(x, u) for x, u in zip(t["tolerance"], t["gap_unit"])],
            "Verdict": t["status"],
            "Valeur saisie en cause": t["flag_indicator"],  # for a ratio Levier derives, its typed-in numerator
        }
    )
    flagged = t[t["flagged"].astype(bool)]
    keys = pd.DataFrame({"territory_level": DEPARTEMENT, "territory_code": flagged["territory_code"],
                         "indicator": flagged["flag_indicator"], "period": flagged["declared_year"].astype("int64")})
    keys = keys.drop_duplicates(KEY_COLUMNS).reset_index(drop=True) if len(keys) else _no_keys()
    return CheckResult(INDEPENDENT_CHECK, "Déclaré et source indépendante", INDEPENDENT_SOURCE_RULE, rows, keys,
                       CHECK_SEVERITY[INDEPENDENT_CHECK])


CHECKS: tuple[Callable[[QualityData], CheckResult], ...] = (
    check_subcounts, check_percentages, check_breaks, check_frozen, check_units, declared_vs_public,
    declared_vs_independent,
)


def consistency_checks(d: QualityData) -> list[CheckResult]:
    return [check(d) for check in CHECKS]


def flagged_values(results: list[CheckResult]) -> pd.DataFrame:
    """Each stored value put in doubt, with the checks that did (one row per value)."""
    parts = [r.keys.assign(check=r.title) for r in results if len(r.keys)]
    if not parts:
        return _no_keys().assign(check=pd.Series(dtype="str"))
    allk = pd.concat(parts, ignore_index=True).dropna(subset=KEY_COLUMNS)  # as groupby drops a key with a gap
    # Most values are put in doubt by one check: only the keys several checks name are joined (a Python function
    # per group costs 50 ms over the 6,000 keys of ×30), each check once, in the order the checks come.
    allk = allk.drop_duplicates(KEY_COLUMNS + ["check"])
    several = allk.duplicated(KEY_COLUMNS, keep=False).to_numpy()
    joined = allk[several].groupby(KEY_COLUMNS, as_index=False, sort=False)["check"].agg(" ; ".join)
    out = pd.concat([allk[~several], joined], ignore_index=True)
    return out.sort_values(KEY_COLUMNS, kind="stable", ignore_index=True)


# ---------------------------------------------------------------------------------------------------------------
# Score per département
# ---------------------------------------------------------------------------------------------------------------


def score_counts(d: QualityData, results: list[CheckResult]) -> pd.DataFrame:
    """What the score counts per territory of d.level whatever the day: its typed-in values of programmes with
    returns (n), those a check puts in doubt (bad) and those under a definition variant (variant); indexed by code."""
    returns = set(d.cells["programme"]) if not d.cells.empty else set()
    vals = d.values[(d.values["territory_level"] == d.level) & d.values["programme"].isin(returns)]
    vals = vals[KEY_COLUMNS].reset_index(drop=True)
    flagged = flagged_values(results)
    hit = vals.merge(flagged[KEY_COLUMNS], on=KEY_COLUMNS, how="left", indicator=True)["_merge"].eq("both")
    variant = non_reference_values(vals, d.declarations[d.declarations["territory_level"] == d.level])
    per = pd.DataFrame({"code": vals["territory_code"], "n": 1, "bad": hit.to_numpy(), "variant": variant.to_numpy()})
    return per.groupby("code")[["n", "bad", "variant"]].sum()


def quality_score(d: QualityData, results: list[CheckResult] | None = None, *, today: date | None = None,
                  counts: pd.DataFrame | None = None, summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per département: the score (0–100), its three factors and the counts behind them. counts:
    score_counts() already computed (the derived tables keep them; the values and checks are then not read);
    summary: completeness_summary(d) of every programme on that day, when the caller already holds it."""
    d = _on(d, today)
    if counts is None:
        counts = score_counts(d, consistency_checks(d) if results is None else results)
    g = completeness_summary(d) if summary is None else summary
    terr = d.territories[d.territories["level"] == d.level].sort_values("code")
    out = pd.DataFrame({"code": terr["code"].to_numpy(), "name": terr["name"].to_numpy()})
    if not g.empty:
        g = g[pd.to_datetime(g["due_on"]) < pd.Timestamp(d.today)]
        first = g[g["n_returned"] > 0].groupby(["territory_code", "programme"])["period"].min().rename("first_year")
        g = g.join(first, on=["territory_code", "programme"], how="inner")
        g = g[g["period"] >= g["first_year"]]
        comp = g.groupby("territory_code")[["n_expected", "n_values"]].sum()
    else:
        comp = pd.DataFrame(columns=["n_expected", "n_values"])
    out = out.join(comp, on="code")
    out = out.join(counts, on="code")
    for c in ("n_expected", "n_values", "n", "bad", "variant"):
        out[c] = out[c].fillna(0).astype("int64")
    completeness_share = (out["n_values"] / out["n_expected"]).where(out["n_expected"] > 0)
    clean_share = (1 - out["bad"] / out["n"]).where(out["n"] > 0, 1.0)
    comparable_share = (1 - out["variant"] / out["n"]).where(out["n"] > 0, 1.0)
    score = 100 * completeness_share * clean_share * comparable_share
    return pd.DataFrame(
        {
            "Code territoire": out["code"],
            "Territoire": out["name"],
            "Score qualité (0-100)": score.round(1),
            "Complétude (%)": (100 * completeness_share).round(1),
            "Valeurs sans anomalie (%)": (100 * clean_share).round(1),
            "Valeurs à définition comparable (%)": (100 * comparable_share).round(1),
            "Valeurs attendues": out["n_expected"],
            "Valeurs chiffrées reçues": out["n_values"],
            "Valeurs en anomalie": out["bad"],
            "Valeurs sous une variante": out["variant"],
            "Remarque": np.where(out["n_expected"] > 0, "", "aucun retour enregistré"),
        }
    )


def score_by_departement(d: QualityData, *, today: date | None = None) -> pd.DataFrame:
    """For the map: columns code, name, score (NaN = no return at all, drawn grey)."""
    s = quality_score(d, today=today)
    return pd.DataFrame({"code": s["Code territoire"], "name": s["Territoire"], "score": s["Score qualité (0-100)"]})


# ---------------------------------------------------------------------------------------------------------------
# Everything at once, for the page
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityReport:
    completeness: pd.DataFrame
    checks: list[CheckResult]
    score: pd.DataFrame
    flagged: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """One row per check: title and number of values put in doubt."""
        return pd.DataFrame(
            {"Contrôle": [c.title for c in self.checks], "Lignes signalées": [len(c.rows) for c in self.checks],
             "Valeurs mises en doute": [c.n_flagged for c in self.checks]}
        )


def quality_report(d: QualityData, *, today: date | None = None) -> QualityReport:
    """Completeness, every check, the score and the values in doubt, from data loaded once (the quality page keeps
    it to draw its matrices without reading again)."""
    d = _on(d, today)
    checks = consistency_checks(d)
    summary = completeness_summary(d)  # every programme's, once for the table and the score
    return QualityReport(
        completeness=completeness(d, summary=summary),
        checks=checks,
        score=quality_score(d, checks, summary=summary),
        flagged=flagged_values(checks),
    )
