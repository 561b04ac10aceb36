"""Fictitious indicator returns for the demo, written as files exactly as départements would send them."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from levier.ingest.catalogue import read_catalogue
from levier.demo.common import (
    DEMO_SEED,
    FICTION_NOTE,
    cdppe_wave_years,
    seeded_rng,
    sheet_name,
    slug,
    workbook,
)

# Filosofi publishes no poverty rate for Guadeloupe, Guyane and Mayotte. INSEE's household surveys (Budget de
# famille 2017/2018, measured against the national 60 % threshold) put them at about 34 %, 53 % and 77 %: those
# rounded figures stand in for them.
IMPUTED_POVERTY_RATES = {"971": 34.0, "973": 53.0, "976": 77.0}
FALLBACK_POVERTY_RATE = 14.6  # France métropolitaine, Filosofi 2020: for any other territory without a rate
# Counts are scaled on population × poverty rate, with the rate capped: at Mayotte's 77 % most poor households are
# outside the RSA and the child-protection system (residence conditions), and uncapped counts would be absurd.
SCALING_RATE_CAP = 40.0
# Cities concentrate poverty: a métropole gets its département's rate times this factor (no Filosofi rate per EPCI).
METROPOLE_RATE_FACTOR = 1.1

CALPAE_GRID_YEARS = (2019, 2020, 2021)
CALPAE_LONG_YEAR = 2022
CDPPE_YEARS = (2020, 2021, 2022)
PACTE_T0 = 2023
PACTE_YEARS = (2023, 2024, 2025, 2026)
PACTE_TARGET_YEAR = 2027
CORRECTED_TERRITORIES = ("38", "44", "69")
CORRECTIONS_PER_TERRITORY = 7
CORRECTION_YEAR = 2021

# How some grid files deviate from the template without being wrong: numbers typed as French text, and rows
# whose Code cell was left empty (the importer must then match the label).
TEXT_NUMBER_FILES = ("2A", "38", "62", "80", "974")
EMPTY_CODE_FILES = ("01", "69", "75", "972")
EMPTY_CODE_ROWS = 4

_FIXED_CREATED = datetime(2022, 3, 1, 9, 0, 0)  # workbook metadata, so two runs give the same bytes
_DEFAULT_DUE = "06-30"

# ---------------------------------------------------------------------------------------------------------------
# Planted defects: not import errors (every file passes validation), but what the quality views must find.
# Fixed territories and indicators, so tests and the quality page can check them without re-running anything.
# ---------------------------------------------------------------------------------------------------------------

MISSING_RETURN_2022 = ("05", "2B", "52", "89", "973")
LATE_TERRITORY = "13"
LATE_DELAY_DAYS = 148  # about five months after the 31 March due date
UNIT_DEFECT = ("33", "CALPAE-3.1.1-OR1M", "CALPAE-3.1.1-NE", 2021)
FROZEN = ("87", "CALPAE-2.1.2-ACC", CALPAE_GRID_YEARS)
# Declared vs independent source (levier.analysis.independent): the Puy-de-Dôme declares 95 % of its new RSA entrants
# oriented within a month every year, while the real OARSA survey finds 56 % of its beneficiaries oriented at all at
# the end of 2018 — a gap of about +39 points, beyond the catalogue's 10-point tolerance, so the badge shows on the
# demo once the DREES series are imported. Every other département stays within the tolerance: the OR1M share rule
# keeps the demo below 40 %, under the lowest OARSA share a CALPAE year is compared with (Mayotte, 32 % in 2015)
# plus 10 points, and under the ceiling every published OARSA delay implies (about 60 % for 160 days).
INDEPENDENT_GAP = ("63", "CALPAE-3.1.1-OR1M", "CALPAE-3.1.1-NE", 0.95)


def _d(kind, programme, territory, indicator, period, description, **extra) -> dict:
    return {"kind": kind, "programme": programme, "territory": territory, "indicator": indicator,
            "period": period, "description": description, **extra}


PLANTED_DEFECTS: list[dict] = [
    *[
        _d("retour_absent", "CALPAE", code, None, CALPAE_LONG_YEAR,
           "Aucun retour CALPAE pour 2022 : le département est absent du fichier consolidé.")
        for code in MISSING_RETURN_2022
    ],
    _d("retour_tardif", "CALPAE", LATE_TERRITORY, None, CALPAE_LONG_YEAR,
       "Retour 2022 transmis environ cinq mois après l'échéance du 31 mars 2023.", delay_days=LATE_DELAY_DAYS),
    _d("unite_erronee", "CALPAE", UNIT_DEFECT[0], UNIT_DEFECT[1], UNIT_DEFECT[3],
       "Numérateur saisi en pourcentage au lieu d'un effectif : la part des nouveaux entrants orientés en moins "
       "d'un mois s'effondre en 2021 (rupture de série).", denominator=UNIT_DEFECT[2]),
    _d("ecart_source_independante", "CALPAE", INDEPENDENT_GAP[0], INDEPENDENT_GAP[1], CALPAE_LONG_YEAR,
       "95 % des nouveaux entrants déclarés orientés en un mois chaque année, contre 56 % des bénéficiaires orientés "
       "fin 2018 selon l'enquête OARSA de la DREES : écart au-delà de la tolérance.", periods=[*CALPAE_GRID_YEARS, CALPAE_LONG_YEAR]),
    _d("valeur_figee", "CALPAE", FROZEN[0], FROZEN[1], FROZEN[2][-1],
       "Valeur identique en 2019, 2020 et 2021 (probable recopie de l'année précédente).", periods=list(FROZEN[2])),
    *[
        _d("secret", "CALPAE", "48", "CALPAE-1.2-PROT", year,
           "Effectif faible couvert par le secret statistique (« s »).", marker="s")
        for year in CALPAE_GRID_YEARS
    ],
    _d("secret", "CALPAE", "48", "CALPAE-1.1.1-LIEN", 2021,
       "Effectif faible couvert par le secret statistique (« s »).", marker="s"),
    _d("secret", "CDPPE", "23", "CDPPE-4-E17", 2021,
       "Effectif faible couvert par le secret statistique (« s »).", marker="s"),
    _d("non_disponible", "CALPAE", "23", "CALPAE-3.2.2-DEL", 2019,
       "Délai non transmis par Pôle emploi (« nd »).", marker="nd"),
    _d("non_disponible", "CDPPE", "976", "CDPPE-1-BSEM", 2020,
       "Bilans de santé en école maternelle non disponibles (« nd »).", marker="nd"),
    _d("non_disponible", "PACTE", "971", "PACTE-3-COUV", 2024,
       "Statistique pluriannuelle pas encore disponible (« nd »).", marker="nd"),
    _d("non_communique", "PACTE", "2A", "PACTE-1-CANT", 2025,
       "Valeur non communiquée (« nc »).", marker="nc"),
    _d("valeur_vide", "CALPAE", "971", "CALPAE-2.2-ACC", 2020, "Cellule laissée vide dans la grille.", marker=""),
    _d("valeur_vide", "CALPAE", "2A", "CALPAE-3.1.3-CER", 2019, "Cellule laissée vide dans la grille.", marker=""),
    _d("valeur_vide", "CALPAE", "2A", "CALPAE-3.1.3-CER2M", 2019, "Cellule laissée vide dans la grille.", marker=""),
    _d("valeur_vide", "CALPAE", "58", "CALPAE-2.1.2-ACC", 2022, "Valeur laissée vide dans le fichier consolidé.",
       marker=""),
    _d("valeur_vide", "CDPPE", "36", "CDPPE-3-INST", 2020, "Valeur laissée vide dans le bilan.", marker=""),
]

# Definition variants declared by a few départements (docs/variantes.md): the comparability the pages must flag.
# (territoire, indicateur or group, variante, description, depuis). Every other département declares nothing.
VARIANTS_FILE = "variantes_definitions.csv"
DEMO_VARIANTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("59", "CALPAE-3.1.1-OR1M", "J45", "Orientations comptées jusqu'à 45 jours après l'ouverture du droit.", ""),
    ("59", "CALPAE-3.1.1-OR1M", "REF", "Retour à la définition nationale (30 jours).", "2022"),
    ("62", "CALPAE-3.1.1-OR1M", "J45", "Délai de 45 jours fixé par le règlement départemental du RSA.", "2020"),
    ("76", "CALPAE-3.1.1-OR1M", "J45", "Délai de 45 jours, compté depuis l'ouverture du droit.", ""),
    ("13", "SORTIES-ASE", "17ANS", "Jeunes comptés dès 17 ans, à l'entretien de préparation de la sortie.", ""),
    ("31", "SORTIES-ASE", "17ANS", "Jeunes comptés l'année de leurs 17 ans.", "2020"),
    ("35", "CALPAE-2.1.2-ACC", "VISITES", "Compteur de passages des lieux de premier accueil.", ""),
    ("67", "CALPAE-2.1.2-ACC", "VISITES", "Nombre de visites enregistrées par les accueils.", ""),
    *((code, "CALPAE-3.1.1-OR1M", "REF", "", "") for code in ("01", "21", "29", "38", "44", "49", "57", "63", "84")),
    *((code, "SORTIES-ASE", "REF", "", "") for code in ("33", "34", "45")),
    *((code, "CALPAE-2.1.2-ACC", "REF", "", "") for code in ("38", "44", "69")),
)

_MARKER_KINDS = {"secret", "non_disponible", "non_communique", "valeur_vide"}


@dataclass(frozen=True)
class DemoFile:
    path: Path
    description: str  # French, shown in the build log
    expected: str = "ok"  # what the importer must answer
    programme: str = ""
    file_format: str = ""  # 'grille' | 'long'
    rows: int = 0  # data rows: indicator lines of a grid, value lines of a long file


def demo_file_rows(files: Iterable[DemoFile]) -> int:
    return sum(f.rows for f in files)


# ---------------------------------------------------------------------------------------------------------------
# How each indicator behaves: a level per poor person (or per inhabitant), or a share of its total.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    scale: str = "poor"  # 'poor' (population × poverty rate), 'pop', 'abs' (level is the value itself)
    level: float = 0.005
    sigma: float = 0.25  # spread between territories (lognormal)
    drift: float = 0.02  # mean yearly relative change
    share: tuple[float, float] = (0.35, 0.8)  # for a sub-count: range of its share of the total
    share_drift: float = 0.02  # mean yearly relative change of that share
    decimals: int = 0


_RULES: dict[str, _Rule] = {
    # CALPAE 1.1: young people leaving child welfare (ASE) at 18.
    "CALPAE-1.1.1-MAJ": _Rule("pop", 2.2e-4, drift=0.02),
    "CALPAE-1.1.1-REF": _Rule(share=(0.3, 0.7), share_drift=0.04),
    "CALPAE-1.1.1-CJM": _Rule(share=(0.3, 0.6), share_drift=0.02),
    "CALPAE-1.1.1-LIEN": _Rule(share=(0.4, 0.8), share_drift=0.04),
    "CALPAE-1.1.1-LOG": _Rule(share=(0.45, 0.8)),
    "CALPAE-1.1.2-RES": _Rule(share=(0.5, 0.85)),
    "CALPAE-1.1.3-PAR": _Rule(share=(0.5, 0.85)),
    # CALPAE 1.2: mixed street outreach for children.
    "CALPAE-1.2-FAM": _Rule("poor", 4e-4, sigma=0.4, drift=0.05),
    "CALPAE-1.2-ABRI": _Rule("poor", 9e-4, sigma=0.4, drift=0.05),
    "CALPAE-1.2-ABRI-MIN": _Rule(share=(0.4, 0.6), share_drift=0.0),
    "CALPAE-1.2-DRO": _Rule("poor", 3e-4, sigma=0.4, drift=0.05),
    "CALPAE-1.2-PROT": _Rule(share=(0.05, 0.25), share_drift=0.0),
    # CALPAE 2: unconditional first reception, référent de parcours.
    "CALPAE-2.1.1-COUV": _Rule("abs", 78.0, sigma=10.0, drift=2.0, decimals=1),
    "CALPAE-2.1.2-STP": _Rule("pop", 8e-5, drift=0.01),
    "CALPAE-2.1.2-STE": _Rule(share=(0.25, 0.6), share_drift=0.04),
    "CALPAE-2.1.2-ACC": _Rule("poor", 0.1, drift=0.06),
    "CALPAE-2.2-EFF": _Rule("pop", 1.2e-3, sigma=0.15, drift=0.0),
    "CALPAE-2.2-INT": _Rule(share=(0.1, 0.4), share_drift=0.04),
    "CALPAE-2.2-ACC": _Rule("poor", 4e-3, sigma=0.35, drift=0.08),
    # CALPAE 3: RSA orientation and guaranteed activity.
    "CALPAE-3.1.1-NE": _Rule("poor", 0.037, sigma=0.15, drift=0.0),
    # At most 0,35 × 1,04³ ≈ 39 % by 2022: with mean delays to a first orientation of about 111 days (OARSA), a
    # minority is oriented within a month; and within 10 points of every OARSA share (INDEPENDENT_GAP).
    "CALPAE-3.1.1-OR1M": _Rule(share=(0.2, 0.35), share_drift=0.03),
    "CALPAE-3.1.2-RDV": _Rule("poor", 0.03, sigma=0.2, drift=0.01),
    "CALPAE-3.1.2-RDV2S": _Rule(share=(0.3, 0.65), share_drift=0.03),
    "CALPAE-3.1.3-CER": _Rule("poor", 0.025, sigma=0.2, drift=0.01),
    "CALPAE-3.1.3-CER2M": _Rule(share=(0.25, 0.6), share_drift=0.03),
    "CALPAE-3.2.1-OAG": _Rule(share=(0.04, 0.12), share_drift=0.02),
    "CALPAE-3.2.1-OGAD": _Rule(share=(0.02, 0.08), share_drift=0.02),
    "CALPAE-3.2.1-ENC": _Rule("poor", 0.012, sigma=0.3, drift=0.05),
    "CALPAE-3.2.2-PPC": _Rule("abs", 80.0, sigma=0.15, drift=0.0, decimals=1),
    "CALPAE-3.2.2-DEL": _Rule("abs", 28.0, sigma=0.25, drift=-0.04),
    "CALPAE-4.1.1-TOT": _Rule("pop", 3e-4, sigma=0.35, drift=0.06),
    "CALPAE-4.1.2-TOT": _Rule("pop", 1.2e-4, sigma=0.45, drift=0.06),
    # CDPPE: child protection.
    "CDPPE-1-NAIS": _Rule("pop", 0.0105, sigma=0.12, drift=-0.02),
    "CDPPE-1-EPP": _Rule(share=(0.25, 0.6), share_drift=0.03),
    "CDPPE-1-VADPRE": _Rule("pop", 1.5e-3, sigma=0.35, drift=0.03),
    "CDPPE-1-VADPOST": _Rule("pop", 4e-3, sigma=0.35, drift=0.03),
    "CDPPE-1-NNVAD": _Rule(share=(0.15, 0.45), share_drift=0.02),
    "CDPPE-1-EFF34": _Rule("pop", 0.0115, sigma=0.1, drift=-0.015),
    "CDPPE-1-BSEM": _Rule(share=(0.45, 0.75), share_drift=0.03),
    "CDPPE-2-IP": _Rule("pop", 2.8e-3, sigma=0.25, drift=0.04),
    "CDPPE-2-IP3M": _Rule(share=(0.4, 0.75), share_drift=0.03),
    "CDPPE-2-CONF": _Rule("pop", 2.7e-3, sigma=0.25, drift=0.02),
    "CDPPE-2-PPE": _Rule(share=(0.2, 0.6), share_drift=0.04),
    "CDPPE-2-ENT": _Rule("pop", 9e-4, sigma=0.25, drift=0.02),
    "CDPPE-2-BSE": _Rule(share=(0.3, 0.7), share_drift=0.04),
    "CDPPE-3-INST": _Rule("pop", 5e-6, sigma=0.5, drift=0.15),
    "CDPPE-3-PARR": _Rule("pop", 3e-5, sigma=0.5, drift=0.08),
    "CDPPE-4-J17": _Rule("pop", 1.8e-4, sigma=0.25, drift=0.02),
    "CDPPE-4-E17": _Rule(share=(0.4, 0.75), share_drift=0.03),
    "CDPPE-4-JM": _Rule("pop", 4e-4, sigma=0.3, drift=0.03),
    # PACTE: contrats locaux des solidarités.
    "PACTE-1-AVIP": _Rule("pop", 1e-5, sigma=0.5),
    "PACTE-1-ACC": _Rule("poor", 4e-3, sigma=0.35),
    "PACTE-1-PAR": _Rule("pop", 3e-5, sigma=0.4),
    "PACTE-1-PDJ": _Rule("poor", 0.02, sigma=0.4),
    "PACTE-1-CANT": _Rule("pop", 2e-5, sigma=0.5),
    "PACTE-1-DECR": _Rule("poor", 2e-3, sigma=0.35),
    "PACTE-1-DECR-MAINT": _Rule(share=(0.4, 0.7)),
    "PACTE-2-NE": _Rule("poor", 0.037, sigma=0.15, drift=0.0),
    "PACTE-2-ORI": _Rule(share=(0.45, 0.72)),
    "PACTE-2-ACC": _Rule("poor", 0.04, sigma=0.25),
    "PACTE-2-CONTRAT": _Rule(share=(0.35, 0.7)),
    "PACTE-2-SORT": _Rule(share=(0.1, 0.3)),
    "PACTE-2-MOB": _Rule("poor", 3e-3, sigma=0.4),
    "PACTE-2-GARDE": _Rule("poor", 8e-4, sigma=0.4),
    "PACTE-3-PASI": _Rule("pop", 8e-5, sigma=0.3),
    "PACTE-3-ACC": _Rule("poor", 0.1, sigma=0.3),
    "PACTE-3-COUV": _Rule("abs", 80.0, sigma=7.0, decimals=1),
    "PACTE-3-AV": _Rule("poor", 0.01, sigma=0.35),
    "PACTE-3-DROITS": _Rule(share=(0.3, 0.7)),
    "PACTE-3-EXP": _Rule("poor", 2.5e-3, sigma=0.3),
    "PACTE-3-EXP-MAINT": _Rule(share=(0.4, 0.72)),
    "PACTE-4-SLIME": _Rule("poor", 1.5e-3, sigma=0.45),
    "PACTE-4-ORIENT": _Rule(share=(0.3, 0.7)),
    "PACTE-4-ECOMOB": _Rule("poor", 2e-3, sigma=0.45),
    "PACTE-4-ALIM": _Rule("poor", 5e-3, sigma=0.45),
}

# Sub-counts the catalogue does not turn into a ratio, kept below their total all the same (child -> total).
_EXTRA_PARENTS = {"CALPAE-1.2-ABRI-MIN": "CALPAE-1.2-ABRI", "CALPAE-1.2-PROT": "CALPAE-1.2-ABRI-MIN"}
# Totals at least equal to the sum of some sub-counts (persons in guaranteed activity = new + earlier entrants).
_AT_LEAST_SUM = {"CALPAE-3.2.1-ENC": ("CALPAE-3.2.1-OAG", "CALPAE-3.2.1-OGAD")}


def _fallback_rule(unit: str) -> _Rule:
    if unit == "%":
        return _Rule("abs", 70.0, sigma=10.0, drift=1.0, decimals=1)
    if unit in ("jours", "minutes"):
        return _Rule("abs", 30.0, sigma=0.25, drift=-0.02)
    if unit == "ratio":
        return _Rule("abs", 50.0, sigma=0.2, drift=0.0, decimals=1)
    if unit == "€":
        return _Rule("pop", 1.5, sigma=0.3, drift=0.03)
    return _Rule()


# ---------------------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


@dataclass(frozen=True)
class _Indicator:
    code: str
    label: str
    programme: str
    kind: str
    unit: str
    direction: str
    numerator: str
    denominator: str

    @property
    def derived(self) -> bool:
        return bool(self.numerator and self.denominator)


@dataclass(frozen=True)
class _Territory:
    code: str
    name: str
    population: float
    rate: float  # poverty rate used for scaling, in %
    level: str  # 'departement' | 'metropole'

    @property
    def poor(self) -> float:
        return self.population * min(self.rate, SCALING_RATE_CAP) / 100.0


_DESCRIPTIVE = ("kind", "direction")


def _indicators(frame: pd.DataFrame) -> list[_Indicator]:
    missing = [c for c in _DESCRIPTIVE if c not in frame.columns]
    if missing:
        # The import context query carries no kind nor direction, yet targets need them: take them from the
        # catalogue files, by code.
        extra = read_catalogue().indicators[["code", *missing]]
        frame = frame.merge(extra, on="code", how="left")
    cols = set(frame.columns)
    get = (lambda row, c: _text(row.get(c)) if c in cols else "")  # noqa: E731
    out = []
    for row in frame.to_dict("records"):
        if get(row, "territory"):  # a contract's own indicator: not part of the national grid
            continue
        out.append(_Indicator(
            code=get(row, "code"), label=get(row, "label") or get(row, "code"), programme=get(row, "programme"),
            kind=get(row, "kind"), unit=get(row, "unit"), direction=get(row, "direction"),
            numerator=get(row, "numerator"), denominator=get(row, "denominator"),
        ))
    return out


def _poverty_rates(poverty_rates: Mapping[str, float]) -> dict[str, float]:
    rates = {str(k): float(v) for k, v in poverty_rates.items() if v is not None and not pd.isna(v)}
    if rates and max(rates.values()) <= 1.0:  # given as fractions rather than percentages
        rates = {k: v * 100 for k, v in rates.items()}
    return rates


def _population(value) -> float:
    return 0.0 if _text(value) == "" else float(value)


def _territories(departements: pd.DataFrame, metropoles: pd.DataFrame, rates: dict[str, float]) -> tuple[list, list]:
    def rate_of(dep: str) -> float:
        return rates.get(dep, IMPUTED_POVERTY_RATES.get(dep, FALLBACK_POVERTY_RATE))

    deps = [
        _Territory(_text(r["code"]), _text(r["name"]), _population(r["population"]), rate_of(_text(r["code"])),
                   "departement")
        for r in departements.to_dict("records")
    ]
    metros = [
        _Territory(_text(r["code"]), _text(r["name"]), _population(r["population"]),
                   rate_of(_text(r["dep"])) * METROPOLE_RATE_FACTOR, "metropole")
        for r in metropoles.to_dict("records")
    ] if metropoles is not None and len(metropoles) else []
    return sorted(deps, key=lambda t: t.code), sorted(metros, key=lambda t: t.code)


def _due_dates(programmes: pd.DataFrame) -> dict[str, tuple[int, int]]:
    out = {}
    for r in programmes.to_dict("records"):
        due = _text(r.get("due_date")) or _DEFAULT_DUE
        month, day = (int(x) for x in due.split("-"))
        out[_text(r["code"])] = (month, day)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class _Model:
    """Order and relations of one programme's typed-in indicators."""

    codes: list[str]  # simulation order: totals before their sub-counts
    info: dict[str, _Indicator]
    parents: dict[str, list[str]]  # sub-count -> totals it may not exceed
    parts: dict[str, list[list[str]]]  # total -> groups of sub-counts that add up to it
    layout: list[str]  # order of the rows in a file: the catalogue's
    result_parts: list[str]  # numerators of the ratios that measure results

    @property
    def first(self) -> str:
        return self.layout[0]

    def rule(self, code: str) -> _Rule:
        return _RULES.get(code) or _fallback_rule(self.info[code].unit)


