"""Positions, changes and targets of territories on indicators: ranks, quartiles, medians, gaps, trajectories.

Pure: DataFrames in, DataFrames and numbers out; no database, no Streamlit, no number formatted to text (the views
load the frames and format what they show through levier.core.fmt).

Conventions shared by every function:
- a `values` frame is long: `code` (territory, text), `indicator`, `period` (int), `value` (float, NaN when missing),
  optionally `missing_reason` (s | nd | nc | so | absent) and `unranked_reason` (French text, None when the value may
  be ranked): a value shown but kept out of every rank, quartile, median and assessment — censored, flagged by a
  quality check, or a count with no denominator — says why in that column;
- a `territories` frame has `code`, `name`, `reg` and optionally `reg_name`, `nature`, `population`;
- `direction` is the catalogue's: 'hausse' (higher is better), 'baisse' (lower is better) or None/'' (neither).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from levier.core.fmt import as_float, fmt_source

UP = "hausse"
DOWN = "baisse"

LEVEL_DEPARTEMENT = "departement"
LEVEL_EPCI = "epci"

# The Métropole de Lyon (MET69) is a métropole with département powers: on its own it would have nobody to be
# compared with, so it is compared with the other métropoles.
NATURE_GROUPS = {"MET69": "METRO"}

RANK_RULE = (
    "Rang 1 = la situation la plus favorable selon le sens de l'indicateur : la valeur la plus basse pour un "
    "indicateur dont la baisse est souhaitée (taux de pauvreté…), la plus élevée pour un indicateur dont la hausse "
    "est souhaitée ; sans sens défini, rang 1 = la valeur la plus élevée. Les ex æquo reçoivent le même rang (le plus "
    "petit). Quartile = ⌈4 × rang ÷ nombre de territoires classés⌉ : le quartile 1 est le quart le mieux placé. "
    "Les territoires sans valeur ne sont pas classés et sont listés à part ; une valeur montrée mais non classée "
    "(valeur plancher, valeur signalée par un contrôle de qualité, effectif sans dénominateur) n'entre ni dans les "
    "rangs, ni dans les quartiles, ni dans les médianes, et son motif est indiqué. Un effectif (personnes, places, "
    "ménages…) n'est jamais classé brut : le rang, le quartile, les médianes et les écarts portent sur le taux "
    "indiqué dans « Classé sur » (pour 1 000 habitants, population municipale INSEE ; ou pour 100 personnes de la "
    "population concernée, transmise dans le même retour), l'effectif restant affiché."
)
GAP_RULE = (
    "Écart = valeur du territoire − médiane de référence (en points pour un pourcentage) ; écart relatif = écart ÷ "
    "médiane. La médiane régionale et la médiane nationale incluent le territoire lui-même ; la médiane des pairs "
    "porte sur les seuls territoires du groupe de pairs ayant une valeur."
)

NOT_PUBLISHED = "np"  # a territory of the level that INSEE's file leaves out: not published, not "not sent"
MISSING_LABELS = {
    NOT_PUBLISHED: "non publié par l'INSEE (secret statistique)",
    "s": "secret statistique",
    "nd": "non disponible",
    "nc": "non communiqué",
    "so": "sans objet",
    "absent": "aucune valeur transmise",
}

# Assessment of a change or of a gap, from the indicator's direction.
GOOD, BAD, NEUTRAL, NO_DATA, UNRANKED = "good", "bad", "neutral", "missing", "unranked"
ASSESSMENT_LABELS = {GOOD: "favorable", BAD: "défavorable", NEUTRAL: "neutre", NO_DATA: "sans donnée",
                     UNRANKED: "non classé"}

# Target tracking: thresholds on the attainment rate, in percent.
AHEAD_THRESHOLD = 110.0
ON_TRACK_THRESHOLD = 90.0
STATUS_AHEAD = "en avance"
STATUS_ON_TRACK = "dans la trajectoire"
STATUS_LATE = "en retard"
STATUS_NO_DATA = "sans donnée"
# A T0 or current value a quality check rejects (its `unranked_reason`): no attainment rate, no status, the reason.
STATUS_EXCLUDED = "non évaluable"
STATUSES = (STATUS_AHEAD, STATUS_ON_TRACK, STATUS_LATE, STATUS_NO_DATA, STATUS_EXCLUDED)

def keep_first_reason(current: pd.Series, new: pd.Series) -> pd.Series:
    """`unranked_reason` merged: an existing reason is kept (a quality error outranks a rate problem, a perimeter
    note a later one); else the new one; blank text counts as no reason."""
    cur = current.astype(object).where(current.notna() & current.astype(str).ne(""), None)
    return cur.where(cur.notna(), new.astype(object))


def direction_of(direction: object) -> str | None:
    """'hausse' | 'baisse' | None, whatever the catalogue cell held (None, NaN, '', other text)."""
    if isinstance(direction, str) and direction.strip().lower() in (UP, DOWN):
        return direction.strip().lower()
    return None


def direction_label(direction: object) -> str:
    d = direction_of(direction)
    if d == UP:
        return "hausse souhaitée"
    if d == DOWN:
        return "baisse souhaitée"
    return "sans sens défini"


def comparison_nature(nature: object) -> str | None:
    """The EPCI nature a territory is compared within (MET69 counts as METRO)."""
    if not isinstance(nature, str) or not nature:
        return None
    return NATURE_GROUPS.get(nature, nature)



def _median(values: Iterable[float]) -> float:
    """np.median of the values that are numbers, to the last bit (the middle one, or the two middle ones' sum halved),
    without numpy's call overhead: a T0 table takes a peer median per indicator, 1,700 of them at ×30."""
    arr = sorted(x for x in map(as_float, values) if not math.isnan(x))
    n = len(arr)
    if not n:
        return math.nan
    mid = n // 2
    return arr[mid] if n % 2 else (arr[mid - 1] + arr[mid]) / 2


# ---------------------------------------------------------------------------------------------------------------
# Ranks, quartiles, gaps


def rank_values(values: pd.Series, direction: object) -> pd.Series:
    """Rank 1 = best according to the direction (lowest value for 'baisse'; highest for 'hausse' and for no
    direction); ties share the smallest rank ('min'); missing values get no rank (<NA>)."""
    values = pd.to_numeric(values, errors="coerce").astype("float64")
    ascending = direction_of(direction) == DOWN
    return values.rank(method="min", ascending=ascending, na_option="keep").astype("Int64")


def quartile_of_rank(rank: pd.Series | int, n: int) -> pd.Series | int:
    """Quartile 1..4 = ⌈4 × rank / n⌉: quartile 1 holds the best-ranked quarter (ties share a quartile)."""
    if isinstance(rank, pd.Series):
        r = rank.astype("Float64")
        if n <= 0:
            return pd.Series(pd.NA, index=rank.index, dtype="Int64")
        return np.ceil(4 * r / n).clip(1, 4).astype("Int64")
    return int(min(4, max(1, math.ceil(4 * rank / n))))


def gap(value: float, reference: float) -> tuple[float, float]:
    """(value − reference, (value − reference) / |reference| × 100); NaN when either is missing or reference is 0."""
    v, r = as_float(value), as_float(reference)
    if math.isnan(v) or math.isnan(r):
        return math.nan, math.nan
    diff = v - r
    return diff, (100.0 * diff / abs(r)) if r != 0 else math.nan


def assess(delta: float, direction: object, tolerance: float = 0.0) -> str:
    """'good' | 'bad' | 'neutral' | 'missing' for a difference (a change over time, or a gap to a median): with
    'hausse' a positive difference is good, with 'baisse' a negative one; no direction or |delta| ≤ tolerance is
    neutral."""
    d = as_float(delta)
    if math.isnan(d):
        return NO_DATA
    direction = direction_of(direction)
    if direction is None or abs(d) <= tolerance:
        return NEUTRAL
    good = d > 0 if direction == UP else d < 0
    return GOOD if good else BAD


@dataclass(frozen=True)
class Positions:
    """Where every territory of a comparison set stands for one indicator and one period.

    `table`: one row per territory (ranked ones sorted by rank, then the missing ones) with columns
    code, name, reg, reg_name, value, missing_reason, unranked_reason, rank, n_ranked, quartile, reg_median, n_reg, gap_reg,
    gap_reg_pct, nat_median, gap_nat, gap_nat_pct, peer_median, n_peers, gap_peer, gap_peer_pct,
    assessment_reg, assessment_nat, assessment_peer.  `missing`: code, name, missing_reason, missing_label."""

    table: pd.DataFrame
    missing: pd.DataFrame
    direction: str | None
    n_ranked: int
    nat_median: float

    def row(self, code: str) -> pd.Series | None:
        hit = self.table[self.table["code"] == code]
        return None if hit.empty else hit.iloc[0]

    @property
    def ranked(self) -> pd.DataFrame:
        return self.table[self.table["rank"].notna()]


def positions(
    values: pd.DataFrame,
    direction: object,
    peer_groups: Mapping[str, Sequence[str]] | None = None,
) -> Positions:
    """Rank, quartile and gaps to the regional, national and peer-group medians of every territory.

    `values`: one row per territory of the comparison set (all départements, or all EPCI of one nature) with
    code, value and reg (plus name, reg_name, missing_reason when known). `peer_groups`: code -> peer codes, for the
    territories whose peer median is wanted (usually just the selected one)."""
    frame = values.copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    for col in ("name", "reg", "reg_name"):
        if col not in frame.columns:
            frame[col] = frame["code"] if col == "name" else None
    if "missing_reason" not in frame.columns:
        frame["missing_reason"] = None
    frame["missing_reason"] = frame["missing_reason"].astype(object).where(frame["value"].isna(), None)
    frame.loc[frame["value"].isna() & frame["missing_reason"].isna(), "missing_reason"] = "absent"
    if "unranked_reason" not in frame.columns:
        frame["unranked_reason"] = None
    frame["unranked_reason"] = frame["unranked_reason"].astype(object).where(
        frame["value"].notna() & frame["unranked_reason"].notna(), None)

    direction = direction_of(direction)
    has = frame["value"].notna() & frame["unranked_reason"].isna()
    rankable = frame["value"].where(has)
    n = int(has.sum())
    frame["rank"] = rank_values(rankable, direction)
    frame["n_ranked"] = n
    frame["quartile"] = quartile_of_rank(frame["rank"], n)

    nat = _median(frame.loc[has, "value"])
    frame["nat_median"] = nat
    reg_stats = frame[has].groupby("reg", dropna=True)["value"].agg(["median", "count"])
    frame["reg_median"] = frame["reg"].map(reg_stats["median"]).astype("float64")
    frame["n_reg"] = frame["reg"].map(reg_stats["count"]).fillna(0).astype("int64")

    by_code = dict(zip(frame["code"], rankable))
    peer_median, n_peers = [], []
    for code in frame["code"]:
        members = [p for p in (peer_groups or {}).get(code, ()) if p != code]
        vals = [by_code.get(p, math.nan) for p in members]
        vals = [v for v in vals if not math.isnan(as_float(v))]
        peer_median.append(_median(vals) if members else math.nan)
        n_peers.append(len(vals) if members else 0)
    frame["peer_median"] = np.asarray(peer_median, dtype=float)
    frame["n_peers"] = np.asarray(n_peers, dtype="int64")

    # An unranked value gets no gap either: a gap is a position in disguise.
    for key, ref in (("reg", "reg_median"), ("nat", "nat_median"), ("peer", "peer_median")):
        diffs = [gap(v, r) for v, r in zip(rankable, frame[ref])]
        frame[f"gap_{key}"] = np.asarray([d[0] for d in diffs], dtype=float)
        frame[f"gap_{key}_pct"] = np.asarray([d[1] for d in diffs], dtype=float)
        frame[f"assessment_{key}"] = [UNRANKED if isinstance(u, str) else assess(d[0], direction)
                                      for d, u in zip(diffs, frame["unranked_reason"])]

    frame = frame.sort_values(["rank", "code"], na_position="last", kind="stable").reset_index(drop=True)
    missing = frame.loc[frame["value"].isna(), ["code", "name", "missing_reason"]].reset_index(drop=True)
    missing["missing_label"] = missing["missing_reason"].map(lambda r: MISSING_LABELS.get(r, r))
    columns = [
        "code", "name", "reg", "reg_name", "value", "missing_reason", "unranked_reason", "rank", "n_ranked", "quartile",
        "reg_median", "n_reg", "gap_reg", "gap_reg_pct", "nat_median", "gap_nat", "gap_nat_pct",
        "peer_median", "n_peers", "gap_peer", "gap_peer_pct", "assessment_reg", "assessment_nat", "assessment_peer",
    ]
    extra = [c for c in frame.columns if c not in columns]
    return Positions(table=frame[columns + extra], missing=missing, direction=direction, n_ranked=n, nat_median=nat)


# ---------------------------------------------------------------------------------------------------------------
# Positions of every territory, indicator and period at once (the derived table, and the T0 table's live path)

POSITION_COLUMNS = ["cset", "rank", "n_ranked", "quartile", "reg_median", "n_reg", "nat_median"]
ALL_TERRITORIES = "*"  # the comparison set of a département: every département


def comparison_sets(territories: pd.DataFrame, level: str) -> pd.Series:
    """code -> the comparison set it is ranked in (comparison_set's rule, for every territory at once):
    ALL_TERRITORIES for départements, the EPCI's comparison nature for EPCI (MET69 with the METRO)."""
    terr = territories.drop_duplicates("code")
    if level != LEVEL_EPCI or "nature" not in terr.columns:
        return pd.Series(ALL_TERRITORIES, index=terr["code"].to_numpy(), dtype=object)
    return pd.Series(terr["nature"].map(comparison_nature).to_numpy(), index=terr["code"].to_numpy(), dtype=object)


def rankable_mask(values: pd.DataFrame) -> pd.Series:
    """A value enters ranks, quartiles and medians when it exists and no reason keeps it out (positions' rule)."""
    value = pd.to_numeric(values["value"], errors="coerce")
    reason = values["unranked_reason"] if "unranked_reason" in values.columns else pd.Series(None, index=values.index)
    return value.notna() & reason.isna()


def position_frame(values: pd.DataFrame, territories: pd.DataFrame, directions: Mapping[str, object],
                   level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank, quartile and the regional and national medians of every value of a level, each ranked within its
    comparison set, indicator and period — what `positions` computes for one indicator and period, for all of them.

    `values`: code, indicator, period, value[, unranked_reason] (ranking_values' output); rows of territories outside
    `territories` are dropped. `directions`: indicator -> catalogue direction. Returns (rows, stats): `rows` are the
    values with POSITION_COLUMNS added (rank, quartile NA for an unranked or missing value); `stats` one row per
    (cset, indicator, period, reg) with reg_median and n_reg, plus one per (cset, indicator, period) with reg NA
    holding n_ranked, n_values (values, ranked or not), nat_median and the first row's rank_basis / rank_unit — what
    a territory with no value there is told."""
    terr = territories.drop_duplicates("code")
    sets = comparison_sets(terr, level)
    regs = pd.Series(terr["reg"].to_numpy() if "reg" in terr.columns else None, index=terr["code"].to_numpy())
    rows = values[values["code"].isin(sets.index)].copy()
    rows["value"] = pd.to_numeric(rows["value"], errors="coerce").astype("float64")
    rows["cset"] = rows["code"].map(sets)
    rows["_reg"] = rows["code"].map(regs)
    has = rankable_mask(rows)
    # The direction read once per indicator, not once per value (a Python call per row of a national frame).
    down = {c: direction_of(directions.get(c)) == DOWN for c in rows["indicator"].unique()}
    descending = ~rows["indicator"].map(down).fillna(False).astype(bool)
    key = rows["value"].where(has)
    key = key.where(~descending, -key)  # rank 1 = the best: lowest for 'baisse', highest otherwise
    group = ["cset", "indicator", "period"]
    grouped = key.groupby([rows[c] for c in group], dropna=False)
    rows["rank"] = grouped.rank(method="min", na_option="keep").astype("Int64")
    rows["n_ranked"] = has.groupby([rows[c] for c in group], dropna=False).transform("sum").astype("int64")
    n = rows["n_ranked"].where(rows["n_ranked"] > 0)
    rows["quartile"] = np.ceil(4 * rows["rank"].astype("Float64") / n).clip(1, 4).astype("Int64")
    ranked = rows[has]
    nat = ranked.groupby(group, dropna=False)["value"].median().rename("nat_median")
    reg = ranked[ranked["_reg"].notna()].groupby(group + ["_reg"], dropna=False)["value"].agg(["median", "count"])
    reg.columns = ["reg_median", "n_reg"]
    rows = rows.join(nat, on=group).join(reg, on=group + ["_reg"])
    rows["n_reg"] = rows["n_reg"].fillna(0).astype("int64")
    rows["reg_median"] = rows["reg_median"].astype("float64")
    rows["nat_median"] = rows["nat_median"].astype("float64")
    # Per set, indicator and period: what the first row of the period says is ranked (t0_table's « Classé sur »).
    for col in ("rank_basis", "rank_unit"):
        if col not in rows.columns:
            rows[col] = None
    first = rows.drop_duplicates(group, keep="first").set_index(group)[["n_ranked", "rank_basis", "rank_unit"]]
    national = first.join(rows.assign(_valued=rows["value"].notna()).groupby(group, dropna=False)["_valued"].sum()
                          .rename("n_values").astype("int64")).join(nat).reset_index()
    national["nat_median"] = national["nat_median"].astype("float64")
    national["reg"] = None
    regional = reg.reset_index().rename(columns={"_reg": "reg"})
    stats = pd.concat([national, regional], ignore_index=True)
    return rows.drop(columns="_reg"), stats


# ---------------------------------------------------------------------------------------------------------------
# Changes between two periods


def relative_change(before: float, after: float) -> float:
    """(after − before) / |before| × 100; NaN when a value is missing or before is 0."""
    return gap(after, before)[1]


def changes(values: pd.DataFrame, period_from: int, period_to: int, direction: object, tolerance: float = 0.0) -> pd.DataFrame:
    """Change of every territory between two periods: one row per code with value_from, value_to, change_abs,
    change_rel (%), assessment ('good' | 'bad' | 'neutral' | 'missing') and has_both."""
    v = values[["code", "period", "value"]].copy()
    v["value"] = pd.to_numeric(v["value"], errors="coerce").astype("float64")
    a = v[v["period"] == period_from].drop_duplicates("code", keep="last").set_index("code")["value"]
    b = v[v["period"] == period_to].drop_duplicates("code", keep="last").set_index("code")["value"]
    codes = sorted(set(a.index) | set(b.index))
    out = pd.DataFrame({"code": pd.Series(codes, dtype="str")})
    out["value_from"] = out["code"].map(a).astype("float64")
    out["value_to"] = out["code"].map(b).astype("float64")
    out["change_abs"] = out["value_to"] - out["value_from"]
    out["change_rel"] = [relative_change(x, y) for x, y in zip(out["value_from"], out["value_to"])]
    out["change_rel"] = out["change_rel"].astype("float64")
    out["assessment"] = [assess(d, direction, tolerance) for d in out["change_abs"]]
    out["has_both"] = out["value_from"].notna() & out["value_to"].notna()
    return out


def compare_changes(
    values: pd.DataFrame,
    territories: pd.DataFrame,
    code: str,
    period_from: int,
    period_to: int,
    direction: object,
    peer_codes: Sequence[str] = (),
) -> pd.DataFrame:
    """The territory's change set against the median change of its région, of the whole comparison set and of its
    peers, each median taken over the territories having a rankable value at both periods.

    One row per scope ('territoire', 'région', 'national', 'pairs') with label, n, value_from, value_to, change_abs,
    change_rel, assessment, and diff_abs / diff_rel = territory's change − the scope's median change (NaN on the
    territory's own row). On the territory's row the values are its own and the change is theirs. On a scope's row
    change_abs and change_rel are the medians of the territories' changes (absolute, relative) and value_from /
    value_to are left empty: the median of the starting values and the median of the ending values are not the two
    ends of the median change (« 267 → 262, +11 » would read as arithmetic it is not). A value with an
    `unranked_reason` (a count with no denominator, a published floor…) at either period enters no median."""
    ch = changes(values, period_from, period_to, direction)
    if "unranked_reason" in values.columns:
        v = values[values["period"].isin([period_from, period_to])]
        flagged = set(v.loc[v["unranked_reason"].notna() & v["unranked_reason"].astype(str).ne(""), "code"])
        ch["rankable"] = ~ch["code"].isin(flagged)
    else:
        ch["rankable"] = True
    terr = territories.drop_duplicates("code").set_index("code")
    ch["reg"] = ch["code"].map(terr["reg"]) if "reg" in terr.columns else None
    both = ch[ch["has_both"] & ch["rankable"]]
    own = ch[ch["code"] == code]
    name = terr["name"].get(code, code) if "name" in terr.columns else code
    reg = terr["reg"].get(code) if "reg" in terr.columns else None
    reg_name = terr["reg_name"].get(code) if "reg_name" in terr.columns else None
    peers = [p for p in peer_codes if p != code]

    def row(scope: str, label: str, subset: pd.DataFrame) -> dict:
        return {
            "scope": scope,
            "label": label,
            "n": int(len(subset)),
            "value_from": math.nan,
            "value_to": math.nan,
            "change_abs": _median(subset["change_abs"]),
            "change_rel": _median(subset["change_rel"]),
        }

    rows = [
        row("territoire", str(name), own[own["has_both"]]),
        row("région", f"Médiane des évolutions : {reg_name or 'région'}",
            both[both["reg"] == reg] if reg is not None else both.iloc[0:0]),
        row("national", "Médiane des évolutions : France", both),
        row("pairs", "Médiane des évolutions : pairs", both[both["code"].isin(peers)]),
    ]
    if len(own):
        # The territory's own values, even when one of the two is missing (the change then stays undefined).
        rows[0]["value_from"] = as_float(own["value_from"].iloc[0])
        rows[0]["value_to"] = as_float(own["value_to"].iloc[0])
    out = pd.DataFrame(rows)
    out["assessment"] = [assess(d, direction) for d in out["change_abs"]]
    if len(own) and not bool(own["rankable"].iloc[0]):
        # The territory's own change rests on a value kept out of rankings: shown, neither judged nor compared.
        out.loc[0, "assessment"] = UNRANKED
    own_abs, own_rel = out.loc[0, "change_abs"], out.loc[0, "change_rel"]
    if len(own) and not bool(own["rankable"].iloc[0]):
        own_abs = own_rel = math.nan
    out["diff_abs"] = [math.nan] + [own_abs - x for x in out["change_abs"].iloc[1:]]
    out["diff_rel"] = [math.nan] + [own_rel - x for x in out["change_rel"].iloc[1:]]
    out["diff_assessment"] = [NO_DATA] + [assess(d, direction) for d in out["diff_abs"].iloc[1:]]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Targets


def trajectory(
    t0_period: int,
    t0_value: float,
    target_period: int,
    target_value: float,
    milestones: Iterable[tuple[int, float]] = (),
) -> pd.DataFrame:
    """The expected path from T0 to the target, one row per year (period, expected, kind): linear between T0 and the
    target, or piecewise linear through the milestones (intermediate targets strictly between T0 and the target
    year; others are ignored). kind is 'T0', 'jalon', 'cible' or 'interpolé'."""
    t0_period, target_period = int(t0_period), int(target_period)
    if target_period <= t0_period:
        raise ValueError(f"L'année cible ({target_period}) doit être postérieure à l'année T0 ({t0_period}).")
    knots = {t0_period: (as_float(t0_value), "T0"), target_period: (as_float(target_value), "cible")}
    for period, value in milestones:
        period = int(period)
        if t0_period < period < target_period and not math.isnan(as_float(value)):
            knots[period] = (as_float(value), "jalon")
    xs = sorted(knots)
    years = np.arange(t0_period, target_period + 1)
    expected = np.interp(years, xs, [knots[x][0] for x in xs])
    kinds = [knots[y][1] if y in knots else "interpolé" for y in years]
    return pd.DataFrame({"period": years.astype("int64"), "expected": expected, "kind": kinds})


def expected_value(path: pd.DataFrame, period: int) -> float:
    """Expected value at a period read on a trajectory(): NaN before T0, the target after the target year."""
    if path.empty or math.isnan(as_float(period)):
        return math.nan
    first, last = int(path["period"].iloc[0]), int(path["period"].iloc[-1])
    if period < first:
        return math.nan
    if period >= last:
        return float(path["expected"].iloc[-1])
    return float(np.interp(period, path["period"].to_numpy(dtype=float), path["expected"].to_numpy(dtype=float)))


def attainment_rate(t0_value: float, expected: float, current: float) -> float:
    """(current − T0) / (expected − T0) × 100, in percent; NaN when a value is missing or expected equals T0."""
    t0, e, c = as_float(t0_value), as_float(expected), as_float(current)
    if any(math.isnan(x) for x in (t0, e, c)) or math.isclose(e, t0, rel_tol=0.0, abs_tol=1e-12):
        return math.nan
    return 100.0 * (c - t0) / (e - t0)


def status_of_rate(rate: float) -> str:
    r = as_float(rate)
    if math.isnan(r):
        return STATUS_NO_DATA
    r = round(r, 9)  # 89.99999999999999 from float arithmetic is 90 %
    if r >= AHEAD_THRESHOLD:
        return STATUS_AHEAD
    if r >= ON_TRACK_THRESHOLD:
        return STATUS_ON_TRACK
    return STATUS_LATE


@dataclass(frozen=True)
class TargetAssessment:
    t0_period: int | None
    t0_value: float
    target_period: int | None
    target_value: float
    milestones: tuple[tuple[int, float], ...]
    current_period: int | None
    current_value: float
    expected: float
    attainment: float  # percent, NaN when not computable
    status: str
    path: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    reason: str | None = None  # why the status is STATUS_EXCLUDED, or what a warning-level finding doubts (French)


def assess_target(
    t0_period: int | None,
    t0_value: float,
    target_period: int | None,
    target_value: float,
    current_period: int | None,
    current_value: float,
    milestones: Iterable[tuple[int, float]] = (),
    direction: object = None,
    excluded_reason: str | None = None,
) -> TargetAssessment:
    """Trajectory, expected value at the current period, attainment rate and status (see STATUS_RULE).

    excluded_reason: the T0 or the current value is kept out of trajectories (a quality check rejects it): the
    path and the expected value are still given, but no attainment rate, and the status is STATUS_EXCLUDED."""
    ms = tuple(sorted((int(p), float(v)) for p, v in milestones))
    no_data = (
        t0_period is None or target_period is None or current_period is None
        or math.isnan(as_float(t0_value)) or math.isnan(as_float(target_value)) or math.isnan(as_float(current_value))
        or int(current_period) <= int(t0_period) or int(target_period) <= int(t0_period)
    )
    path = pd.DataFrame(columns=["period", "expected", "kind"])
    if t0_period is not None and target_period is not None and int(target_period) > int(t0_period) \
            and not math.isnan(as_float(t0_value)) and not math.isnan(as_float(target_value)):
        path = trajectory(t0_period, t0_value, target_period, target_value, ms)
    if no_data:
        expected = expected_value(path, current_period) if current_period is not None and len(path) else math.nan
        return TargetAssessment(
            t0_period, as_float(t0_value), target_period, as_float(target_value), ms, current_period, as_float(current_value),
            expected, math.nan, STATUS_NO_DATA, path,
        )
    expected = expected_value(path, int(current_period))
    if isinstance(excluded_reason, str) and excluded_reason:
        return TargetAssessment(
            int(t0_period), as_float(t0_value), int(target_period), as_float(target_value), ms, int(current_period),
            as_float(current_value), expected, math.nan, STATUS_EXCLUDED, path, excluded_reason,
        )
    rate = attainment_rate(t0_value, expected, current_value)
    if math.isnan(rate):
        # Expected equals T0 (a 'maintain' target): compare with the expected value in the indicator's direction.
        verdict = assess(as_float(current_value) - expected, direction if direction_of(direction) else UP)
        status = {GOOD: STATUS_AHEAD, BAD: STATUS_LATE}.get(verdict, STATUS_ON_TRACK)
    else:
        status = status_of_rate(rate)
    return TargetAssessment(
        int(t0_period), as_float(t0_value), int(target_period), as_float(target_value), ms, int(current_period),
        as_float(current_value), expected, rate, status, path,
    )


def split_targets(targets: pd.DataFrame, t0_period: int) -> tuple[tuple[int, float] | None, tuple[tuple[int, float], ...]]:
    """From one indicator's targets (target_year, target_value): the final target (the latest year after T0) and
    the milestones (earlier years after T0). Targets dated at or before T0 are ignored."""
    if targets is None or targets.empty:
        return None, ()
    t = targets[(targets["target_year"] > t0_period) & pd.to_numeric(targets["target_value"], errors="coerce").notna()]
    t = t.sort_values("target_year")
    if t.empty:
        return None, ()
    final = (int(t["target_year"].iloc[-1]), float(t["target_value"].iloc[-1]))
    milestones = tuple((int(p), float(v)) for p, v in zip(t["target_year"].iloc[:-1], t["target_value"].iloc[:-1]))
    return final, milestones


def indicator_target(
    own_values: pd.DataFrame,
    targets: pd.DataFrame,
    indicator: str,
    t0_period: int,
    current_period: int | None = None,
    direction: object = None,
) -> TargetAssessment:
    """One indicator's target assessment for one territory: T0 value exactly at t0_period, final target and
    milestones (split_targets), latest value after T0 (up to current_period if given).

    own_values: indicator, period, value[, unranked_reason, quality_warning] of ONE territory; targets: indicator,
    target_year, target_value. A T0 or latest value with an `unranked_reason` (rejected by a quality check) gives no
    attainment rate: the status is STATUS_EXCLUDED and `reason` says which value and why (no earlier value is used
    instead: the latest year stays the one the reader asked about). A `quality_warning` leaves the status as it is
    and is given as the reason."""
    final, milestones = split_targets(targets[targets["indicator"] == indicator], t0_period)
    v = own_values[own_values["indicator"] == indicator]
    v = v[pd.to_numeric(v["value"], errors="coerce").notna()]
    t0 = v[v["period"] == t0_period]
    later = v[v["period"] > t0_period]
    if current_period is not None:
        later = later[later["period"] <= current_period]
    later = later.sort_values("period")
    reasons, warnings = [], []
    for label, row in (("valeur T0", t0.head(1)), ("dernière valeur", later.tail(1))):
        for col, verb, out in (("unranked_reason", "écartée", reasons), ("quality_warning", "signalée", warnings)):
            text = row[col].iloc[0] if len(row) and col in row.columns else None
            if isinstance(text, str) and text:
                out.append(f"{label} ({int(row['period'].iloc[0])}) {verb}, {text}")
    res = assess_target(
        t0_period if len(t0) else None, float(t0["value"].iloc[0]) if len(t0) else math.nan,
        final[0] if final else None, final[1] if final else math.nan,
        int(later["period"].iloc[-1]) if len(later) else None,
        float(later["value"].iloc[-1]) if len(later) else math.nan,
        milestones, direction, " ; ".join(reasons) or None,
    )
    if warnings and res.status != STATUS_EXCLUDED:
        # A warning-level finding is marked, not excluded: the status stands, the reason says what is doubtful.
        res = replace(res, reason=" ; ".join(warnings))
    return res


def target_tracking(
    own_values: pd.DataFrame,
    targets: pd.DataFrame,
    indicators: pd.DataFrame,
    t0_period: int,
    current_period: int | None = None,
) -> pd.DataFrame:
    """One row per indicator of the territory having a target: T0 value (exactly at t0_period), final target and
    milestones, latest value after T0 (up to current_period if given), expected value, attainment rate, status and
    status_reason (why a status is STATUS_EXCLUDED, or the warning on a value the status still uses: see
    indicator_target).

    own_values: indicator, period, value[, unranked_reason, quality_warning] of ONE territory; targets: indicator,
    target_year, target_value."""
    cat = indicators.drop_duplicates("code").set_index("code")
    rows = []
    for indicator in sorted(set(targets["indicator"])):
        direction = cat["direction"].get(indicator) if "direction" in cat.columns else None
        res = indicator_target(own_values, targets, indicator, t0_period, current_period, direction)
        rows.append(
            {
                "indicator": indicator,
                "label": cat["label"].get(indicator, indicator) if "label" in cat.columns else indicator,
                "unit": cat["unit"].get(indicator, "") if "unit" in cat.columns else "",
                "direction": direction_of(direction),
                "t0_period": t0_period,
                "t0_value": res.t0_value,
                "target_period": res.target_period,
                "target_value": res.target_value,
                "milestones": len(res.milestones),
                "current_period": res.current_period,
                "current_value": res.current_value,
                "expected": res.expected,
                "attainment": res.attainment,
                "status": res.status,
                "status_reason": res.reason,
            }
        )
    out = pd.DataFrame(rows, columns=[
        "indicator", "label", "unit", "direction", "t0_period", "t0_value", "target_period", "target_value",
        "milestones", "current_period", "current_value", "expected", "attainment", "status", "status_reason",
    ])
    for col in ("target_period", "current_period"):
        out[col] = out[col].astype("Int64")
    return out


TRACKING_LABELS = {
    "indicator": "Code", "label": "Indicateur", "unit": "Unité", "t0_period": "Année T0", "t0_value": "Valeur T0",
    "target_period": "Année cible", "target_value": "Cible", "milestones": "Cibles intermédiaires",
    "current_period": "Dernière année", "current_value": "Dernière valeur", "expected": "Valeur attendue",
    "attainment": "Taux d'atteinte (%)", "status": "Statut", "status_reason": "Motif",
}


# ---------------------------------------------------------------------------------------------------------------
# T0 table

T0_COLUMNS = [
    "Programme", "Axe", "Code", "Indicateur", "Type", "Origine", "Valeur", "Unité", "Année", "Source",
    "Motif d'absence", "Motif de non-classement", "Sens", "Rang", "Territoires classés", "Quartile",
    "Médiane régionale", "Écart à la médiane régionale", "Écart à la médiane régionale (%)",
    "Médiane nationale", "Écart à la médiane nationale", "Écart à la médiane nationale (%)",
    "Médiane des pairs", "Écart à la médiane des pairs", "Écart à la médiane des pairs (%)",
    "Situation / médiane nationale", "Donnée de démonstration",
    "Classé sur", "Valeur classée", "Unité classée", "Valeur plancher", "Signalement qualité",
]


def _origin(programme: object, derived: bool) -> str:
    if programme == "STAT":
        return "Statistique publique"
    return "Déclaratif, ratio calculé par Levier" if derived else "Déclaratif (retour du territoire)"


def t0_table(
    values: pd.DataFrame,
    territories: pd.DataFrame,
    indicators: pd.DataFrame,
    code: str,
    t0_year: int,
    peer_codes: Sequence[str] = (),
    include_missing: bool = True,
) -> pd.DataFrame:
    """Every indicator available for a territory at T0, with rank, quartile and gaps, French column labels.

    For each indicator, the year shown is the latest year ≤ t0_year with a value for the territory (public statistics
    lag the contracts: Filosofi 2020 is the T0 of a 2023 diagnostic), and the ranking is made among the comparison
    set for that same year. With include_missing, an indicator the territory never filled but others did appears
    with its reference year (the latest year ≤ t0_year with any value) and its missing reason.

    values: code, indicator, period, value[, missing_reason, is_demo, derived] for every territory of the comparison
    set; territories: code, name, reg[, reg_name]; indicators: the catalogue (code, label, programme, axis, kind,
    unit, direction, source, territory)."""
    terr = territories.drop_duplicates("code")
    v = values[(values["period"] <= t0_year) & values["code"].isin(set(terr["code"]))].copy()
    for col, default in T0_VALUE_DEFAULTS:
        if col not in v.columns:
            v[col] = default
    v["value"] = pd.to_numeric(v["value"], errors="coerce").astype("float64")
    v["raw_value"] = pd.to_numeric(v["raw_value"], errors="coerce").astype("float64") if "raw_value" in v.columns \
        else v["value"]
    cat = indicators.drop_duplicates("code").set_index("code")
    directions = dict(zip(cat.index, cat["direction"])) if "direction" in cat.columns else {}
    # `territories` is already the comparison set: one set, whatever the level.
    rows, stats = position_frame(v, terr, directions, LEVEL_DEPARTEMENT)
    return t0_table_positioned(rows, stats, terr, indicators, code, t0_year, peer_codes, include_missing)


# Columns a T0 value may lack, and what it means then.
T0_VALUE_DEFAULTS = (("missing_reason", None), ("unranked_reason", None), ("quality_warning", None),
                     ("is_demo", False), ("derived", False), ("rank_basis", ""), ("rank_unit", None),
                     ("censored", False))


# What the T0 table reads of the territory's own rows and of the national statistics: records of these fields only
# (a dictionary per row costs by the field; at ×30 the national rows are 17,000).
_T0_OWN_FIELDS = ["indicator", "period", "value", "raw_value", "missing_reason", "unranked_reason", "rank", "quartile",
                  "quality_warning", "is_demo", "censored"]
_T0_NATIONAL_FIELDS = ["indicator", "period", "n_values", "nat_median", "n_ranked", "rank_unit", "rank_basis"]
_T0_META_FIELDS = ["programme", "axis", "label", "kind", "unit", "direction", "numerator", "territory", "source",
                   "source_table"]


def _columns(frame: pd.DataFrame, *names: str) -> list[list]:
    """Columns as Python lists: reading an Arrow string column element by element costs ten times its tolist()."""
    return [frame[n].tolist() for n in names]


def _records(frame: pd.DataFrame) -> list[dict]:
    """frame.to_dict("records") built from whole-column lists (same values, a fraction of the time)."""
    names = list(frame.columns)
    return [dict(zip(names, row)) for row in zip(*_columns(frame, *names))]


def t0_table_positioned(
    rows: pd.DataFrame,
    stats: pd.DataFrame,
    territories: pd.DataFrame,
    indicators: pd.DataFrame,
    code: str,
    t0_year: int,
    peer_codes: Sequence[str] = (),
    include_missing: bool = True,
    peer_rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """t0_table read from position_frame's output instead of ranked again: `rows` hold at least the territory's and
    its peers' positioned values (any periods), `stats` the national and regional rows of its comparison set,
    `territories` the comparison set; `peer_rows`: see t0_tables_positioned."""
    if code not in set(territories["code"]):  # not in its own comparison set: nothing to position it against
        return pd.DataFrame(columns=T0_COLUMNS)
    return t0_tables_positioned(rows, stats, territories, indicators, [T0Request(code, tuple(peer_codes),
                                                                                 include_missing)],
                                t0_year, peer_rows=peer_rows).drop(columns=REQUEST_CODE)


@dataclass(frozen=True)
class T0Request:
    """One territory's T0 table asked of t0_tables_positioned: its peers, whether the indicators it never filled are
    listed, and (None: all) the only indicators its table may show."""

    code: str
    peer_codes: tuple[str, ...] = ()
    include_missing: bool = True
    indicators: frozenset[str] | None = None


REQUEST_CODE = "_code"  # t0_tables_positioned's column: whose table a row is

# The fields of a row of _t0_rows, in its order (the table's columns, the request and the catalogue order first).
_T0_ROW_COLUMNS = [
    "request", "order", REQUEST_CODE, "Programme", "Axe", "Code", "Indicateur", "Type", "Origine", "Valeur", "Unité",
    "Année", "Source", "Motif d'absence", "Motif de non-classement", "Sens", "Rang", "Territoires classés",
    "Quartile", "Médiane régionale", "Écart à la médiane régionale", "Écart à la médiane régionale (%)",
    "Médiane nationale", "Écart à la médiane nationale", "Écart à la médiane nationale (%)", "Médiane des pairs",
    "Écart à la médiane des pairs", "Écart à la médiane des pairs (%)", "Situation / médiane nationale",
    "Donnée de démonstration", "Classé sur", "Valeur classée", "Unité classée", "Valeur plancher",
    "Signalement qualité",
]


def _t0_period(own_valued: int | None, valued_anywhere: int | None, own_any: int | None) -> int | None:
    """The year a T0 table reads an indicator at (years up to T0 only): the territory's latest year with a value;
    else, when the table lists what the territory never filled, the latest year any territory has a value; else the
    territory's latest row (its missing reason); None: the indicator is not listed."""
    for period in (own_valued, valued_anywhere, own_any):
        if period is not None:
            return period
    return None


def _latest(frame: pd.DataFrame, by: list[str]) -> dict:
    """{key: latest period} over `by` (a tuple key for several columns)."""
    latest = frame.groupby(by, sort=False, observed=True)["period"].max()
    return dict(zip(latest.index.tolist(), (int(p) for p in latest.tolist())))


class _PairKeys:
    """(indicator, year) pairs as one integer each, so that the rows of the years a table reads are picked in one
    vectorised test (np.isin) rather than one Python test per row; an indicator not listed gets -1 (no pair)."""

    def __init__(self, indicators: Sequence[str]):
        self.index = pd.Index(list(indicators), dtype=object)
        self._listed: dict[pa.DataType, pa.Array] = {}

    def _ids(self, column: pd.Series) -> np.ndarray:
        if isinstance(column.array, pd.arrays.ArrowStringArray):  # looked up in Arrow: no Python string per row
            text = pa.array(column.array)
            if text.type not in self._listed:
                self._listed[text.type] = pa.array(self.index.tolist(), type=text.type)
            found = pc.index_in(text, value_set=self._listed[text.type])
            return pc.fill_null(found, -1).to_numpy().astype(np.int64)
        return self.index.get_indexer(column.astype(object)).astype(np.int64)

    def of(self, frame: pd.DataFrame) -> np.ndarray:
        ids = self._ids(frame["indicator"])
        keys = (ids << 32) | frame["period"].to_numpy(dtype=np.int64)
        keys[ids < 0] = -1
        return keys

    def union(self, chosen: Iterable[Mapping[str, int]]) -> np.ndarray:
        parts = [(self.index.get_indexer(list(periods)).astype(np.int64) << 32)
                 | np.fromiter(periods.values(), dtype=np.int64, count=len(periods))
                 for periods in chosen if periods]
        return np.unique(np.concatenate(parts)) if parts else np.array([], dtype=np.int64)


def t0_tables_positioned(
    rows: pd.DataFrame,
    stats: pd.DataFrame,
    territories: pd.DataFrame,
    indicators: pd.DataFrame,
    requests: Sequence[T0Request],
    t0_year: int,
    peer_rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """t0_table_positioned of several territories of one comparison set at once, in one frame: each table as
    t0_table_positioned gives it, one after the other in the order asked, the territory's code in REQUEST_CODE.
    The frames are read once for all (a région's key figure makes a table per territory). `peer_rows`: more
    territories' values (code, indicator, period, value[, unranked_reason]) read for their peers' median alone,
    beside those of `rows` (a T0 page reads its peers' rankable values only)."""
    cat = indicators.drop_duplicates("code").set_index("code")
    terr = territories.drop_duplicates("code")
    members = set(terr["code"])
    requests = [q for q in requests if q.code in members]
    reg_of = dict(zip(terr["code"], terr["reg"])) if "reg" in terr.columns else {}
    asked = {q.code for q in requests}
    peers_of = {q.code: list(dict.fromkeys(p for p in q.peer_codes if p != q.code)) for q in requests}
    wanted_peers = {p for peers in peers_of.values() for p in peers}
    for col, default in T0_VALUE_DEFAULTS:
        if col not in rows.columns:
            rows = rows.assign(**{col: default})
    # Each table reads one year per indicator (_t0_period): the years are chosen from the latest years alone, then
    # only the rows of the chosen years are read row by row (at ×30 a territory has 1,700 indicators over twenty
    # years, its peers five times as many rows, the statistics as many again). Frames are cut to the columns read
    # before any row is picked (a pick copies every column).
    in_year = (rows["period"] <= t0_year).to_numpy()
    own_rows = rows.loc[in_year & rows["code"].isin(asked).to_numpy(), ["code", *_T0_OWN_FIELDS]]
    peer_cols = ["code", "indicator", "period", "value", "unranked_reason"]
    peers = rows.loc[in_year & rows["code"].isin(wanted_peers & members).to_numpy(), peer_cols]
    if peer_rows is not None:  # read apart: only peers' rankable values
        apart = peer_rows if "unranked_reason" in peer_rows.columns else peer_rows.assign(unranked_reason=None)
        apart = apart.loc[(apart["period"] <= t0_year).to_numpy()
                          & apart["code"].isin(wanted_peers & members).to_numpy(), peer_cols]
        peers = apart if peers.empty else peers if apart.empty else pd.concat([peers, apart], ignore_index=True)
    peer_rows = peers[rankable_mask(peers).to_numpy()]
    st_year = (stats["period"] <= t0_year).to_numpy()
    nat = stats.loc[st_year & stats["reg"].isna().to_numpy(), _T0_NATIONAL_FIELDS]
    own_regs = {reg for reg in (reg_of.get(q.code) for q in requests) if reg is not None and pd.notna(reg)}
    reg_rows = stats.loc[st_year & stats["reg"].isin(own_regs).to_numpy(),
                         ["reg", "indicator", "period", "reg_median", "n_reg"]]
    listed = list(dict.fromkeys(nat["indicator"].tolist()))
    meta_of = dict(zip(cat.index.tolist(), _records(cat[[c for c in _T0_META_FIELDS if c in cat.columns]])))
    keys = _PairKeys(listed)
    own_valued = _latest(own_rows.loc[own_rows["value"].notna().to_numpy(), ["code", "indicator", "period"]],
                         ["code", "indicator"])
    own_any = _latest(own_rows[["code", "indicator", "period"]], ["code", "indicator"])
    nat_valued = _latest(nat.loc[(nat["n_values"] > 0).to_numpy(), ["indicator", "period"]], ["indicator"])
    chosen: list[dict[str, int]] = []
    for q in requests:
        periods: dict[str, int] = {}
        for indicator in listed:
            if q.indicators is not None and indicator not in q.indicators:
                continue
            meta = meta_of.get(indicator)
            if meta is None:
                continue
            owner = meta.get("territory")
            if isinstance(owner, str) and owner and owner != q.code:
                continue  # another contract's own indicator
            period = _t0_period(own_valued.get((q.code, indicator)), nat_valued.get(indicator) if q.include_missing
                                else None, own_any.get((q.code, indicator)))
            if period is not None:
                periods[indicator] = period
        chosen.append(periods)
    # (indicator, year) -> (national median, territories ranked, rank unit, rank basis): tuples, not records.
    nat_at = nat[np.isin(keys.of(nat), keys.union(chosen))]
    indicators, years, medians, ranked, units, bases = _columns(nat_at, "indicator", "period", "nat_median", "n_ranked",
                                                                "rank_unit", "rank_basis")
    national = {(ind, int(year)): row
                for ind, year, *row in zip(indicators, years, medians, ranked, units, bases)}
    order = {c: i for i, c in enumerate(cat.index.tolist())}
    own_keys = keys.of(own_rows)
    peer_keys = keys.of(peer_rows)
    reg_keys = keys.of(reg_rows)
    out_rows: list[tuple] = []
    shown_of: dict[str, tuple] = {}
    for number, (q, periods) in enumerate(zip(requests, chosen)):
        wanted = keys.union([periods])
        mine = own_rows[(own_rows["code"] == q.code).to_numpy() & np.isin(own_keys, wanted)]
        own_at: dict[str, list[dict]] = {}
        for rec in _records(mine[_T0_OWN_FIELDS]):
            own_at.setdefault(rec["indicator"], []).append(rec)
        peer_values: dict[str, list[float]] = {}
        if peers_of[q.code]:
            theirs = peer_rows[peer_rows["code"].isin(peers_of[q.code]).to_numpy() & np.isin(peer_keys, wanted)]
            for ind, val in zip(*_columns(theirs, "indicator", "value")):
                peer_values.setdefault(ind, []).append(float(val))
        regional: dict[str, tuple[float, int]] = {}
        reg = reg_of.get(q.code)
        if reg in own_regs:
            at_reg = reg_rows[(reg_rows["reg"] == reg).to_numpy() & np.isin(reg_keys, wanted)]
            for ind, med, n in zip(*_columns(at_reg, "indicator", "reg_median", "n_reg")):
                regional[ind] = (float(med), int(n))
        out_rows.extend(_t0_rows(q, number, periods, national, meta_of, order, own_at, peer_values,
                                 bool(peers_of[q.code]), regional, shown_of))
    out = pd.DataFrame(out_rows, columns=_T0_ROW_COLUMNS)[["request", "order", REQUEST_CODE] + T0_COLUMNS]
    out = out.sort_values(["request", "order", "Code"], kind="stable").drop(columns=["request", "order"])
    out = out.reset_index(drop=True)
    for col in ("Rang", "Territoires classés", "Quartile", "Année"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    for col in ("Valeur", "Valeur classée", "Médiane régionale", "Écart à la médiane régionale", "Écart à la médiane régionale (%)",
                "Médiane nationale", "Écart à la médiane nationale", "Écart à la médiane nationale (%)",
                "Médiane des pairs", "Écart à la médiane des pairs", "Écart à la médiane des pairs (%)"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["Donnée de démonstration"] = out["Donnée de démonstration"].astype(bool)
    out["Valeur plancher"] = out["Valeur plancher"].astype(bool)
    return out


def _gap_of(value: float, reference: float) -> tuple[float, float]:
    """gap() of two Python floats (the T0 table's ranked value and a median), without its conversions: 1,700 rows
    at ×30, three gaps each."""
    if value != value or reference != reference:  # NaN
        return math.nan, math.nan
    diff = value - reference
    return diff, (100.0 * diff / abs(reference)) if reference != 0 else math.nan


def _indicator_columns(meta: Mapping[str, object]) -> tuple:
    """What a T0 row shows of its indicator whatever the territory: programme, axis, label, kind, origin, unit,
    source, direction as read, direction in French."""
    numerator = meta.get("numerator")
    is_ratio = isinstance(numerator, str) and bool(numerator)
    direction = meta.get("direction")
    return (meta["programme"], meta.get("axis"), meta["label"], meta.get("kind"), _origin(meta["programme"], is_ratio),
            meta["unit"], fmt_source(meta.get("source"), meta.get("source_table")) or None, direction,
            direction_label(direction))


def _t0_rows(q: T0Request, number: int, periods: Mapping[str, int], national: Mapping[tuple[str, int], list],
             meta_of: Mapping[str, dict], order: Mapping[str, int], own_at_period: Mapping[str, list[dict]],
             peer_values: Mapping[str, list[float]], has_peers: bool,
             regional: Mapping[str, tuple[float, int]], shown_of: dict[str, tuple] | None = None) -> list[tuple]:
    """The rows of one territory's T0 table (t0_tables_positioned), unsorted: one per indicator of `periods`, at its
    year; `own_at_period`, `peer_values` and `regional` hold the rows of that year only. A row is a tuple in the
    order of _T0_ROW_COLUMNS. `shown_of`: _indicator_columns per indicator, kept across the territories of one
    call."""
    code = q.code
    shown_of = {} if shown_of is None else shown_of
    no_order = len(order)
    out_rows = []
    for indicator, period in periods.items():
        shown = shown_of.get(indicator)
        if shown is None:
            shown = shown_of[indicator] = _indicator_columns(meta_of[indicator])
        programme, axis, label, kind, origin, unit, source, direction, direction_text = shown
        nat_median, n_ranked, rank_unit, rank_basis = national[(indicator, period)]
        own_at = own_at_period.get(indicator, [])
        first = own_at[0] if own_at else None
        value = float(first["value"]) if first is not None and pd.notna(first["value"]) else math.nan
        raw_value = float(first["raw_value"]) if first is not None and pd.notna(first["raw_value"]) else math.nan
        missing_reason = None
        if math.isnan(value):
            reason = first["missing_reason"] if first is not None else None
            missing_reason = reason if isinstance(reason, str) and reason else "absent"
        unranked = first["unranked_reason"] if first is not None and not math.isnan(value) else None
        unranked = unranked if isinstance(unranked, str) or (unranked is not None and pd.notna(unranked)) else None
        rankable = value if unranked is None else math.nan
        reg_median, n_reg = regional.get(indicator, (math.nan, 0))
        nat_median = float(nat_median)
        if has_peers:  # the peers' rankable values of that year: floats, no NaN (np.median's result, _median)
            vals = sorted(x for x in peer_values.get(indicator, ()) if x == x)
            mid = len(vals) // 2
            peer_median = (math.nan if not vals else vals[mid] if len(vals) % 2
                           else (vals[mid - 1] + vals[mid]) / 2)
        else:
            peer_median = math.nan
        reg_gap = _gap_of(rankable, reg_median)
        nat_gap = _gap_of(rankable, nat_median)
        peer_gap = _gap_of(rankable, peer_median)
        rank = first["rank"] if first is not None and pd.notna(first["rank"]) else pd.NA
        quartile = first["quartile"] if first is not None and pd.notna(first["quartile"]) else pd.NA
        out_rows.append((
            number,
            order.get(indicator, no_order),
            code,
            programme,
            axis,
            indicator,
            label,
            kind,
            origin,
            raw_value,
            unit,
            period,
            source,
            MISSING_LABELS.get(missing_reason, missing_reason) if math.isnan(value) else None,
            unranked,
            direction_text,
            rank,
            int(n_ranked),
            quartile,
            reg_median,
            reg_gap[0],
            reg_gap[1],
            nat_median,
            nat_gap[0],
            nat_gap[1],
            peer_median,
            peer_gap[0],
            peer_gap[1],
            ASSESSMENT_LABELS[UNRANKED if unranked is not None else assess(nat_gap[0], direction)],
            any(bool(o["is_demo"]) for o in own_at if pd.notna(o["is_demo"])),
            str(rank_basis or "") if pd.notna(rank_basis) else "",
            value,
            rank_unit if isinstance(rank_unit, str) and rank_unit else unit,
            any(bool(o["censored"]) for o in own_at if pd.notna(o["censored"])),
            next((o["quality_warning"] for o in own_at
                  if isinstance(o["quality_warning"], str) and o["quality_warning"]), None),
        ))
    return out_rows


def comparison_set(territories: pd.DataFrame, level: str, code: str | None) -> pd.DataFrame:
    """Who a territory is compared with: every département; for an EPCI, the EPCI of the same nature."""
    if level != LEVEL_EPCI or code is None or "nature" not in territories.columns:
        return territories
    hit = territories.loc[territories["code"] == code, "nature"]
    if hit.empty:
        return territories
    nature = comparison_nature(hit.iloc[0])
    return territories[territories["nature"].map(comparison_nature) == nature]


def national_median_series(values: pd.DataFrame, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Median over territories (all, or `codes`) per period: period, value, n — the reference line of a series."""
    v = values[pd.to_numeric(values["value"], errors="coerce").notna()]
    if codes is not None:
        v = v[v["code"].isin(set(codes))]
    if v.empty:
        return pd.DataFrame({"period": pd.Series(dtype="int64"), "value": pd.Series(dtype="float64"),
                             "n": pd.Series(dtype="int64")})
    g = v.groupby("period")["value"].agg(["median", "count"]).reset_index()
    return pd.DataFrame({"period": g["period"].astype("int64"), "value": g["median"].astype("float64"),
                         "n": g["count"].astype("int64")})


def reference_series(
    values: pd.DataFrame, territories: pd.DataFrame, code: str, peer_codes: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """For the time-series chart: the territory's own series (period, value) and the reference lines
    {'Médiane nationale', 'Médiane <région>', 'Médiane des pairs'} (period, value, n), each computed per year
    over the territories with a value that year. values: code, period, value of ONE indicator."""
    own = values[(values["code"] == code) & pd.to_numeric(values["value"], errors="coerce").notna()]
    own = own[["period", "value"]].sort_values("period").reset_index(drop=True)
    refs = {"Médiane nationale": national_median_series(values)}
    terr = territories.drop_duplicates("code").set_index("code")
    if "reg" in terr.columns and code in terr.index:
        reg = terr.at[code, "reg"]
        members = terr.index[terr["reg"] == reg]
        reg_name = terr.at[code, "reg_name"] if "reg_name" in terr.columns else None
        refs[f"Médiane {reg_name}" if isinstance(reg_name, str) else "Médiane régionale"] = national_median_series(values, members)
    peers = [p for p in peer_codes if p != code]
    if peers:
        refs["Médiane des pairs"] = national_median_series(values, peers)
    return own, {k: v for k, v in refs.items() if len(v)}
