"""Declared contract figures held against the independent public series the catalogue links them to (columns
independent_source / independent_tolerance): what is compared, the years matched, the gap and whether it exceeds the
tolerance. Pure: DataFrames in, one DataFrame out (one row per département, declared indicator, year, public source)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from levier.core.fmt import fmt_int, fmt_number, fmt_pct, fmt_signed, fmt_signed_pct

DEPARTEMENT = "departement"

# How a declared figure meets a public one. The catalogue says which figures are linked and the tolerance; the way
# they are compared depends on what each measures, so it lives here, per pair (a link without a method is shown
# « comparaison non définie », never badged).
SHARE_ABOVE = "part_plafond"  # a share against a share, in points: the declared one should not be higher
DELAY_CEILING = "delai_plafond"  # a share in 1 month against a mean delay: the delay caps the share (see below)
COUNT_ABOVE = "effectif_plafond"  # a count against a count, relative gap: the declared one should not be higher
RISE_FLOOR = "hausse_plancher"  # a flow against the rise of a stock: the flow must be at least the rise

POINTS = "points"
PERCENT = "%"

# The longest delay a person entered in year y and oriented by 31 December of y can have (days).
YEAR_DAYS = 365
# The delay that counts as « orienté en 1 mois et moins » (the national definition: 30 days).
MONTH_DAYS = 30
# Below this public count a relative gap is counting noise or a classification quirk of the producer (the Bas-Rhin
# reports 2 accueils provisoires jeunes majeurs for 2020, the Ariège and the Lot 0): shown, never badged. The same
# floor as the series-break check (levier.analysis.quality.BREAK_MIN_COUNT).
MIN_PUBLIC_COUNT = 20


@dataclass(frozen=True)
class Method:
    """One way of comparing a declared indicator with a public one."""

    kind: str
    gap_unit: str  # POINTS (share − share) or PERCENT (relative gap to the reference)
    same_year_only: bool  # a bound computed for one year bounds nothing in another year
    what: str  # French: what is compared, for the pages and the documentation


METHODS: dict[tuple[str, str], Method] = {
    ("CALPAE-3.1.1-OR1M-TX", "STAT-OARSA-ORIENTES"): Method(
        SHARE_ABOVE, POINTS, False,
        "Part des nouveaux entrants orientés en 1 mois et moins (déclarée) contre part des personnes soumises aux "
        "droits et devoirs orientées au 31 décembre (OARSA, tableau B1). Concepts voisins, non identiques : être "
        "orienté en un mois est plus exigeant qu'être orienté un jour, et les nouveaux entrants le sont moins que "
        "l'ensemble des bénéficiaires ; la part déclarée ne devrait donc pas dépasser la part publique. Écart en "
        "points (déclaré − public) ; signalé s'il dépasse la tolérance vers le haut."),
    ("CALPAE-3.1.1-OR1M-TX", "STAT-OARSA-DELAI-ORIENTATION"): Method(
        DELAY_CEILING, POINTS, False,
        "Part des nouveaux entrants orientés en 1 mois et moins (déclarée) contre délai moyen entre l'entrée au RSA "
        "et la première orientation des entrants de l'année orientés au 31 décembre (OARSA, tableau B13). Un "
        "délai moyen D borne la part orientée en 30 jours : les orientés en 30 jours ont un délai d'au plus 30 "
        "jours, les autres d'au plus 365 (entrés et orientés dans l'année), donc D ≤ 30 × p + 365 × (1 − p) et "
        "p ≤ (365 − D) / 335. Écart en points (part déclarée − plafond) ; signalé s'il dépasse la tolérance."),
    ("CALPAE-1.1.1-CJM", "STAT-ASE-APJM"): Method(
        COUNT_ABOVE, PERCENT, False,
        "Jeunes devenus majeurs dans l'année bénéficiant d'un contrat jeune majeur (déclaré, un flux d'une "
        "génération) contre accueils provisoires jeunes majeurs au 31 décembre (DREES, enquête Aide sociale, "
        "tableau Tab3-ase ; un stock de tous les 18–21 ans). Les jeunes de l'année encore accueillis au 31 décembre "
        "font partie du stock : le nombre déclaré ne devrait pas dépasser le stock (un contrat terminé avant le 31 "
        "décembre ou un accompagnement à domicile expliquent un dépassement modéré). Écart relatif "
        "(déclaré / public − 1) ; signalé s'il dépasse la tolérance vers le haut ; pas d'écart relatif sous 20 "
        "accueils publiés."),
    ("CALPAE-3.1.1-NE", "STAT-RSA-DEC"): Method(
        RISE_FLOOR, PERCENT, True,
        "Nouveaux entrants au RSA de l'année (déclarés) contre la hausse du nombre d'allocataires du RSA entre "
        "deux décembres (DREES, données mensuelles des prestations de solidarité : décembre de l'année − décembre "
        "de l'année précédente). Le stock ne peut croître que par des entrées : les entrants sont au moins la "
        "hausse nette (plancher ; aucune contrainte quand le stock baisse). Allocataires = foyers, entrants = "
        "personnes soumises aux droits et devoirs : l'écart de champ joue dans le sens du plancher, sauf pour les "
        "foyers non soumis aux droits et devoirs. Même année seulement. Écart relatif (déclaré / plancher − 1) ; "
        "signalé s'il est inférieur à − tolérance."),
}

YEAR_RULE = (
    "Années rapprochées : la même année quand la source publique la publie ; sinon l'année publiée la plus proche "
    "(la plus récente antérieure, à défaut la plus proche postérieure), et l'année de chaque côté est affichée. "
    "L'enquête OARSA couvre 2015–2018 (délais : 2017–2018) et les retours CALPAE 2019–2022 : la comparaison "
    "rapproche donc toujours deux années différentes. Les accueils provisoires jeunes majeurs ne sont publiés que "
    "pour 2020. Un plancher calculé sur une année (hausse du stock de RSA) ne borne rien une autre année : il "
    "n'est utilisé que pour la même année."
)
TOLERANCE_RULE = (
    "Tolérance : l'écart au-delà duquel la valeur déclarée est signalée, dans l'unité de l'écart (points pour "
    "une part, % pour un écart relatif), fixée par indicateur dans le catalogue (colonne independent_tolerance). "
    "Un écart égal à la tolérance n'est pas signalé. Un écart au-delà de la tolérance est un avertissement, pas une "
    "erreur : la série publique a ses propres limites (champ, date, enquête déclarative elle aussi) ; la valeur "
    "reste classée et comptée."
)
BADGE = "écart au-delà de la tolérance"
NO_METHOD = "comparaison non définie"
NO_PUBLIC = "pas de valeur publique"
NO_CONSTRAINT = "aucune contrainte"

COLUMNS = [
    "territory_code", "declared", "declared_year", "declared_value", "declared_unit", "flag_indicator", "public",
    "public_year", "public_value", "public_unit", "reference", "reference_text", "gap", "gap_unit", "tolerance",
    "flagged", "status", "what",
]


def empty_comparison() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


def links(indicators: pd.DataFrame) -> pd.DataFrame:
    """The catalogue's links: one row per (declared, public) pair with the tolerance. Columns declared, public,
    tolerance (NaN when the catalogue gives none). A catalogue without the columns has no link."""
    if "independent_source" not in indicators.columns:
        return pd.DataFrame({"declared": pd.Series(dtype=str), "public": pd.Series(dtype=str),
                             "tolerance": pd.Series(dtype=float)})
    rows = []
    tolerances = indicators["independent_tolerance"] if "independent_tolerance" in indicators.columns else None
    for i, (code, sources) in enumerate(zip(indicators["code"].tolist(), indicators["independent_source"].tolist())):
        if not isinstance(sources, str) or not sources.strip():
            continue
        tol = pd.to_numeric(pd.Series([tolerances.iloc[i] if tolerances is not None else None]),
                            errors="coerce").iloc[0]
        for public in (s.strip() for s in sources.split("|")):
            if public:
                rows.append({"declared": code, "public": public, "tolerance": float(tol)})
    return pd.DataFrame(rows, columns=["declared", "public", "tolerance"])


def needed_codes(indicators: pd.DataFrame) -> set[str]:
    """Every indicator the comparisons read: the linked public codes, the declared ones and, for a ratio Levier
    derives, its numerator and denominator."""
    lk = links(indicators)
    codes = set(lk["public"]) | set(lk["declared"])
    by_code = indicators.set_index("code")
    for code in set(lk["declared"]):
        if code in by_code.index and {"numerator", "denominator"} <= set(by_code.columns):
            for part in (by_code.at[code, "numerator"], by_code.at[code, "denominator"]):
                if isinstance(part, str) and part:
                    codes.add(part)
    return codes


def _declared_values(values: dict[str, pd.DataFrame], parts: dict[str, tuple[object, object]],
                     code: str) -> list[tuple[object, int, float, str]]:
    """(territory_code, period, value, flag_indicator) of a declared indicator, for each value there is: its own
    typed-in values, or for a ratio Levier derives 100 × numerator / denominator (same territory and year, a
    positive denominator; the numerator is what was typed), in the order of the typed-in rows. `values`: the
    typed-in values split by indicator; `parts`: code -> (numerator, denominator) of the catalogue.

    Plain Python over a territory's few rows: a pandas merge per link cost most of a département's comparisons."""
    num, den = parts.get(code, (None, None))
    if isinstance(num, str) and num and isinstance(den, str) and den:
        denominators: dict[tuple[object, int], list[float]] = {}
        for terr, period, value in _triples(values.get(den)):
            denominators.setdefault((terr, period), []).append(value)
        out = [(terr, period, 100 * value / d, num)
               for terr, period, value in _triples(values.get(num))
               for d in denominators.get((terr, period), ()) if d > 0]
    else:
        out = [(terr, period, value, code) for terr, period, value in _triples(values.get(code))]
    return [row for row in out if not math.isnan(row[2])]  # a masked or missing value has nothing to compare


def _triples(frame: pd.DataFrame | None) -> list[tuple[object, int, float]]:
    """(territory_code, period, value) of a frame of typed-in values, a missing value as NaN."""
    if frame is None or frame.empty:
        return []
    return [(t, int(p), float(v) if pd.notna(v) else math.nan)
            for t, p, v in zip(frame["territory_code"].tolist(), frame["period"].tolist(), frame["value"].tolist())]


def nearest_year(years: list[int], year: int) -> int | None:
    """The same year if published, else the latest before it, else the earliest after it."""
    if not years:
        return None
    if year in years:
        return year
    before = [y for y in years if y < year]
    return max(before) if before else min(years)


def _units(indicators: pd.DataFrame) -> dict[str, str]:
    if "unit" not in indicators.columns:
        return {}
    return {c: u for c, u in zip(indicators["code"], indicators["unit"]) if isinstance(u, str)}


def _compare_one(method: Method, declared: float, public_year: int | None, series: dict[int, float],
                 tolerance: float) -> dict:
    """Reference, gap and verdict for one declared value against the public series of its territory."""
    out = {"reference": np.nan, "reference_text": "", "gap": np.nan, "flagged": False, "public_value": np.nan}
    if public_year is None:
        return {**out, "status": NO_PUBLIC}
    value = series.get(public_year, np.nan)
    out["public_value"] = value
    if method.kind == RISE_FLOOR:
        before = series.get(public_year - 1)
        if before is None or math.isnan(value) or math.isnan(before):
            return {**out, "status": f"pas de décembre {public_year - 1} publié"}
        rise = value - before
        out["reference_text"] = f"hausse {fmt_signed(rise, '', 0)} (plancher)"
        if rise <= 0:
            return {**out, "reference": 0.0, "status": f"{NO_CONSTRAINT} (le stock a baissé)"}
        out["reference"] = rise
        out["gap"] = 100 * (declared / rise - 1)
        out["flagged"] = bool(out["gap"] < -tolerance)
    elif method.kind == DELAY_CEILING:
        if math.isnan(value) or not 0 <= value <= YEAR_DAYS:
            return {**out, "status": NO_PUBLIC}
        ceiling = 100 * (YEAR_DAYS - value) / (YEAR_DAYS - MONTH_DAYS)
        out["reference_text"] = f"au plus {fmt_pct(min(ceiling, 100.0))} (plafond)"
        if ceiling >= 100:
            return {**out, "reference": ceiling, "status": f"{NO_CONSTRAINT} (délai ≤ {MONTH_DAYS} jours)"}
        out["reference"] = ceiling
        out["gap"] = declared - ceiling
        out["flagged"] = bool(out["gap"] > tolerance)
    elif method.kind == SHARE_ABOVE:
        if math.isnan(value):
            return {**out, "status": NO_PUBLIC}
        out["reference"], out["reference_text"] = value, fmt_pct(value)
        out["gap"] = declared - value
        out["flagged"] = bool(out["gap"] > tolerance)
    elif method.kind == COUNT_ABOVE:
        if math.isnan(value):
            return {**out, "status": NO_PUBLIC}
        if value < MIN_PUBLIC_COUNT:
            return {**out, "reference_text": fmt_int(value),
                    "status": f"effectif public inférieur à {MIN_PUBLIC_COUNT} : pas d'écart relatif"}
        out["reference"], out["reference_text"] = value, fmt_int(value)
        out["gap"] = 100 * (declared / value - 1)
        out["flagged"] = bool(out["gap"] > tolerance)
    if math.isnan(tolerance):
        out["flagged"] = False
        return {**out, "status": "pas de tolérance au catalogue"}
    return {**out, "status": BADGE if out["flagged"] else "dans la tolérance"}


def compare(values: pd.DataFrame, public: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Every declared value of a linked indicator next to each of its public sources, for départements.

    values: typed-in declared facts (territory_level, territory_code, indicator, period, value); public: public facts
    (same columns; yearly periods); indicators: the catalogue (code, unit, numerator, denominator,
    independent_source, independent_tolerance). Returns COLUMNS, one row per (territory, declared, declared year,
    public source) where the public side has a value to compare with, sorted; `flagged` is True when the gap exceeds
    the tolerance in the method's direction."""
    lk = links(indicators)
    if lk.empty:
        return empty_comparison()
    vals = values[values["territory_level"] == DEPARTEMENT] if "territory_level" in values.columns else values
    pub = public[public["territory_level"] == DEPARTEMENT] if "territory_level" in public.columns else public
    rows = []
    units = _units(indicators)
    # Split once by indicator: one filter of the whole frames per link cost most of a département's comparisons
    # once the catalogue holds hundreds of links.
    by_indicator = dict(tuple(vals.groupby("indicator", sort=False))) if len(vals) else {}
    cols = [indicators[c] if c in indicators.columns else pd.Series(None, index=indicators.index)
            for c in ("numerator", "denominator")]
    parts: dict[str, tuple[object, object]] = {}
    for code, num, den in zip(indicators["code"], *cols):
        parts.setdefault(code, (num, den))  # the first row of a code, as a filtered frame's first row was
    public_series: dict[str, dict[str, dict[int, float]]] = {}
    for ind, t, y, v in zip(pub["indicator"], pub["territory_code"], pub["period"], pub["value"]):
        public_series.setdefault(ind, {}).setdefault(t, {})[int(y)] = float(v) if v is not None else float("nan")
    for declared_code, public_code, tolerance in zip(lk["declared"], lk["public"], lk["tolerance"]):
        method = METHODS.get((declared_code, public_code))
        decl = _declared_values(by_indicator, parts, declared_code)
        if not decl:
            continue
        series = public_series.get(public_code, {})
        for terr, period, value, flag in decl:
            base = {"territory_code": terr, "declared": declared_code, "declared_year": int(period),
                    "declared_value": float(value), "declared_unit": units.get(declared_code, ""),
                    "flag_indicator": flag, "public": public_code, "public_unit": units.get(public_code, ""),
                    "gap_unit": method.gap_unit if method else "", "tolerance": tolerance,
                    "what": method.what if method else ""}
            if method is None:
                rows.append({**base, "public_year": None, "public_value": np.nan, "reference": np.nan,
                             "reference_text": "", "gap": np.nan, "flagged": False, "status": NO_METHOD})
                continue
            own = series.get(terr, {})
            years = sorted(y for y, v in own.items() if v == v)
            year = (int(period) if int(period) in years else None) if method.same_year_only \
                else nearest_year(years, int(period))
            result = _compare_one(method, float(value), year, own, tolerance)
            rows.append({**base, "public_year": year, **result})
    rows = [r for r in rows if r["status"] != NO_PUBLIC]  # nothing published to compare with: not listed
    if not rows:
        return empty_comparison()
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["public_year"] = out["public_year"].astype("Int64")
    return out.sort_values(["territory_code", "declared", "declared_year", "public"], kind="stable").reset_index(
        drop=True)


def gap_text(gap: float, unit: str) -> str:
    """'+34,0 pt' for a share, '−45,2 %' for a relative gap, '–' without a gap."""
    if gap != gap:
        return "–"
    return fmt_signed(gap, "%", 1) if unit == POINTS else fmt_signed_pct(gap, 1)


def tolerance_text(tolerance: float, unit: str) -> str:
    if tolerance != tolerance:
        return "–"
    return f"{fmt_number(tolerance, 0 if float(tolerance).is_integer() else 1)}\u00a0{'pt' if unit == POINTS else '%'}"
