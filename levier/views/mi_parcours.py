"""What the mid-term page shows: T0 → T+3 changes, targets and trajectories, and one indicator against the trend."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go

from levier.analysis import positions, rates, trajectories
from levier.analysis.rates import BASE_POPULATION, rule_of
from levier.analysis.positions import (
    AHEAD_THRESHOLD, ON_TRACK_THRESHOLD, STATUS_AHEAD, STATUS_EXCLUDED, STATUS_LATE, STATUS_NO_DATA, STATUS_ON_TRACK,
    TargetAssessment,
)
from levier.charts import indicators as charts
from levier.core.fmt import MISSING_TEXT, NBSP, fmt_int, fmt_number, fmt_pct, fmt_signed, fmt_signed_pct, fmt_value
from levier.store.db import Database, Query, Reader
from levier.store import derived as derived_store
from levier.views import common
from levier.views.common import (
    catalogue, load_territories, load_values, ranking_inputs, ranking_population, ranking_values, source_text,
    territory_values,
)
from levier.views.gating import gate_values, load_gates

ASSESSMENT_TEXT = {"good": "favorable", "bad": "défavorable", "neutral": "stable / sans sens", "missing": MISSING_TEXT,
                  "unranked": "non évalué (valeur écartée des classements)"}
PROGRAMME_PERIODS = {"PACTE": (2023, 2026), "CALPAE": (2019, 2022), "CDPPE": (2020, 2022), "STAT": (2014, 2020)}
PROGRAMME_LABELS = {"PACTE": "Pacte des solidarités", "CALPAE": "CALPAE", "CDPPE": "Protection de l'enfance (CDPPE)",
                    "STAT": "Statistique publique"}

STATUS_RULE = (
    "Taux d'atteinte = (valeur actuelle − valeur T0) ÷ (valeur attendue − valeur T0), la valeur attendue étant lue, "
    "pour l'année de la dernière valeur connue, sur la trajectoire : une droite de la valeur T0 à la cible, ou une "
    "ligne brisée passant par les cibles intermédiaires ; au-delà de l'année cible, la valeur attendue est la cible. "
    f"« {STATUS_AHEAD} » : taux d'atteinte ≥ {fmt_number(AHEAD_THRESHOLD, 0)}{NBSP}% ; « {STATUS_ON_TRACK} » : de "
    f"{fmt_number(ON_TRACK_THRESHOLD, 0)}{NBSP}% à moins de {fmt_number(AHEAD_THRESHOLD, 0)}{NBSP}% ; « {STATUS_LATE} » : "
    f"moins de {fmt_number(ON_TRACK_THRESHOLD, 0)}{NBSP}% ; « {STATUS_NO_DATA} » : pas de valeur T0, pas de cible ou "
    "pas de valeur postérieure à T0. Quand la valeur attendue égale la valeur T0 (cible de maintien), le taux n'est "
    "pas calculable : le statut compare alors la valeur actuelle à la valeur attendue dans le sens de l'indicateur "
    f"(égale : « {STATUS_ON_TRACK} », meilleure : « {STATUS_AHEAD} », moins bonne : « {STATUS_LATE} »). "
    f"« {STATUS_EXCLUDED} » : la valeur T0 ou la dernière valeur est écartée par un contrôle de qualité (erreur : "
    "unité douteuse, rupture de série, sous-effectif supérieur à son total…) ; ni taux d'atteinte ni statut n'en "
    "sont tirés, et le motif renvoie à la page Qualité des données."
)


# ------------------------------------------------------------------------------------------------ loaders


def load_target_tracking(
    db: Database, code: str, t0_year: int, level: str = positions.LEVEL_DEPARTEMENT, current_period: int | None = None,
    gate_rows: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Target tracking of every indicator with a target for one territory (see positions.target_tracking); a T0
    or current value rejected by a quality check gives no status (STATUS_EXCLUDED, with its reason). gate_rows:
    views.gating.load_gates() computed once by a caller tracking many territories. Served from the derived
    statuses when derived_store.available(db) (same figures)."""
    if current_period is not None:
        rows = derived_read(db, lambda r: _status_rows(r, code, level, t0_year, current_period))
        if rows is not None:
            return _tracking_frame(rows, t0_year, current_period)
    with db.reader() as r:
        targets = r.df(Query.TARGETS, {"level": level, "code": code})
        own = r.df(Query.TERRITORY_INDICATOR_VALUES, {"level": level, "code": code})
        cat = r.df(Query.INDICATOR_CATALOGUE)
    own = _gated(db, own, code, level, set(targets["indicator"]), gate_rows)
    return positions.target_tracking(own, targets, cat, t0_year, current_period)