def _model(indicators: list[_Indicator], programme: str) -> _Model:
    mine = [i for i in indicators if i.programme == programme]
    typed = [i for i in mine if not i.derived]
    info = {i.code: i for i in typed}
    parents: dict[str, list[str]] = {}
    for i in mine:
        if i.derived and i.numerator in info and i.denominator in info:
            parents.setdefault(i.numerator, []).append(i.denominator)
    for child, parent in _EXTRA_PARENTS.items():
        if child in info and parent in info and parent not in parents.get(child, []):
            parents.setdefault(child, []).append(parent)
    parts: dict[str, list[list[str]]] = {}
    for code in info:
        if code.endswith("-TOT"):
            stem = code[: -len("-TOT")]
            for tag in ("-TH-", "-SE-"):
                group = [c for c in info if c.startswith(stem + tag)]
                if group:
                    parts.setdefault(code, []).append(group)
    in_parts = {c for groups in parts.values() for g in groups for c in g}
    order: list[str] = []
    done: set[str] = set()

    def visit(code: str, stack: tuple = ()) -> None:
        if code in done or code in stack:
            return
        for p in parents.get(code, []):
            visit(p, stack + (code,))
        done.add(code)
        order.append(code)

    for code in info:
        if code not in in_parts:
            visit(code)
    results = sorted({i.numerator for i in mine if i.derived and i.kind == "résultat" and i.numerator in info})
    return _Model(order, info, parents, parts, [i.code for i in typed], results)


