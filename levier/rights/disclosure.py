"""The small-count rule: which recorded values a user may not see (1 to N persons), with secondary suppression."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

SECRET = "s"  # the missing-value marker Levier already reads and shows as « secret »

ENV_PROTECTION_PCT = "LEVIER_SECRET_PROTECTION_PCT"
ENV_SECRET_SALT = "LEVIER_SECRET_SALT"  # optional private value mixed into the choice of secondary cells
DEFAULT_PROTECTION_PCT = 15.0  # each masked value must stay uncertain by at least ±15 % (see required_margin)

# The group of cells whose total an attacker is assumed to hold when the cell's own région total is not known:
# the France total minus every known région total is the sum of these cells.
REST_OF_FRANCE = "FR"


def protection() -> float:
    """p, the half-width every masked value's feasible interval must keep, as a fraction (0.15 for 15 %)."""
    return float(os.environ.get(ENV_PROTECTION_PCT, DEFAULT_PROTECTION_PCT)) / 100.0


def rule_text(threshold: int) -> str:
    """The rule in French, as every page and the pack state it: *that* values are masked and why, never which nor
    how they are chosen (a stated choice rule bounds the masked values)."""
    return (
        f"**Petits effectifs.** Pour les indicateurs sensibles (enfants confiés, jeunes sortant de l'ASE, "
        f"informations préoccupantes…), un effectif de 1 à {threshold} personnes n'est pas affiché (« s », secret) "
        "pour les territoires dont vous n'avez pas le détail, ni les taux calculés à partir de lui. "
        "D'autres valeurs sont masquées de la même façon (secret secondaire), pour qu'aucun effectif masqué ne "
        "puisse être retrouvé, même approximativement, à partir des totaux nationaux ou régionaux et des valeurs "
        "affichées : une valeur « s » n'est donc pas forcément petite."
    )


def version_key(frame: pd.DataFrame) -> pd.Series:
    """'import_id|level|code|indicator|period|measure': one recorded version of one value (see 005_access.sql)."""
    return (
        frame["import_id"].astype("int64").astype(str) + "|" + frame["territory_level"].astype(str) + "|"
        + frame["territory_code"].astype(str) + "|" + frame["indicator"].astype(str) + "|"
        + frame["period"].astype("int64").astype(str) + "|" + frame["measure"].astype(str)
    )


def required_margin(value: np.ndarray | pd.Series | float, threshold: int, p: float) -> np.ndarray:
    """How far below and above its value a masked cell's feasible interval must reach: p × the value, but never
    less than p × the threshold (a count of 2 must not be pinned to 2 ± 0.3) nor less than one person (never a
    single value). Below, the interval only has to reach max(0, value − margin): counts are never negative."""
    base = np.maximum(np.asarray(value, dtype=float), float(threshold))
    return np.maximum(1.0, p * base)


def protection_groups(table: pd.DataFrame, threshold: int, keys: list[str] | None = None) -> pd.Series:
    """For département cells (`reg`, `value`, and the `keys` columns naming one indicator and year when the frame
    holds several), the group whose total an attacker is assumed to hold, per cell.

    Margins assumed known: the France total and every région total (published elsewhere or added up by hand),
    except a total that is itself 1..threshold (no publication applying the rule shows it; Levier shows no
    région total of a sensitive count). A single-département région's total is that département's own figure, not
    a separate margin. Cells whose région total is not a margin are bound together by the France total minus the
    known région totals (group REST_OF_FRANCE); if the France total is itself small, no margin binds anything (None).
    Known totals that partition the cells reduce the attacker's system to one equation per group."""
    keys = list(keys or [])
    value = pd.to_numeric(table["value"], errors="coerce").fillna(0.0)
    reg = table["reg"].astype(object).where(table["reg"].notna(), REST_OF_FRANCE)
    frame = table[keys].assign(_reg=reg, _v=value, _one=1)
    france = frame.groupby(keys, sort=False)["_v"].transform("sum") if keys else pd.Series(value.sum(), table.index)
    by_reg = frame.groupby([*keys, "_reg"], sort=False)
    size, total = by_reg["_one"].transform("sum"), by_reg["_v"].transform("sum")
    own = reg.ne(REST_OF_FRANCE) & size.ge(2) & ~total.between(1, threshold)
    out = reg.where(own, REST_OF_FRANCE).astype(object)
    return out.where(~france.between(1, threshold), None)


