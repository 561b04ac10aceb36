"""Plausibility of validated values against the catalogue's rules: whole counts, bounds per inhabitant, growth."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from levier.core.fmt import fmt_number
from levier.ingest.report import FINDINGS_KEPT, Finding, Findings, MoreFindings, row_findings

RULES_FILE = "data/catalogue/regles.csv"  # named in messages: where a person can read or change a bound
SEVERITY_ERROR = "erreur"
SEVERITY_WARNING = "avertissement"
_KEY = ["territory_code", "indicator", "period"]
_WHOLE_TOLERANCE = 1e-9  # relative: 5412.000000000001 read from a spreadsheet is still 5412


@dataclass
class Outcome:
    """What the rules found: errors refuse the file, warnings are shown and the values imported."""

    errors: Findings = field(default_factory=Findings)
    warnings: Findings = field(default_factory=Findings)


def fmt_found(x: float) -> str:
    """A value as the person typed it, in French: '5 412,7', '100 000 000 000 000 000 000' (up to 6 decimals)."""
    value = float(x)
    if not math.isfinite(value):
        return fmt_number(value)
    for decimals in range(7):
        if abs(round(value, decimals) - value) <= _WHOLE_TOLERANCE * max(1.0, abs(value)):
            return fmt_number(value, decimals)
    return fmt_number(value, 6)


def _years(period: pd.Series) -> pd.Series:
    """'2021', '2021.0', '2021 (provisoire)' -> 2021.0; each distinct text parsed once (a grid repeats them)."""
    text = period.astype(str)
    uniques = pd.Series(text.unique())
    years = pd.to_numeric(uniques.str.extract(r"((?:19|20)\d{2})", expand=False), errors="coerce")
    return text.map(dict(zip(uniques, years)))


def value_columns(facts: pd.DataFrame, raw: pd.DataFrame) -> pd.Series:
    """The column header each fact was read from (long file: « valeur » or « cible » as written; grid: the year),
    aligned on facts' index. raw: the frame validate() received (sheet, row, period, c_value, c_target)."""
    default = pd.Series(np.where(facts["measure"].eq("cible"), "cible", "valeur"), index=facts.index, dtype=object)
    if facts.empty or not {"sheet", "row", "period", "c_value"} <= set(raw.columns):
        return default
    where = pd.DataFrame({
        "sheet": raw["sheet"].fillna("").astype(str).to_numpy(),
        "row": pd.to_numeric(raw["row"], errors="coerce").to_numpy(),
        "c_value": raw["c_value"].astype(str).to_numpy(),
        "c_target": (raw["c_target"] if "c_target" in raw.columns else pd.Series("cible", index=raw.index))
        .astype(str).to_numpy(),
    })
    keys = pd.DataFrame({
        "sheet": facts["source_sheet"].fillna("").astype(str).to_numpy(),
        "row": pd.to_numeric(facts["source_row"], errors="coerce").to_numpy(),
    })
    by_row = keys.merge(where.drop_duplicates(["sheet", "row"]), on=["sheet", "row"], how="left")
    value_col = by_row["c_value"]
    if where.duplicated(["sheet", "row"]).any():  # a grid: one row, one value per year column
        where["year"] = _years(raw["period"]).to_numpy()
        keys["year"] = pd.to_numeric(facts["period"], errors="coerce").to_numpy()
        by_year = keys.merge(where.drop_duplicates(["sheet", "row", "year"]), on=["sheet", "row", "year"], how="left")
        value_col = by_year["c_value"].fillna(value_col)
    out = np.where(facts["measure"].eq("cible").to_numpy(), by_row["c_target"].to_numpy(), value_col.to_numpy())
    return pd.Series(out, index=facts.index, dtype=object).where(pd.notna(out), default)


def _sheet(name) -> str | None:
    return name if isinstance(name, str) and name else None


def _rule(indicators: pd.DataFrame, codes: pd.Series, column: str, fill) -> np.ndarray:
    """One rule column of the catalogue for each fact's indicator (`fill` where the catalogue has none)."""
    if column not in indicators.columns:
        return np.full(len(codes), fill, dtype=object if isinstance(fill, str) else type(fill))
    by_code = indicators[column].groupby(level=0).first() if not indicators.index.is_unique else indicators[column]
    if isinstance(fill, bool):
        return codes.isin({k for k, v in by_code.items() if isinstance(v, (bool, np.bool_)) and v}).to_numpy()
    if isinstance(fill, str):
        lookup = {k: v for k, v in by_code.items() if isinstance(v, str) and v}
        mapped = codes.map(lookup).astype(object)
        return mapped.where(mapped.notna(), "").to_numpy(dtype=object)
    lookup = pd.to_numeric(by_code, errors="coerce").dropna().to_dict()
    return codes.map(lookup).to_numpy(dtype=float)