def _is_percent(info: _Indicator) -> bool:
    return info.unit == "%"


def _finish(values: np.ndarray, info: _Indicator, rule: _Rule) -> np.ndarray:
    if _is_percent(info):
        return np.round(np.clip(values, 0.0, 100.0), rule.decimals)
    values = np.maximum(values, 0.0)
    return np.round(values, rule.decimals) if rule.decimals else np.round(values)


def _root_series(rng, rule: _Rule, info: _Indicator, terr: _Territory, n: int) -> np.ndarray:
    """A level drawn for the territory, then yearly changes within ±6 % (a few points for a percentage)."""
    if rule.scale == "abs" and _is_percent(info):
        start = float(np.clip(rng.normal(rule.level, rule.sigma), 35.0, 92.0))
        steps = np.clip(rng.normal(rule.drift, 1.5, size=n - 1), -4.0, 4.0)
        steps = np.where(steps < 0, -1.0, 1.0) * np.maximum(np.abs(steps), 0.3)  # visibly moves every year
        return np.clip(start + np.concatenate([[0.0], np.cumsum(steps)]), 0.0, 100.0)
    scale = {"poor": terr.poor, "pop": terr.population}.get(rule.scale, 1.0)
    start = rule.level * scale * rng.lognormal(0.0, rule.sigma)
    own = rng.normal(rule.drift, 0.015)
    steps = np.clip(rng.normal(own, 0.025, size=n - 1), -0.06, 0.06)
    return start * np.concatenate([[1.0], np.cumprod(1.0 + steps)])


