"""Fictitious funding files for the demo (State and own euros per action, re-allocations, action natures), on the
CDPPE waves of levier.demo.common shared with the demo returns and the contract table.

State amounts add up, over the départements, to the national envelopes of shared/data/programmes/
enveloppes_nationales.csv for every year the file gives; the other years follow a stated assumption
(ENVELOPE_ASSUMPTIONS), never a hidden one. The métropoles' own Pacte contracts are funded beside them
(METROPOLE_ASSUMPTION). The files are imported by the real funding importer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from levier.core.config import settings
from levier.store.db import Database, Query
from levier.ingest.funding import FundingContext, import_funding
from levier.ingest.report import ImportReport
from levier.demo.common import CDPPE_WAVE_YEARS, DEMO_SEED, FICTION_NOTE, seeded_rng, sheet_name, slug, workbook
from levier.demo.returns import (
    FALLBACK_POVERTY_RATE,
    IMPUTED_POVERTY_RATES,
    METROPOLE_RATE_FACTOR,
    SCALING_RATE_CAP,
    DemoFile,
)

ENVELOPE_FILE = Path("programmes") / "enveloppes_nationales.csv"

CALPAE_YEARS = (2019, 2020, 2021, 2022)
CDPPE_YEARS = CDPPE_WAVE_YEARS
PACTE_YEARS = (2024, 2025, 2026)
PACTE_CURRENT_YEAR = 2026  # the year in progress at mid-term: little spent yet

# The instruction of 29 May 2020 (enveloppes_nationales.csv, CDPPE 2020): 50 M€ programme 304 + 15 M€ FIR + 15 M€ ONDAM.
CDPPE_2020_LINES = {"etat_budget": 50_000_000, "etat_fir": 15_000_000, "etat_ondam": 15_000_000}
# FIR and ONDAM are health money: in the demo they fund the health-related CDPPE actions only.
CDPPE_HEALTH_ACTIONS = ("CDPPE-PMI", "CDPPE-BSEM", "CDPPE-PPE")
# Pacte 2024 (same file): 90 M€ volet Solidarités (axes 1, 3, 4) + 170 M€ réforme France Travail (axis 2).
PACTE_2024_PARTS = {"solidarites": 90_000_000, "france_travail": 170_000_000}
PACTE_WORK_AXIS = "2"

ENVELOPE_ASSUMPTIONS = {
    ("CDPPE", 2021): "CDPPE 2021 : aucune enveloppe nationale dans les sources ; hypothèse de démonstration = montant "
                     "moyen 2020 par contrat (80 M€ ÷ 30) × contrats signés en 2020 et 2021.",
    ("CDPPE", 2022): "CDPPE 2022 : même hypothèse, pour les 101 contrats signés à la fin de 2022.",
    ("PACTE", 2025): "Pacte 2025 : aucune enveloppe dans les sources ; hypothèse de démonstration = enveloppe 2024 reconduite.",
    ("PACTE", 2026): "Pacte 2026 : même hypothèse (enveloppe 2024 reconduite).",
}

# Planted cases the lever page must show (not import errors; warnings at most).
SUBSTITUTION_CASES = (("59", "CALPAE", "CALPAE-3.1", 2021), ("62", "PACTE", "PACTE-RSA", 2025),
                      ("200040715", "PACTE", "PACTE-AV", 2025))  # Grenoble-Alpes-Métropole: a métropole's case
SUBSTITUTION_OWN_FACTOR = 0.7  # own euros that year = 70 % of the year before, while State euros rise
HIGH_COFINANCING = ("35", "CALPAE", "CALPAE-2.1", 2.5)  # own € = 2.5 × State €: far from 50/50 (import warning)
OVER_COMMITTED = ("13", "CALPAE", "CALPAE-3.1", 2021, 1.06)  # State committed 6 % above planned (import warning)
NEW_ACTION_CASES = (("38", "PACTE", "PACTE-MOBECO"), ("76", "PACTE", "PACTE-ALIMDUR"))
CALPAE_NEW_SHARE = 0.35  # CALPAE actions declared new: no year before 2019 in the returns, so none can be checked
FICHE_TERRITORIES = ("2A", "38", "59")  # send their Pacte funding as per-action workbooks
REALLOCATING = {"CALPAE": 24, "CDPPE": 8, "PACTE": 12}  # départements with re-allocations, per programme
# Métropoles hold their own contrat local des solidarités (Pacte 2024–2026, the same actions as the départements):
# no source gives their part of the national envelope, so the demo funds them beside the départements (whose State
# euros still add up to the envelope) at a stated share of the national State euros per poor inhabitant.
METROPOLE_PACTE_SHARE = 0.25
METROPOLE_ASSUMPTION = ("Métropoles (Pacte 2024–2026) : les sources ne donnent pas leur part de l'enveloppe "
                        "nationale ; hypothèse de démonstration = 25 % des € de l'État par habitant pauvre de "
                        "l'enveloppe nationale, en sus des montants des départements.")
_FIXED_CREATED = datetime(2026, 3, 1, 9, 0, 0)  # workbook metadata, so two runs give the same bytes


# ---------------------------------------------------------------------------------------------------------------
# Envelopes


def national_envelopes(reference_dir: Path | None = None) -> dict[tuple[str, int], float]:
    """(programme, year) -> national State envelope in euros, from the national rows of enveloppes_nationales.csv."""
    path = Path(reference_dir or settings().reference_dir) / ENVELOPE_FILE
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    out: dict[tuple[str, int], float] = {}
    for r in frame.to_dict("records"):
        name, scope = r["dispositif"], r["perimetre"]
        if scope.startswith("Région"):
            continue  # regional totals are part of the national envelope, not another one
        programme = ("CALPAE" if name.startswith("CALPAE") else "CDPPE" if name.startswith("CDPPE")
                     else "PACTE" if name.startswith("Pacte") else None)
        if programme:
            out[(programme, int(r["annee"]))] = float(r["montant_eur"])
    return out


def _split(total: float, weights: np.ndarray) -> np.ndarray:
    """Whole euros adding up exactly to `total` (largest remainders)."""
    weights = np.asarray(weights, dtype=float)
    raw = total * weights / weights.sum()
    base = np.floor(raw)
    rest = int(round(total - base.sum()))
    if rest > 0:
        base[np.argsort(-(raw - base), kind="stable")[:rest]] += 1
    return base


@dataclass(frozen=True)
class _Dep:
    code: str
    name: str
    poor: float


def _deps(departements: pd.DataFrame, rates: Mapping[str, float]) -> list[_Dep]:
    rates = {str(k): float(v) for k, v in rates.items() if v is not None and not pd.isna(v)}
    out = []
    for r in departements.to_dict("records"):
        code = str(r["code"])
        rate = rates.get(code, IMPUTED_POVERTY_RATES.get(code, FALLBACK_POVERTY_RATE))
        pop = float(r["population"]) if not pd.isna(r["population"]) else 0.0
        out.append(_Dep(code, str(r["name"]), pop * min(rate, SCALING_RATE_CAP) / 100.0))
    return sorted(out, key=lambda d: d.code)


# ---------------------------------------------------------------------------------------------------------------
# Amounts


def _state_planned(programme: str, years: tuple[int, ...], deps: list[_Dep], actions: pd.DataFrame,
                   envelopes: dict, waves: dict[str, int], seed: int) -> pd.DataFrame:
    """State euros planned per (département, action, year, funder line), adding up to each year's envelope."""
    acts = actions[(actions["programme"] == programme) & actions["territory"].isna()]
    codes = list(acts["code"])
    axis_of = dict(zip(acts["code"], acts["axis"]))
    shares = {d.code: seeded_rng(seed, "funding-shares", programme, d.code).dirichlet(np.full(len(codes), 4.0)) for d in deps}
    rows = []
    for year in years:
        signed = [d for d in deps if programme != "CDPPE" or waves.get(d.code, 9999) <= year]
        if not signed:
            continue
        parts = _envelope_parts(programme, year, envelopes, len([d for d in deps if waves.get(d.code) == 2020]),
                                len(signed))
        for line, (total, eligible) in parts.items():
            cells, weights = [], []
            for d in signed:
                drift = seeded_rng(seed, "funding-drift", programme, d.code, str(year)).lognormal(0.0, 0.05, size=len(codes))
                for k, a in enumerate(codes):
                    if not eligible(a, axis_of[a]):
                        continue
                    planted = any(d.code == c and a == act for c, _p, act, _y in SUBSTITUTION_CASES)
                    cells.append((d.code, a))
                    weights.append(d.poor * shares[d.code][k] * (1.0 if planted else drift[k]))
            amounts = _split(total, np.array(weights))
            rows += [(dc, a, year, line, amt) for (dc, a), amt in zip(cells, amounts)]
    return pd.DataFrame(rows, columns=["code", "action", "year", "funder", "planned"])


