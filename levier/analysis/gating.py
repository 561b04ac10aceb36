"""Quality findings gate the figures: from the consistency checks, one row per value in doubt with its severity and a
short French reason; a ratio Levier derives inherits the gate of its numerator or denominator; error-level values are
then kept out of ranks, medians and trajectories (`unranked_reason`), warning-level ones only marked
(`quality_warning`). Pure: CheckResults and DataFrames in, DataFrames out."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from levier.analysis.quality import ERROR, KEY_COLUMNS, WARNING, CheckResult

QUALITY_PAGE = "page Qualité des données"
# What the reason says of each check, short enough for a table cell (the quality page gives the rule and the detail).
CHECK_REASONS = {
    "sous_effectifs": "sous-effectif supérieur à son total",
    "pourcentages": "pourcentage hors de 0–100",
    "ruptures": "rupture de série",
    "unites": "unité douteuse",
    "valeurs_figees": "valeur identique aux années précédentes",
    "statistique_publique": "écart à la statistique publique",
    "source_independante": "écart à la source indépendante au-delà de la tolérance",
}
PUBLIC_IMPOSSIBLE = "plus d'entrants que de personnes pauvres"
GATE_COLUMNS = KEY_COLUMNS + ["severity", "checks", "reason", "source_indicator"]
SEVERITY_ORDER = {WARNING: 1, ERROR: 2}
MAX_RATIO_DEPTH = 5


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "period" else object) for c in GATE_COLUMNS})


def _what(check_code: str, severity: str) -> str:
    if check_code == "statistique_publique" and severity == ERROR:
        return PUBLIC_IMPOSSIBLE
    return CHECK_REASONS.get(check_code, check_code.replace("_", " "))


def reason_text(findings: Iterable[str], part: str | None = None) -> str:
    """« contrôle qualité : unité douteuse ; rupture de série (voir la page Qualité des données) »; for a ratio
    gated by one of its parts, « contrôle qualité du numérateur CALPAE-3.1.1-OR1M : … »."""
    what = " ; ".join(dict.fromkeys(findings))
    head = "contrôle qualité" if not part else f"contrôle qualité {part}"
    return f"{head} : {what} (voir la {QUALITY_PAGE})"


def flagged_findings(results: Iterable[CheckResult]) -> pd.DataFrame:
    """One row per (typed-in value, check) put in doubt: the key columns, check (code), severity, what (French)."""
    parts = []
    for r in results:
        if not len(r.keys):
            continue
        sev = r.key_severities().to_numpy()
        parts.append(r.keys[KEY_COLUMNS].assign(
            check=r.code, severity=sev, what=[_what(r.code, s) for s in sev]))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "period" else object)
                             for c in KEY_COLUMNS + ["check", "severity", "what"]})
    out = pd.concat(parts, ignore_index=True)
    out["period"] = out["period"].astype("int64")
    return out


def _collapse(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings -> one row per value: the worst severity; the reason names the checks of that severity only (an
    excluded value's warnings would only blur why it is excluded), and for a ratio the part in doubt."""
    if findings.empty:
        return _empty()
    f = findings.assign(_rank=findings["severity"].map(SEVERITY_ORDER).fillna(1))
    f = f[f["_rank"] == f.groupby(KEY_COLUMNS)["_rank"].transform("max")]
    rows = []
    for key, g in f.groupby(KEY_COLUMNS, sort=True):
        parts = [p for p in dict.fromkeys(g["part"]) if isinstance(p, str) and p]
        reason = reason_text(g["what"], " et ".join(parts) if parts else None)
        sources = ", ".join(dict.fromkeys(g["source_indicator"]))
        rows.append((*key, g["severity"].iloc[0], ", ".join(dict.fromkeys(g["check"])), reason, sources))
    out = pd.DataFrame(rows, columns=GATE_COLUMNS)
    out["period"] = out["period"].astype("int64")
    return out


def _ratio_parts(indicators: pd.DataFrame) -> pd.DataFrame:
    """ratio, part, role ('numérateur' | 'dénominateur') of every ratio Levier derives (catalogue numerator and
    denominator columns)."""
    cols = [c for c in ("numerator", "denominator") if c in indicators.columns]
    if not cols:
        return pd.DataFrame(columns=["ratio", "part", "role"])
    ratios = indicators.drop_duplicates("code")
    ratios = ratios[ratios[cols].notna().all(axis=1)] if len(cols) == 2 else ratios.iloc[0:0]
    roles = {"numerator": "numérateur", "denominator": "dénominateur"}
    return pd.concat(
        [pd.DataFrame({"ratio": ratios["code"], "part": ratios[c], "role": roles[c]}) for c in cols],
        ignore_index=True,
    )