def _share_series(rng, rule: _Rule, n: int, boost: np.ndarray | None = None) -> np.ndarray:
    """Share of the total, changing by -3.5 % to +4 % a year (more once a contract boosts it)."""
    lo, hi = rule.share
    start = rng.uniform(lo, hi)
    extra = np.zeros(n - 1) if boost is None else np.asarray(boost[1:], dtype=float)
    steps = np.clip(rng.normal(rule.share_drift, 0.015, size=n - 1) + extra, -0.035, 0.04 + extra)
    return np.clip(start * np.concatenate([[1.0], np.cumprod(1.0 + steps)]), 0.01, 0.97)


def _freeze(series: np.ndarray, idx: list[int]) -> np.ndarray:
    """Same value over the frozen years; the years after continue from it at the same pace as before."""
    out = series.copy()
    out[idx] = series[idx[0]]
    last = idx[-1]
    if last + 1 < len(series):
        out[last + 1 :] = series[last + 1 :] * (series[idx[0]] / series[last])
    return out


def _split(total: float, weights: np.ndarray) -> np.ndarray:
    """Whole numbers adding up exactly to `total` (largest remainders)."""
    raw = total * weights / weights.sum()
    base = np.floor(raw)
    rest = int(round(total - base.sum()))
    if rest > 0:
        base[np.argsort(-(raw - base), kind="stable")[:rest]] += 1
    return base


