"""The attacker's view of the small-count rule: each masked value's feasible interval, by linear programming."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from levier.rights.disclosure import masked_flags, protection, required_margin

AUDIT_COLUMNS = ["indicator", "period", "territory_code", "value", "low", "high", "margin", "protected"]


def margins_of(table: pd.DataFrame, masked: np.ndarray, threshold: int) -> list[tuple[np.ndarray, float]]:
    """The totals an attacker holds for one indicator and year, as (which cells, total): France and every région,
    except a total that is itself 1..threshold (no publication applying the rule shows it) and the total of a
    single-département région whose département is masked (it is that masked figure itself, masked with it)."""
    value = table["value"].to_numpy(float)
    out: list[tuple[np.ndarray, float]] = []
    everything = np.ones(len(table), dtype=bool)
    if not 1 <= value.sum() <= threshold:
        out.append((everything, float(value.sum())))
    reg = table["reg"].astype(object).where(table["reg"].notna(), None).to_numpy()
    for code in pd.unique(reg[pd.notna(reg)]):
        members = reg == code
        total = float(value[members].sum())
        if 1 <= total <= threshold or (members.sum() == 1 and masked[members].all()):
            continue
        out.append((members, total))
    return out


def feasible_intervals(
    table: pd.DataFrame, masked: np.ndarray, *, threshold: int, p: float,
    published: Iterable[tuple[Iterable[str], float]] = (),
) -> pd.DataFrame:
    """One row per masked cell of one indicator and year: the smallest and largest value it can take given every
    known total (`margins_of`, plus `published` totals: (département codes, total)) and every value the user sees,
    counts ≥ 0; `protected` when the interval reaches value ± `required_margin` (below: down to 0 at least)."""
    codes = table["territory_code"].astype(str).to_numpy()
    value = table["value"].to_numpy(float)
    margins = margins_of(table, masked, threshold)
    margins += [(np.isin(codes, list(deps)), float(total)) for deps, total in published]
    var = np.flatnonzero(masked)
    n = len(var)
    rows_a, rows_b = [], []
    for members, total in margins:
        coef = members[var].astype(float)
        if not coef.any():
            continue
        rows_a.append(coef)
        rows_b.append(total - value[members & ~masked].sum())
    a_eq = np.array(rows_a) if rows_a else None
    b_eq = np.array(rows_b) if rows_b else None
    low, high = np.zeros(n), np.full(n, np.inf)
    for k in range(n):
        c = np.zeros(n)
        c[k] = 1.0
        if a_eq is None:
            break
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        low[k] = lo.fun if lo.status == 0 else 0.0
        high[k] = -hi.fun if hi.status == 0 else np.inf  # status 3: unbounded above
    v = value[var]
    margin = required_margin(v, threshold, p)
    tol = 1e-6
    ok = (low <= np.maximum(0.0, v - margin) + tol) & (high >= v + margin - tol)
    return pd.DataFrame({
        "indicator": table["indicator"].to_numpy()[var], "period": table["period"].to_numpy()[var],
        "territory_code": codes[var], "value": v, "low": low, "high": high, "margin": margin, "protected": ok,
    }, columns=AUDIT_COLUMNS)


def audit(
    rows: pd.DataFrame, *, detail_all: bool, detail_deps: Iterable[str], threshold: int, p: float | None = None,
    published: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rule as applied to `rows` (the input of `masked_flags`) for one user, seen by an attacker with the
    totals: one row per masked current département value (indicator, period, territory_code, value, low, high,
    margin, protected). `published`: optional totals of the same counts held from DREES/INSEE (indicator, period,
    departements — a tuple of codes —, value)."""
    p = protection() if p is None else p
    flags = masked_flags(rows, detail_all=detail_all, detail_deps=detail_deps, threshold=threshold, p=p)
    cur = (rows["is_current"].astype(bool) & rows["measure"].eq("valeur")
           & rows["territory_level"].eq("departement"))
    table_all = rows[cur].assign(value=pd.to_numeric(rows.loc[cur, "value"], errors="coerce").fillna(0.0),
                                 _m=flags[cur])
    out = []
    for (indicator, period), table in table_all.groupby(["indicator", "period"], sort=True):
        if not table["_m"].any():
            continue
        extra = ()
        if published is not None and len(published):
            mine = published[published["indicator"].eq(indicator) & published["period"].eq(period)]
            extra = list(zip(mine["departements"], mine["value"], strict=True))
        out.append(feasible_intervals(table, table["_m"].to_numpy(bool), threshold=threshold, p=p, published=extra))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=AUDIT_COLUMNS)
