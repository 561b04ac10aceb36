"""Ranking figures: a count is ranked as a rate (value ÷ denominator × scale), never raw; a censored value is not ranked.

Pure: DataFrames in, DataFrames out. The catalogue gives each count its ranking denominator (`rate_base`: the
territory's INSEE population, another typed count of the same return, or 'aucun'), its scale (`rate_scale`: per 100,
per 1 000…) and the noun of what the denominator counts (`rate_noun`); a public statistic may carry the floor INSEE
prints wherever the true value is lower (`published_floor`: the 40 % poverty rate is printed 5,0 below 5 %).

`ranking_frame` turns a long `values` frame into what every ranking, quartile, median, map class and comparison
reads: `value` becomes the ranked figure (the rate for a count, the value itself otherwise), `raw_value` keeps what is
shown, `unranked_reason` says why a value is shown but not ranked (levier.analysis.positions), `rank_basis` says what
is ranked (« pour 1 000 habitants, population municipale INSEE en vigueur en 2026 »), `rank_unit` is the unit of the
ranked figure and `censored` marks a value published at its floor (shown « ≤ 5,0 % »).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from levier.analysis.positions import keep_first_reason
from levier.core.fmt import as_float, fmt_int, fmt_value

COUNT_UNITS = ("personnes", "nombre")
# An amount may also be ranked over a denominator (DREES spending: € per inhabitant, per RSA allocataire); unlike a
# count, an amount without one is still ranked as itself.
AMOUNT_UNIT = "€"
BASE_POPULATION = "population"
BASE_NONE = "aucun"

REASON_NO_DENOMINATOR = "effectif sans dénominateur : non classé"
REASON_POPULATION_MISSING = "population du territoire inconnue : effectif non classé"
FLOOR_REASON_PREFIX = "valeur plancher publiée par l'INSEE"

RATE_RULE = (
    "Un effectif (nombre de personnes, de places, de ménages…) grandit avec la taille du territoire : il est montré "
    "tel quel mais classé, comparé aux médianes et cartographié rapporté à son dénominateur (la population municipale "
    "INSEE, ou la population concernée transmise dans le même retour : jeunes devenus majeurs, nouveaux entrants au "
    "RSA…). Un effectif sans dénominateur pertinent n'est ni classé ni qualifié. Une valeur publiée par l'INSEE à son "
    "plancher (taux de pauvreté à 40 % imprimé 5,0 partout où il est plus bas) est affichée « ≤ » et n'est ni classée "
    "ni mise dans une classe de carte."
)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def floor_reason(floor: float, unit: str) -> str:
    """« valeur plancher publiée par l'INSEE : ≤ 5,0 % »."""
    return f"{FLOOR_REASON_PREFIX} : ≤ {fmt_value(floor, unit)}"


def shown_value(value: object, unit: str, censored: bool, decimals: int = 1) -> str:
    """The value as a page shows it: « ≤ 5,0 % » when it is a published floor, else fmt_value."""
    text = fmt_value(value, unit, decimals)
    return f"≤ {text}" if censored and not pd.isna(value) else text