def _gated(db: Database, own: pd.DataFrame, code: str, level: str, indicators: set[str],
           gate_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """One territory's values of the indicators with a target, with the quality gates (unranked_reason)."""
    own = own[own["indicator"].isin(indicators)]
    if own.empty:
        return own
    return gate_values(db, own.assign(code=code), level, gate_rows=gate_rows).drop(columns="code")


def load_target_assessment(
    db: Database, code: str, indicator: str, t0_year: int, level: str = positions.LEVEL_DEPARTEMENT,
    current_period: int | None = None,
) -> TargetAssessment:
    """One indicator's target assessment, with its trajectory (for the time-series chart)."""
    with db.reader() as r:
        targets = r.df(Query.TARGETS, {"level": level, "code": code})
        own = r.df(Query.TERRITORY_INDICATOR_VALUES, {"level": level, "code": code})
        cat = r.df(Query.INDICATOR_CATALOGUE)
    own = _gated(db, own, code, level, {indicator})
    direction = cat.loc[cat["code"] == indicator, "direction"]
    return positions.indicator_target(own, targets, indicator, t0_year, current_period,
                                      direction.iloc[0] if len(direction) else None)


def load_change_comparison(
    db: Database, code: str, indicator: str, period_from: int, period_to: int,
    level: str = positions.LEVEL_DEPARTEMENT, peer_codes: Sequence[str] = (), rows: common.LevelRows | None = None,
    values: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """compare_changes() for one territory and indicator, within its comparison set (its values ranked once per
    data version in derived_midterm_value when derived_store.available(db)); `rows`: common.level_rows(db, level),
    already read for this data version; `values`: indicator_values(db, level, indicator), when held."""
    derived = _change_comparison_lookup(db, code, indicator, period_from, period_to, level, peer_codes, rows, values)
    if derived is not None:
        return derived
    with db.reader() as r:
        terr = r.df(Query.TERRITORIES_OF_LEVEL, {"level": level})
        cat = r.df(Query.INDICATOR_CATALOGUE)
        values = r.df(Query.INDICATOR_SERIES, {"level": level, "codes": [indicator]})
    terr = positions.comparison_set(terr, level, code)
    values = values[values["code"].isin(set(terr["code"]))]
    # A count is compared as its rate (ranking_values), so a large territory's change is not a bigger change.
    values = ranking_values(db, values, common.indexed_catalogue(cat), level, terr)
    return _change_table(values, terr, cat, code, indicator, period_from, period_to, peer_codes)


# ------------------------------------------------------------------------------------------------ the page's view


@dataclass(frozen=True)
class MidtermView:
    changes: pd.DataFrame  # one row per indicator, French labels
    tracking: pd.DataFrame  # one row per indicator with a target
    status_counts: dict[str, int]


def closest(options: Sequence[int], wanted: int) -> int:
    """Index of the option nearest to the wanted year (selectors default to the programme's T0 and T+3)."""
    if not options:
        return 0
    return min(range(len(options)), key=lambda i: (abs(options[i] - wanted), -options[i]))


def default_periods(periods: Sequence[int], programme: str) -> tuple[int, int]:
    """The page's default T0 and comparison years for a programme, among the territory's years."""
    periods = list(periods) or [2023]
    start, end = PROGRAMME_PERIODS[programme]
    return periods[closest(periods, start)], periods[closest(periods, end)]


def tracking_of(db: Database, code: str, level: str, t0_year: int, period_to: int, programme: str | None,
                cat: pd.DataFrame | None = None, gate_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The targets table of the page: every indicator of the programme with a target, its status at period_to (a
    T0 or current value rejected by a quality check: « non évaluable » and the reason in status_reason)."""
    cat = catalogue(db) if cat is None else cat
    tracking = load_target_tracking(db, code, t0_year, level=level, current_period=period_to, gate_rows=gate_rows)
    if programme and len(tracking):
        tracking = tracking[tracking["indicator"].map(cat["programme"]) == programme].reset_index(drop=True)
    return tracking


def midterm_view(db: Database, code: str, level: str, period_from: int, period_to: int, t0_year: int,
                 programme: str | None = None, rows: common.LevelRows | None = None,
                 statuses: pd.DataFrame | None = None) -> MidtermView:
    """`rows`: common.level_rows(db, level), already read for this data version (the app keeps them); `statuses`:
    status_rows(db, code, level, t0_year, period_to), when the caller holds them (the page's chart reads them too)."""
    derived = _midterm_lookup(db, code, level, period_from, period_to, t0_year, programme, rows, statuses)
    if derived is not None:
        return derived
    cat = catalogue(db)
    own = territory_values(db, level, code).rename(columns={"indicator": "code_ind"})
    if programme:
        own = own[own["code_ind"].map(cat["programme"]) == programme]
    rows = []
    for indicator, group in own.groupby("code_ind"):
        if indicator not in cat.index:
            continue
        frame = group.rename(columns={"code_ind": "indicator"}).assign(code=code)
        ch = positions.changes(frame, period_from, period_to, cat.at[indicator, "direction"])
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
                "Sens souhaité": positions.direction_label(cat.at[indicator, "direction"]),
                f"Valeur {period_from}": r["value_from"],
                f"Valeur {period_to}": r["value_to"],
                "Évolution": r["change_abs"],
                "Évolution (%)": r["change_rel"],
                "Lecture": ASSESSMENT_TEXT.get(r["assessment"], r["assessment"]),
            }
        )
    changes = pd.DataFrame(rows)
    tracking = tracking_of(db, code, level, t0_year, period_to, programme, cat)
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
    labels = {k: v for k, v in positions.TRACKING_LABELS.items() if k in tracking.columns}
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
    if "status_reason" in tracking.columns:
        out[labels["status_reason"]] = [r if isinstance(r, str) and r else "" for r in tracking["status_reason"]]
    first = [labels[k] for k in ("label", "status", "status_reason", "attainment", "t0_value", "current_value",
                                  "expected", "target_value", "target_period", "current_period") if k in labels]
    out = out[first + [c for c in out.columns if c not in first]]
    if "milestones" in labels:
        # target_tracking() counts the milestones; a caller may pass the (year, value) pairs themselves.
        out[labels["milestones"]] = [
            (fmt_int(m) if m else MISSING_TEXT) if isinstance(m, (int, float)) and not pd.isna(m)
            else ", ".join(f"{int(p)} : {fmt_value(v, u)}" for p, v in (m or ())) or MISSING_TEXT
            for m, u in zip(tracking["milestones"], unit)
        ]
    return out


def series_figure(db: Database, indicator: str, level: str, code: str, t0_year: int, current_period: int,
                  peer_codes: Sequence[str] = (), rows: common.LevelRows | None = None,
                  statuses: pd.DataFrame | None = None, values: pd.DataFrame | None = None) -> go.Figure:
    """`rows`: common.level_rows(db, level), already read for this data version (the app keeps them); `statuses`
    (status_rows) and `values` (indicator_values) when the caller holds them: the page's view and its comparison
    table read the same rows."""
    derived = derived_read(db, lambda r: (
        rows if rows is not None else common.read_level_rows(r, level),
        values if values is not None else _indicator_value_rows(r, level, indicator),
        statuses if statuses is not None else _status_rows(r, code, level, t0_year, current_period)))
    if derived is not None:
        (territories, cat), values, statuses = derived
        cat = common.indexed_catalogue(cat)
        values = values[_VALUE_COLUMNS]
    else:
        cat = catalogue(db)
        values = load_values(db, level, [indicator])
        territories = load_territories(db, level)
    territories = positions.comparison_set(territories, level, code)
    values = values[values["code"].isin(territories["code"])]
    own, refs = positions.reference_series(values, territories, code, peer_codes)
    label = str(cat.at[indicator, "label"])
    if rule_of(indicator, cat).is_count:
        # A median of counts across territories of all sizes is no reference for one territory's count: the chart
        # keeps the territory's own series and its targets; the comparison table below compares rates.
        refs = {}
        label += " (effectif : pas de médiane tracée, comparaison en taux ci-dessous)"
    assessment = (_assessment_of(statuses, indicator, t0_year) if derived is not None
                  else load_target_assessment(db, code, indicator, t0_year, level=level, current_period=current_period))
    has_target = assessment.target_period is not None and not pd.isna(assessment.target_value)
    name = territories.set_index("code").at[code, "name"] if code in set(territories["code"]) else code
    return charts.series_chart(
        own,
        name=str(name),
        label=label,
        unit=str(cat.at[indicator, "unit"]),
        source=source_text(cat, indicator),
        references=refs,
        trajectory=assessment.path if has_target and len(assessment.path) else None,
        target=(assessment.target_period, assessment.target_value) if has_target else None,
        milestones=assessment.milestones,
    )


def change_comparison(db: Database, code: str, indicator: str, period_from: int, period_to: int, level: str,
                      peer_codes: Sequence[str] = (), rows: common.LevelRows | None = None,
                      values: pd.DataFrame | None = None) -> pd.DataFrame:
    """`values`: indicator_values(db, level, indicator) when the caller holds them (the page's chart reads them)."""
    return load_change_comparison(db, code, indicator, period_from, period_to, level=level,
                                  peer_codes=tuple(peer_codes), rows=rows, values=values)


def change_comparison_display(comparison: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The territory's row (its own values and change) and the scopes' rows (the median of the territories'
    changes, no start or end value: see positions.compare_changes). A count is compared as its rate, in the rate's
    unit (column `unit` of load_change_comparison), said in the column « Comparé sur »."""
    if "unit" in comparison.columns and len(comparison):
        unit = str(comparison["unit"].iloc[0])
    labels = {"label": "Périmètre", "n": "Territoires", "value_from": "Valeur de départ", "value_to": "Valeur d'arrivée",
              "change_abs": "Évolution", "change_rel": "Évolution (%)", "assessment": "Lecture"}
    out = comparison[[c for c in labels if c in comparison.columns]].rename(columns=labels)
    if "basis" in comparison.columns and len(comparison) and comparison["basis"].iloc[0]:
        out["Comparé sur"] = str(comparison["basis"].iloc[0])
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




# ------------------------------------------------------------------------------------------------ derived tables
# Issue 16: what the page computes nationally (quality gates, ranked figures, target statuses) is derived once per
# data version by the publication step (derived_tables, in levier.views.derived.BUILDERS) and read by lookup here;
# a user who may not read everything unmasked, or a database whose derived tables are stale, is served live.

DERIVED_LEVELS = (positions.LEVEL_DEPARTEMENT, positions.LEVEL_EPCI)
OUTSIDE_SETS = "-"  # cmp_group of a territory no comparison set holds (its values are never ranked)
T = TypeVar("T")
_VALUE_COLUMNS = ["code", "indicator", "period", "value", "missing_reason", "is_demo", "derived"]


def derived_read(db: Database, reads: Callable[[Reader], T]) -> T | None:
    """reads(reader) when the derived tables serve this user (levier.store.derived.available), else None: the
    check and the lookups share one cursor, so they read one data version."""
    if not derived_store.reads_everything(db):
        return None
    with db.reader() as r:
        return reads(r) if derived_store.is_current(r) else None


def _ranked_by_set(db: Database, values: pd.DataFrame, terr: pd.DataFrame, cat: pd.DataFrame,
                   level: str, gate_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every value ranked within its comparison set (positions.comparison_set: all départements; the EPCI of one
    nature), as load_change_comparison ranks it: code, indicator, period, rank_value, rank_reason, rank_basis,
    rank_unit, cmp_group. `gate_rows`: the level's quality gates, when the caller has them."""
    sets: dict[tuple[str, ...], tuple[str, pd.DataFrame]] = {}
    natures = terr.drop_duplicates("nature")["code"] if level == positions.LEVEL_EPCI and "nature" in terr.columns \
        else terr["code"].head(1)
    for representative in natures:
        members = positions.comparison_set(terr, level, representative)
        key = tuple(sorted(members["code"]))
        if key and key not in sets:
            nature = terr.loc[terr["code"] == representative, "nature"] if "nature" in terr.columns else None
            group = positions.comparison_nature(nature.iloc[0]) if level == positions.LEVEL_EPCI and nature is not None \
                else ""
            sets[key] = (group or "", members)
    # Perimeter notes, quality gates and denominators are per row: prepared once for the values of every set (not
    # once per set: at ×10 each set reloaded the level's gates and denominators), then each set is ranked on its own.
    in_a_set = values[values["code"].isin({c for key in sets for c in key})]
    parts = []
    prepared, denominators = ranking_inputs(db, in_a_set, cat, level, gate_rows) if len(in_a_set) else (in_a_set, None)
    for group, members in sets.values():
        part = prepared[prepared["code"].isin(set(members["code"]))]
        if part.empty:
            continue
        population, year = ranking_population(db, level, members)
        # A rate reads its own territory's denominator: each set looks up its members' only.
        own = denominators[denominators["code"].isin(set(members["code"]))] if denominators is not None else None
        ranked = rates.ranking_frame(part, cat, population, own, year)
        parts.append(pd.DataFrame({
            "code": ranked["code"], "indicator": ranked["indicator"], "period": ranked["period"],
            "rank_value": ranked["value"], "rank_reason": ranked["unranked_reason"],
            "rank_basis": ranked["rank_basis"], "rank_unit": ranked["rank_unit"], "cmp_group": group,
        }))
    if not parts:
        return pd.DataFrame(columns=["code", "indicator", "period", "rank_value", "rank_reason", "rank_basis",
                                     "rank_unit", "cmp_group"])
    return pd.concat(parts, ignore_index=True)


def derived_tables(db: Database, gate_rows: pd.DataFrame | None = None
                   ) -> dict[str, list[pd.DataFrame] | Iterator[pd.DataFrame]]:
    """The publication step's builder of this page (whole database, full rights): `midterm_value` (every value of
    the département and EPCI levels with its quality gate and its ranked figure), one frame per level, and
    `target_status` (the target tracking of every territory for every (T0, comparison year) pair of its window,
    analysis.trajectories), made block by block of territories as the caller reads them: at ×10 the EPCI grid alone
    is 8 M rows, and the publication step writes each block before the next is made.
    `gate_rows`: every level's quality gates (views.gating.live_gates) when the caller has them, else each level's
    are checked once."""
    cat = catalogue(db)
    public_base = {c for c in cat.index if rule_of(c, cat).base in ("", BASE_POPULATION, "aucun")}
    value_frames, graded = [], []
    for level in DERIVED_LEVELS:
        with db.reader() as r:
            values = r.df(Query.MIDTERM_LEVEL_VALUES, {"level": level})
            targets = r.df(Query.MIDTERM_LEVEL_TARGETS, {"level": level})
            terr = r.df(Query.TERRITORIES_OF_LEVEL, {"level": level})
        values = values.drop_duplicates(["code", "indicator", "period"])
        gates = load_gates(db, None, level) if gate_rows is None else gate_rows
        gated = gate_values(db, values, level, gate_rows=gates)
        frame = gated.rename(columns={"unranked_reason": "gate_reason"}).merge(
            _ranked_by_set(db, values, terr, cat, level, gates), on=["code", "indicator", "period"], how="left")
        frame["cmp_group"] = frame["cmp_group"].fillna(OUTSIDE_SETS)
        frame["level"] = level
        # Readable by everyone only when nothing in it comes from contract data: a public statistic, ranked over the
        # population or as itself, with no quality finding (a finding may compare it with declared figures).
        frame["is_public"] = (frame["indicator"].map(cat["programme"]).eq("STAT")
                              & frame["indicator"].isin(public_base)
                              & frame["gate_reason"].isna() & frame["quality_warning"].isna())
        value_frames.append(frame)
        graded.append((level, gated, targets))
    return {"midterm_value": value_frames, "target_status": _status_blocks(graded, cat)}


GRID_BLOCK_TERRITORIES = 100  # territories per block of the target grid (about 650,000 rows per EPCI block at ×10)


def _status_blocks(graded: list[tuple[str, pd.DataFrame, pd.DataFrame]], cat: pd.DataFrame) -> Iterator[pd.DataFrame]:
    """The target grid of each level (its gated values and targets), block by block, with the columns the derived
    table adds."""
    for level, gated, targets in graded:
        for grid in trajectories.target_grid_blocks(gated, targets, cat, GRID_BLOCK_TERRITORIES):
            grid["level"] = level
            grid["programme"] = grid["indicator"].map(cat["programme"])
            grid["is_public"] = False  # targets are contract data
            yield grid


def _text_or_none(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), None)


def status_rows(db: Database, code: str, level: str, t0_year: int, current_period: int) -> pd.DataFrame | None:
    """The territory's derived target statuses for these years, read once for the page's view and its chart (the app
    keeps them); None when the derived tables do not serve this user (each then computes its own, live)."""
    return derived_read(db, lambda r: _status_rows(r, code, level, t0_year, current_period))


def indicator_values(db: Database, level: str, indicator: str) -> pd.DataFrame | None:
    """One indicator's derived values over the level, read once for the page's chart and its comparison table (the
    app keeps them); None when the derived tables do not serve this user."""
    return derived_read(db, lambda r: _indicator_value_rows(r, level, indicator))


def _indicator_value_rows(r: Reader, level: str, indicator: str) -> pd.DataFrame:
    """One indicator's rows of derived_midterm_value over the level (the chart's and the comparison table's)."""
    return r.df(Query.MIDTERM_INDICATOR_VALUES, {"level": level, "indicator": indicator})


def _status_rows(r: Reader, code: str, level: str, t0_year: int, current_period: int) -> pd.DataFrame:
    """The territory's rows of derived_target_status for the years asked (target_status.sql maps them onto its
    window)."""
    return r.df(Query.TARGET_STATUS, {"level": level, "code": code, "t0": int(t0_year), "current": int(current_period)})


def _tracking_frame(rows: pd.DataFrame, t0_year: int, current_period: int) -> pd.DataFrame:
    """load_target_tracking's frame from the territory's derived status rows."""
    if rows.empty:
        none = pd.DataFrame({"indicator": pd.Series(dtype=object), "period": pd.Series(dtype="int64"),
                             "value": pd.Series(dtype="float64")})
        targets = pd.DataFrame({"indicator": pd.Series(dtype=object), "target_year": pd.Series(dtype="int64"),
                                "target_value": pd.Series(dtype="float64")})
        return positions.target_tracking(none, targets, pd.DataFrame({"code": pd.Series(dtype=object)}), t0_year,
                                         current_period)
    # Built as positions.target_tracking builds it (records of Python values, the same column inference).
    records = [
        {
            "indicator": str(r.indicator), "label": r.label, "unit": r.unit,
            "direction": r.direction if isinstance(r.direction, str) else None,
            "t0_period": int(t0_year), "t0_value": float(r.t0_value),
            "target_period": None if pd.isna(r.target_period) else int(r.target_period),
            "target_value": float(r.target_value), "milestones": int(r.milestones),
            "current_period": None if pd.isna(r.current_period) else int(r.current_period),
            "current_value": float(r.current_value), "expected": float(r.expected), "attainment": float(r.attainment),
            "status": str(r.status), "status_reason": r.status_reason if isinstance(r.status_reason, str) else None,
        }
        for r in rows.itertuples(index=False)
    ]
    out = pd.DataFrame(records, columns=list(records[0]))
    for col in ("target_period", "current_period"):
        out[col] = out[col].astype("Int64")
    return out.reset_index(drop=True)


def _assessment_of(rows: pd.DataFrame, indicator: str, t0_year: int) -> TargetAssessment:
    """load_target_assessment from the territory's derived status rows; the path is drawn again from its T0 value,
    target and milestones (positions.trajectory)."""
    rows = rows[rows["indicator"] == indicator]
    if rows.empty:
        return positions.assess_target(int(t0_year), float("nan"), None, float("nan"), None, float("nan"))
    r = rows.iloc[0]
    target_period = None if pd.isna(r["target_period"]) else int(r["target_period"])
    years = list(r["milestone_years"]) if r["milestone_years"] is not None else []
    values = list(r["milestone_values"]) if r["milestone_values"] is not None else []
    ms = tuple(sorted((int(p), float(v)) for p, v in zip(years, values)))
    t0_value, target_value = float(r["t0_value"]), float(r["target_value"])
    path = pd.DataFrame(columns=["period", "expected", "kind"])
    if target_period is not None and target_period > int(t0_year) and not pd.isna(t0_value) \
            and not pd.isna(target_value):
        path = positions.trajectory(int(t0_year), t0_value, target_period, target_value, ms)
    current = None if pd.isna(r["current_period"]) else int(r["current_period"])
    reason = r["status_reason"] if isinstance(r["status_reason"], str) else None
    return TargetAssessment(int(t0_year), t0_value, target_period, target_value, ms, current,
                            float(r["current_value"]), float(r["expected"]), float(r["attainment"]), str(r["status"]),
                            path, reason)


def _midterm_lookup(db: Database, code: str, level: str, period_from: int, period_to: int, t0_year: int,
                    programme: str | None, rows: common.LevelRows | None = None,
                    statuses: pd.DataFrame | None = None) -> MidtermView | None:
    """midterm_view read from the derived tables (the territory's values, its target statuses); None when they do
    not serve this user."""
    derived = derived_read(db, lambda r: (
        rows[1] if rows is not None else r.df(Query.INDICATOR_CATALOGUE),
        r.df(Query.MIDTERM_TERRITORY_VALUES, {"level": level, "code": code}),
        statuses if statuses is not None else _status_rows(r, code, level, t0_year, period_to)))
    if derived is None:
        return None
    cat = common.indexed_catalogue(derived[0])
    own = derived[1].rename(columns={"indicator": "code_ind"})
    if programme:
        own = own[own["code_ind"].map(cat["programme"]) == programme]
    changes = trajectories.changes_table(own, cat, period_from, period_to, ASSESSMENT_TEXT)
    tracking = _tracking_frame(derived[2], t0_year, period_to)
    if programme and len(tracking):  # as tracking_of filters it
        tracking = tracking[tracking["indicator"].map(cat["programme"]) == programme].reset_index(drop=True)
    counts = tracking["status"].value_counts().to_dict() if "status" in tracking.columns else {}
    return MidtermView(changes, tracking, {str(k): int(v) for k, v in counts.items()})


def _change_comparison_lookup(db: Database, code: str, indicator: str, period_from: int, period_to: int, level: str,
                              peer_codes: Sequence[str], rows: common.LevelRows | None = None,
                              values: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """load_change_comparison from the values ranked once per data version; None when the derived tables do not
    serve this user or the territory has no derived value of the indicator (the live computation then answers)."""
    derived = derived_read(db, lambda r: (
        values if values is not None else _indicator_value_rows(r, level, indicator),
        *(rows if rows is not None else common.read_level_rows(r, level))))
    if derived is None or not (derived[0]["code"] == code).any():
        return None
    rows, terr, cat = derived
    terr = positions.comparison_set(terr, level, code)
    values = rows[rows["code"].isin(set(terr["code"]))]
    values = values.assign(value=values["rank_value"], unranked_reason=_text_or_none(values["rank_reason"]))
    return _change_table(values, terr, cat, code, indicator, period_from, period_to, peer_codes)


def _change_table(values: pd.DataFrame, terr: pd.DataFrame, cat: pd.DataFrame, code: str, indicator: str,
                  period_from: int, period_to: int, peer_codes: Sequence[str]) -> pd.DataFrame:
    """positions.compare_changes on ranked values, with the unit and basis of what is compared."""
    direction = cat.loc[cat["code"] == indicator, "direction"]
    out = positions.compare_changes(values, terr, code, period_from, period_to,
                                    direction.iloc[0] if len(direction) else None, peer_codes)
    basis = str(values["rank_basis"].iloc[0] or "") if len(values) else ""
    unit = cat.loc[cat["code"] == indicator, "unit"]
    out["unit"] = str(values["rank_unit"].iloc[0]) if basis else (str(unit.iloc[0]) if len(unit) else "")
    out["basis"] = basis
    return out


def available_periods(db: Database, level: str, code: str) -> list[int]:
    """The years the territory has a value for (the page's year selectors), from the derived values when served."""
    # The years alone, not every value of the territory (14,401 rows at ×30, read again by the page's table).
    years = derived_read(db, lambda r: r.df(Query.MIDTERM_TERRITORIES_PERIODS, {"level": level, "codes": [code]}))
    if years is None:
        return common.available_periods(db, level, code)
    return sorted(int(p) for p in years["period"])
