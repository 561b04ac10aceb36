"""What the T0, mid-term and comparison pages show, assembled from metrics, peers and charts (pages stay thin)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from levier.charts import indicators as charts
from levier.analysis import positions as metrics
from levier.store.db import Database, Query
from levier.core.fmt import MISSING_TEXT, fmt_pct, fmt_signed, fmt_signed_pct, fmt_value
from levier.analysis.peers import PeerGroup, load_peer_group

LEVEL_NOUNS = {"departement": "départements", "epci": "EPCI de même nature"}
ASSESSMENT_TEXT = {"good": "favorable", "bad": "défavorable", "neutral": "stable / sans sens", "missing": MISSING_TEXT}
ASSESSMENT_COLOURS = {"favorable": "#18753C", "défavorable": "#CE0500", "stable / sans sens": "#666666"}


def _catalogue(db: Database) -> pd.DataFrame:
    return metrics.load_indicators(db).drop_duplicates("code").set_index("code", drop=False)


def _source(cat: pd.DataFrame, indicator: str) -> str:
    src = cat.at[indicator, "source"] if "source" in cat.columns else ""
    if cat.at[indicator, "programme"] != "STAT":
        return f"{src} — données fictives de démonstration" if src else "Données fictives de démonstration"
    return str(src)


def territory_values(db: Database, level: str, code: str) -> pd.DataFrame:
    return db.read(Query.TERRITORY_INDICATOR_VALUES, {"level": level, "code": code})


def available_periods(db: Database, level: str, code: str) -> list[int]:
    values = territory_values(db, level, code)
    return sorted(int(p) for p in values.loc[values["value"].notna(), "period"].unique())


# ------------------------------------------------------------------------------------------------ T0 baseline


@dataclass(frozen=True)
class T0View:
    code: str
    level: str
    t0_year: int
    table: pd.DataFrame  # numbers, for sorting and export
    display: pd.DataFrame  # French text
    peers: PeerGroup


# What a reader scans first comes first; every other column stays in the downloads.
T0_DISPLAY = [
    "Indicateur", "Valeur", "Année", "Rang", "Quartile", "Situation / médiane nationale", "Médiane nationale",
    "Écart à la médiane nationale", "Médiane régionale", "Écart à la médiane régionale", "Médiane des pairs",
    "Écart à la médiane des pairs", "Sens", "Origine", "Source", "Programme", "Code",
]


def t0_view(db: Database, code: str, level: str, t0_year: int, k: int = 5) -> T0View:
    peers = load_peer_group(db, code, level=level, k=k)
    table = metrics.load_t0_table(db, code, t0_year, level=level, peer_codes=tuple(peers.codes))
    display = metrics.format_t0_table(table)
    return T0View(code, level, t0_year, table, display[[c for c in T0_DISPLAY if c in display.columns]], peers)


def distribution_figure(
    db: Database, indicator: str, period: int, level: str, code: str, peer_codes: Sequence[str] = ()
) -> go.Figure:
    cat = _catalogue(db)
    pos = metrics.load_positions(db, indicator, period, level=level, code=code, peer_codes=tuple(peer_codes))
    return charts.distribution_chart(
        pos.table[["code", "name", "value", "missing_reason"]],
        code,
        peer_codes,
        label=str(cat.at[indicator, "label"]),
        unit=str(cat.at[indicator, "unit"]),
        source=_source(cat, indicator),
        year=period,
        direction=cat.at[indicator, "direction"],
        noun=LEVEL_NOUNS.get(level, "territoires"),
    )


# ------------------------------------------------------------------------------------------------ mid-term


@dataclass(frozen=True)
class MidtermView:
    changes: pd.DataFrame  # one row per indicator, French labels
    tracking: pd.DataFrame  # one row per indicator with a target
    status_counts: dict[str, int]


PROGRAMME_PERIODS = {"PACTE": (2023, 2026), "CALPAE": (2019, 2022), "CDPPE": (2020, 2022), "STAT": (2014, 2020)}


def midterm_view(db: Database, code: str, level: str, period_from: int, period_to: int, t0_year: int,
                 programme: str | None = None) -> MidtermView:
    cat = _catalogue(db)
    own = territory_values(db, level, code).rename(columns={"indicator": "code_ind"})
    if programme:
        own = own[own["code_ind"].map(cat["programme"]) == programme]
    rows = []
    for indicator, group in own.groupby("code_ind"):
        if indicator not in cat.index:
            continue
        frame = group.rename(columns={"code_ind": "indicator"}).assign(code=code)
        ch = metrics.changes(frame, period_from, period_to, cat.at[indicator, "direction"])
        if ch.empty or not ch["has_both"].iloc[0] and pd.isna(ch["value_from"].iloc[0]) and pd.isna(ch["value_to"].iloc[0]):
            continue
        r = ch.iloc[0]
        unit = str(cat.at[indicator, "unit"])
        rows.append(
            {
                "Programme": cat.at[indicator, "programme"],
                "Code": indicator,
                "Indicateur": cat.at[indicator, "label"],
                "Unité": unit,
                "Sens souhaité": metrics.direction_label(cat.at[indicator, "direction"]),
                f"Valeur {period_from}": r["value_from"],
                f"Valeur {period_to}": r["value_to"],
                "Évolution": r["change_abs"],
                "Évolution (%)": r["change_rel"],
                "Lecture": ASSESSMENT_TEXT.get(r["assessment"], r["assessment"]),
            }
        )
    changes = pd.DataFrame(rows)
    tracking = metrics.load_target_tracking(db, code, t0_year, level=level, current_period=period_to)
    if programme and len(tracking):
        tracking = tracking[tracking["indicator"].map(cat["programme"]) == programme].reset_index(drop=True)
    counts = tracking["status"].value_counts().to_dict() if "status" in tracking.columns else {}
    return MidtermView(changes, tracking, {str(k): int(v) for k, v in counts.items()})


def changes_display(changes: pd.DataFrame) -> pd.DataFrame:
    """Values with their units and signed changes, as a French reader expects them."""
    if changes.empty:
        return changes
    out = changes.copy()
    value_cols = [c for c in out.columns if c.startswith("Valeur ")]
    for col in value_cols:
        out[col] = [fmt_value(v, u) for v, u in zip(changes[col], changes["Unité"])]
    out["Évolution"] = [fmt_signed(v, u) for v, u in zip(changes["Évolution"], changes["Unité"])]
    out["Évolution (%)"] = [fmt_signed_pct(v) for v in changes["Évolution (%)"]]
    return out


def tracking_display(tracking: pd.DataFrame) -> pd.DataFrame:
    if tracking.empty:
        return tracking
    labels = {k: v for k, v in metrics.TRACKING_LABELS.items() if k in tracking.columns}
    out = tracking[list(labels)].rename(columns=labels)
    unit = tracking["unit"] if "unit" in tracking.columns else pd.Series("", index=tracking.index)
    for key in ("t0_value", "target_value", "current_value", "expected"):
        if key in tracking.columns:
            out[labels[key]] = [fmt_value(v, u) for v, u in zip(tracking[key], unit)]
    if "attainment" in tracking.columns:
        out[labels["attainment"]] = [fmt_pct(v, 0) for v in tracking["attainment"]]
    for key in ("t0_period", "target_period", "current_period"):
        if key in tracking.columns:
            out[labels[key]] = [MISSING_TEXT if pd.isna(p) else str(int(p)) for p in tracking[key]]
    first = [labels[k] for k in ("label", "status", "attainment", "t0_value", "current_value", "expected", "target_value",
                                  "target_period", "current_period") if k in labels]
    out = out[first + [c for c in out.columns if c not in first]]
    if "milestones" in labels:
        out[labels["milestones"]] = [
            ", ".join(f"{int(p)} : {fmt_value(v, u)}" for p, v in (m or ())) or MISSING_TEXT
            for m, u in zip(tracking["milestones"], unit)
        ]
    return out


def series_figure(db: Database, indicator: str, level: str, code: str, t0_year: int, current_period: int,
                  peer_codes: Sequence[str] = ()) -> go.Figure:
    cat = _catalogue(db)
    values = metrics.load_values(db, level, [indicator])
    territories = metrics.comparison_set(metrics.load_territories(db, level), level, code)
    values = values[values["code"].isin(territories["code"])]
    own, refs = metrics.reference_series(values, territories, code, peer_codes)
    assessment = metrics.load_target_assessment(db, code, indicator, t0_year, level=level, current_period=current_period)
    has_target = assessment.target_period is not None and not pd.isna(assessment.target_value)
    name = territories.set_index("code").at[code, "name"] if code in set(territories["code"]) else code
    return charts.series_chart(
        own,
        name=str(name),
        label=str(cat.at[indicator, "label"]),
        unit=str(cat.at[indicator, "unit"]),
        source=_source(cat, indicator),
        references=refs,
        trajectory=assessment.path if has_target and len(assessment.path) else None,
        target=(assessment.target_period, assessment.target_value) if has_target else None,
        milestones=assessment.milestones,
    )


def change_comparison(db: Database, code: str, indicator: str, period_from: int, period_to: int, level: str,
                      peer_codes: Sequence[str] = ()) -> pd.DataFrame:
    return metrics.load_change_comparison(db, code, indicator, period_from, period_to, level=level, peer_codes=tuple(peer_codes))


# ------------------------------------------------------------------------------------------------ comparisons


@dataclass(frozen=True)
class RankingView:
    figure: go.Figure
    table: pd.DataFrame
    missing: pd.DataFrame
    caveats: list[str]


def ranking_view(db: Database, indicator: str, period: int, selected: str | None,
                 peer_codes: Sequence[str] = (), reference_only: bool = False) -> RankingView:
    """All départements ranked; with reference_only, only those at the reference definition (or undeclared),
    ranks and medians recomputed among them."""
    from levier.analysis.comparability import annotate
    from levier.views.indicateurs import load_comparability as comparability

    cat = _catalogue(db)
    pos = metrics.load_positions(db, indicator, period, level="departement", code=selected, peer_codes=tuple(peer_codes))
    comp = comparability(db, indicator, pos.table["code"].tolist(), period)
    excluded = comp.variants["Code territoire"].tolist() if reference_only else []
    if excluded:
        kept = pos.table[pos.table["code"].isin(comp.comparable)][["code", "name", "reg", "reg_name", "value", "missing_reason"]]
        pos = metrics.positions(kept, cat.at[indicator, "direction"], {selected: list(peer_codes)} if selected else None)
    values = pos.table[["code", "name", "value", "missing_reason"]]
    fig = charts.ranking_chart(
        values, selected, peer_codes,
        label=str(cat.at[indicator, "label"]), unit=str(cat.at[indicator, "unit"]),
        direction=cat.at[indicator, "direction"], source=_source(cat, indicator), year=period,
    )
    unit = str(cat.at[indicator, "unit"])
    ranked = pos.ranked
    table = pd.DataFrame(
        {
            "Rang": ranked["rank"].astype("Int64"),
            "Code": ranked["code"],
            "Département": ranked["name"],
            "Région": ranked.get("reg_name", ranked.get("reg")),
            "Valeur": ranked["value"],
            "Unité": unit,
            "Quartile": ranked["quartile"].astype("Int64"),
            "Écart à la médiane nationale": ranked["gap_nat"],
        }
    )
    table = annotate(table, comp, "Code")
    missing = pos.missing.rename(columns={"code": "Code", "name": "Département", "missing_label": "Motif"})
    missing = missing[[c for c in ("Code", "Département", "Motif") if c in missing.columns]]
    caveats = comparison_caveats(db, [indicator], ranked["code"].tolist(), period=period)
    if excluded:
        caveats.insert(0, f"Classement restreint à la définition de référence : {len(excluded)} département(s) "
                          f"déclarant une variante écarté(s) ({', '.join(excluded)}).")
    return RankingView(fig, table, missing, caveats)


def comparison_caveats(db: Database, indicators: Sequence[str], codes: Sequence[str], periods: Sequence[int] = (),
                       period: int | None = None) -> list[str]:
    """The warnings a comparison carries: definition variants mixed, declarative data, mixed years."""
    notes = []
    try:
        from levier.views.indicateurs import load_comparability as comparability
    except ImportError:  # pragma: no cover - definitions ship with the quality module
        comparability = None
    if comparability is not None:
        for indicator in indicators:
            comp = comparability(db, indicator, list(codes), period)
            if comp.mixed:
                n_var = len(comp.variants)
                notes.append(
                    f"« {indicator} » : les départements comparés n'utilisent pas tous la définition de référence "
                    f"({n_var} variante(s) déclarée(s), {len(comp.undeclared)} sans déclaration). "
                    "Restreignez la comparaison à la définition de référence pour un classement homogène."
                )
    cat = _catalogue(db)
    if any(cat.at[i, "programme"] != "STAT" for i in indicators if i in cat.index):
        notes.append("Données déclaratives transmises par les départements (ici fictives) : non vérifiées par une source indépendante.")
    if len(set(periods)) > 1:
        notes.append(f"Années mélangées : {', '.join(str(p) for p in sorted(set(periods)))}.")
    return notes


def scatter_view(db: Database, x_indicator: str, y_indicator: str, period: int, selected: str | None,
                 peer_codes: Sequence[str] = ()) -> tuple[go.Figure, pd.DataFrame, list[str]]:
    """Two indicators across départements, each at its latest year ≤ period (years stated when they differ)."""
    cat = _catalogue(db)
    values = metrics.load_values(db, "departement", [x_indicator, y_indicator])
    values = values[values["value"].notna() & (values["period"] <= period)]
    latest = values.sort_values("period").groupby(["code", "indicator"]).tail(1)
    wide = latest.pivot(index="code", columns="indicator", values="value")
    years = latest.pivot(index="code", columns="indicator", values="period")
    terr = metrics.load_territories(db, "departement").set_index("code")
    frame = pd.DataFrame({"code": wide.index, "x": wide.get(x_indicator), "y": wide.get(y_indicator)}).dropna()
    frame["name"] = frame["code"].map(terr["name"])
    used = sorted({int(y) for col in (x_indicator, y_indicator) if col in years for y in years[col].dropna()})
    fig = charts.scatter_chart(
        frame, selected, peer_codes,
        x_label=str(cat.at[x_indicator, "label"]), y_label=str(cat.at[y_indicator, "label"]),
        x_unit=str(cat.at[x_indicator, "unit"]), y_unit=str(cat.at[y_indicator, "unit"]),
        source=f"{_source(cat, x_indicator)} ; {_source(cat, y_indicator)}", year=", ".join(map(str, used)),
    )
    table = frame.rename(columns={"code": "Code", "name": "Département", "x": cat.at[x_indicator, "label"], "y": cat.at[y_indicator, "label"]})
    caveats = comparison_caveats(db, [x_indicator, y_indicator], frame["code"].tolist(), used)
    return fig, table, caveats


def small_multiples_view(db: Database, indicator: str, codes: Sequence[str], selected: str | None) -> go.Figure:
    cat = _catalogue(db)
    values = metrics.load_values(db, "departement", [indicator])
    terr = metrics.load_territories(db, "departement").set_index("code")
    series = values[values["code"].isin(codes) & values["value"].notna()].assign(name=lambda f: f["code"].map(terr["name"]))
    reference = metrics.national_median_series(values)
    return charts.small_multiples(
        series[["code", "name", "period", "value"]], list(codes), selected,
        label=str(cat.at[indicator, "label"]), unit=str(cat.at[indicator, "unit"]),
        source=_source(cat, indicator), reference=reference[["period", "value"]],
    )


def indicator_choices(db: Database, level: str = "departement", programmes: Sequence[str] = ()) -> pd.DataFrame:
    """Indicators with at least one value at this level, with their years, for the pages' selectors."""
    return db.read(Query.INDICATORS_WITH_VALUES, {"level": level, "programmes": list(programmes)})