def _envelope_parts(programme: str, year: int, envelopes: dict, first_wave: int, signed: int) -> dict:
    """funder line -> (euros for the year, which actions it may fund)."""
    every = lambda a, axis: True  # noqa: E731
    if programme == "CALPAE":
        return {"etat": (envelopes[("CALPAE", year)], every)}
    if programme == "CDPPE":
        base = envelopes.get(("CDPPE", 2020), float(sum(CDPPE_2020_LINES.values())))
        total = base if year == 2020 else base / max(first_wave, 1) * signed
        scale = total / sum(CDPPE_2020_LINES.values())
        health = lambda a, axis: a in CDPPE_HEALTH_ACTIONS  # noqa: E731
        return {line: (round(amount * scale), every if line == "etat_budget" else health)
                for line, amount in CDPPE_2020_LINES.items()}
    total = envelopes.get(("PACTE", year), envelopes[("PACTE", 2024)])
    scale = total / sum(PACTE_2024_PARTS.values())
    return {"etat": (round(PACTE_2024_PARTS["france_travail"] * scale), lambda a, axis: axis == PACTE_WORK_AXIS),
            "etat#2": (round(PACTE_2024_PARTS["solidarites"] * scale), lambda a, axis: axis != PACTE_WORK_AXIS)}


def funding_amounts(programme: str, deps: list[_Dep], actions: pd.DataFrame, envelopes: dict, waves: dict[str, int],
                    seed: int = DEMO_SEED) -> pd.DataFrame:
    """Every funding line of a programme: code, action, year, funder, planned, committed, spent (whole euros)."""
    years = {"CALPAE": CALPAE_YEARS, "CDPPE": CDPPE_YEARS, "PACTE": PACTE_YEARS}[programme]
    state = _state_planned(programme, years, deps, actions, envelopes, waves, seed)
    state["funder"] = state["funder"].str.replace("#2", "", regex=False)
    state = state.groupby(["code", "action", "year", "funder"], as_index=False)["planned"].sum()
    _plant_pacte_substitution(state, programme)
    return _own_and_execution(programme, state, seed)


