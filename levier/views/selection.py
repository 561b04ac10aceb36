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


@dataclass(frozen=True)
class LinkReading:
    """A shared link's territory, and what it asked for that was ignored (one French sentence each)."""

    selection: Selection
    ignored: tuple[str, ...] = ()


_NAMES = {"reg": "La région", "dep": "Le département", "epci": "L'EPCI"}


def quoted(raw: object, limit: int = 24) -> str:
    """A value typed into a link, quoted for a French message: cut short, markdown and HTML characters escaped."""
    text = "".join(ch for ch in str(raw)[:limit] if ch.isprintable())
    text = "".join(f"\\{ch}" if ch in "\\`*_[]()<>#~|!$&:{}" else ch for ch in text)
    return f"« {text}{'…' if len(str(raw)) > limit else ''} »"


def read_territory(params: Mapping[str, str], options: TerritoryOptions) -> LinkReading:
    """The territory of a shared link. Unknown or inconsistent codes are dropped, never trusted, and each one dropped
    is said: what the link asked for and why it was ignored (the caller says what is shown instead)."""
    asked = {k: str(params.get(k, ALL) or ALL) for k in ("reg", "dep", "epci")}
    ignored: list[str] = []

    def unknown(level: str) -> None:
        article = _NAMES[level]
        hint = ""
        padded = asked[level].zfill(2)
        if level == "dep" and padded != asked[level] and padded in options.departements.index:
            hint = f" (les codes s'écrivent sur deux chiffres : {padded} pour {options.departements.at[padded, 'name']})"
        ignored.append(f"{article} {quoted(asked[level])} du lien n'existe pas{hint} : ignoré.")
        asked[level] = ALL

    for level, frame in (("reg", options.regions), ("dep", options.departements), ("epci", options.epci)):
        if asked[level] and asked[level] not in frame.index:
            unknown(level)
    reg, dep, epci = asked["reg"], asked["dep"], asked["epci"]
    if epci and dep and str(options.epci.at[epci, "dep"]) != dep:
        ignored.append(f"L'EPCI {options.epci.at[epci, 'name']} ({epci}) n'est pas dans le département "
                       f"{options.departements.at[dep, 'name']} ({dep}) du lien : ignoré.")
        epci = ALL
    if epci and not dep:
        dep = str(options.epci.at[epci, "dep"])
    if dep and reg and str(options.departements.at[dep, "reg"]) != reg:
        ignored.append(f"Le département {options.departements.at[dep, 'name']} ({dep}) n'est pas dans la région "
                       f"{options.regions.at[reg, 'name']} ({reg}) du lien : ignoré"
                       + (", avec son EPCI." if epci else "."))
        dep = epci = ALL
    if dep and not reg:
        reg = str(options.departements.at[dep, "reg"])
    return LinkReading(Selection(reg=reg, dep=dep, epci=epci), tuple(ignored))


def from_query_params(params: Mapping[str, str], options: TerritoryOptions) -> Selection:
    """Unknown or inconsistent codes in a shared link are dropped, never trusted."""
    return read_territory(params, options).selection


def to_query_params(sel: Selection) -> dict[str, str]:
    return {k: v for k, v in (("reg", sel.reg), ("dep", sel.dep), ("epci", sel.epci)) if v}


def departements_of(options: TerritoryOptions, reg: str) -> pd.DataFrame:
    deps = options.departements
    return deps if not reg else deps[deps["reg"] == reg]


def epci_of(options: TerritoryOptions, dep: str) -> pd.DataFrame:
    return options.epci[options.epci["dep"] == dep] if dep else options.epci.iloc[0:0]