def growth_codes(indicators: pd.DataFrame, present) -> list[str]:
    """The indicators among `present` with a growth rule: those whose stored values an import must read."""
    if "max_growth" not in indicators.columns:
        return []
    bounded = indicators["max_growth"].dropna()
    return sorted(set(present) & set(bounded.index))


def previous_values(facts: pd.DataFrame, stored: pd.DataFrame | None) -> pd.DataFrame:
    """(territory_code, indicator, period, prev_value, prev_from) of the year before each value: the same file's
    value first, else the stored current value."""
    vals = facts[(facts["measure"] == "valeur") & facts["value"].notna()]
    own = vals[_KEY + ["value"]].drop_duplicates(_KEY).assign(prev_from="file")
    frames = [own]
    if stored is not None and len(stored):
        frames.append(stored[_KEY + ["value"]].assign(prev_from="stored"))
    prev = pd.concat(frames, ignore_index=True).drop_duplicates(_KEY, keep="first")
    prev = prev.astype({"period": "float64"})
    prev["period"] = prev["period"] + 1  # the value of year N is the previous one of year N + 1
    return prev.rename(columns={"value": "prev_value"})


def check(facts: pd.DataFrame, indicators: pd.DataFrame, populations: dict[str, float] | None,
          stored: pd.DataFrame | None, file_name: str, columns: pd.Series | None = None) -> Outcome:
    """Every rule of the catalogue on the validated facts (rows whose indicator, territory or period is unknown
    are skipped: validation already refused them).

    indicators: indexed by code, with the rule columns of the catalogue (whole_number, max_per_inhabitant,
    max_value, max_growth, growth_severity); populations: territory code -> inhabitants (None: the caller has no
    store, the per-inhabitant bound is skipped silently); stored: current stored values (territory_code,
    indicator, period, value) of the indicators with a growth rule; columns: the header each fact came from."""
    out = Outcome()
    ok = (facts["value"].notna() & facts["indicator"].notna() & facts["territory_level"].notna()
          & facts["period"].notna())
    f = facts[ok].copy()
    if f.empty:
        return out
    f["column"] = (columns.reindex(f.index) if columns is not None else None)
    f["column"] = f["column"].where(f["column"].notna(), np.where(f["measure"].eq("cible"), "cible", "valeur"))
    f["label"] = np.where(f["measure"].eq("cible"), "cible", "valeur")
    codes = f["indicator"]
    value = f["value"].to_numpy(dtype=float)
    whole = _rule(indicators, codes, "whole_number", False)
    # A bound the catalogue does not give is no check (NaN), never a bound of 0.
    per_inhabitant = _rule(indicators, codes, "max_per_inhabitant", np.nan)
    ceiling = _rule(indicators, codes, "max_value", np.nan)
    growth = _rule(indicators, codes, "max_growth", np.nan)
    severity = _rule(indicators, codes, "growth_severity", "")
    unit = _rule(indicators, codes, "unit", "")

    located = f.assign(sheet=f["source_sheet"].map(_sheet), row=f["source_row"], _i=np.arange(len(f)))

    def emit(mask: np.ndarray, target: Findings, message) -> None:
        """The facts flagged in `mask` (report.row_findings: the first FINDINGS_KEPT built, the rest counted)."""
        target += row_findings(located, mask, file_name, "column", lambda r: message(int(r["_i"]), r),
                               rule="plausibilite")

    # Whole numbers: a count of persons or of anything else cannot have a fraction.
    fractional = whole & (np.abs(value - np.round(value)) > _WHOLE_TOLERANCE * np.maximum(1.0, np.abs(value)))
    emit(fractional, out.errors, lambda i, r: (
        f"{r['label']} {fmt_found(value[i])} pour {r['indicator']} : un nombre entier est attendu "
        + ("(l'indicateur compte des personnes, sans décimale)." if unit[i] == "personnes"
           else "(l'indicateur est un comptage, sans décimale).")))

    # Absolute ceiling: what no territory can reach, its population known or not.
    too_big = ~fractional & ~np.isnan(ceiling) & (value > ceiling)
    emit(too_big, out.errors, lambda i, r: (
        f"{r['label']} {fmt_found(value[i])} invraisemblable pour {r['indicator']} : au plus "
        f"{fmt_found(ceiling[i])} selon le catalogue ({RULES_FILE}) ; vérifiez l'unité et les séparateurs."))

    # Per inhabitant: a count above the population (or the indicator's own share of it).
    bounded = ~fractional & ~too_big & ~np.isnan(per_inhabitant)
    territory = f["territory_code"].to_numpy(dtype=object)
    if populations is not None:
        pop = np.array([populations.get(t, np.nan) for t in territory], dtype=float)
        unknown = bounded & ~(pop > 0)
        if unknown.any():
            missing = sorted(set(territory[unknown]))
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            out.warnings.append(Finding(
                file_name,
                f"population inconnue pour {shown} (géographie de référence non chargée) : le contrôle du nombre "
                f"par habitant ({RULES_FILE}) n'a pas été fait pour leurs valeurs ; seul le plafond absolu "
                "s'applique."))
        limit = per_inhabitant * pop
        over = bounded & (pop > 0) & (value > limit)

        def per_inhabitant_message(i: int, r) -> str:
            where = f"{r['territory_code']} ({fmt_found(pop[i])} habitants)"
            if per_inhabitant[i] == 1:
                bound = f"plus que la population de {where}"
            else:
                bound = (f"plus de {fmt_found(per_inhabitant[i])} par habitant de {where}, soit au plus "
                         f"{fmt_found(math.floor(limit[i]))}")
            return (f"{r['label']} {fmt_found(value[i])} pour {r['indicator']} en {int(r['period'])} : {bound} "
                    f"({RULES_FILE}) ; vérifiez l'unité et les séparateurs.")

        emit(over, out.errors, per_inhabitant_message)
    else:
        over = np.zeros(len(f), dtype=bool)

    # Growth: more than max_growth times the previous year's value (same file first, else the stored value).
    checked = ~fractional & ~too_big & ~over & f["measure"].eq("valeur").to_numpy() & ~np.isnan(growth)
    if checked.any():
        sub = f[checked].assign(_growth=growth[checked], _severity=severity[checked],
                                period=f["period"][checked].astype("float64"))
        joined = (sub.rename_axis("_i").reset_index()
                  .merge(previous_values(facts[ok], stored), on=_KEY, how="left").set_index("_i"))
        jump = joined["prev_value"].gt(0) & (joined["value"] > joined["_growth"] * joined["prev_value"])
        jumps = joined[jump]
        is_error = (jumps["_severity"] != SEVERITY_WARNING).to_numpy()
        for target, rows in ((out.errors, jumps[is_error]), (out.warnings, jumps[~is_error])):
            target += _growth_findings(rows.head(FINDINGS_KEPT), file_name)
            if len(rows) > FINDINGS_KEPT:  # counted; built only if the full list is asked for
                rest = rows.iloc[FINDINGS_KEPT:]
                target.more.append(MoreFindings("plausibilite", len(rest),
                                                lambda rest=rest: _growth_findings(rest, file_name)))
    return out


def _growth_findings(rows: pd.DataFrame, file_name: str) -> list[Finding]:
    """One finding per value above max_growth times the previous year's (error or warning as the catalogue says)."""
    found = []
    for _, rec in rows.iterrows():
        origin = "même fichier" if rec["prev_from"] == "file" else "valeur enregistrée"
        error = rec["_severity"] != SEVERITY_WARNING
        tail = (" ; vérifiez l'unité ou une erreur de saisie." if error else
                " ; vérifiez qu'il ne s'agit pas d'une erreur de saisie ou d'unité (valeur importée).")
        finding = Finding(
            file_name,
            f"valeur {fmt_found(rec['value'])} pour {rec['indicator']} en {int(rec['period'])} : plus de "
            f"{fmt_found(rec['_growth'])} fois celle de {int(rec['period']) - 1} ({fmt_found(rec['prev_value'])}, "
            f"{origin}) pour {rec['territory_code']} ({RULES_FILE}){tail}",
            _sheet(rec["source_sheet"]), int(rec["source_row"]), str(rec["column"]))
        found.append(finding)
    return found