def _own_and_execution(programme: str, state: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The State lines (code, action, year, funder, planned) completed with the territory's own euros and every
    line's committed and spent euros (the planted cases applied where their territory is)."""
    # Own euros follow the State's action by action, at a ratio of the département's own (about 1 for 50/50).
    totals = state.groupby(["code", "action", "year"], as_index=False)["planned"].sum()
    own_rows = []
    for r in totals.itertuples():
        ratio = _own_ratio(programme, r.code, r.action, seed)
        noise = seeded_rng(seed, "own-noise", programme, r.code, r.action, str(r.year)).normal(0.0, 0.02)
        own = r.planned * ratio * (1.0 + noise)
        own_rows.append((r.code, r.action, r.year, "departement", float(round(own))))
    own = pd.DataFrame(own_rows, columns=["code", "action", "year", "funder", "planned"])
    for code, prog, action, year in SUBSTITUTION_CASES:
        if prog != programme:
            continue
        before = own[(own["code"] == code) & (own["action"] == action) & (own["year"] == year - 1)]["planned"]
        mask = (own["code"] == code) & (own["action"] == action) & (own["year"] == year)
        if len(before) and mask.any():
            own.loc[mask, "planned"] = float(round(before.iloc[0] * SUBSTITUTION_OWN_FACTOR))
    lines = pd.concat([state, own], ignore_index=True)
    # Execution: one draw per (département, action, year) for both funders, so own and State euros move together.
    committed, spent = [], []
    for r in lines.itertuples():
        rng = seeded_rng(seed, "execution", programme, r.code, r.action, str(r.year))
        propensity = seeded_rng(seed, "propensity", programme, r.code).uniform(0.8, 1.0)
        c_rate, s_rate = rng.uniform(0.88, 1.0), rng.uniform(0.72, 0.99) * propensity
        if r.year == PACTE_CURRENT_YEAR and programme == "PACTE":
            c_rate, s_rate = rng.uniform(0.55, 0.8), rng.uniform(0.3, 0.55)
        jitter = seeded_rng(seed, "execution-funder", programme, r.code, r.action, str(r.year), r.funder).uniform(0.99, 1.0)
        c = float(np.floor(r.planned * c_rate * jitter))
        committed.append(c)
        spent.append(float(np.floor(c * s_rate)))
    lines["committed"] = committed
    lines["spent"] = spent
    code, prog, action, year, factor = OVER_COMMITTED
    if prog == programme:
        mask = (lines["code"] == code) & (lines["action"] == action) & (lines["year"] == year) & (lines["funder"] == "etat")
        lines.loc[mask, "committed"] = np.floor(lines.loc[mask, "planned"] * factor)
    return lines.sort_values(["code", "action", "year", "funder"]).reset_index(drop=True)


def _metros(metropoles: pd.DataFrame | None, rates: Mapping[str, float]) -> list[_Dep]:
    """The métropoles as funded territories: poor = population × their département's rate × METROPOLE_RATE_FACTOR,
    as the demo returns scale them."""
    if metropoles is None or metropoles.empty:
        return []
    rates = {str(k): float(v) for k, v in rates.items() if v is not None and not pd.isna(v)}
    out = []
    for r in metropoles.to_dict("records"):
        dep = str(r["dep"])
        rate = rates.get(dep, IMPUTED_POVERTY_RATES.get(dep, FALLBACK_POVERTY_RATE)) * METROPOLE_RATE_FACTOR
        pop = float(r["population"]) if not pd.isna(r["population"]) else 0.0
        out.append(_Dep(str(r["code"]), str(r["name"]), pop * min(rate, SCALING_RATE_CAP) / 100.0))
    return sorted(out, key=lambda d: d.code)


def metropole_amounts(metros: list[_Dep], deps: list[_Dep], actions: pd.DataFrame, envelopes: dict,
                      seed: int = DEMO_SEED) -> pd.DataFrame:
    """Every Pacte funding line of the métropoles (METROPOLE_ASSUMPTION): State euros = METROPOLE_PACTE_SHARE of the
    national envelope per poor inhabitant of the départements × the métropole's poor, spread over the Pacte actions;
    own euros and execution as a département's. Columns as funding_amounts()."""
    acts = actions[(actions["programme"] == "PACTE") & actions["territory"].isna()]
    codes = list(acts["code"])
    poor_total = sum(d.poor for d in deps)
    if not metros or not codes or poor_total <= 0:
        return pd.DataFrame(columns=["code", "action", "year", "funder", "planned", "committed", "spent"])
    rows = []
    for m in metros:
        shares = seeded_rng(seed, "metro-shares", m.code).dirichlet(np.full(len(codes), 4.0))
        for year in PACTE_YEARS:
            envelope = envelopes.get(("PACTE", year), envelopes[("PACTE", 2024)])
            drift = seeded_rng(seed, "metro-drift", m.code, str(year)).lognormal(0.0, 0.05, size=len(codes))
            amounts = _split(round(envelope / poor_total * METROPOLE_PACTE_SHARE * m.poor), shares * drift)
            rows += [(m.code, a, year, "etat", float(amt)) for a, amt in zip(codes, amounts)]
    state = pd.DataFrame(rows, columns=["code", "action", "year", "funder", "planned"])
    _plant_pacte_substitution(state, "PACTE")
    return _own_and_execution("PACTE", state, seed)


def _own_ratio(programme: str, code: str, action: str, seed: int) -> float:
    if (code, programme, action) == HIGH_COFINANCING[:3]:
        return HIGH_COFINANCING[3]
    rng = seeded_rng(seed, "own-ratio", programme, code)
    if programme == "CDPPE":
        return float(rng.uniform(0.5, 1.0))
    return float(np.clip(rng.lognormal(0.05, 0.12), 0.85, 1.4))


def _plant_pacte_substitution(state: pd.DataFrame, programme: str) -> None:
    """State euros rise on the planted action, taken from another action of the same axis (the envelope is flat)."""
    for code, prog, action, year in SUBSTITUTION_CASES:
        if prog != programme or programme == "CALPAE":
            continue  # CALPAE envelopes rise every year: the State's share rises by itself
        here = (state["code"] == code) & (state["year"] == year)
        prev = state[(state["code"] == code) & (state["year"] == year - 1) & (state["action"] == action)]["planned"]
        target = here & (state["action"] == action)
        if prev.empty or not target.any():
            continue
        wanted = float(round(prev.iloc[0] * 1.2))
        delta = wanted - float(state.loc[target, "planned"].iloc[0])
        donors = state[here & ~target & state["action"].str.startswith("PACTE-FREINS")]
        if delta <= 0 or donors.empty:
            continue
        state.loc[target, "planned"] = wanted
        state.loc[donors.index[0], "planned"] -= delta


def action_natures(programme: str, codes: list[str], actions: list[str], waves: dict[str, int],
                   seed: int = DEMO_SEED) -> dict[tuple[str, str], str]:
    out = {}
    planted_cdppe = sorted(c for c in codes if waves.get(c) == 2022)[:1]
    for code in codes:
        for action in actions:
            nature = "renforcement"
            if programme == "CALPAE" and seeded_rng(seed, "nature", code, action).uniform() < CALPAE_NEW_SHARE:
                nature = "nouvelle"
            if (code, programme, action) in NEW_ACTION_CASES:
                nature = "nouvelle"
            if programme == "CDPPE" and code in planted_cdppe and action == "CDPPE-PART":
                nature = "nouvelle"
            out[(code, action)] = nature
    return out


def reallocations(programme: str, lines: pd.DataFrame, seed: int = DEMO_SEED) -> pd.DataFrame:
    """Credits moved from the action spending least of its State money to the one spending most."""
    state = lines[lines["funder"] != "departement"]
    funder = "etat_budget" if programme == "CDPPE" else "etat"
    state = state[state["funder"] == funder]
    codes = sorted(state["code"].unique())
    picks = seeded_rng(seed, "realloc-who", programme).permutation(len(codes))[: REALLOCATING[programme]]
    rows = []
    for idx in sorted(picks):
        code = codes[int(idx)]
        mine = state[state["code"] == code]
        years = sorted(mine["year"].unique())
        if programme == "PACTE":
            years = [y for y in years if y < PACTE_CURRENT_YEAR]
        rng = seeded_rng(seed, "realloc", programme, code)
        for year in rng.choice(years, size=min(len(years), int(rng.integers(1, 3))), replace=False):
            y = mine[mine["year"] == year].copy()
            y["rate"] = y["spent"] / y["planned"].where(y["planned"] > 0)
            y = y.dropna(subset=["rate"]).sort_values("rate")
            if len(y) < 2:
                continue
            src, dst = y.iloc[0], y.iloc[-1]
            amount = float(round(src["planned"] * rng.uniform(0.08, 0.2), -2))
            if amount > 0:
                rows.append((code, programme, int(year), src["action"], dst["action"], funder, amount,
                             "Sous-exécution de l'action d'origine : crédits redéployés en comité de suivi"))
    return pd.DataFrame(rows, columns=["code", "programme", "year", "from_action", "to_action", "funder", "amount",
                                       "reason"])


# ---------------------------------------------------------------------------------------------------------------
# Files


_FUNDER_TEXT = {"etat": "État", "etat_budget": "État – crédits budgétaires", "etat_fir": "État – FIR",
                "etat_ondam": "État – ONDAM", "departement": "Département"}


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


def _e(x: float) -> str:
    return str(int(round(x)))


def _write_contracts(out_dir: Path, waves: pd.DataFrame) -> DemoFile:
    path = out_dir / "contrats_cdppe_vagues.csv"
    rows = [[r.code, "CDPPE", str(r.signed_year), str(r.wave), r.wave_source] for r in waves.itertuples()]
    _csv(path, ["territoire", "programme", "annee_signature", "vague", "source"], rows)
    return DemoFile(path, "Vagues de contractualisation CDPPE (2020 : liste publique partielle complétée à 30 ; 2021 : "
                    "40 ; 2022 : les autres).", programme="CDPPE", file_format="contrats", rows=len(rows))


def _long_rows(lines: pd.DataFrame, programme: str, actions: pd.DataFrame, natures: dict) -> list[list[str]]:
    axis = dict(zip(actions["code"], actions["axis"]))
    rows = []
    for r in lines.itertuples():
        rows.append([r.code, programme, str(axis.get(r.action) or ""), r.action, str(r.year), _FUNDER_TEXT[r.funder],
                     _e(r.planned), _e(r.committed), _e(r.spent), natures[(r.code, r.action)], ""])
    if rows:
        rows[0][-1] = FICTION_NOTE
    return rows


_LONG_HEADER = ["territoire", "programme", "axe", "action", "annee", "financeur", "prevu", "engage", "consomme",
                "nature", "commentaire"]


def _write_calpae(out_dir: Path, lines: pd.DataFrame, actions: pd.DataFrame, natures: dict) -> DemoFile:
    path = out_dir / f"financements_calpae_{CALPAE_YEARS[0]}-{CALPAE_YEARS[-1]}.csv"
    rows = _long_rows(lines, "CALPAE", actions, natures)
    _csv(path, _LONG_HEADER, rows)
    return DemoFile(path, "Financements CALPAE 2019–2022 par action (État et département, prévu / engagé / consommé), "
                    "format long.", programme="CALPAE", file_format="long", rows=len(rows))


def _write_cdppe(out_dir: Path, lines: pd.DataFrame, natures: dict) -> DemoFile:
    """One line per stage (etape / montant): the other long shape."""
    path = out_dir / f"financements_cdppe_{CDPPE_YEARS[0]}-{CDPPE_YEARS[-1]}.csv"
    rows = []
    for r in lines.itertuples():
        for stage, amount in (("prévu", r.planned), ("engagé", r.committed), ("consommé", r.spent)):
            rows.append([r.code, "CDPPE", r.action, str(r.year), _FUNDER_TEXT[r.funder], stage, _e(amount),
                         natures[(r.code, r.action)]])
    _csv(path, ["territoire", "programme", "action", "annee", "financeur", "etape", "montant", "nature"], rows)
    return DemoFile(path, "Financements CDPPE 2020–2022 depuis l'année de signature, État ventilé en crédits "
                    "budgétaires, FIR et ONDAM (une ligne par étape).", programme="CDPPE", file_format="long",
                    rows=len(rows))


def _workbook(path: Path, title: str):
    return workbook(path, title, _FIXED_CREATED)


_REALLOC_HEADER = ["territoire", "programme", "annee", "action_origine", "action_destination", "financeur", "montant",
                   "motif"]


def _realloc_rows(moves: pd.DataFrame) -> list[list[str]]:
    return [[r.code, r.programme, str(r.year), r.from_action, r.to_action, _FUNDER_TEXT[r.funder], _e(r.amount),
             r.reason] for r in moves.itertuples()]


def _write_pacte_long(out_dir: Path, lines: pd.DataFrame, actions: pd.DataFrame, natures: dict,
                      moves: pd.DataFrame) -> DemoFile:
    path = out_dir / f"financements_pacte_{PACTE_YEARS[0]}-{PACTE_YEARS[-1]}.xlsx"
    wb = _workbook(path, "Pacte des solidarités – financements par action")
    ws = wb.add_worksheet("financements")
    rows = _long_rows(lines, "PACTE", actions, natures)
    for j, h in enumerate(_LONG_HEADER):
        ws.write_string(0, j, h)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if j in (6, 7, 8):
                ws.write_number(i, j, float(v))
            elif j == 4:
                ws.write_number(i, j, int(v))
            else:
                ws.write_string(i, j, v)
    ws2 = wb.add_worksheet("reventilations")
    for j, h in enumerate(_REALLOC_HEADER):
        ws2.write_string(0, j, h)
    for i, row in enumerate(_realloc_rows(moves), start=1):
        for j, v in enumerate(row):
            ws2.write_string(i, j, v)
    wb.close()
    return DemoFile(path, "Financements du Pacte des solidarités 2024–2026 (format long, xlsx) et crédits reventilés.",
                    programme="PACTE", file_format="long", rows=len(rows) + len(moves))


def _write_fiches(out_dir: Path, code: str, name: str, lines: pd.DataFrame, actions: pd.DataFrame, natures: dict,
                  moves: pd.DataFrame) -> DemoFile:
    path = out_dir / f"fiches_actions_pacte_{code}_{slug(name)}.xlsx"
    wb = _workbook(path, f"Fiches actions du contrat local des solidarités – {name}")
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "# ##0"})
    acts = actions[(actions["programme"] == "PACTE") & actions["territory"].isna()]
    n = 0
    for a in acts.itertuples():
        mine = lines[lines["action"] == a.code]
        if mine.empty:
            continue
        ws = wb.add_worksheet(sheet_name(a.code, a.label))
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 28)
        ws.set_column(2, 4, 14)
        ws.write_string(0, 0, FICTION_NOTE, bold)
        for i, (label, value) in enumerate((("Territoire", code), ("Programme", "PACTE"), ("Action", a.code),
                                            ("Intitulé", a.label), ("Nature", natures[(code, a.code)])), start=1):
            ws.write_string(i, 0, label)
            ws.write_string(i, 1, value)
        head = 7
        for j, h in enumerate(("Année", "Financeur", "Prévu", "Engagé", "Consommé")):
            ws.write_string(head, j, h, bold)
        r = head + 1
        for year, g in mine.groupby("year"):
            for k, line in enumerate(g.itertuples()):
                if k == 0:
                    ws.write_number(r, 0, int(year))  # the year only on its first line, as a merged-looking block
                ws.write_string(r, 1, _FUNDER_TEXT[line.funder])
                for j, v in enumerate((line.planned, line.committed, line.spent), start=2):
                    ws.write_number(r, j, float(v), money)
                r += 1
                n += 1
    if len(moves):
        ws = wb.add_worksheet("Reventilations")
        for j, h in enumerate(_REALLOC_HEADER):
            ws.write_string(0, j, h, bold)
        for i, row in enumerate(_realloc_rows(moves), start=1):
            for j, v in enumerate(row):
                ws.write_string(i, j, v)
    wb.close()
    return DemoFile(path, f"Fiches actions du contrat local des solidarités de {name} ({code}) : une feuille par "
                    "action avec ses financements.", programme="PACTE", file_format="fiches actions", rows=n + len(moves))