def _frozen_at(series: np.ndarray) -> int | None:
    """Index of the middle of three equal consecutive values, if any (worth avoiding above small counts)."""
    for k in range(1, len(series) - 1):
        if series[k - 1] == series[k] == series[k + 1] and series[k] >= 20:
            return k
    return None


def _simulate(seed: int, purpose: str, model: _Model, terr: _Territory, years: tuple[int, ...],
              frozen: dict[tuple[str, str], tuple[int, ...]] | None = None,
              boosts: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Every typed-in indicator of a programme for one territory, one value per year, sub-counts ≤ totals."""
    n = len(years)
    out: dict[str, np.ndarray] = {}
    for code in model.codes:
        info, rule = model.info[code], model.rule(code)
        rng = seeded_rng(seed, purpose, terr.code, code)
        tops = model.parents.get(code)
        if tops:
            cap = np.min([out[p] for p in tops], axis=0)
            share = _share_series(rng, rule, n, (boosts or {}).get(code))
            out[code] = np.floor(cap * share)
            k = _frozen_at(out[code])
            if k is not None:  # an unplanted frozen series would pass for a copy-paste: lower it by one
                out[code][k] -= 1
            continue
        series = _root_series(rng, rule, info, terr, n)
        if frozen and (terr.code, code) in frozen:
            idx = [years.index(y) for y in frozen[(terr.code, code)] if y in years]
            if idx:
                series = _freeze(series, idx)
        out[code] = _finish(series, info, rule)
        k = _frozen_at(out[code])
        if k is not None and not (frozen and (terr.code, code) in frozen):
            out[code][k] -= 1 if not rule.decimals else 0.1
        for group in model.parts.get(code, []):
            weights = rng.dirichlet(np.full(len(group), 2.0))
            for k in range(n):
                drifted = np.clip(weights * rng.lognormal(0.0, 0.08, size=len(group)), 1e-6, None)
                for c, v in zip(group, _split(out[code][k], drifted)):
                    out.setdefault(c, np.zeros(n))[k] = v
            for c in group:
                k = _frozen_at(out[c])
                if k is not None:  # move one unit to the largest other part: the sum stays the total
                    other = max((g for g in group if g != c), key=lambda g: out[g][k])
                    out[c][k] -= 1
                    out[other][k] += 1
    for total, subs in _AT_LEAST_SUM.items():
        if total in out and all(s in out for s in subs):
            out[total] = np.maximum(out[total], sum(out[s] for s in subs))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------------


def _plain(value: float, decimals: int) -> str:
    """'5412', '87,5': a long file's number, decimal comma, no thousands separator."""
    if decimals:
        return f"{value:.{decimals}f}".replace(".", ",")
    return str(int(value))


def _french_text(value: float, decimals: int, sep: str) -> str:
    """'1 234', '87,5': a number as someone typed it into a text cell."""
    return f"{value:,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", sep)


def _write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str, newline: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def _workbook(path: Path, title: str):
    return workbook(path, title, _FIXED_CREATED)


def _due(due_dates: dict[str, tuple[int, int]], programme: str, year: int) -> date:
    month, day = due_dates.get(programme, (6, 30))
    return date(year + 1, month, day)


def _sent_on(seed: int, programme: str, territory: str, year: int, due: date) -> date:
    """On time: a few days to six weeks before the due date."""
    days = int(seeded_rng(seed, "sent", programme, territory, str(year)).integers(2, 45))
    return due - timedelta(days=days)


def _fmt_date_fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


# ---------------------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------------------


def cdppe_waves(dep_codes: Iterable[str], seed: int = DEMO_SEED, known: Mapping[str, int] | None = None) -> dict[str, int]:
    """Year each département signs its CDPPE (30 in 2020 starting from the public list, then 40, then the rest): one
    shared source with the demo funding and the contract table (levier.demo.common.cdppe_wave_table)."""
    return cdppe_wave_years(dep_codes, seed, known)


def _overrides(present: set[str], codes: set[str]) -> dict[tuple[str, str, str, int], str]:
    """(programme, territory, indicator, year) -> what the cell says instead of the value ('s', 'nd', '')."""
    out = {}
    for d in PLANTED_DEFECTS:
        if d["kind"] in _MARKER_KINDS and d["territory"] in present and d["indicator"] in codes:
            out[(d["programme"], d["territory"], d["indicator"], d["period"])] = d["marker"]
    return out


