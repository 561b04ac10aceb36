"""Peer groups: the k territories closest on the poverty profile (standardised features, nearest neighbours).

The profile is the panorama's: poverty rate and its structure (age, single-parent families, tenants), intensity,
median standard of living, shares of social benefits, minimum incomes and housing benefits, the panorama's
poverty profiles where they exist (EPCI), and population size (log). Each feature is taken at its latest year at the
level (one year per feature for every territory), features known for fewer than half the territories are left out,
remaining gaps are filled with the median of the comparison set (and said so), every feature is centred and scaled,
and the distance is Euclidean.

Overseas départements (971, 972, 973, 974, 976) and their EPCI are compared with overseas territories only, and
metropolitan ones with metropolitan ones (peer_pool): cost of living, labour market and benefits differ too much for
a Cher or an Aveyron to be Guyane's peer. When too few overseas territories have a published profile, there is no
peer group and no peer median (PeerGroup.no_peers says why) rather than peers chosen on population alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

POPULATION = "population"
DEFAULT_K = 5
MIN_FEATURES_RELIABLE = 3  # fewer known features than this and the group is flagged as indicative only
MIN_COVERAGE = 0.5  # a feature known for fewer territories than this share says more about the gaps than the profile

# Feature code -> short French label (the catalogue's label is used when the loader has it).
PROFILE_FEATURES: dict[str, str] = {
    "STAT-TP60": "Taux de pauvreté (60 %)",
    "STAT-TP60IP": "Intensité de la pauvreté",
    "STAT-TP60-AGE1": "Taux de pauvreté – moins de 30 ans",
    "STAT-TP60-AGE6": "Taux de pauvreté – 75 ans ou plus",
    "STAT-TP60-TYM5": "Taux de pauvreté – familles monoparentales",
    "STAT-TP60-TOL2": "Taux de pauvreté – locataires",
    "STAT-Q2": "Niveau de vie médian",
    "STAT-PPSOC": "Part des prestations sociales",
    "STAT-PPMINI": "Part des minima sociaux",
    "STAT-PPLOGT": "Part des prestations logement",
    "STAT-PAN-RETRAITES": "Profil : ménages pauvres retraités",
    "STAT-PAN-TRAV-PAUVRES": "Profil : travailleurs pauvres",
    "STAT-PAN-JEUNES": "Profil : jeunes en difficulté d'insertion",
    "STAT-PAN-MONOPARENT": "Profil : familles monoparentales pauvres",
}
POPULATION_LABEL = "Population municipale"

# Why a feature was left out (French, shown as is; the coverage of a sparse one is in PeerGroup.coverage).
DROP_EMPTY = "aucune valeur à ce niveau"
DROP_SPARSE = "connue pour trop peu de territoires"
DROP_CONSTANT = "même valeur partout"
DROP_UNKNOWN_OWN = "inconnue pour le territoire étudié"

# Where a territory's peers are looked for (PeerGroup.pool).
OVERSEAS_DEPS = ("971", "972", "973", "974", "976")
POOL_OVERSEAS = "outre-mer"
POOL_METRO = "métropole"
MIN_OVERSEAS_PEERS = 2  # fewer overseas territories with a known profile than this: no peer group, no peer median
# Why there is no peer group (French, shown as is; PeerGroup.no_peers).
NO_PEERS_FEW = "trop peu de territoires comparables au profil connu"
NO_PEERS_OWN = "profil du territoire lui-même trop incomplet"


@dataclass(frozen=True)
class PeerGroup:
    """A territory's peers and why.

    members: rank, code, name, distance (root mean square of the standardised differences: 0 = same profile,
    1 = one standard deviation apart on average), sorted by distance.
    explanation: one row per feature used: Variable, Unité, Année, then one column per territory ('Isère (38)'…,
    the selected one first), 'Médiane des pairs', 'Médiane de l'ensemble'; raw values (population not logged),
    NaN where the value was missing (it was imputed for the distance).
    features: feature codes used; labels: feature -> French label (used and dropped ones); dropped: feature -> French
    reason (DROP_*); coverage: feature -> share of territories knowing it (0..1); imputed: code -> features imputed,
    for the territory and its peers; n_imputed: values imputed in all; excluded: candidates left out (known on fewer
    than half the features); incomplete: the group is only indicative (the selected territory is known on fewer
    than MIN_FEATURES_RELIABLE features, or lacks more of them than it has). The French note and warning that
    explain all this are written by the view (levier.views.t0.peer_note / peer_warning)."""

    code: str
    name: str
    level: str
    members: pd.DataFrame
    explanation: pd.DataFrame
    features: list[str]
    dropped: dict[str, str] = field(default_factory=dict)
    imputed: dict[str, list[str]] = field(default_factory=dict)
    n_candidates: int = 0
    excluded: list[str] = field(default_factory=list)
    incomplete: bool = False  # the selected territory's own profile is too incomplete to trust the group
    labels: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    coverage: dict[str, float] = field(default_factory=dict)
    n_imputed: int = 0
    log_scaled: bool = False  # a feature (population) was compared on a log scale
    pool: str = ""  # POOL_OVERSEAS | POOL_METRO | "" (everyone of the comparison set)
    no_peers: str = ""  # NO_PEERS_* when no group could be formed (members is then empty): no peer median
    min_peers: int = 1  # the fewest peers a group may have (MIN_OVERSEAS_PEERS overseas)
    profiled: list[str] = field(default_factory=list)  # with no group: the others of the pool whose profile is known

    @property
    def reliable(self) -> bool:
        return not self.incomplete

    @property
    def has_peers(self) -> bool:
        return not self.no_peers and len(self.members) > 0

    @property
    def k(self) -> int:
        return len(self.members)

    def label(self, feature: str) -> str:
        return self.labels.get(feature) or _label(feature, None)

    def display_name(self, code: str) -> str:
        """'Isère (38)': how a territory is named in the explanation table and the note."""
        return f"{self.names.get(code, code)} ({code})"

    @property
    def codes(self) -> list[str]:
        return list(self.members["code"])


def _label(code: str, labels: Mapping[str, str] | None) -> str:
    if labels and code in labels:
        return labels[code]
    if code == POPULATION:
        return POPULATION_LABEL
    return PROFILE_FEATURES.get(code, code)


def peer_group(
    features: pd.DataFrame,
    code: str,
    k: int = DEFAULT_K,
    *,
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    years: Mapping[str, int] | None = None,
    log_features: Sequence[str] = (POPULATION,),
    min_coverage: float = MIN_COVERAGE,
    level: str = "departement",
    pool: str = "",
    min_peers: int = 1,
) -> PeerGroup:
    """The k territories nearest to `code` in `features` (index: territory codes = the comparison set; columns:
    numeric features). Pure: median imputation -> standardisation -> Euclidean distance (standardised_profiles).

    With min_peers > 1 (the overseas pool), the group is formed only among the territories whose profile is known
    (profile_known) and only when the territory's own profile is known and at least min_peers others have one;
    otherwise the group is empty and `no_peers` says why (no peer median rather than peers chosen on population)."""
    if code not in features.index:
        raise ValueError(f"Le territoire {code} n'est pas dans l'ensemble comparé.")
    # Profiles pivoted by features_frame are numbers already: converted only when they are not.
    numeric = all(str(t) == "float64" for t in features.dtypes)
    frame = features if numeric else features.apply(pd.to_numeric, errors="coerce").astype("float64")
    frame = frame[~frame.index.duplicated(keep="first")]
    names = dict(names or {})
    if min_peers > 1:
        known = profile_known(frame)
        others = [c for c in frame.index if c != code and known[c]]
        why = NO_PEERS_OWN if not known[code] else NO_PEERS_FEW if len(others) < min_peers else ""
        if why:
            return _no_group(frame, code, why, level=level, pool=pool, min_peers=min_peers, names=names,
                             labels=labels, units=units, years=years)
        frame = frame.loc[[code] + others]
    if len(frame) < 2:
        raise ValueError("Il faut au moins deux territoires pour former un groupe de pairs.")

    dropped: dict[str, str] = {}
    coverages: dict[str, float] = {}
    used: list[str] = []
    for col in frame.columns:
        coverage = frame[col].notna().mean()
        coverages[col] = float(coverage)
        if coverage == 0:
            dropped[col] = DROP_EMPTY
        elif coverage < min_coverage:
            dropped[col] = DROP_SPARSE
        elif frame[col].nunique(dropna=True) < 2:
            dropped[col] = DROP_CONSTANT
        elif pd.isna(frame.at[code, col]):
            # Imputing the selected territory at the median would invent its profile: compare on what it has.
            dropped[col] = DROP_UNKNOWN_OWN
        else:
            used.append(col)
    if not used:
        raise ValueError("Aucune variable de profil n'est disponible pour former des groupes de pairs.")

    # Candidates known on fewer than half the features would sit at the median by imputation and look close to
    # everyone: they are left out.
    known_share = frame[used].notna().mean(axis=1)
    excluded = [c for c in frame.index if c != code and known_share[c] < 0.5]
    frame = frame.drop(index=excluded)
    n = len(frame)
    if n < 2:
        raise ValueError("Trop peu de territoires au profil connu pour former un groupe de pairs.")
    k = max(1, min(int(k), n - 1))

    raw = frame[used]
    x = raw.copy()
    for col in used:
        if col in log_features:
            x[col] = np.log10(x[col].where(x[col] > 0))
    missing_mask = x.isna()
    x_std = standardised_profiles(x.to_numpy())

    i = frame.index.get_loc(code)
    dist = np.sqrt(((x_std - x_std[i]) ** 2).sum(axis=1))
    order = pd.DataFrame({"code": frame.index, "distance": dist / math.sqrt(len(used))})
    order = order[order["code"] != code]
    # Equal distances (duplicated profiles) are broken by code, so the same data always gives the same peers; the
    # rounding keeps two profiles a last-bit apart tied.
    order = order.assign(_d=order["distance"].round(12)).sort_values(["_d", "code"], kind="stable").head(k)
    members = pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1, dtype="int64"),
            "code": order["code"].astype("str").to_numpy(),
            "name": [names.get(c, c) for c in order["code"]],
            "distance": order["distance"].to_numpy(dtype=float),
        }
    )

    group = [code] + list(members["code"])
    # Rows read from whole arrays, not a pandas lookup per territory and feature: a territory change forms its group.
    row_of = {c: i for i, c in enumerate(raw.index)}
    raw_values = raw.to_numpy(dtype=float)
    missing = missing_mask.to_numpy()
    imputed = {c: [f for f, m in zip(used, missing[row_of[c]]) if m] for c in group}
    imputed = {c: fs for c, fs in imputed.items() if fs}

    def col_name(c: str) -> str:
        return f"{names.get(c, c)} ({c})"

    columns = {
        "Variable": [_label(f, labels) for f in used],
        "Unité": [(units or {}).get(f, "habitants" if f == POPULATION else "") for f in used],
        "Année": pd.array([(years or {}).get(f) for f in used], dtype="Int64"),
    }
    for c in group:
        columns[col_name(c)] = raw_values[row_of[c]]
    columns["Médiane des pairs"] = raw.loc[list(members["code"]), used].median().to_numpy(dtype=float)
    columns["Médiane de l'ensemble"] = raw[used].median().to_numpy(dtype=float)
    explanation = pd.DataFrame(columns)

    own_missing = [f for f, why in dropped.items() if why == DROP_UNKNOWN_OWN]
    return PeerGroup(
        code=code,
        name=names.get(code, code),
        level=level,
        members=members,
        explanation=explanation,
        features=used,
        dropped=dropped,
        imputed=imputed,
        n_candidates=n,
        excluded=excluded,
        incomplete=len(used) < MIN_FEATURES_RELIABLE or len(own_missing) > len(used),
        labels={f: _label(f, labels) for f in list(frame.columns)},
        names=names,
        coverage=coverages,
        n_imputed=int(missing_mask.to_numpy().sum()),
        log_scaled=any(f in log_features for f in used),
        pool=pool,
        min_peers=min_peers,
    )


def standardised_profiles(x: np.ndarray) -> np.ndarray:
    """Each column's gaps filled with its median, then centred on its mean and divided by its population standard
    deviation (ddof=0), a column that is constant once filled left unscaled: what scikit-learn's
    SimpleImputer(strategy="median") then StandardScaler did, without importing scikit-learn (about 80 MB resident
    for the server). Every column must have at least one known value."""
    x = np.where(np.isnan(x), np.nanmedian(x, axis=0), x)
    n = x.shape[0]
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    # StandardScaler's test: a variance within rounding error of 0 is a constant column, scaled by 1 rather than
    # divided by noise.
    eps = np.finfo(np.float64).eps
    constant = var <= n * eps * var + (n * mean * eps) ** 2
    return (x - mean) / np.where(constant, 1.0, np.sqrt(var))


def profile_known(frame: pd.DataFrame) -> pd.Series:
    """Whether each territory's poverty profile is known: at least MIN_FEATURES_RELIABLE features other than the
    population (a profile of population alone says nothing about poverty)."""
    profile = [c for c in frame.columns if c != POPULATION]
    return frame[profile].notna().sum(axis=1) >= MIN_FEATURES_RELIABLE


def _no_group(frame: pd.DataFrame, code: str, why: str, *, level: str, pool: str, min_peers: int,
              names: Mapping[str, str], labels: Mapping[str, str] | None, units: Mapping[str, str] | None,
              years: Mapping[str, int] | None) -> PeerGroup:
    """The empty group of a territory that has no peers: the explanation shows every feature of every territory of
    the pool (the territory first), so the reader sees which values are missing."""
    cols = list(frame.columns)
    explanation = pd.DataFrame(
        {
            "Variable": [_label(f, labels) for f in cols],
            "Unité": [(units or {}).get(f, "habitants" if f == POPULATION else "") for f in cols],
            "Année": pd.array([(years or {}).get(f) for f in cols], dtype="Int64"),
        }
    )
    for c in [code] + [c for c in frame.index if c != code]:
        explanation[f"{names.get(c, c)} ({c})"] = frame.loc[c, cols].to_numpy(dtype=float)
    known = profile_known(frame)
    return PeerGroup(
        code=code, name=names.get(code, code), level=level,
        members=pd.DataFrame({"rank": pd.Series(dtype="int64"), "code": pd.Series(dtype="str"),
                              "name": pd.Series(dtype="str"), "distance": pd.Series(dtype="float64")}),
        explanation=explanation, features=[], n_candidates=len(frame),
        excluded=[c for c in frame.index if c != code and not known[c]], incomplete=True,
        labels={f: _label(f, labels) for f in cols}, names=dict(names),
        coverage={f: float(frame[f].notna().mean()) for f in cols}, pool=pool, no_peers=why, min_peers=min_peers,
        profiled=[c for c in frame.index if c != code and known[c]],
    )


def is_overseas(territories: pd.DataFrame) -> pd.Series:
    """Whether each territory (code, and for an EPCI dep = its principal département, or zone) is overseas."""
    if "zone" in territories.columns and territories["zone"].notna().any():
        return territories["zone"].astype("string").fillna("").eq("drom").astype(bool)
    dep = territories["dep"] if "dep" in territories.columns else territories["code"]
    return dep.astype("string").fillna("").isin(OVERSEAS_DEPS).astype(bool)


def peer_pool(territories: pd.DataFrame, code: str) -> tuple[pd.DataFrame, str]:
    """Where `code`'s peers are looked for within its comparison set: the overseas territories for an overseas one,
    the metropolitan ones otherwise (POOL_OVERSEAS / POOL_METRO); the whole set when `code` is not in it."""
    overseas = is_overseas(territories)
    own = overseas[territories["code"].astype(str) == str(code)]
    if own.empty:
        return territories, ""
    if bool(own.iloc[0]):
        return territories[overseas], POOL_OVERSEAS
    return territories[~overseas], POOL_METRO


# ---------------------------------------------------------------------------------------------------------------
# Feature frame


def features_frame(long: pd.DataFrame, territories: pd.DataFrame, feature_codes: Sequence[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Pivot peer_features rows (code, indicator, period, value) to one row per territory of `territories` (the
    comparison set, every one kept even without values) and one column per feature, population added from the
    territory table; returns the frame and the year of each feature."""
    index = pd.Index(territories["code"].astype("str"), name="code")
    columns = [c for c in feature_codes if c != POPULATION]
    # Filled from plain columns (the last value of a territory and feature wins, as pivot_table's "last"): a pivot
    # table cost more than the peer group it feeds, and the app forms a group on every territory change.
    row_of = {c: i for i, c in enumerate(index)}
    col_of = {c: j for j, c in enumerate(columns)}
    grid = np.full((len(index), len(columns)), np.nan)
    years: dict[str, int] = {}
    for code, indicator, period, value in zip(long["code"].astype(str).tolist(), long["indicator"].tolist(),
                                              long["period"].tolist(), long["value"].tolist()):
        if indicator in col_of and not pd.isna(value):
            i = row_of.get(code)
            if i is not None:
                grid[i, col_of[indicator]] = float(value)
        years[indicator] = max(int(period), years.get(indicator, int(period)))
    years = {c: years[c] for c in sorted(years)}
    wide = pd.DataFrame(grid, index=index, columns=pd.Index(columns, name="indicator" if len(long) else None))
    if POPULATION in feature_codes:
        wide[POPULATION] = pd.to_numeric(territories.set_index("code")["population"], errors="coerce").reindex(index).to_numpy(dtype=float)
        if "vintage" in territories.columns and len(territories):
            years[POPULATION] = int(territories["vintage"].max())
    return wide.astype("float64"), years