def choose_secondary(values: np.ndarray, masked: np.ndarray, candidate: np.ndarray, *, threshold: int,
                     p: float, rank: np.ndarray) -> np.ndarray:
    """Within one group bound by one known total, the cells to mask so that every masked cell is protected.

    With the group total known and counts ≥ 0, a masked cell lies anywhere in [0, S] (S: the sum of the masked
    values of the group) as soon as two cells are masked: each masked cell i needs S ≥ v_i + margin_i. Greedy, one
    candidate at a time, by tier: one that leaves no shortfall (itself included); else one that reduces it; else the
    positive value leaving the smallest shortfall; zeros last (a zero adds nothing to S but still turns a lone cell into an interval). Within a
    tier the order is `rank`, a keyed pseudo-random order (`choice_rank`), never the values: a rule such as « the
    smallest » would let whoever knows it bound the masked values (issue 14: « le plus petit effectif non nul »).
    Stops when no shortfall is left or no candidate remains (the audit then reports the cell: the visible cells
    and totals pin it whatever is masked)."""
    masked = masked.copy()
    if not masked.any():
        return masked
    margin = required_margin(values, threshold, p)
    total = values[masked].sum()
    need_top = (values[masked] + margin[masked]).max()
    free = candidate & ~masked
    while need_top - total > 1e-9 and free.any():
        idx = np.flatnonzero(free)
        need = need_top - total
        shortfall = np.maximum(need - values[idx], margin[idx] - total)
        positive = values[idx] > 0
        tier = np.where(shortfall <= 1e-9, 0, np.where(positive & (shortfall < need), 1, np.where(positive, 2, 3)))
        closest = np.where(tier == 2, shortfall, 0.0)  # when none helps alone: the one that leaves the least
        pick = idx[np.lexsort((rank[idx], closest, tier))[0]]
        masked[pick] = True
        free[pick] = False
        total += values[pick]
        need_top = max(need_top, values[pick] + margin[pick])
    return masked


def choice_rank(keys: Iterable[str], secret: str) -> np.ndarray:
    """A pseudo-random order of cells, stable for the same cells and secret: the first 8 bytes of BLAKE2b(secret,
    key). The secret mixes LEVIER_SECRET_SALT (an administrator's private value, if set) with every current value
    of the indicator-year, masked ones included: a user cannot replay the choice, and it changes only when that
    indicator-year's values change (a choice that moved with unrelated imports could be intersected over time)."""
    salt = hashlib.blake2b((os.environ.get(ENV_SECRET_SALT, "") + "\x1f" + secret).encode(), digest_size=32).digest()
    return np.array([int.from_bytes(hashlib.blake2b(k.encode(), key=salt, digest_size=8).digest(), "big") >> 1
                     for k in keys], dtype=np.int64)


def masked_flags(
    rows: pd.DataFrame, *, detail_all: bool, detail_deps: Iterable[str], threshold: int, p: float | None = None
) -> pd.Series:
    """For each version of a sensitive count, whether this user must not see it.

    `rows`: import_id, territory_level, territory_code, indicator, period, measure, value, dep, reg, is_current.
    Primary: 1 ≤ value ≤ threshold outside the user's detail. Secondary: for each indicator and year, the current
    département values outside the user's detail are masked by `choose_secondary` within each group of
    `protection_groups`, so that every masked value's feasible interval given the known totals and every value the
    user sees reaches ±p (`required_margin`). Every version of a cell whose current value is masked is masked too
    (an older equal version would give it away)."""
    if detail_all or rows.empty:
        return pd.Series(False, index=rows.index)
    p = protection() if p is None else p
    detail = set(detail_deps)
    protected = ~rows["dep"].isin(detail)
    value = pd.to_numeric(rows["value"], errors="coerce")
    masked = protected & value.between(1, threshold)

    cur = rows[rows["is_current"].astype(bool) & rows["measure"].eq("valeur")
               & rows["territory_level"].eq("departement")]
    if cur.empty:
        return masked
    v = value.loc[cur.index].fillna(0.0).to_numpy(float)
    table = cur[["indicator", "period"]].assign(reg=cur["reg"], value=v)
    group = protection_groups(table, threshold, keys=["indicator", "period"])
    group = group.to_numpy(object)
    m = masked.loc[cur.index].to_numpy(bool)
    cand = (protected.loc[cur.index] & value.loc[cur.index].notna()).to_numpy(bool)
    codes = cur["territory_code"].astype(str).to_numpy()
    chosen = m.copy()
    for table_idx in cur.groupby(["indicator", "period"], sort=False).indices.values():
        if not m[table_idx].any():
            continue
        secret = "|".join(sorted(f"{c}={x:g}" for c, x in zip(codes[table_idx], v[table_idx], strict=True)))
        rank = choice_rank(codes[table_idx], secret)
        groups = group[table_idx]
        for g in pd.unique(groups[pd.notna(groups)]):
            inside = groups == g
            idx = table_idx[inside]
            if m[idx].any():
                chosen[idx] = choose_secondary(v[idx], m[idx], cand[idx], threshold=threshold, p=p,
                                               rank=rank[inside])
    masked.loc[cur.index[chosen]] = True

    cell = ["territory_level", "territory_code", "indicator", "period", "measure"]
    older = rows[~rows["is_current"].astype(bool) & ~masked]
    if len(older):
        current_masked = rows.loc[masked & rows["is_current"].astype(bool), cell]
        hit = older[cell].reset_index().merge(current_masked, on=cell)["index"]
        masked.loc[hit] = True
    return masked


def masked_keys(rows: pd.DataFrame, *, detail_all: bool, detail_deps: Iterable[str], threshold: int,
                p: float | None = None) -> list[str]:
    flags = masked_flags(rows, detail_all=detail_all, detail_deps=detail_deps, threshold=threshold, p=p)
    return sorted(version_key(rows[flags])) if flags.any() else []