def generate_demo_files(
    out_dir: Path,
    departements: pd.DataFrame,
    metropoles: pd.DataFrame,
    indicators: pd.DataFrame,
    programmes: pd.DataFrame,
    poverty_rates: Mapping[str, float],
    seed: int = DEMO_SEED,
    cdppe_wave_years: Mapping[str, int] | None = None,
) -> list[DemoFile]:
    """Writes the demo returns into out_dir and lists them in the order they must be imported."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rates = _poverty_rates(poverty_rates)
    deps, metros = _territories(departements, metropoles, rates)
    inds = _indicators(indicators)
    due_dates = _due_dates(programmes)
    present = {t.code for t in deps} | {t.code for t in metros}
    all_codes = {i.code for i in inds}
    overrides = _overrides(present, all_codes)

    files: list[DemoFile] = []
    calpae = _model(inds, "CALPAE")
    calpae_values: dict[str, dict[str, np.ndarray]] = {}
    if calpae.codes:
        years = CALPAE_GRID_YEARS + (CALPAE_LONG_YEAR,)
        frozen = {(FROZEN[0], FROZEN[1]): FROZEN[2]}
        for t in deps:
            calpae_values[t.code] = _simulate(seed, "calpae", calpae, t, years, frozen=frozen)
        _plant_independent_gap(calpae_values)
        files += _write_calpae_grids(out_dir, deps, calpae, calpae_values, overrides, due_dates, seed)
        files.append(_write_calpae_2022(out_dir, deps, calpae, calpae_values, overrides, due_dates, seed))
    cdppe = _model(inds, "CDPPE")
    if cdppe.codes:
        waves = cdppe_waves([t.code for t in deps], seed, cdppe_wave_years)
        files.append(_write_cdppe(out_dir, deps, cdppe, waves, overrides, due_dates, seed))
    pacte = _model(inds, "PACTE")
    if pacte.codes:
        files.append(_write_pacte(out_dir, deps + metros, pacte, overrides, due_dates, seed))
    if calpae.codes:
        corr = _write_corrections(out_dir, deps, calpae, calpae_values, due_dates, seed)
        if corr is not None:
            files.append(corr)
    return files


def _plant_independent_gap(values: dict[str, dict[str, np.ndarray]]) -> None:
    """The planted gap to the independent source: the named département's sub-count set to a fixed share of its
    total every year (no break, never above the total)."""
    terr, num, den, share = INDEPENDENT_GAP
    if terr in values and num in values[terr] and den in values[terr]:
        values[terr][num] = np.floor(values[terr][den] * share)


# --- CALPAE 2019–2021: one grid workbook per département ------------------------------------------------------


def _calpae_cell(overrides, terr: str, code: str, year: int, values: dict[str, np.ndarray]):
    """The value as the département wrote it: a number, a marker, '' for blank (the planted unit slip included)."""
    key = ("CALPAE", terr, code, year)
    if key in overrides:
        return overrides[key]
    idx = (CALPAE_GRID_YEARS + (CALPAE_LONG_YEAR,)).index(year)
    v = float(values[code][idx])
    if (terr, code, year) == (UNIT_DEFECT[0], UNIT_DEFECT[1], UNIT_DEFECT[3]) and UNIT_DEFECT[2] in values:
        den = float(values[UNIT_DEFECT[2]][idx])
        return float(round(100.0 * v / den)) if den > 0 else v
    return v


def _write_calpae_grids(out_dir, deps, model: _Model, values, overrides, due_dates, seed) -> list[DemoFile]:
    files = []
    for t in deps:
        vals = values[t.code]
        rng = seeded_rng(seed, "grid-layout", t.code)
        text_numbers = t.code in TEXT_NUMBER_FILES
        sep = "\u00a0" if t.code in ("38", "974") else " "
        grid_codes = model.layout
        empty_codes: set[str] = set()
        if t.code in EMPTY_CODE_FILES:
            picks = rng.choice(len(grid_codes), size=min(EMPTY_CODE_ROWS, len(grid_codes)), replace=False)
            empty_codes = {grid_codes[int(k)] for k in picks}
        sent = _sent_on(seed, "CALPAE", t.code, CALPAE_GRID_YEARS[-1], _due(due_dates, "CALPAE", CALPAE_GRID_YEARS[-1]))
        path = out_dir / f"calpae_{CALPAE_GRID_YEARS[0]}-{CALPAE_GRID_YEARS[-1]}_{t.code}_{slug(t.name)}.xlsx"
        wb = _workbook(path, f"Grille annexe 9 – {t.name}")
        ws = wb.add_worksheet(sheet_name(t.code, t.name))
        bold = wb.add_format({"bold": True})
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 70)
        ws.set_column(2, 1 + len(CALPAE_GRID_YEARS), 11)
        ws.write_string(0, 0, FICTION_NOTE, bold)
        ws.write_string(1, 0, "Territoire")
        ws.write_string(1, 1, t.code)
        ws.write_string(1, 2, t.name)
        ws.write_string(2, 0, "Date de transmission")
        ws.write_string(2, 1, _fmt_date_fr(sent))
        ws.write_string(4, 0, "Code", bold)
        ws.write_string(4, 1, "Indicateur", bold)
        for j, y in enumerate(CALPAE_GRID_YEARS):
            ws.write_number(4, 2 + j, y, bold)
        row = 5
        for code in grid_codes:
            info, rule = model.info[code], model.rule(code)
            if code not in empty_codes:
                ws.write_string(row, 0, code)
            ws.write_string(row, 1, info.label)
            for j, y in enumerate(CALPAE_GRID_YEARS):
                cell = _calpae_cell(overrides, t.code, code, y, vals)
                if isinstance(cell, str):
                    if cell:
                        ws.write_string(row, 2 + j, cell)
                elif text_numbers:
                    ws.write_string(row, 2 + j, _french_text(cell, rule.decimals, sep))
                else:
                    ws.write_number(row, 2 + j, cell)
            row += 1
        wb.close()
        files.append(DemoFile(
            path, f"Grille CALPAE {CALPAE_GRID_YEARS[0]}–{CALPAE_GRID_YEARS[-1]} de {t.name} ({t.code}), "
            "une feuille au format de l'annexe 9.", programme="CALPAE", file_format="grille", rows=len(grid_codes),
        ))
    return files


# --- CALPAE 2022: the national consolidated long file ----------------------------------------------------------


def _write_calpae_2022(out_dir, deps, model: _Model, values, overrides, due_dates, seed) -> DemoFile:
    year = CALPAE_LONG_YEAR
    due = _due(due_dates, "CALPAE", year)
    rows: list[list[str]] = []
    for t in deps:
        if t.code in MISSING_RETURN_2022:
            continue
        sent = due + timedelta(days=LATE_DELAY_DAYS) if t.code == LATE_TERRITORY else _sent_on(seed, "CALPAE", t.code, year, due)
        for code in model.layout:
            cell = _calpae_cell(overrides, t.code, code, year, values[t.code])
            text = cell if isinstance(cell, str) else _plain(cell, model.rule(code).decimals)
            rows.append([t.code, code, str(year), text, "", _fmt_date_fr(sent)])
    if rows:
        rows[0][4] = FICTION_NOTE
    path = out_dir / f"calpae_{year}_retours_consolides.csv"
    _write_csv(path, ["territoire", "indicateur", "periode", "valeur", "commentaire", "date_transmission"],
               rows, "cp1252", "\r\n")
    return DemoFile(path, f"Retours CALPAE {year} consolidés au niveau national (CSV Windows-1252, « ; », CRLF).",
                    programme="CALPAE", file_format="long", rows=len(rows))


# --- CDPPE 2020–2022 -------------------------------------------------------------------------------------------


def _target(start: float, direction: str, gain: float, info: _Indicator, rule: _Rule) -> float:
    factor = 1.0 - gain if direction == "baisse" else 1.0 + gain
    value = start * factor
    if _is_percent(info):
        value = min(value, 99.0)
    value = float(np.round(value, rule.decimals)) if rule.decimals else float(np.round(value))
    if not _is_percent(info):  # a small count still gets a target one unit better
        value = max(value, start + 1) if direction != "baisse" else min(value, max(start - 1, 0.0))
    return value


def _cap_targets(model: _Model, targets: dict[str, float], reference: dict[str, float]) -> None:
    """A sub-count's target may not exceed its total's target (or the total itself when it has no target)."""
    for code in model.codes:
        for p in model.parents.get(code, []):
            if code in targets:
                targets[code] = min(targets[code], targets.get(p, reference[p]))


def _write_cdppe(out_dir, deps, model: _Model, waves: dict[str, int], overrides, due_dates, seed) -> DemoFile:
    years = CDPPE_YEARS
    rows: list[list[str]] = []
    for t in deps:
        wave = waves[t.code]
        # Results improve faster once the contract is signed: what a staggered difference-in-differences looks for.
        boosts = {}
        for code in model.result_parts:
                extra = seeded_rng(seed, "cdppe-effect", t.code, code).uniform(0.01, 0.03)
                boosts[code] = np.array([extra if y >= wave else 0.0 for y in years])
        vals = _simulate(seed, "cdppe", model, t, years, boosts=boosts)
        k0 = years.index(wave)
        targets, start = {}, {}
        for code, info in model.info.items():
            start[code] = float(vals[code][k0])
            if info.direction in ("hausse", "baisse"):
                gain = seeded_rng(seed, "cdppe-target", t.code, code).uniform(0.05, 0.3)
                targets[code] = _target(start[code], info.direction, gain, info, model.rule(code))
        _cap_targets(model, targets, start)
        for k, year in enumerate(years):
            sent = _sent_on(seed, "CDPPE", t.code, year, _due(due_dates, "CDPPE", year))
            for code in model.layout:
                rule = model.rule(code)
                cell = overrides.get(("CDPPE", t.code, code, year), float(vals[code][k]))
                text = cell if isinstance(cell, str) else _plain(cell, rule.decimals)
                target = year_target = comment = ""
                if year == wave and code in targets:
                    target, year_target = _plain(targets[code], rule.decimals), str(years[-1])
                if year == wave and code == model.first:
                    comment = f"Contrat signé en {wave} : cibles fixées pour {years[-1]}."
                rows.append([t.code, code, str(year), text, target, year_target, comment, sent.isoformat()])
    if rows:
        rows[0][6] = " – ".join(x for x in (FICTION_NOTE, rows[0][6]) if x)
    path = out_dir / f"cdppe_{years[0]}-{years[-1]}_bilans.csv"
    _write_csv(path, ["territoire", "indicateur", "periode", "valeur", "cible", "annee_cible", "commentaire",
                      "date_transmission"], rows, "utf-8-sig", "\n")
    return DemoFile(path, f"Bilans annuels CDPPE {years[0]}–{years[-1]} des départements, avec les cibles {years[-1]} "
                    "(CSV UTF-8 avec BOM).", programme="CDPPE", file_format="long", rows=len(rows))


# --- PACTE: T0 2023, targets 2027, yearly values to mid-term ----------------------------------------------------

_PACE = {"dans les temps": (0.85, 1.15), "en retard": (0.1, 0.5), "en avance": (1.25, 1.5)}


def pacte_trajectory(seed: int, territory: str, code: str) -> str:
    """Whether an indicator is on track, late or ahead for a territory (drawn, but the same on every run)."""
    u = seeded_rng(seed, "pacte-status", territory, code).uniform()
    return "dans les temps" if u < 0.5 else "en retard" if u < 0.8 else "en avance"


def _pacte_values(seed: int, model: _Model, t: _Territory) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    n = len(PACTE_YEARS)
    horizon = PACTE_TARGET_YEAR - PACTE_T0
    t0 = _simulate(seed, "pacte", model, t, (PACTE_T0,))
    values: dict[str, np.ndarray] = {}
    targets: dict[str, float] = {}
    for code in model.codes + [c for groups in model.parts.values() for g in groups for c in g]:
        info, rule = model.info[code], model.rule(code)
        rng = seeded_rng(seed, "pacte-path", t.code, code)
        start = float(t0[code][0])
        steps = np.arange(n) / horizon
        if info.direction in ("hausse", "baisse") and info.kind != "contexte":
            gain = rng.uniform(0.05, 0.3)
            if _is_percent(info) and info.direction == "hausse":
                gain = min(gain, max(0.05, 99.0 / max(start, 1.0) - 1.0))
            targets[code] = _target(start, info.direction, gain, info, rule)
            lo, hi = _PACE[pacte_trajectory(seed, t.code, code)]
            pace = rng.uniform(lo, hi)
            path = start + (targets[code] - start) * pace * steps
            noise = np.concatenate([[1.0], 1.0 + rng.normal(0.0, 0.02, size=n - 1)])
            values[code] = _finish(path * noise, info, rule)
            values[code][0] = start
        else:  # context figures (new RSA entrants…) carry no target: they just drift from T0
            drift = _root_series(rng, rule, info, t, n)
            path = start + (drift - drift[0]) if _is_percent(info) else start * drift / max(drift[0], 1e-9)
            values[code] = _finish(path, info, rule)
            values[code][0] = start
    for code in model.codes:
        for p in model.parents.get(code, []):
            values[code] = np.minimum(values[code], values[p])
    _unfreeze(model, values)
    _cap_targets(model, targets, {c: float(v[0]) for c, v in values.items()})
    return values, targets


def _unfreeze(model: _Model, values: dict[str, np.ndarray]) -> None:
    """The frozen-series guard of _simulate, for series built afterwards (PACTE trajectories): a slow path rounded
    to whole units can stall for three years, which the quality checks rightly read as a copied value. The middle
    year moves by one unit, down unless a sub-count would then exceed it, else up unless it would exceed its total."""
    children: dict[str, list[str]] = {}
    for child, tops in model.parents.items():
        for top in tops:
            children.setdefault(top, []).append(child)
    summed = set(model.parts) | {c for groups in model.parts.values() for g in groups for c in g}
    for code, series in values.items():
        if code in summed:  # parts add up exactly to their total: _simulate already handled them
            continue
        step = 0.1 if model.rule(code).decimals else 1.0
        for _ in range(len(series)):
            k = _frozen_at(series)
            if k is None:
                break
            v = series[k]
            if all(values[c][k] <= v - step for c in children.get(code, [])):
                series[k] = v - step
            elif all(values[p][k] >= v + step for p in model.parents.get(code, [])):
                series[k] = v + step
            else:
                break


def _write_pacte(out_dir, territories, model: _Model, overrides, due_dates, seed) -> DemoFile:
    path = out_dir / f"pacte_{PACTE_YEARS[0]}-{PACTE_YEARS[-1]}_suivi.xlsx"
    wb = _workbook(path, "Pacte des solidarités – suivi des indicateurs")
    ws = wb.add_worksheet("retours")
    header = ["territoire", "indicateur", "periode", "valeur", "cible", "annee_cible", "commentaire",
              "date_transmission"]
    for j, h in enumerate(header):
        ws.write_string(0, j, h)
    ws.set_column(0, 1, 20)
    ws.set_column(6, 6, 45)
    ws.set_column(7, 7, 16)
    r = 1
    for t in territories:
        values, targets = _pacte_values(seed, model, t)
        for k, year in enumerate(PACTE_YEARS):
            due = _due(due_dates, "PACTE", year)
            if year == PACTE_YEARS[-1]:
                # The mid-term evaluation was due by 30 June 2026: last year's figures are sent early, provisional.
                due = date(year, 6, 30)
            sent = _sent_on(seed, "PACTE", t.code, year, due)
            for code in model.layout:
                ws.write_string(r, 0, t.code)
                ws.write_string(r, 1, code)
                ws.write_number(r, 2, year)
                cell = overrides.get(("PACTE", t.code, code, year), float(values[code][k]))
                if isinstance(cell, str):
                    if cell:
                        ws.write_string(r, 3, cell)
                else:
                    ws.write_number(r, 3, cell)
                if year == PACTE_T0 and code in targets:
                    ws.write_number(r, 4, targets[code])
                    ws.write_number(r, 5, PACTE_TARGET_YEAR)
                if r == 1:
                    ws.write_string(r, 6, FICTION_NOTE)
                elif year == PACTE_T0 and code == model.first:
                    ws.write_string(r, 6, "T0 du diagnostic territorial")
                elif year == PACTE_YEARS[-1] and code == model.first:
                    ws.write_string(r, 6, "Valeurs provisoires (évaluation à mi-parcours)")
                ws.write_string(r, 7, _fmt_date_fr(sent))
                r += 1
    wb.close()
    return DemoFile(path, f"Suivi du Pacte des solidarités : T0 {PACTE_T0}, cibles {PACTE_TARGET_YEAR}, valeurs "
                    f"{PACTE_YEARS[1]}–{PACTE_YEARS[-1]} des départements et des métropoles (xlsx, format long).",
                    programme="PACTE", file_format="long", rows=r - 1)


# --- Corrections of CALPAE 2021 ------------------------------------------------------------------------------


def _corrected_values(seed: int, model: _Model, terr: str, values: dict[str, np.ndarray]) -> dict[str, float]:
    """New 2021 values for a few indicators: totals revised upwards, sub-counts up or down but never above their
    total, so the corrected figures stay coherent with those they are imported over."""
    k = CALPAE_GRID_YEARS.index(CORRECTION_YEAR)
    current = {c: float(v[k]) for c, v in values.items()}
    in_parts = {c for groups in model.parts.values() for g in groups for c in g}
    totals = {p for ps in model.parents.values() for p in ps}
    linked = set(_AT_LEAST_SUM) | {s for subs in _AT_LEAST_SUM.values() for s in subs}
    candidates = [c for c in model.codes if c not in in_parts and c not in model.parts and c not in linked
                  and current[c] > 0]
    rng = seeded_rng(seed, "corrections", terr)
    picks = sorted(rng.choice(len(candidates), size=min(CORRECTIONS_PER_TERRITORY, len(candidates)), replace=False))
    chosen = [candidates[int(i)] for i in picks]
    new = dict(current)
    for code in model.codes:  # totals before sub-counts
        if code not in chosen:
            continue
        info, rule = model.info[code], model.rule(code)
        if _is_percent(info):
            value = new[code] + rng.choice([-1, 1]) * rng.uniform(1.0, 5.0)
        elif code in totals:
            value = new[code] * rng.uniform(1.03, 1.15)
        else:
            value = new[code] * (rng.uniform(0.85, 0.97) if rng.uniform() < 0.5 else rng.uniform(1.03, 1.12))
        value = float(_finish(np.array([value]), info, rule)[0])
        for p in model.parents.get(code, []):
            value = min(value, new[p])
        new[code] = value
    return {c: new[c] for c in chosen if new[c] != current[c]}


def _write_corrections(out_dir, deps, model: _Model, values, due_dates, seed) -> DemoFile | None:
    rows: list[list[str]] = []
    due = _due(due_dates, "CALPAE", CORRECTION_YEAR)
    for t in deps:
        if t.code not in CORRECTED_TERRITORIES:
            continue
        sent = due + timedelta(days=int(seeded_rng(seed, "correction-date", t.code).integers(150, 210)))
        fixed = _corrected_values(seed, model, t.code, values[t.code])
        for code, value in ((c, fixed[c]) for c in model.layout if c in fixed):
            rows.append([t.code, code, str(CORRECTION_YEAR), _plain(value, model.rule(code).decimals),
                         "Valeur rectifiée après contrôle", _fmt_date_fr(sent)])
    if not rows:
        return None
    rows[0][4] = FICTION_NOTE + " – valeur rectifiée après contrôle"
    path = out_dir / f"calpae_{CORRECTION_YEAR}_corrections.csv"
    _write_csv(path, ["territoire", "indicateur", "periode", "valeur", "commentaire", "date_transmission"],
               rows, "utf-8", "\n")
    return DemoFile(path, f"Corrections de valeurs CALPAE {CORRECTION_YEAR} renvoyées par "
                    f"{len({r[0] for r in rows})} départements (l'historique garde l'ancienne valeur).",
                    programme="CALPAE", file_format="long", rows=len(rows))


# --- Definition variants -----------------------------------------------------------------------------------------


def write_demo_variants(out_dir: Path, dep_codes: Iterable[str]) -> DemoFile | None:
    """The variants file of the demo (DEMO_VARIANTS, for the départements present), imported after the returns."""
    present = {str(c) for c in dep_codes}
    rows = [list(r) for r in DEMO_VARIANTS if r[0] in present]
    if not rows:
        return None
    blank = next((r for r in rows if not r[3]), rows[0])  # the notice goes where it hides no declared wording
    blank[3] = f"{FICTION_NOTE} – {blank[3]}" if blank[3] else FICTION_NOTE
    path = Path(out_dir) / VARIANTS_FILE
    _write_csv(path, ["territoire", "indicateur", "variante", "description", "depuis"], rows, "utf-8-sig", "\n")
    return DemoFile(path, f"Variantes de définition déclarées par {len({r[0] for r in rows})} départements "
                    "(CSV UTF-8 avec BOM).", file_format="variantes", rows=len(rows))
