"""A territory at a glance (Accueil with a selection, the pack's first page): key figures with their trend and
national position, the contract's status counts, the alerts, and where to read more."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from levier.analysis import positions
from levier.analysis.quality import ERROR, KEY_COLUMNS
from levier.core.fmt import (
    MISSING_TEXT,
    fmt_int,
    fmt_pct,
    fmt_signed,
    fmt_value,
    value_decimals,
)
from levier.store.db import Database
from levier.views import common, mi_parcours, qualite, t0

# What a commissaire reads first about a territory, in this order: poverty, the households most exposed, the
# RSA and child welfare (real public statistics), then the Pacte's own results (fictitious demo returns). The first
# MAX_FIGURES the territory has a value for are shown (an EPCI has no DREES series: the Filosofi ones follow).
KEY_FIGURES = (
    "STAT-TP60", "STAT-TP60-TYM5", "STAT-RSA-ALLOCATAIRES", "STAT-ASE-ACCUEILLIS", "STAT-OARSA-ORIENTES",
    "PACTE-2-ORI-TX", "PACTE-2-SORT-TX", "PACTE-3-COUV",
    "STAT-TP60-AGE1", "STAT-PPMINI", "STAT-Q2", "STAT-D1", "STAT-RD", "STAT-PPSOC",
)
# A tile's label, short enough for a quarter of a 1280-pixel screen (the full label is in the table and the help).
SHORT_LABELS = {
    "STAT-TP60": "Taux de pauvreté",
    "STAT-TP60-TYM5": "Pauvreté monoparentale",
    "STAT-RSA-ALLOCATAIRES": "Allocataires du RSA",
    "STAT-ASE-ACCUEILLIS": "Enfants à l'ASE",
    "STAT-OARSA-ORIENTES": "RSA : part d'orientés",
    "PACTE-2-ORI-TX": "Orientés sous 1 mois",
    "PACTE-2-SORT-TX": "Sorties vers l'emploi",
    "PACTE-3-COUV": "Accueil social < 30 min",
    "STAT-TP60-AGE1": "Pauvreté des < 30 ans",
    "STAT-PPMINI": "Minima sociaux (part)",
    "STAT-Q2": "Niveau de vie médian",
    "STAT-D1": "Niveau de vie D1",
    "STAT-RD": "Rapport D9/D1",
    "STAT-PPSOC": "Part des prestations",
}
SHORT_UNITS = {"pour 1 000 habitants": "‰", "pour 10 000 habitants": "pour 10 000",
               "pour 100 000 habitants": "pour 100 000"}
MAX_FIGURES = 8
# Fewer territories ranked than this is no national position (a user whose rights cover a few départements ranks
# their contract indicators among those few: « 1er sur 1 » would mislead).
MIN_RANKED = 10
MAX_CONTRACT_FIGURES = 3  # contract indicators among the figures (the rest are public statistics)
TREND_YEARS = 4  # the last years of a figure's series shown beside it
PROGRAMME = "PACTE"  # the contract whose statuses the glance counts (the one running now)
PROGRAMME_LABEL = mi_parcours.PROGRAMME_LABELS[PROGRAMME]
MAX_LATE = 5  # late indicators named in the alerts
GLANCE_LEVELS = (positions.LEVEL_DEPARTEMENT, positions.LEVEL_EPCI)
COUNTED_STATUSES = (positions.STATUS_AHEAD, positions.STATUS_ON_TRACK, positions.STATUS_LATE,
                    positions.STATUS_NO_DATA)
DEMO_TEXT = "données fictives de démonstration"

# The detail pages, in the order a comité de suivi goes through them: (page script, label, icon).
LINKS = (
    ("t0.py", "Situation de départ (T0) : tous les indicateurs, rangs et pairs", ":material/flag:"),
    ("mi-parcours.py", "Mi-parcours : cibles, trajectoires et évolutions", ":material/timeline:"),
    ("comparer.py", "Comparer avec les autres départements", ":material/leaderboard:"),
    ("effet-levier.py", "Effet levier : financements prévus, engagés, consommés", ":material/euro:"),
    ("qualite.py", "Qualité des données : retours et contrôles", ":material/fact_check:"),
    ("pack.py", "Pack du comité de suivi (PDF, PowerPoint)", ":material/picture_as_pdf:"),
)


@dataclass(frozen=True)
class KeyFigure:
    """One key figure: the value shown (a count's rate when the count is ranked as a rate), its trend and its
    national position (read from the positioned values, as the T0 page reads them)."""

    code: str
    label: str
    short_label: str
    year: int
    value: float  # the figure shown: the value itself, or the rate a count is ranked on
    unit: str  # the unit of `value` (a count's rate unit: « pour 1 000 habitants »)
    value_text: str
    tile_text: str  # the value with a short unit (« 17,7 ‰ »)
    count_text: str  # the count itself when `value` is its rate (« 23 037 personnes »), else ""
    raw_text: str  # « pour 1 000 habitants, soit 23 037 personnes » when `value` is a count's rate, else ""
    trend: tuple[tuple[int, float], ...]  # (year, value) of the last years, the same figure as `value`
    trend_text: str  # « 2019 : 14,1 % → 2022 : 14,5 % (+0,4 pt) »
    rank: int | None
    n_ranked: int | None
    quartile: int | None
    position_text: str  # « 12e sur 101 départements · quartile 1 » or « non classé : … »
    position_short: str  # a tile's: « Rang 12 sur 98 · quartile 1 », « non classé »
    national_median: float
    source: str  # producer and table; contract data says it is fictitious in the demo
    demo: bool
    direction: str | None
    public: bool  # a public statistic (else a contract indicator, returned by the territory)
    producer: str  # the short source of a tile: « INSEE, Filosofi », « DREES, … », « Retours … (fictifs) »
    unranked_reason: str = ""

    @property
    def delta(self) -> float:
        """The change over the trend's years (NaN with fewer than two values)."""
        values = [v for _, v in self.trend if not pd.isna(v)]
        return values[-1] - values[0] if len(values) >= 2 else float("nan")


@dataclass(frozen=True)
class Glance:
    code: str
    level: str
    name: str  # « Isère (38) »
    figures: list[KeyFigure]
    programme: str
    t0_year: int
    current_year: int
    status_counts: dict[str, int]  # COUNTED_STATUSES (and « non évaluable ») → number of indicators with a target
    late: pd.DataFrame  # the late indicators: indicator, label, attainment, current_period
    quality: list[tuple[str, str, str]]  # qualite.headline for the territory's perimeter (label, value, help)
    quality_errors: int  # values a quality check rejects (shown, not ranked)
    alerts: list[str]  # in French, most pressing first
    demo: bool
    notes: list[str] = field(default_factory=list)

    @property
    def has_targets(self) -> bool:
        return sum(self.status_counts.values()) > 0


# ------------------------------------------------------------------------------------------------ key figures


QUARTER_TEXT = {1: "quart le mieux placé", 4: "quart le moins bien placé"}


def _position_text(rank: object, n: object, quartile: object, direction: object, noun: str) -> str:
    """« 12e sur 98 départements · quartile 1 (quart le mieux placé) »; without a favourable side, the rank by
    decreasing value and no quartile (a high value is neither good nor bad)."""
    if pd.isna(rank) or pd.isna(n):
        return MISSING_TEXT
    r, total = int(rank), int(n)
    ordinal = "1er" if r == 1 else f"{r}e"
    if positions.direction_of(direction) is None:
        return f"{ordinal} plus forte valeur sur {fmt_int(total)} {noun} (sans sens favorable)"
    q = int(quartile)
    return f"{ordinal} sur {fmt_int(total)} {noun} · quartile {q}" + (f" ({QUARTER_TEXT[q]})" if q in QUARTER_TEXT
                                                                        else "")


def short_position(rank: int | None, n: int | None, quartile: int | None, direction: object) -> str:
    if rank is None or n is None:
        return MISSING_TEXT
    if positions.direction_of(direction) is None:
        return f"{'1re' if rank == 1 else f'{rank}e'} plus forte valeur sur {fmt_int(n)}"
    return f"Rang {rank} sur {fmt_int(n)}" + (f" · quartile {quartile}" if quartile is not None else "")


def _trend_text(trend: Sequence[tuple[int, float]], unit: str) -> str:
    points = [(y, v) for y, v in trend if not pd.isna(v)]
    if not points:
        return MISSING_TEXT
    if len(points) == 1:
        return f"{points[0][0]} : {fmt_value(points[0][1], unit, value_decimals(points[0][1], unit))} (une seule année)"
    (y0, v0), (y1, v1) = points[0], points[-1]
    return (f"{y0} : {fmt_value(v0, unit, value_decimals(v0, unit))} → {y1} : "
            f"{fmt_value(v1, unit, value_decimals(v1, unit))} ({fmt_signed(v1 - v0, unit)})")


def short_unit(unit: str) -> str:
    """« pour 1 000 habitants » → « ‰ hab. » (a tile's value must fit); any other unit unchanged."""
    return SHORT_UNITS.get(" ".join(str(unit).replace("\u00a0", " ").split()), unit)


def _producer(cat: pd.DataFrame, indicator: str, is_contract: bool) -> str:
    """Who produced a figure, short enough for a tile (the full source is in the table and the help)."""
    if is_contract:
        return f"Retours du contrat – {DEMO_TEXT}"  # as common.source_text says of declarative data
    src = cat.at[indicator, "source"]
    return str(src) if isinstance(src, str) and src else MISSING_TEXT


def key_figures(data: t0.T0Data, code: str, candidates: Sequence[str] = KEY_FIGURES,
                limit: int = MAX_FIGURES) -> list[KeyFigure]:
    """The territory's key figures from the positioned values of its level (load_t0_data: derived positions, or the
    live computation for a scoped user): each at its latest year with a value, its rank, quartile and national
    median as the T0 page states them for that year. A count is shown and ranked as its rate (never ranked raw);
    a value a check flags or a published floor is shown « non classé » with its reason."""
    cat = common.indexed_catalogue(data.catalogue)
    own = data.values[data.values["code"] == code]
    noun = "départements" if data.level == positions.LEVEL_DEPARTEMENT else "EPCI de même nature"
    out: list[KeyFigure] = []
    contract = 0
    for ind in candidates:
        if len(out) >= limit or ind not in cat.index:
            continue
        is_contract = cat.at[ind, "programme"] != "STAT"
        if is_contract and contract >= MAX_CONTRACT_FIGURES:
            continue
        rows = own[own["indicator"] == ind].sort_values("period")
        shown_raw = rows["raw_value"] if "raw_value" in rows.columns else rows["value"]
        valued = rows[shown_raw.notna()]
        if valued.empty:
            continue
        last = valued.iloc[-1]
        basis = last.get("rank_basis")
        as_rate = isinstance(basis, str) and bool(basis) and not pd.isna(last["value"])
        unit = str(last["rank_unit"]) if as_rate else str(cat.at[ind, "unit"] or "")
        series = valued["value"] if as_rate else valued["raw_value" if "raw_value" in valued.columns else "value"]
        trend = tuple((int(p), float(v)) for p, v in zip(valued["period"], series))[-TREND_YEARS:]
        value = float(series.iloc[-1])
        raw_unit = str(cat.at[ind, "unit"] or "")
        raw = float(last["raw_value"]) if "raw_value" in last.index else float(last["value"])
        reason = last.get("unranked_reason")
        reason = reason if isinstance(reason, str) and reason else ""
        direction = cat.at[ind, "direction"] if isinstance(cat.at[ind, "direction"], str) else None
        rank = None if reason or pd.isna(last.get("rank")) else int(last["rank"])
        n_ranked = None if rank is None or pd.isna(last.get("n_ranked")) else int(last["n_ranked"])
        if n_ranked is not None and n_ranked < MIN_RANKED:
            reason = (f"pas de position nationale : {fmt_int(n_ranked)} territoire(s) seulement classé(s) (droits de "
                      "lecture ou retours)")
            rank = n_ranked = None
        quartile = None if rank is None or pd.isna(last.get("quartile")) else int(last["quartile"])
        floor = "≤ " if bool(last.get("censored")) and not as_rate else ""  # a published floor, never ranked
        value_text = floor + fmt_value(value, unit, value_decimals(value, unit))
        tile_text = floor + fmt_value(value, short_unit(unit), value_decimals(value, unit))
        out.append(KeyFigure(
            code=ind, label=str(cat.at[ind, "label"]), short_label=SHORT_LABELS.get(ind, str(cat.at[ind, "label"])),
            year=int(last["period"]), value=value, unit=unit, value_text=value_text,
            tile_text=tile_text,
            count_text=fmt_value(raw, raw_unit, value_decimals(raw, raw_unit)) if as_rate else "",
            raw_text=f"{unit}, soit {fmt_value(raw, raw_unit, value_decimals(raw, raw_unit))}" if as_rate else "",
            trend=trend, trend_text=_trend_text(trend, short_unit(unit)), rank=rank, n_ranked=n_ranked, quartile=quartile,
            position_text=(reason if reason.startswith("pas de") else f"non classé : {reason}") if reason
            else _position_text(rank, n_ranked, quartile, direction, noun),
            position_short=("pas de position nationale" if reason.startswith("pas de") else "non classé") if reason
            else short_position(rank, n_ranked, quartile, direction),
            national_median=float(last["nat_median"]) if rank is not None and "nat_median" in last.index
            and not pd.isna(last["nat_median"]) else float("nan"),
            source=common.source_text(cat, ind), demo=bool(is_contract or bool(last.get("is_demo"))),
            direction=direction, public=not is_contract, producer=_producer(cat, ind, is_contract),
            unranked_reason=reason,
        ))
        contract += int(is_contract)
    # Public statistics first, then the contract's indicators, each in the order of `candidates`.
    return sorted(out, key=lambda f: not f.public)


def figures_table(figures: Sequence[KeyFigure], level: str = positions.LEVEL_DEPARTEMENT) -> pd.DataFrame:
    """The key figures as French text, one row each, compact enough for one printed page (the pack's first page)."""
    noun = "départements" if level == positions.LEVEL_DEPARTEMENT else "EPCI de même nature"
    return pd.DataFrame({
        "Indicateur": [f.label + (f" ({f.unit})" if f.count_text else "") for f in figures],
        "Valeur": [f"{f.tile_text} en {f.year}" + (f" ({f.count_text})" if f.count_text else "") for f in figures],
        "Évolution": [_trend_text(f.trend, short_unit(f.unit)) for f in figures],
        f"Position parmi les {noun}": [f.position_short for f in figures],
        "Médiane nationale": [fmt_value(f.national_median, short_unit(f.unit),
                                        value_decimals(f.national_median, f.unit)) for f in figures],
        "Source": [f.producer for f in figures],
    })


# ------------------------------------------------------------------------------------------------ the glance


def current_year(db: Database, level: str, code: str, programme: str = PROGRAMME) -> tuple[int, int]:
    """The programme's T0 year and the latest year with a value up to its end (as the pack chooses them)."""
    t0_year, end = mi_parcours.PROGRAMME_PERIODS.get(programme, (2023, 2026))
    later = [p for p in mi_parcours.available_periods(db, level, code) if t0_year < p <= end]
    return t0_year, (max(later) if later else end)


def status_counts(tracking: pd.DataFrame) -> dict[str, int]:
    """How many indicators with a target are in each status (every counted status present, 0 when none)."""
    counts = tracking["status"].value_counts().to_dict() if "status" in tracking.columns else {}
    out = {s: int(counts.get(s, 0)) for s in COUNTED_STATUSES}
    if counts.get(positions.STATUS_EXCLUDED):
        out[positions.STATUS_EXCLUDED] = int(counts[positions.STATUS_EXCLUDED])
    return out


def alerts_of(quality: Sequence[tuple[str, str, str]], quality_errors: int, late: pd.DataFrame,
              counts: dict[str, int]) -> list[str]:
    """What needs attention before the comité, in French, most pressing first."""
    out = []
    values = {label: value for label, value, _ in quality}
    for label in ("Retours en retard", "Retours manquants"):
        n = values.get(label, "0")
        if n not in ("0", MISSING_TEXT):
            out.append(f"{label} : {n} (année échue, tous programmes).")
    if quality_errors:
        out.append(f"{fmt_int(quality_errors)} valeur(s) rejetée(s) par un contrôle de qualité : montrée(s), ni "
                   "classée(s) ni évaluée(s).")
    if len(late):
        out.append(f"{fmt_int(counts.get(positions.STATUS_LATE, len(late)))} indicateur(s) d'action en retard sur leur "
                   f"trajectoire (moins de {fmt_pct(positions.ON_TRACK_THRESHOLD, 0)} du chemin attendu) : "
                   + (f"les {min(len(late), MAX_LATE)} plus en retard ci-dessous." if len(late) > 1 else "ci-dessous."))
    doubted = values.get("Valeurs mises en doute", "0")
    if doubted not in ("0", MISSING_TEXT):
        out.append(f"Valeurs mises en doute par un contrôle : {doubted}.")
    return out


def late_table(glance: Glance, limit: int = MAX_LATE) -> pd.DataFrame:
    """The indicators furthest behind their trajectory, in French (the page's and the pack's list)."""
    late = glance.late.head(limit)
    return pd.DataFrame({
        "Indicateur en retard": [str(x) for x in late["label"]],
        "Part du chemin attendu": [fmt_pct(a, 0) for a in late["attainment"]],
        "Année": [MISSING_TEXT if pd.isna(y) else str(int(y)) for y in late["current_period"]],
    })


def _quality_errors(bundle: qualite.QualityBundle, perimeter: qualite.Perimeter) -> int:
    """Values of the perimeter an error-level check rejects (kept out of ranks, medians and trajectories)."""
    keys = []
    for check in bundle.report.checks:
        if len(check.keys):
            keys.append(check.keys[list(KEY_COLUMNS)].assign(severity=check.key_severities().to_numpy()))
    if not keys:
        return 0
    rows = perimeter.keep(pd.concat(keys, ignore_index=True), "territory_code")
    return int(rows.loc[rows["severity"] == ERROR, list(KEY_COLUMNS)].drop_duplicates().shape[0])


def glance_view(db: Database, code: str, level: str, name: str, *, reg: str = "", dep: str = "",
                data: t0.T0Data | None = None, bundle: qualite.QualityBundle | None = None,
                programme: str = PROGRAMME) -> Glance:
    """One département's or EPCI's glance. `data` (load_t0_data: the territory's rows are enough) and `bundle`
    (qualite.quality_bundle) may be handed in already loaded: the glance is then lookups only."""
    if level not in GLANCE_LEVELS:
        raise ValueError(f"L'aperçu se lit pour un département ou un EPCI, pas pour le niveau « {level} ».")
    data = data if data is not None else t0.load_t0_data(db, level, KEY_FIGURES, territories=[code])
    figures = key_figures(data, code)
    t0_year, current = current_year(db, level, code, programme)
    tracking = mi_parcours.tracking_of(db, code, level, t0_year, current, programme)
    counts = status_counts(tracking)
    late = tracking[tracking["status"] == positions.STATUS_LATE].sort_values("attainment") if len(tracking) \
        else pd.DataFrame(columns=["indicator", "label", "attainment", "current_period"])
    bundle = bundle if bundle is not None else qualite.quality_bundle(db)
    perimeter = qualite.perimeter_of(bundle, reg, dep or (code if level == positions.LEVEL_DEPARTEMENT else ""),
                                     code if level == positions.LEVEL_EPCI else "")
    quality = qualite.headline(bundle, perimeter)
    errors = _quality_errors(bundle, perimeter)
    demo = qualite.is_demo(db)
    notes = [positions.RANK_RULE, mi_parcours.STATUS_RULE]
    if demo:
        notes.insert(0, "Retours, cibles et financements : données fictives de démonstration ; statistiques publiques "
                        "(INSEE, DREES) réelles.")
    return Glance(code, level, name, figures, programme, t0_year, current, counts,
                  late[["indicator", "label", "attainment", "current_period"]].reset_index(drop=True), quality,
                  errors, alerts_of(quality, errors, late, counts), demo, notes)


def figures_caption(level: str) -> str:
    """What the key figures are, said once above them."""
    noun = "départements" if level == positions.LEVEL_DEPARTEMENT else "EPCI de même nature"
    return (f"Dernière année publiée de chaque indicateur ; courbe et évolution sur ses dernières années ; rang parmi "
            f"les {noun} classés (rang 1 et quartile 1 = les plus favorables). Un effectif est classé sur son taux, "
            "jamais brut ; une valeur signalée par un contrôle n'est pas classée.")


def perimeter_note(glance: Glance) -> str:
    """What the status counts cover."""
    label = mi_parcours.PROGRAMME_LABELS.get(glance.programme, glance.programme)
    return (f"{label} : indicateurs d'action ayant une cible, statut à {glance.current_year} sur la trajectoire "
            f"de T0 ({glance.t0_year}) à la cible" + (f" ({DEMO_TEXT})." if glance.demo else "."))


def tile_caption(figure: KeyFigure) -> str:
    """Under a tile: the year, the position, the count behind a rate, the producer (markdown)."""
    alone = "" if sparkline(figure) else " (seule année publiée)"
    count = f" · {figure.raw_text}" if figure.raw_text else ""
    return f"**{figure.year}**{alone} · {figure.position_short}{count} · {figure.producer}"


def tile_help(figure: KeyFigure) -> str:
    """A tile's help: the full label, the series, the position in words, the full source."""
    return (f"{figure.label}. Évolution : {figure.trend_text}. Position : {figure.position_text}. "
            f"Source : {figure.source}.")


def sparkline(figure: KeyFigure) -> list[float] | None:
    """The sparkline's values (a missing year left out); None with fewer than two years (no line to draw)."""
    values = [v for _, v in figure.trend if not pd.isna(v)]
    return values if len(values) >= 2 else None


def delta_text(figure: KeyFigure) -> str | None:
    """The change over the trend's years, signed with its unit, for a metric's delta (None with one year)."""
    if pd.isna(figure.delta):
        return None
    first = next(y for y, v in figure.trend if not pd.isna(v))
    return f"{fmt_signed(figure.delta, short_unit(figure.unit))} depuis {first}"


def delta_arrow(figure: KeyFigure) -> str:
    """The arrow of the change (the formatter's minus sign is U+2212, which Streamlit does not read as negative)."""
    if pd.isna(figure.delta) or figure.delta == 0:
        return "off"
    return "up" if figure.delta > 0 else "down"


def delta_color(figure: KeyFigure) -> str:
    """Green when the change goes the way the indicator should, red the other way, grey without a direction."""
    d = positions.direction_of(figure.direction)
    if d is None or pd.isna(figure.delta) or figure.delta == 0:
        return "gray"
    return "green" if (figure.delta > 0) == (d == positions.UP) else "red"


# ------------------------------------------------------------------------------------------------ a région, compact

REGION_FIGURES = ("STAT-TP60", "STAT-RSA-ALLOCATAIRES", "PACTE-2-ORI-TX")  # the columns of the région's table


def region_table(db: Database, departements: pd.DataFrame, data: t0.T0Data | None = None,
                 programme: str = PROGRAMME) -> pd.DataFrame:
    """A région's départements side by side (the compact glance; the région page is the full one): a few key
    figures with their national rank, and the contract's status counts. departements: code, name."""
    data = data if data is not None else t0.load_t0_data(db, positions.LEVEL_DEPARTEMENT, REGION_FIGURES,
                                                         territories=list(departements["code"].astype(str)))
    rows = []
    for code, name in zip(departements["code"].astype(str), departements["name"]):
        row: dict[str, object] = {"Département": f"{name} ({code})"}
        t0_year, current = current_year(db, positions.LEVEL_DEPARTEMENT, code, programme)
        counts = status_counts(mi_parcours.tracking_of(db, code, positions.LEVEL_DEPARTEMENT, t0_year, current,
                                                       programme))
        for status in COUNTED_STATUSES:  # the statuses first: what a commissaire looks for before a comité
            row[status.capitalize()] = counts[status]
        figures = {f.code: f for f in key_figures(data, code, REGION_FIGURES, limit=len(REGION_FIGURES))}
        for ind in REGION_FIGURES:
            f = figures.get(ind)
            rank = f" · rang {f.rank}/{f.n_ranked}" if f is not None and f.rank is not None and f.direction else ""
            row[SHORT_LABELS.get(ind, ind)] = f"{f.tile_text} ({f.year}){rank}" if f is not None else MISSING_TEXT
        rows.append(row)
    return pd.DataFrame(rows)
