"""The small-count rule: which recorded values a user may not see (1 to N persons), with secondary suppression."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

SECRET = "s"  # the missing-value marker Levier already reads and shows as « secret »

# Totals a reader can form from the cells Levier shows side by side: a région's départements, and all départements.
# Within each, a lone masked cell could be recomputed (total minus the others), so a second one is masked.
_GROUPINGS = (("indicator", "period", "reg"), ("indicator", "period"))


def rule_text(threshold: int) -> str:
    """The rule in French, as every page and the pack state it."""
    return (
        f"**Petits effectifs.** Pour les indicateurs sensibles (enfants confiés, jeunes sortant de l'ASE, "
        f"informations préoccupantes…), un effectif de 1 à {threshold} personnes n'est pas affiché (« s », secret) "
        "pour les territoires dont vous n'avez pas le détail, ni les taux calculés à partir de lui. "
        "Secret secondaire : quand un seul département d'une région (ou de la France) est masqué pour un indicateur "
        "et une année, le plus petit effectif non nul d'un autre département l'est aussi, pour que le premier ne "
        "puisse pas être retrouvé par différence avec un total."
    )


def version_key(frame: pd.DataFrame) -> pd.Series:
    """'import_id|level|code|indicator|period|measure': one recorded version of one value (see 005_access.sql)."""
    return (
        frame["import_id"].astype("int64").astype(str) + "|" + frame["territory_level"].astype(str) + "|"
        + frame["territory_code"].astype(str) + "|" + frame["indicator"].astype(str) + "|"
        + frame["period"].astype("int64").astype(str) + "|" + frame["measure"].astype(str)
    )


def masked_flags(
    rows: pd.DataFrame, *, detail_all: bool, detail_deps: Iterable[str], threshold: int
) -> pd.Series:
    """For each version of a sensitive count, whether this user must not see it.

    `rows`: import_id, territory_level, territory_code, indicator, period, measure, value, dep, reg, is_current.
    Primary: 1 ≤ value ≤ threshold outside the user's detail. Secondary: within each région and nationally, for one
    indicator and year, a group of current département values never has exactly one masked cell; the smallest
    non-zero unmasked cell outside the user's detail joins it, until no group has a lone masked cell."""
    if detail_all or rows.empty:
        return pd.Series(False, index=rows.index)
    detail = set(detail_deps)
    protected = ~rows["dep"].isin(detail)
    value = pd.to_numeric(rows["value"], errors="coerce")
    masked = protected & value.between(1, threshold)

    cur = rows[rows["is_current"].astype(bool) & rows["measure"].eq("valeur")
               & rows["territory_level"].eq("departement")]
    if cur.empty:
        return masked
    changed = True
    while changed:
        changed = False
        for keys in _GROUPINGS:
            frame = cur.assign(_m=masked.loc[cur.index], _v=value.loc[cur.index], _p=protected.loc[cur.index])
            frame = frame.dropna(subset=list(keys))
            sizes = frame.groupby(list(keys), sort=False)["_m"].agg(["sum", "size"])
            lone = sizes[(sizes["sum"] == 1) & (sizes["size"] >= 2)].index
            if len(lone) == 0:
                continue
            in_lone = frame.set_index(list(keys)).index.isin(lone)
            cand = frame[in_lone & ~frame["_m"] & frame["_p"] & frame["_v"].gt(0)]
            if cand.empty:
                continue
            # The smallest value hides the least information; the code breaks ties so the choice is repeatable.
            pick = cand.sort_values(["_v", "territory_code"]).groupby(list(keys), sort=False).head(1).index
            pick = pick.difference(masked.index[masked])
            if len(pick):
                masked.loc[pick] = True
                changed = True
    return masked


def masked_keys(rows: pd.DataFrame, *, detail_all: bool, detail_deps: Iterable[str], threshold: int) -> list[str]:
    flags = masked_flags(rows, detail_all=detail_all, detail_deps=detail_deps, threshold=threshold)
    return sorted(version_key(rows[flags])) if flags.any() else []