@dataclass(frozen=True)
class RateRule:
    """How one indicator is ranked: as itself, as a rate over a denominator, or not at all (a count without one)."""

    indicator: str
    unit: str
    base: str  # '' (ranked as itself) | 'population' | an indicator code | 'aucun'
    scale: float
    noun: str
    floor: float  # NaN when INSEE publishes no floor

    @property
    def is_count(self) -> bool:
        return self.unit in COUNT_UNITS

    @property
    def is_rate(self) -> bool:
        """A count (or an amount) ranked as a rate over its denominator."""
        return ((self.is_count or self.unit == AMOUNT_UNIT) and self.base not in ("", BASE_NONE)
                and self.scale > 0)

    @property
    def unrankable(self) -> bool:
        """A count with no meaningful denominator (or none declared): shown, never ranked."""
        return self.is_count and not self.is_rate

    def rate_unit(self, population_year: int | None = None) -> str:
        """The unit of the ranked figure: « pour 1 000 habitants », « pour 100 nouveaux entrants au RSA », or the
        indicator's own unit."""
        if not self.is_rate:
            return self.unit
        if self.unit == AMOUNT_UNIT and self.scale == 1:  # « € par habitant », « € par allocataire du RSA »
            return f"€ par {'habitant' if self.base == BASE_POPULATION else (self.noun or self.base)}"
        noun = "habitants" if self.base == BASE_POPULATION else (self.noun or f"unités de {self.base}")
        return f"pour {fmt_int(self.scale)} {noun}"

    def basis(self, population_year: int | None = None) -> str:
        """What is ranked, in French; '' when the value itself is."""
        if not self.is_rate:
            return ""
        if self.base == BASE_POPULATION:
            year = f" en vigueur en {population_year}" if population_year else ""
            return f"{self.rate_unit()}, population municipale INSEE{year}"
        return f"{self.rate_unit()} ({self.base}, même territoire et même année)"


def rule_of(indicator: str, cat: pd.DataFrame) -> RateRule:
    """The rate rule of an indicator from the catalogue (indexed by code, or with a code column)."""
    frame = cat if indicator in cat.index else cat.set_index("code", drop=False)
    row = frame.loc[indicator] if indicator in frame.index else pd.Series(dtype=object)
    if isinstance(row, pd.DataFrame):
        row = row.iloc[0]
    unit = _text(row.get("unit"))
    return RateRule(
        indicator=indicator, unit=unit, base=_text(row.get("rate_base")), scale=as_float(row.get("rate_scale")),
        noun=_text(row.get("rate_noun")), floor=as_float(row.get("published_floor")),
    )


def denominator_codes(cat: pd.DataFrame, indicators) -> list[str]:
    """The indicators whose values a ranking of `indicators` needs as denominators."""
    out = []
    for code in indicators:
        rule = rule_of(code, cat)
        if rule.is_rate and rule.base != BASE_POPULATION and rule.base not in out:
            out.append(rule.base)
    return out