def _write_metropoles(out_dir: Path, lines: pd.DataFrame, actions: pd.DataFrame, natures: dict,
                      moves: pd.DataFrame) -> list[DemoFile]:
    """The métropoles' Pacte funding (long format, own money declared as « Métropole ») and their re-allocations."""
    path = out_dir / f"financements_pacte_metropoles_{PACTE_YEARS[0]}-{PACTE_YEARS[-1]}.csv"
    rows = _long_rows(lines, "PACTE", actions, natures)
    for row in rows:
        row[5] = "Métropole" if row[5] == _FUNDER_TEXT["departement"] else row[5]
    _csv(path, _LONG_HEADER, rows)
    files = [DemoFile(path, "Financements des contrats locaux des solidarités des métropoles (Pacte 2024–2026), par "
                      f"action, État et métropole. {METROPOLE_ASSUMPTION}", programme="PACTE", file_format="long",
                      rows=len(rows))]
    if len(moves):
        realloc = out_dir / "reventilations_pacte_metropoles.csv"
        _csv(realloc, _REALLOC_HEADER, _realloc_rows(moves))
        files.append(DemoFile(realloc, "Crédits reventilés entre actions par les métropoles (Pacte).",
                              programme="PACTE", file_format="reventilations", rows=len(moves)))
    return files


