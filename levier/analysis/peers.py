"""Peer groups: the k territories closest on the poverty profile (standardised features, nearest neighbours).

The profile is the panorama's: poverty rate and its structure (age, single-parent families, tenants), intensity,
median standard of living, shares of social benefits, minimum incomes and housing benefits, the panorama's
poverty profiles where they exist (EPCI), and population size (log). Each feature is taken at its latest year at the
level (one year per feature for every territory), features known for fewer than half the territories are left out,
remaining gaps are filled with the median of the comparison set (and said so), every feature is centred and scaled,
and the distance is Euclidean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from levier.core.fmt import fmt_int, fmt_pct

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

LEVEL_NOUNS = {"departement": ("département", "départements"), "epci": ("EPCI", "EPCI")}


@dataclass(frozen=True)
class PeerGroup:
    """A territory's peers and why.

    members: rank, code, name, distance (root mean square of the standardised differences: 0 = same profile,
    1 = one standard deviation apart on average), sorted by distance.
    explanation: one row per feature used: Variable, Unité, Année, then one column per territory ('Isère (38)'…,
    the selected one first), 'Médiane des pairs', 'Médiane de l'ensemble'; raw values (population not logged),
    NaN where the value was missing (it was imputed for the distance).
    features: feature codes used; dropped: feature -> French reason; imputed: code -> features imputed, for the
    territory and its peers; note: the method and the imputations, in French, to print under the table;
    excluded: candidates left out (known on fewer than half the features); warning: set when the group is only
    indicative (the selected territory is known on fewer than MIN_FEATURES_RELIABLE features, or lacks more of them
    than it has)."""

    code: str
    name: str
    level: str
    members: pd.DataFrame
    explanation: pd.DataFrame
    features: list[str]
    dropped: dict[str, str] = field(default_factory=dict)
    imputed: dict[str, list[str]] = field(default_factory=dict)
    note: str = ""
    n_candidates: int = 0
    excluded: list[str] = field(default_factory=list)
    warning: str = ""  # non-empty when the selected territory's own profile is too incomplete to trust the group

    @property
    def reliable(self) -> bool:
        return not self.warning

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
) -> PeerGroup:
    """The k territories nearest to `code` in `features` (index: territory codes = the comparison set; columns:
    numeric features). Pure: sklearn SimpleImputer(median) -> StandardScaler -> NearestNeighbors (Euclidean)."""
    if code not in features.index:
        raise ValueError(f"Le territoire {code} n'est pas dans l'ensemble comparé.")
    frame = features.apply(pd.to_numeric, errors="coerce").astype("float64")
    frame = frame[~frame.index.duplicated(keep="first")]
    if len(frame) < 2:
        raise ValueError("Il faut au moins deux territoires pour former un groupe de pairs.")

    dropped: dict[str, str] = {}
    used: list[str] = []
    for col in frame.columns:
        coverage = frame[col].notna().mean()
        if coverage == 0:
            dropped[col] = "aucune valeur à ce niveau"
        elif coverage < min_coverage:
            dropped[col] = f"connue pour {fmt_pct(100 * coverage, 0)} des territoires seulement"
        elif frame[col].nunique(dropna=True) < 2:
            dropped[col] = "même valeur partout"
        elif pd.isna(frame.at[code, col]):
            # Imputing the selected territory at the median would invent its profile: compare on what it has.
            dropped[col] = "inconnue pour le territoire étudié"
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
    x_imp = SimpleImputer(strategy="median").fit_transform(x.to_numpy())
    x_std = StandardScaler().fit_transform(x_imp)

    i = frame.index.get_loc(code)
    nn = NearestNeighbors(n_neighbors=n, metric="euclidean").fit(x_std)
    dist, idx = nn.kneighbors(x_std[[i]], n_neighbors=n)
    order = pd.DataFrame({"code": frame.index[idx[0]], "distance": dist[0] / math.sqrt(len(used))})
    order = order[order["code"] != code]
    # Equal distances (duplicated profiles) are broken by code, so the same data always gives the same peers.
    order = order.assign(_d=order["distance"].round(12)).sort_values(["_d", "code"], kind="stable").head(k)
    names = dict(names or {})
    members = pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1, dtype="int64"),
            "code": order["code"].astype("str").to_numpy(),
            "name": [names.get(c, c) for c in order["code"]],
            "distance": order["distance"].to_numpy(dtype=float),
        }
    )

    group = [code] + list(members["code"])
    imputed = {c: [f for f in used if bool(missing_mask.at[c, f])] for c in group}
    imputed = {c: fs for c, fs in imputed.items() if fs}

    def col_name(c: str) -> str:
        return f"{names.get(c, c)} ({c})"

    explanation = pd.DataFrame(
        {
            "Variable": [_label(f, labels) for f in used],
            "Unité": [(units or {}).get(f, "habitants" if f == POPULATION else "") for f in used],
            "Année": pd.array([(years or {}).get(f) for f in used], dtype="Int64"),
        }
    )
    for c in group:
        explanation[col_name(c)] = raw.loc[c, used].to_numpy(dtype=float)
    explanation["Médiane des pairs"] = raw.loc[list(members["code"]), used].median().to_numpy(dtype=float)
    explanation["Médiane de l'ensemble"] = raw[used].median().to_numpy(dtype=float)

    noun_one, noun_many = LEVEL_NOUNS.get(level, ("territoire", "territoires"))
    note = (
        f"Groupe de pairs : les {k} {noun_many} dont le profil est le plus proche parmi {n} {noun_many} comparés, "
        f"sur {len(used)} variables ({', '.join(_label(f, labels) for f in used)}). Chaque variable est prise à sa "
        "dernière année disponible, centrée et réduite sur l'ensemble comparé"
        + (" (population en logarithme)" if any(f in log_features for f in used) else "")
        + " ; distance = écart quadratique moyen en écarts-types (0 = profil identique)."
    )
    if excluded:
        note += (
            f" {fmt_int(len(excluded))} {noun_one if len(excluded) == 1 else noun_many} au profil connu pour moins "
            "de la moitié des variables écarté(s) des candidats : " + ", ".join(col_name(c) for c in excluded) + "."
        )
    if dropped:
        note += " Variables écartées : " + " ; ".join(f"{_label(f, labels)} ({why})" for f, why in dropped.items()) + "."
    total_imputed = int(missing_mask.to_numpy().sum())
    if total_imputed:
        note += (
            f" Valeurs manquantes remplacées par la médiane de l'ensemble (imputation) : {fmt_int(total_imputed)} "
            f"valeur(s) sur {fmt_int(n * len(used))}."
        )
        for c, fs in imputed.items():
            who = f"{names.get(c, c)} ({c})"
            note += f" {who} : {', '.join(_label(f, labels) for f in fs)} imputé(s)."
    else:
        note += " Aucune valeur manquante : aucune imputation."

    warning = ""
    own_missing = [f for f, why in dropped.items() if why == "inconnue pour le territoire étudié"]
    if len(used) < MIN_FEATURES_RELIABLE or len(own_missing) > len(used):
        warning = (
            f"Profil incomplet pour {col_name(code)} : {len(used)} variable(s) connue(s) "
            f"({', '.join(_label(f, labels) for f in used)}) ; le groupe de pairs n'est qu'indicatif."
        )
    return PeerGroup(
        code=code,
        name=names.get(code, code),
        level=level,
        members=members,
        explanation=explanation,
        features=used,
        dropped=dropped,
        imputed=imputed,
        note=note,
        n_candidates=n,
        excluded=excluded,
        warning=warning,
    )


# ---------------------------------------------------------------------------------------------------------------
# Loaders


def features_frame(long: pd.DataFrame, territories: pd.DataFrame, feature_codes: Sequence[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Pivot peer_features rows (code, indicator, period, value) to one row per territory of `territories` (the
    comparison set, every one kept even without values) and one column per feature, population added from the
    territory table; returns the frame and the year of each feature."""
    index = pd.Index(territories["code"].astype("str"), name="code")
    wide = long.pivot_table(index="code", columns="indicator", values="value", aggfunc="last") if len(long) else pd.DataFrame()
    wide = wide.reindex(index=index, columns=[c for c in feature_codes if c != POPULATION])
    years = {c: int(p) for c, p in long.groupby("indicator")["period"].max().items()} if len(long) else {}
    if POPULATION in feature_codes:
        wide[POPULATION] = pd.to_numeric(territories.set_index("code")["population"], errors="coerce").reindex(index).to_numpy(dtype=float)
        if "vintage" in territories.columns and len(territories):
            years[POPULATION] = int(territories["vintage"].max())
    return wide.astype("float64"), years


def load_peer_group(
    db, code: str, level: str = "departement", k: int = DEFAULT_K, feature_codes: Sequence[str] | None = None,
) -> PeerGroup:
    """Peer group of one territory among its comparison set (all départements; EPCI of the same nature)."""
    from levier.store.db import Query
    from levier.analysis.positions import comparison_set

    codes = list(feature_codes or PROFILE_FEATURES)
    with db.reader() as r:
        terr = r.df(Query.TERRITORIES_OF_LEVEL, {"level": level})
        cat = r.df(Query.INDICATOR_CATALOGUE)
        long = r.df(Query.PEER_FEATURES, {"level": level, "codes": [c for c in codes if c != POPULATION]})
    terr = comparison_set(terr, level, code)
    long = long[long["code"].isin(set(terr["code"]))]
    frame, years = features_frame(long, terr, list(dict.fromkeys(codes + [POPULATION])))
    labels = {c: PROFILE_FEATURES.get(c) or lab for c, lab in zip(cat["code"], cat["label"])}
    units = dict(zip(cat["code"], cat["unit"]))
    return peer_group(
        frame, code, k, names=dict(zip(terr["code"], terr["name"])), labels=labels, units=units, years=years,
        level=level,
    )