def ranking_frame(
    values: pd.DataFrame,
    cat: pd.DataFrame,
    population: Mapping[str, float] | pd.Series | None = None,
    denominators: pd.DataFrame | None = None,
    population_year: int | None = None,
) -> pd.DataFrame:
    """`values` (code, indicator, period, value[, unranked_reason…]) with the ranked figure in `value` and
    raw_value, unranked_reason, rank_basis, rank_unit, censored (see the module docstring).

    population: territory code -> population; denominators: code, indicator, period, value of the denominator
    indicators (denominator_codes), same level. A count whose denominator is missing, zero or unknown for its
    territory and year keeps its value shown and gets the reason instead of a rank."""
    out = values.copy()
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out["raw_value"] = out["value"]
    if "unranked_reason" not in out.columns:
        out["unranked_reason"] = None
    out["unranked_reason"] = out["unranked_reason"].astype(object)
    out["rank_basis"] = ""
    out["rank_unit"] = ""
    out["censored"] = False
    if out.empty:
        return out
    pop = pd.Series(population if population is not None else {}, dtype="float64")
    den = denominators if denominators is not None else pd.DataFrame(columns=["code", "indicator", "period", "value"])
    # Whole columns as lists: reading Arrow strings element by element costs ten times more (a national frame).
    den_value = {
        (str(c), str(i), int(p)): as_float(v)
        for c, i, p, v in zip(den["code"].tolist(), den["indicator"].tolist(), den["period"].tolist(),
                              den["value"].tolist())
    }
    # A denominator kept out of rankings (a quality error) takes the rate built on it out too, saying why.
    den_reason = ({} if "unranked_reason" not in den.columns else {
        (str(c), str(i), int(p)): r
        for c, i, p, r in zip(den["code"].tolist(), den["indicator"].tolist(), den["period"].tolist(),
                              den["unranked_reason"].tolist())
        if isinstance(r, str) and r
    })
    # One pass per indicator on numpy arrays, written back once (a .loc per indicator on a national frame of
    # 60,000 values cost most of a T0 view).
    value = out["value"].to_numpy(dtype="float64", copy=True)
    shown = value.copy()
    codes = out["code"].astype(str).to_numpy()
    periods = pd.to_numeric(out["period"], errors="coerce").to_numpy()
    rank_unit = np.full(len(out), "", dtype=object)
    rank_basis = np.full(len(out), "", dtype=object)
    censored = np.zeros(len(out), dtype=bool)
    new_reason = np.full(len(out), None, dtype=object)
    for indicator, ix in out.groupby("indicator", sort=False).indices.items():
        rule = rule_of(str(indicator), cat)
        vals, per, cod = shown[ix], periods[ix], codes[ix]
        rank_unit[ix] = rule.rate_unit(population_year)
        rank_basis[ix] = rule.basis(population_year)
        reason = np.full(len(ix), None, dtype=object)
        has = ~np.isnan(vals)
        if not math.isnan(rule.floor):
            at_floor = has & np.isclose(np.where(has, vals, math.inf), rule.floor)
            censored[ix] = at_floor
            reason[at_floor] = floor_reason(rule.floor, rule.unit)
            # When half the values of a year or more sit at the floor, the median itself is only « ≤ floor » and a
            # rank among the few values above it would read as a position among all: nobody is ranked that year.
            counts = pd.DataFrame({"period": per, "floor": at_floor, "valued": has}).groupby("period").sum()
            share = counts["floor"] / counts["valued"].clip(lower=1)
            mostly = pd.Series(per).map(share).fillna(0).to_numpy() >= 0.5
            reason[mostly & has & ~at_floor] = (
                f"plus de la moitié des valeurs publiées au plancher ({fmt_value(rule.floor, rule.unit)}) cette "
                "année : médiane inconnue, non classé")
        if rule.unrankable:
            reason[has] = REASON_NO_DENOMINATOR
        elif rule.is_rate:
            if rule.base == BASE_POPULATION:
                base = pd.Series(cod).map(pop).to_numpy(dtype="float64")
                why_missing = why_zero = REASON_POPULATION_MISSING
            else:
                base = np.array([den_value.get((c, rule.base, int(p)), math.nan) for c, p in zip(cod, per)],
                                dtype="float64")
                why_missing = f"dénominateur {rule.base} non transmis pour cette année : effectif non classé"
                why_zero = f"dénominateur {rule.base} nul : effectif non classé"
            known = ~np.isnan(base)
            reason[has & ~known] = why_missing
            reason[has & known & (np.where(known, base, 1) <= 0)] = why_zero
            if rule.base != BASE_POPULATION and den_reason:
                for i in np.flatnonzero(has):
                    doubt = den_reason.get((cod[i], rule.base, int(per[i])))
                    if doubt:
                        reason[i] = f"dénominateur {rule.base} : {doubt}"
            ok = known & (np.where(known, base, 0) > 0)
            value[ix] = np.where(ok, vals / np.where(ok, base, 1) * rule.scale, math.nan)
        new_reason[ix] = reason
    out["value"] = value
    out["rank_unit"] = rank_unit
    out["rank_basis"] = rank_basis
    out["censored"] = censored
    out["unranked_reason"] = keep_first_reason(out["unranked_reason"], pd.Series(new_reason, index=out.index)).to_numpy()
    # A rate that could not be computed still shows its count: keep value = NaN out of positions' missing list by
    # putting the raw value back (the reason keeps it out of every rank and median).
    lost = out["value"].isna() & out["raw_value"].notna()
    out.loc[lost, "value"] = out.loc[lost, "raw_value"]
    out["censored"] = out["censored"].astype(bool)
    return out