def _write_reallocations(out_dir: Path, moves: pd.DataFrame) -> DemoFile:
    path = out_dir / "reventilations_calpae_cdppe.csv"
    rows = _realloc_rows(moves)
    _csv(path, _REALLOC_HEADER, rows)
    return DemoFile(path, "Crédits reventilés entre actions (CALPAE et CDPPE), décidés en comité de suivi.",
                    programme="CALPAE", file_format="reventilations", rows=len(rows))


def generate_funding_files(out_dir: Path, departements: pd.DataFrame, actions: pd.DataFrame,
                           poverty_rates: Mapping[str, float], waves: pd.DataFrame,
                           reference_dir: Path | None = None, seed: int = DEMO_SEED,
                           metropoles: pd.DataFrame | None = None) -> list[DemoFile]:
    """Writes the demo funding files into out_dir, in the order they must be imported (contracts first); with
    `metropoles` (code, name, population, dep), their Pacte contracts' funding too."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    actions = actions.copy()
    actions["territory"] = actions["territory"].where(actions["territory"].notna() & actions["territory"].ne(""), None)
    deps = _deps(departements, poverty_rates)
    envelopes = national_envelopes(reference_dir)
    wave_years = dict(zip(waves["code"], waves["signed_year"].astype(int)))
    codes = [d.code for d in deps]
    names = {d.code: d.name for d in deps}
    files = [_write_contracts(out_dir, waves)]
    moves_by_prog = {}
    for programme in ("CALPAE", "CDPPE", "PACTE"):
        acts = list(actions.loc[(actions["programme"] == programme) & actions["territory"].isna(), "code"])
        lines = funding_amounts(programme, deps, actions, envelopes, wave_years, seed)
        natures = action_natures(programme, codes, acts, wave_years, seed)
        moves = reallocations(programme, lines, seed)
        moves_by_prog[programme] = moves
        if programme == "CALPAE":
            files.append(_write_calpae(out_dir, lines, actions, natures))
        elif programme == "CDPPE":
            files.append(_write_cdppe(out_dir, lines, natures))
        else:
            fiche = lines["code"].isin(FICHE_TERRITORIES)
            files.append(_write_pacte_long(out_dir, lines[~fiche], actions, natures, moves[~moves["code"].isin(FICHE_TERRITORIES)]))
            for code in FICHE_TERRITORIES:
                if code in names:
                    files.append(_write_fiches(out_dir, code, names[code], lines[lines["code"] == code], actions, natures,
                                               moves[moves["code"] == code]))
    files.append(_write_reallocations(out_dir, pd.concat([moves_by_prog["CALPAE"], moves_by_prog["CDPPE"]],
                                                          ignore_index=True)))
    metros = _metros(metropoles, poverty_rates)
    if metros:
        lines = metropole_amounts(metros, deps, actions, envelopes, seed)
        acts = list(actions.loc[(actions["programme"] == "PACTE") & actions["territory"].isna(), "code"])
        natures = action_natures("PACTE", [m.code for m in metros], acts, wave_years, seed)
        files += _write_metropoles(out_dir, lines, actions, natures, reallocations("PACTE", lines, seed))
    return files


def build_demo_funding(db: Database, out_dir: Path, departements: pd.DataFrame, poverty_rates: Mapping[str, float],
                       waves: pd.DataFrame, reference_dir: Path | None = None,
                       metropoles: pd.DataFrame | None = None) -> list[ImportReport]:
    """Generates the demo funding files and imports them through the real funding importer (contracts first)."""
    actions = db.read(Query.FUNDING_ACTIONS)
    files = generate_funding_files(out_dir, departements, actions, poverty_rates, waves, reference_dir,
                                   metropoles=metropoles)
    ctx = FundingContext.load(db)
    return [import_funding(db, f.path.read_bytes(), f.path.name, demo=True, imported_by="levier demo", ctx=ctx)
            for f in files]