def gates(results: Iterable[CheckResult], indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per value a check puts in doubt — typed-in values, and every ratio derived from a value in doubt
    (same territory and year; through chains of ratios) — with territory_level, territory_code, indicator, period,
    severity ('error' | 'warning'), checks (codes), reason (French, naming the check and pointing to the quality
    page) and source_indicator (the typed-in indicator the doubt comes from; for a ratio, its part in doubt)."""
    findings = flagged_findings(results)
    rounds = [findings.assign(source_indicator=findings["indicator"], part=None)]
    parts = _ratio_parts(indicators)
    frontier = rounds[0]
    # A ratio of ratios inherits too, one level per round (bounded: a catalogue with a cycle would not loop forever).
    for _ in range(MAX_RATIO_DEPTH):
        m = frontier.drop(columns="part").merge(parts.rename(columns={"part": "part_code"}), left_on="indicator",
                                                right_on="part_code")
        if m.empty:
            break
        m = m.assign(source_indicator=m["part_code"], indicator=m["ratio"], part="du " + m["role"] + " " + m["part_code"])
        frontier = m[KEY_COLUMNS + ["check", "severity", "what", "source_indicator", "part"]]
        rounds.append(frontier)
    return _collapse(pd.concat(rounds, ignore_index=True))


def _texts(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The cells holding a non-empty text (anything else read as missing, None) and where they are."""
    cells = series.to_numpy(dtype=object)
    present = np.flatnonzero(pd.notna(cells))  # only a present cell can hold a text: the type test runs on those
    has = np.zeros(len(cells), dtype=bool)
    has[present] = [isinstance(c, str) and c != "" for c in cells[present]]
    return np.where(has, cells, None), has


def _merge_text(old: pd.Series, new: pd.Series) -> pd.Series:
    """Join two French texts with « ; » (either may be missing; the same text is not repeated)."""
    a, has_a = _texts(old)
    b, has_b = _texts(new)
    out = np.where(has_b & ~has_a, b, a)
    both = np.flatnonzero(has_a & has_b)
    both = both[a[both] != b[both]]
    out[both] = a[both] + " ; " + b[both]
    return pd.Series(out, index=old.index, dtype=object)


def apply_gates(values: pd.DataFrame, gate_rows: pd.DataFrame, level: str) -> pd.DataFrame:
    """The values with `unranked_reason` (error-level findings: kept out of ranks, quartiles, medians, peer
    medians, trajectories and costs) and `quality_warning` (warning-level: marked, still ranked) added, or merged
    with the reasons already there (a censored value keeps its own reason first).

    values: code, indicator, period (any other column kept); gate_rows: gates() of the same level or of several."""
    out = values.copy()
    for col in ("unranked_reason", "quality_warning"):
        if col not in out.columns:
            out[col] = None
        out[col] = out[col].astype(object)
    if out.empty or gate_rows.empty:
        return out
    g = gate_rows[gate_rows["territory_level"] == level]
    err = g[g["severity"] == ERROR]
    warn = g[g["severity"] != ERROR]
    # Only a row of a gated territory and indicator may match a gate: the others' keys are not built (a Python
    # tuple and a dictionary read per value cost most of the publication step at ×10, for a few thousand gates).
    codes, indicators = out["code"].astype(str), out["indicator"].astype(str)
    candidates = np.flatnonzero((codes.isin(set(g["territory_code"].astype(str)))
                                 & indicators.isin(set(g["indicator"].astype(str)))).to_numpy())
    # A row without a period (a territory left-joined without a value) matches no gate.
    periods = [int(p) if not pd.isna(p) else None
               for p in pd.to_numeric(out["period"].iloc[candidates], errors="coerce")]
    key = list(zip(codes.iloc[candidates], indicators.iloc[candidates], periods))

    def lookup(frame: pd.DataFrame) -> pd.Series:
        table = dict(zip(zip(frame["territory_code"].astype(str), frame["indicator"].astype(str),
                             frame["period"].astype("int64")), frame["reason"]))
        found = np.full(len(out), None, dtype=object)
        found[candidates] = [table.get(k) for k in key]
        return pd.Series(found, index=out.index, dtype=object)

    error_reason = lookup(err)
    out["unranked_reason"] = _merge_text(out["unranked_reason"], error_reason)
    warning_reason = lookup(warn).where(error_reason.isna(), None)
    out["quality_warning"] = _merge_text(out["quality_warning"], warning_reason)
    return out


def checked_indicators(indicators: pd.DataFrame, wanted: Iterable[str]) -> tuple[set[str], set[str]]:
    """What the checks must read to gate `wanted` exactly as the full quality run would: (base: the typed-in
    indicators whose findings matter — the wanted ones and the parts of wanted ratios, through chains —; needed: the
    indicators whose values the checks read — base, plus the denominator of every ratio a base indicator is the
    numerator of, which the unit check compares it with). Every check works indicator by indicator across
    territories, so a run on these values finds the same findings for these indicators as a run on everything."""
    parts = _ratio_parts(indicators)
    part_of = parts.groupby("ratio")["part"].agg(list).to_dict() if len(parts) else {}
    base: set[str] = set()
    todo = list(dict.fromkeys(wanted))
    for _ in range(MAX_RATIO_DEPTH + 1):
        nxt = []
        for code in todo:
            if code in part_of:
                nxt += [p for p in part_of[code] if p not in base]
            else:
                base.add(code)
        todo = list(dict.fromkeys(nxt))
        if not todo:
            break
    needed = set(base)
    if len(parts):
        num = parts[parts["role"] == "numérateur"].set_index("ratio")["part"]
        den = parts[parts["role"] == "dénominateur"].set_index("ratio")["part"]
        needed |= {den[r] for r in num.index[num.isin(base)] if r in den.index}
    return base, needed
