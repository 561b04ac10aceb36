"""EPCI perimeters changed since the geography of a public-statistics file: values computed on an older perimeter.

INSEE publishes Filosofi by EPCI in the geography of its publication (income year N in the geography of 1 January
N + 2: Filosofi 2019 on the 2021 perimeters). Levier matches those values to the current EPCI by SIREN; an EPCI that
kept its SIREN but gained or lost communes since carries a value of another territory. Such values are kept, noted
« périmètre 2021 de l'EPCI, modifié depuis » (the fact's comment) and left out of rankings among current perimeters.

A perimeter has changed when some piece of territory is not held by the same EPCI in the older and the current
membership lists. Commune codes are first made comparable across years: communes linked by a merger,
a re-establishment or a change of code between the two lists (INSEE's mouvements file, else the current list's
former codes) count as one piece of territory, so a merger of two communes inside one EPCI is not a change, while a
commune moving to another EPCI, or merging with a commune of another EPCI, changes both EPCI.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from levier.core.config import settings

FILOSOFI_GEOGRAPHY_LAG = 2  # Filosofi of income year N is published in the geography of 1 January N + 2
MEMBERS_FILE = "cog/epci_membres_2023_2024_2026.csv"
COMMUNES_FILE = "cog/communes_2026.csv"
MOVES_FILE = "cog/insee_mouvements_communes_2026.csv"


def perimeter_note(year: int) -> str:
    """The French note carried by a value computed on an older EPCI perimeter."""
    return f"périmètre {int(year)} de l'EPCI, modifié depuis"


def geography_year(income_year: int) -> int:
    return int(income_year) + FILOSOFI_GEOGRAPHY_LAG


def _roots(links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find over commune codes: code -> the smallest code of its linked group."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = find(str(a)), find(str(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in list(parent)}


def changed_perimeters(members: pd.DataFrame, links: Iterable[tuple[str, str]], since: int) -> set[str]:
    """SIRENs of the EPCI whose perimeter differs between the geography year `since` and the latest list.

    members: annee, siren_epci, code_commune (one list per year); links: pairs of commune codes that are the same
    piece of territory across the lists. Levier holds a few list years only: the list compared is the first one of
    `since` or later (for an older `since`, changes before that list cannot be seen: the count is a lower bound).
    Pure."""
    years = sorted({int(y) for y in members["annee"]})
    if not years:
        return set()
    current = years[-1]
    base = next((y for y in years if y >= int(since)), None)
    if base is None or base == current:
        return set()
    roots = _roots(links)
    m = members.assign(annee=members["annee"].astype(int))
    m = m[m["annee"].isin([base, current])]
    m = m.assign(piece=m["code_commune"].astype(str).map(lambda c: roots.get(c, c)))
    pairs = m[["piece", "annee", "siren_epci"]].drop_duplicates()
    both = pairs[pairs["annee"] == base].merge(pairs[pairs["annee"] == current], on=["piece", "siren_epci"],
                                               how="outer", indicator=True)
    moved = set(both.loc[both["_merge"] != "both", "piece"])
    return set(pairs.loc[pairs["piece"].isin(moved), "siren_epci"].astype(str))


def read_links(reference_dir: Path, first: int, last: int) -> list[tuple[str, str]]:
    """Commune codes that are one piece of territory between the lists of 1 January `first` and `last`: INSEE's
    mouvements (events dated after the first list, up to the last), else every former code of the current list."""
    moves = reference_dir / MOVES_FILE
    if moves.is_file():
        raw = pd.read_csv(moves, dtype=str, keep_default_na=False, usecols=["DATE_EFF", "COM_AV", "COM_AP"])
        dated = raw[(raw["DATE_EFF"] > f"{first}-01-01") & (raw["DATE_EFF"] <= f"{last}-01-01")]
        return list(zip(dated["COM_AV"], dated["COM_AP"]))
    communes = pd.read_csv(reference_dir / COMMUNES_FILE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return [(old, code) for code, olds in zip(communes["code_commune"], communes["anciens_codes"])
            for old in olds.split("|") if old]


def read_changed_perimeters(since: int, reference_dir: Path | str | None = None) -> set[str] | None:
    """changed_perimeters on the reference files; None when the membership lists are not there."""
    directory = Path(reference_dir) if reference_dir else settings().reference_dir
    path = directory / MEMBERS_FILE
    if not path.is_file():
        return None
    members = pd.read_csv(path, dtype=str, keep_default_na=False)
    years = sorted({int(y) for y in members["annee"]})
    base = next((y for y in years if y >= int(since)), years[-1])
    return changed_perimeters(members, read_links(directory, base, years[-1]), since)


def flag_changed_perimeters(facts: pd.DataFrame, reference_dir: Path | str | None = None,
                            ) -> tuple[pd.DataFrame, dict[int, int | None]]:
    """EPCI facts with a value on a perimeter changed since their geography year get perimeter_note() as comment.
    Returns the facts and, per geography year, the number of EPCI flagged, or None when the membership lists to
    check it are not in the reference directory."""
    if facts.empty or "territory_level" not in facts.columns:
        return facts, {}
    out = facts.copy()
    counts: dict[int, int | None] = {}
    is_epci = out["territory_level"] == "epci"
    for period in sorted({int(p) for p in out.loc[is_epci, "period"]}):
        year = geography_year(period)
        changed = read_changed_perimeters(year, reference_dir)
        if changed is None:
            counts[year] = None
            continue
        hit = is_epci & (out["period"] == period) & out["territory_code"].isin(changed) & out["value"].notna()
        out.loc[hit, "comment"] = perimeter_note(year)
        counts[year] = int(out.loc[hit, "territory_code"].nunique())
    return out, counts