# ------------------------------------------------------------------------------------------------ page helpers


def filter_table(table: pd.DataFrame, programmes: Sequence[str], search: str) -> pd.DataFrame:
    """Rows of the chosen programmes whose label or code contains the search text (accents and case ignored)."""
    from levier.core.text import normalise

    out = table[table["Programme"].isin(programmes)]
    needle = normalise(search)
    if needle:
        hay = (out["Code"].astype(str) + " " + out["Indicateur"].astype(str)).map(normalise)
        out = out[hay.str.contains(needle, regex=False)]
    return out.reset_index(drop=True)


def indicators_with_value(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["Valeur"].notna()][["Code", "Indicateur", "Année"]].reset_index(drop=True)


def closest(options: Sequence[int], wanted: int) -> int:
    """Index of the option nearest to the wanted year (selectors default to the programme's T0 and T+3)."""
    if not options:
        return 0
    return min(range(len(options)), key=lambda i: (abs(options[i] - wanted), -options[i]))


def default_indicator(choices: pd.DataFrame, code: str) -> int:
    codes = list(choices["code"])
    return codes.index(code) if code in codes else 0


def change_comparison_display(comparison: pd.DataFrame, unit: str) -> pd.DataFrame:
    labels = {"label": "Périmètre", "n": "Territoires", "value_from": "Valeur de départ", "value_to": "Valeur d'arrivée",
              "change_abs": "Évolution", "change_rel": "Évolution (%)", "assessment": "Lecture"}
    out = comparison[[c for c in labels if c in comparison.columns]].rename(columns=labels)
    for col in ("Valeur de départ", "Valeur d'arrivée"):
        if col in out:
            out[col] = [fmt_value(v, unit) for v in out[col]]
    if "Évolution" in out:
        out["Évolution"] = [fmt_signed(v, unit) for v in comparison["change_abs"]]
    if "Évolution (%)" in out:
        out["Évolution (%)"] = [fmt_signed_pct(v) for v in comparison["change_rel"]]
    if "Lecture" in out:
        out["Lecture"] = out["Lecture"].map(lambda a: ASSESSMENT_TEXT.get(a, a))
    return out
