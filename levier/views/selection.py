"""The shared territory selection (région → département → EPCI) and its round trip through URL query parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from levier.store.db import Database, Query

ALL = ""  # the empty code means "France entière" (région) or "no EPCI"


@dataclass(frozen=True)
class Selection:
    reg: str = ALL
    dep: str = ALL
    epci: str = ALL

    @property
    def level(self) -> str:
        if self.epci:
            return "epci"
        if self.dep:
            return "departement"
        if self.reg:
            return "region"
        return "france"

    @property
    def code(self) -> str:
        return self.epci or self.dep or self.reg or "FR"


@dataclass(frozen=True)
class TerritoryOptions:
    regions: pd.DataFrame
    departements: pd.DataFrame
    epci: pd.DataFrame

    def name(self, level: str, code: str) -> str:
        frame = {"region": self.regions, "departement": self.departements, "epci": self.epci}.get(level)
        if frame is None or code not in frame.index:
            return "France entière" if level == "france" else code
        return str(frame.at[code, "name"])

    def label(self, sel: Selection) -> str:
        if sel.level == "france":
            return "France entière"
        return f"{self.name(sel.level, sel.code)} ({sel.code})"


def load_options(db: Database) -> TerritoryOptions:
    frame = db.read(Query.TERRITORY_OPTIONS)
    by_level = {lvl: g.set_index("code", drop=False) for lvl, g in frame.groupby("level")}
    empty = pd.DataFrame(columns=frame.columns)
    return TerritoryOptions(
        regions=by_level.get("region", empty),
        departements=by_level.get("departement", empty),
        epci=by_level.get("epci", empty),
    )


def from_query_params(params: Mapping[str, str], options: TerritoryOptions) -> Selection:
    """Unknown or inconsistent codes in a shared link are dropped, never trusted."""
    reg = params.get("reg", ALL) or ALL
    dep = params.get("dep", ALL) or ALL
    epci = params.get("epci", ALL) or ALL
    if dep and dep not in options.departements.index:
        dep = ALL
    if epci and epci not in options.epci.index:
        epci = ALL
    if epci and not dep:
        dep = str(options.epci.at[epci, "dep"])
    if dep and not reg:
        reg = str(options.departements.at[dep, "reg"])
    if reg and reg not in options.regions.index:
        reg = dep = epci = ALL
    if dep and str(options.departements.at[dep, "reg"]) != reg:
        dep = epci = ALL
    if epci and str(options.epci.at[epci, "dep"]) != dep:
        epci = ALL
    return Selection(reg=reg, dep=dep, epci=epci)


def to_query_params(sel: Selection) -> dict[str, str]:
    return {k: v for k, v in (("reg", sel.reg), ("dep", sel.dep), ("epci", sel.epci)) if v}


def departements_of(options: TerritoryOptions, reg: str) -> pd.DataFrame:
    deps = options.departements
    return deps if not reg else deps[deps["reg"] == reg]


def epci_of(options: TerritoryOptions, dep: str) -> pd.DataFrame:
    return options.epci[options.epci["dep"] == dep] if dep else options.epci.iloc[0:0]
