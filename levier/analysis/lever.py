"""Lever effect of State money, pure (DataFrames in, DataFrames out): execution, leverage, own € per State €,
euros per poor inhabitant, cost per result, substitution warnings, re-allocations. Conventions:
- a `funding` frame is long: code (territory, text), programme, axis, action, year (int), funder (etat, etat_budget,
  etat_fir, etat_ondam, departement), planned, committed, spent (euros, NaN when not known);
- a stage is 'planned' (prévu), 'committed' (engagé) or 'spent' (consommé);
- a `values` frame is long: code, indicator, period, value, and optionally unranked_reason (French text: a value
  the quality checks keep out of every figure; never used in a cost).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from levier.analysis.quality import SUBCOUNT_PAIRS
from levier.core.fmt import NBSP, as_float, fmt_number, fmt_pct, fmt_years

STATE = "etat"
OWN = "departement"
STAGES = ("planned", "committed", "spent")
STAGE_LABELS = {"planned": "prévu", "committed": "engagé", "spent": "consommé"}
GROUP_LABELS = {STATE: "État", OWN: "Département"}

# The contracts' rule: the State pays 50 % of each action, so 1 € of State money comes with 1 € of own money.
CONTRACT_STATE_SHARE = 50.0
CONTRACT_LEVERAGE = 2.0
CONTRACT_OWN_PER_STATE = 1.0

# Below these, a ratio rests on too little to be compared across départements (said next to it, not hidden).
SMALL_STATE_EUROS = 10_000.0
SMALL_BENEFICIARIES = 10.0  # beneficiary-years above T0
# A cost resting on a rise of less than 5 % of the T0 level a year moves a lot with a few persons more or less.
SMALL_RELATIVE_GAIN = 0.05
SMALL_POOR_POPULATION = 5_000.0
# Substitution: own euros fall by more than this share while State euros rise by more than it, year on year.
SUBSTITUTION_TOLERANCE = 0.05

BENEFICIARY_UNITS = ("personnes",)
BENEFICIARY_KINDS = ("réalisation", "résultat")
# Lines that count one of several channels of an action (and are no "dont" of another indicator): CALPAE action 4
# trains social workers through the CNFPT catalogue (4.1.1) and through specific funding (4.1.2), one money line.
ACTION_PARTS = {"CALPAE-4.1.1-TOT": "CALPAE-4", "CALPAE-4.1.2-TOT": "CALPAE-4"}



@dataclass(frozen=True)
class Holder:
    """Who holds the contract and brings the own euros, as the French texts name it: a département, or a métropole
    (an EPCI signing its own contract). The figures are computed the same way for both."""

    noun: str  # « département »
    of: str  # « du département »
    the: str  # « le département »
    plural: str  # « départements »
    label: str  # « Département »: a column or an axis title


DEPARTEMENT = Holder("département", "du département", "le département", "départements", "Département")
METROPOLE = Holder("métropole", "de la métropole", "la métropole", "métropoles", "Métropole")


def leverage_rule(holder: Holder = DEPARTEMENT) -> str:
    """How the leverage is read, with the holder's own euros named."""
    return (
        f"Effet levier = (€ État + € {holder.noun}) ÷ € État ; € propres par € État = € {holder.noun} ÷ € État. Le "
        f"contrat prévoit 50{NBSP}% de l'État par action : un levier de 2 (1 € {holder.of} pour 1 € de l'État). "
        f"Au-dessus, {holder.the} met plus que sa moitié ; en dessous, moins."
    )


LEVERAGE_RULE = leverage_rule()
COST_RULE = (
    "Coût par bénéficiaire-année = € (État + département, à l'étape choisie) des années financées ÷ "
    "bénéficiaires-années au-dessus du niveau d'avant financement. T0 = l'année qui précède le premier financement "
    "de l'action ; bénéficiaires-années = somme, sur les années financées, de (bénéficiaires de l'année − "
    "bénéficiaires à T0). Exemple : 3 années à 100 000 €, 50 bénéficiaires à T0 puis 60, 70 et 80 : "
    "300 000 € ÷ (10 + 20 + 30) = 5 000 € par bénéficiaire-année. Pas de coût quand T0 n'a pas de valeur, quand il "
    "n'y a pas de hausse au-dessus de T0, pour un indicateur sans sens souhaité, pour une valeur écartée par le "
    "contrôle qualité, ni pour une ligne de détail (une thématique, un secteur, une tranche d'âge) dont la part des "
    "€ de l'action n'est pas connue. C'est un ordre de grandeur, pas un effet : la hausse peut avoir d'autres causes "
    "que l'argent du contrat. Un même bénéficiaire peut figurer dans plusieurs indicateurs d'une action : les coûts "
    "ne s'additionnent pas d'une ligne à l'autre."
)
POOR_RULE = (
    "Population pauvre = personnes des ménages fiscaux (INSEE Filosofi, STAT-NBPERS) × taux de pauvreté à 60 % "
    "(STAT-TP60) ; l'INSEE ne publie pas de taux pour la Guadeloupe, la Guyane et Mayotte : pas de € par habitant "
    "pauvre pour elles."
)


def substitution_rule(holder: Holder = DEPARTEMENT) -> str:
    """The substitution warning's rule, with the holder's own euros named."""
    return (
        f"Alerte de substitution : d'une année à la suivante, les € propres {holder.of} sur une action baissent de "
        f"plus de {fmt_number(100 * SUBSTITUTION_TOLERANCE, 0)}{NBSP}% alors que les € de l'État sur la même action "
        f"augmentent de plus de {fmt_number(100 * SUBSTITUTION_TOLERANCE, 0)}{NBSP}% ; ou une action déclarée « mesure "
        "nouvelle » comptait déjà des bénéficiaires l'année précédant son premier financement."
    )


SUBSTITUTION_RULE = substitution_rule()
OWN_SUBSTITUTION_RULE = (
    "Sur les dépenses réelles (DREES) : les dépenses propres du département sur le champ du contrat baissent de plus de "
    f"{fmt_number(100 * SUBSTITUTION_TOLERANCE, 0)}{NBSP}% d'une année publiée à la suivante alors que les € de l'État "
    f"du contrat sur le même champ augmentent de plus de {fmt_number(100 * SUBSTITUTION_TOLERANCE, 0)}{NBSP}% (0{NBSP}€ "
    "avant la première année du contrat) ; seules les années que les deux séries partagent peuvent être testées."
)



def ratio(numerator: object, denominator: object) -> float:
    """numerator ÷ denominator, NaN when the denominator is missing, zero or negative."""
    n, d = as_float(numerator), as_float(denominator)
    if math.isnan(n) or math.isnan(d) or d <= 0:
        return math.nan
    return n / d


def leverage(state: object, own: object) -> tuple[float, float]:
    """(total € per State €, own € per State €); NaN when there is no State money."""
    s, o = as_float(state), as_float(own)
    o = 0.0 if math.isnan(o) else o
    return ratio(s + o, s), ratio(o, s)


def _select(funding: pd.DataFrame, codes: Iterable[str] | None = None, years: Iterable[int] | None = None) -> pd.DataFrame:
    out = funding
    if codes is not None:
        out = out[out["code"].isin(list(codes))]
    if years is not None:
        out = out[out["year"].isin([int(y) for y in years])]
    out = out.copy()
    out["group"] = np.where(out["funder"].astype(str).str.startswith(STATE), STATE, OWN)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Execution by action


def action_totals(funding: pd.DataFrame, codes: Iterable[str] | None = None, years: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per (programme, axis, action): state_/own_/total_ planned, committed, spent, summed over the
    territories and years given; then the execution rates (rates in %, of the planned amount)."""
    return add_rates(_stage_sums(_select(funding, codes, years), ["programme", "axis", "action"]))


def territory_action_totals(funding: pd.DataFrame, years: Iterable[int] | None = None) -> pd.DataFrame:
    """action_totals() kept apart for each territory: one row per (code, programme, axis, action), with the
    leverage and own € per State € at every stage (leverage_planned … own_per_state_spent)."""
    out = add_rates(_stage_sums(_select(funding, None, years), ["code", "programme", "axis", "action"]))
    for s in STAGES:
        pairs = [leverage(state, own) for state, own in zip(out[f"{STATE}_{s}"], out[f"{OWN}_{s}"])]
        out[f"leverage_{s}"] = [x[0] for x in pairs]
        out[f"own_per_state_{s}"] = [x[1] for x in pairs]
    return out


def _stage_sums(sel: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """keys + state_/own_ planned, committed, spent: the selected rows summed by `keys` and funder group."""
    cols = [f"{g}_{s}" for g in (STATE, OWN) for s in STAGES]
    if sel.empty:
        return pd.DataFrame(columns=[*keys, *cols])
    sums = sel.groupby([*keys, "group"], dropna=False)[list(STAGES)].sum(min_count=1)
    wide = sums.unstack("group")
    wide.columns = [f"{g}_{s}" for s, g in wide.columns]
    for c in cols:
        if c not in wide.columns:
            wide[c] = np.nan
    return wide[cols].reset_index()


def add_rates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for s in STAGES:
        state = pd.to_numeric(out.get(f"{STATE}_{s}"), errors="coerce")
        own = pd.to_numeric(out.get(f"{OWN}_{s}"), errors="coerce")
        out[f"total_{s}"] = state.fillna(0) + own.fillna(0)
        out.loc[state.isna() & own.isna(), f"total_{s}"] = np.nan
    for g in (STATE, OWN, "total"):
        planned = pd.to_numeric(out[f"{g}_planned"], errors="coerce")
        for s in ("committed", "spent"):
            value = pd.to_numeric(out[f"{g}_{s}"], errors="coerce")
            out[f"{g}_{s}_rate"] = np.where(planned > 0, 100.0 * value / planned.where(planned > 0), np.nan)
    out["leverage"] = [leverage(s, o)[0] for s, o in zip(out[f"{STATE}_spent"], out[f"{OWN}_spent"])]
    return out


def totals(table: pd.DataFrame) -> dict[str, float]:
    """Headline sums of an action_totals() table, with the rates and leverage recomputed on the sums."""
    out = {c: float(pd.to_numeric(table[c], errors="coerce").sum(min_count=1)) if len(table) else math.nan
           for c in (f"{g}_{s}" for g in (STATE, OWN) for s in STAGES)}
    for g in (STATE, OWN):
        for s in ("committed", "spent"):
            out[f"{g}_{s}_rate"] = 100.0 * ratio(out[f"{g}_{s}"], out[f"{g}_planned"])
    return out


# ---------------------------------------------------------------------------------------------------------------
# Leverage and euros per poor inhabitant, by territory


def territory_amounts(funding: pd.DataFrame, stage: str, years: Iterable[int] | None = None) -> pd.DataFrame:
    """code, state, own (euros at one stage, summed over actions and years)."""
    sel = _select(funding, None, years)
    if sel.empty:
        return pd.DataFrame(columns=["code", "state", "own"])
    sums = sel.groupby(["code", "group"])[stage].sum(min_count=1).unstack("group")
    sums = sums.reindex(columns=[STATE, OWN]).rename(columns={STATE: "state", OWN: "own"})
    return sums.reset_index()


def poor_population(stats: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """code, persons, persons_year, rate, rate_year, poor: the latest STAT-NBPERS and STAT-TP60 at or before `year`
    (else the latest there is), poor = persons × rate ÷ 100."""
    def latest(indicator: str) -> pd.DataFrame:
        s = stats[(stats["indicator"] == indicator) & stats["value"].notna()].sort_values("period")
        if year is not None:
            before = s[s["period"] <= year]
            s = pd.concat([before, s[~s["code"].isin(before["code"])]]).sort_values("period", kind="stable")
        return s.groupby("code").tail(1)[["code", "period", "value"]]

    persons = latest("STAT-NBPERS").rename(columns={"period": "persons_year", "value": "persons"})
    rate = latest("STAT-TP60").rename(columns={"period": "rate_year", "value": "rate"})
    out = persons.merge(rate, on="code", how="outer")
    out["poor"] = out["persons"] * out["rate"] / 100.0
    return out[["code", "persons", "persons_year", "rate", "rate_year", "poor"]].reset_index(drop=True)


def leverage_table(amounts: pd.DataFrame, territories: pd.DataFrame, poor: pd.DataFrame) -> pd.DataFrame:
    """One row per territory: state, own, total, leverage, own_per_state, poor, state_per_poor, total_per_poor, and
    a French caveat when a denominator is missing or small."""
    frame = territories[["code", "name"]].merge(amounts, on="code", how="left").merge(
        poor[["code", "poor"]], on="code", how="left")
    frame["total"] = frame["state"].fillna(0) + frame["own"].fillna(0)
    frame.loc[frame["state"].isna() & frame["own"].isna(), "total"] = np.nan
    lev = [leverage(s, o) for s, o in zip(frame["state"], frame["own"])]
    frame["leverage"] = [x[0] for x in lev]
    frame["own_per_state"] = [x[1] for x in lev]
    frame["state_per_poor"] = [ratio(s, p) for s, p in zip(frame["state"], frame["poor"])]
    frame["total_per_poor"] = [ratio(t, p) for t, p in zip(frame["total"], frame["poor"])]
    frame["caveat"] = [_caveat(s, p) for s, p in zip(frame["state"], frame["poor"])]
    return frame


def _caveat(state: object, poor: object) -> str:
    notes = []
    s, p = as_float(state), as_float(poor)
    if math.isnan(s) or s <= 0:
        notes.append("aucun € de l'État : levier non calculable")
    elif s < SMALL_STATE_EUROS:
        notes.append(f"moins de {fmt_number(SMALL_STATE_EUROS, 0)} € de l'État : levier peu significatif")
    if math.isnan(p):
        notes.append("population pauvre inconnue (taux de pauvreté non publié) : pas de € par habitant pauvre")
    elif p < SMALL_POOR_POPULATION:
        notes.append(f"moins de {fmt_number(SMALL_POOR_POPULATION, 0)} habitants pauvres : € par habitant pauvre instable")
    return " ; ".join(notes)


def aggregate_leverage(table: pd.DataFrame, codes: Iterable[str]) -> dict[str, float]:
    """Leverage and euros per poor inhabitant of a group of territories (région, France): ratios of the sums."""
    sub = table[table["code"].isin(list(codes))]
    state = float(sub["state"].sum(min_count=1)) if len(sub) else math.nan
    own = float(sub["own"].sum(min_count=1)) if len(sub) else math.nan
    with_poor = sub[sub["poor"].notna()]
    lev, own_per = leverage(state, own)
    return {
        "state": state, "own": own, "total": (0 if math.isnan(state) else state) + (0 if math.isnan(own) else own),
        "leverage": lev, "own_per_state": own_per,
        "state_per_poor": ratio(with_poor["state"].sum(min_count=1), with_poor["poor"].sum(min_count=1)),
        "total_per_poor": ratio(with_poor["total"].sum(min_count=1), with_poor["poor"].sum(min_count=1)),
        "poor": float(with_poor["poor"].sum(min_count=1)) if len(with_poor) else math.nan,
        "missing_poor": int(sub["poor"].isna().sum()),
    }


# ---------------------------------------------------------------------------------------------------------------
# Cost per result: € per beneficiary-year above the pre-funding baseline


def beneficiary_indicators(indicators: pd.DataFrame) -> pd.DataFrame:
    """Typed-in indicators counting persons (réalisation or résultat) of each action: what 'beneficiaries' means."""
    ind = indicators.copy()
    derived = ind["numerator"].fillna("").astype(str).ne("") & ind["denominator"].fillna("").astype(str).ne("")
    keep = ind["unit"].isin(BENEFICIARY_UNITS) & ind["kind"].isin(BENEFICIARY_KINDS) & ~derived & ind["action"].notna()
    return ind[keep]


def breakdown_lines(indicators: pd.DataFrame) -> dict[str, str]:
    """Indicator -> what it is a part of (a total indicator or the action itself), for the lines of an action that
    count only part of its beneficiaries (a theme, a sector, an age group, one of several channels): the action's
    money pays for the other parts too. Only relations between indicators of the same action are kept."""
    action_of = dict(zip(indicators["code"], indicators["action"]))
    out = {}
    for part, whole in (*SUBCOUNT_PAIRS, *ACTION_PARTS.items()):
        if part in action_of and (action_of.get(whole) == action_of[part] or whole == action_of[part]):
            out[part] = whole
    return out


def first_funded_year(funding: pd.DataFrame, stage: str = "planned") -> pd.DataFrame:
    """code, programme, action, first_year: the first year with a positive amount (any funder) at that stage."""
    pos = funding[pd.to_numeric(funding[stage], errors="coerce") > 0]
    if pos.empty:
        return pd.DataFrame(columns=["code", "programme", "action", "first_year"])
    return pos.groupby(["code", "programme", "action"], as_index=False)["year"].min().rename(columns={"year": "first_year"})


COST_COLUMNS = ["programme", "axis", "action", "indicator", "label", "t0", "baseline", "funded_years", "years_counted",
                "beneficiary_years", "euros", "share", "cost", "territories", "caveat"]


@dataclass(frozen=True)
class _TerritoryCost:
    """One territory's part of a cost: its money and beneficiary-years, or why it has none."""

    euros: float = math.nan
    beneficiary_years: float = math.nan
    baseline: float = math.nan
    t0: int | None = None
    years: tuple[int, ...] = ()
    skipped: tuple[int, ...] = ()  # funded years without a value: neither their € nor their beneficiaries counted
    reason: str = ""  # why this territory gives no cost (empty when it does)
    short: str = ""  # the same reason in a few words, to count territories by reason


def _is_reason(x: object) -> bool:
    return isinstance(x, str) and x.strip() != ""


@dataclass(frozen=True)
class _Money:
    """One territory's funding rows of one action, as arrays in the rows' order: the year, whether any stage has a
    positive amount, and the amount at the stage asked (NaN when not known)."""

    years: np.ndarray
    positive: np.ndarray
    amounts: np.ndarray


def _money_by_action(fund: pd.DataFrame, stage: str) -> dict[str, dict[str, _Money]]:
    """action -> territory code (sorted) -> _Money: the funding split once, not once per indicator and territory."""
    if fund.empty:
        return {}
    num = fund[list(STAGES)].apply(pd.to_numeric, errors="coerce")
    positive = num.gt(0).any(axis=1).to_numpy()
    years = fund["year"].to_numpy()
    amounts = num[stage].to_numpy(dtype="float64")
    out: dict[str, dict[str, _Money]] = {}
    groups = fund.groupby(["action", "code"], sort=True).indices
    for action, code in sorted(groups):
        idx = groups[(action, code)]
        out.setdefault(action, {})[code] = _Money(years[idx], positive[idx], amounts[idx])
    return out


def _series_by_indicator(values: pd.DataFrame, indicators: Iterable[str], codes: Sequence[str]
                         ) -> dict[tuple[str, str], dict[int, tuple[float, object]]]:
    """(indicator, code) -> period -> (value, unranked_reason or None): every series read once, values without a
    number left out (a missing value is no baseline and no funded year's count); the last row of a period wins."""
    v = values[values["indicator"].isin(list(indicators)) & values["code"].isin(list(codes)) & values["value"].notna()]
    v = v.sort_values(["indicator", "code", "period"], kind="stable")
    reasons = v["unranked_reason"] if "unranked_reason" in v.columns else [None] * len(v)
    out: dict[tuple[str, str], dict[int, tuple[float, object]]] = {}
    for ind, code, period, value, reason in zip(v["indicator"], v["code"], v["period"], v["value"], reasons):
        out.setdefault((ind, code), {})[int(period)] = (value, reason)
    return out


def _territory_cost(money: _Money, series: dict[int, tuple[float, object]], stage: str, end_year: int | None,
                    share: float) -> _TerritoryCost:
    """`money`: this territory's funding rows of the action; `series`: its values of the indicator by period (value,
    unranked_reason)."""
    funded = sorted({int(y) for y in money.years[money.positive]})
    if not funded:
        return _TerritoryCost(reason="aucun financement prévu pour l'action", short="aucun financement prévu")
    first = funded[0]
    funded = [y for y in funded if end_year is None or y <= end_year]
    if not funded:
        return _TerritoryCost(reason=f"premier financement en {first}, après la période choisie",
                              short="premier financement après la période choisie")
    t0 = first - 1
    if t0 not in series:
        return _TerritoryCost(t0=t0, reason=f"pas de valeur en {t0}, l'année précédant le premier financement "
                                            f"({first}) : pas de niveau d'avant financement, pas de coût",
                              short="pas de valeur l'année précédant le premier financement")
    for y in [t0, *funded]:
        if y in series and _is_reason(series[y][1]):
            return _TerritoryCost(t0=t0, reason=f"valeur {y} écartée ({series[y][1]}) : "
                                                "jamais utilisée dans un coût, pas de coût",
                                  short="valeur écartée par le contrôle qualité")
    baseline = float(series[t0][0])
    used = [y for y in funded if y in series]
    skipped = tuple(y for y in funded if y not in series)
    if not used:
        return _TerritoryCost(t0=t0, baseline=baseline, skipped=skipped,
                              reason=f"aucune valeur pour les années financées ({_years_text(funded)})",
                              short="aucune valeur pour les années financées")
    counted = set(used)  # a set, not np.isin: a territory has a few rows and np.isin costs more than them
    amounts = money.amounts[np.array([int(y) in counted for y in money.years], dtype=bool)]
    # As pandas' sum(min_count=1): NaN when no amount is known, else the known amounts summed in the rows' order.
    known = ~np.isnan(amounts)
    euros = (float(np.where(known, amounts, 0.0).sum()) if known.any() else math.nan) * share
    if math.isnan(euros) or euros <= 0:
        return _TerritoryCost(t0=t0, baseline=baseline, reason=f"aucun € {STAGE_LABELS[stage]} sur les années "
                              "financées", short=f"aucun € {STAGE_LABELS[stage]}")
    bys = float(sum(float(series[y][0]) - baseline for y in used))
    return _TerritoryCost(euros, bys, baseline, t0, tuple(used), skipped)


def _years_text(years: Iterable[int]) -> str:
    ys = sorted(set(int(y) for y in years))
    if not ys:
        return ""
    if ys == list(range(ys[0], ys[-1] + 1)):
        return fmt_years(ys)
    return ", ".join(str(y) for y in ys)


def cost_per_result(funding: pd.DataFrame, values: pd.DataFrame, indicators: pd.DataFrame, codes: Sequence[str],
                    stage: str = "spent", end_year: int | None = None,
                    shares: pd.DataFrame | None = None) -> pd.DataFrame:
    """€ per beneficiary-year above the pre-funding baseline, one row per (action, beneficiary indicator), over the
    territories `codes` (a région or France: ratio of the sums over the départements that have one).

    For each territory: T0 = the year before the action's first funded year (a positive amount at any stage, any
    funder); the funded years are the years with such an amount, up to `end_year`; euros = money at `stage` of the funded years that have a value;
    beneficiary-years = Σ (value of the year − value at T0) over the same years. `values` may carry
    `unranked_reason`: such a value is never used (no cost, reason said). `shares` (indicator, share in ]0, 1]):
    the part of the action's money that pays for a breakdown line; a breakdown line without one gets no cost.

    Columns: COST_COLUMNS (t0 and funded_years as text, e.g. « 2023 » or « 2019–2021 »)."""
    codes = list(codes)
    fund = _select(funding, codes)
    bens = beneficiary_indicators(indicators)
    parts = breakdown_lines(indicators)
    share_of = {} if shares is None else {str(i): as_float(s) for i, s in zip(shares["indicator"], shares["share"])}
    labels = dict(zip(indicators["code"], indicators["label"]))
    actions = fund.drop_duplicates("action")[["programme", "axis", "action"]]
    money = _money_by_action(fund, stage)
    series = _series_by_indicator(values, bens["code"], codes)
    rows = []
    for act in actions.itertuples():
        mine = money.get(act.action, {})
        inds = bens[bens["action"] == act.action]
        if inds.empty:
            rows.append(_cost_row(act, None, "", caveat="aucun indicateur de bénéficiaires (en personnes) rattaché "
                                                        "à l'action"))
            continue
        for ind in inds.itertuples():
            raw = getattr(ind, "direction", None)
            direction = "" if raw is None or pd.isna(raw) else str(raw).strip()
            if direction != "hausse":
                why = ("indicateur à faire baisser : un coût par bénéficiaire supplémentaire n'a pas de sens"
                       if direction == "baisse" else
                       "indicateur sans sens souhaité (ni hausse ni baisse attendue) : une hausse n'est pas un "
                       "résultat, pas de coût")
                rows.append(_cost_row(act, ind.code, ind.label, caveat=why))
                continue
            share = 1.0
            if ind.code in parts:
                whole = parts[ind.code]
                what = (f"l'action {whole}" if whole == act.action
                        else f"« {labels.get(whole, whole)} » ({whole})")
                share = share_of.get(ind.code, math.nan)
                if math.isnan(share) or not 0 < share <= 1:
                    rows.append(_cost_row(act, ind.code, ind.label, caveat=(
                        f"ligne de détail, une partie seulement des bénéficiaires de {what} : la part des € de "
                        "l'action qui la finance n'est pas connue, pas de coût (l'argent de toute l'action ne peut "
                        "pas lui être imputé)")))
                    continue
            per = {code: _territory_cost(m, series.get((ind.code, code), {}), stage, end_year, share)
                   for code, m in mine.items()}
            rows.append(_combine(act, ind.code, ind.label, per, share, len(codes) > 1))
    return pd.DataFrame(rows, columns=COST_COLUMNS)


def _combine(act, indicator: str, label: str, per: dict[str, _TerritoryCost], share: float, aggregate: bool) -> dict:
    """One cost row from the territories' parts: ratio of the sums over the territories that have a part."""
    ok = {c: t for c, t in per.items() if not t.reason}
    notes = []
    if not ok:
        if not aggregate and len(per) == 1:
            only = next(iter(per.values()))
            return _cost_row(act, indicator, label, t0=only.t0, baseline=only.baseline, caveat=only.reason)
        return _cost_row(act, indicator, label, caveat="aucun territoire n'a de coût calculable : " + _reasons(per))
    if len(ok) < len(per):
        notes.append(f"{len(per) - len(ok)} territoire(s) exclus : " + _reasons({c: t for c, t in per.items()
                                                                              if t.reason}))
    euros = sum(t.euros for t in ok.values())
    bys = sum(t.beneficiary_years for t in ok.values())
    baseline = sum(t.baseline for t in ok.values())
    years = sorted({y for t in ok.values() for y in t.years})
    counted = sum(len(t.years) for t in ok.values())
    t0s = sorted({t.t0 for t in ok.values() if t.t0 is not None})
    skipped = sorted({y for t in ok.values() for y in t.skipped})
    if skipped:
        notes.append(f"année(s) financée(s) sans valeur ({_years_text(skipped)}) : ni leurs € ni leurs bénéficiaires "
                     "ne sont comptés")
    if share < 1:
        notes.append(f"ligne de détail : {fmt_pct(100 * share, 1)} des € de l'action lui sont imputés")
    cost = math.nan
    if bys <= 0:
        notes.insert(0, "pas de hausse au-dessus du niveau d'avant financement : pas de coût")
    else:
        cost = euros / bys
        if bys < SMALL_BENEFICIARIES:
            notes.append(f"moins de {fmt_number(SMALL_BENEFICIARIES, 0)} bénéficiaires-années au-dessus de T0 : coût "
                         "très instable, à ne pas comparer")
        elif baseline > 0 and bys < SMALL_RELATIVE_GAIN * baseline * counted / len(ok):
            notes.append(f"hausse inférieure à {fmt_number(100 * SMALL_RELATIVE_GAIN, 0)}{NBSP}% du niveau T0 : "
                         "quelques unités de plus ou de moins dans les retours changent fortement le coût")
    return _cost_row(act, indicator, label, t0=_years_text(t0s), baseline=baseline, funded_years=_years_text(years),
                     years_counted=counted, beneficiary_years=bys, euros=euros, share=share, cost=cost,
                     territories=len(ok), caveat=" ; ".join(notes))


def _reasons(per: dict[str, _TerritoryCost]) -> str:
    """The territories' reasons: the reason itself for one territory, else counted by kind, most frequent first."""
    bad = [t for t in per.values() if t.reason]
    if len(bad) == 1:
        return bad[0].reason
    kinds = pd.Series([t.short or t.reason for t in bad]).value_counts(sort=True)
    return ", ".join(f"{k} ({n})" for k, n in kinds.items())


def _cost_row(act, indicator, label, *, t0=None, baseline=math.nan, funded_years="", years_counted=0,
              beneficiary_years=math.nan, euros=math.nan, share=math.nan, cost=math.nan, territories=0,
              caveat="") -> dict:
    t0_text = str(t0) if isinstance(t0, int) else (t0 or "")
    return {
        "programme": act.programme, "axis": act.axis, "action": act.action, "indicator": indicator, "label": label,
        "t0": t0_text, "baseline": baseline, "funded_years": funded_years, "years_counted": years_counted,
        "beneficiary_years": beneficiary_years, "euros": euros, "share": share, "cost": cost,
        "territories": territories, "caveat": caveat,
    }


# ---------------------------------------------------------------------------------------------------------------
# Substitution warnings


def substitution_flags(funding: pd.DataFrame, stage: str = "spent", tolerance: float = SUBSTITUTION_TOLERANCE,
                       codes: Iterable[str] | None = None, holder: Holder = DEPARTEMENT) -> pd.DataFrame:
    """Own euros falling while State euros rise on the same action, year on year (consecutive years); the message
    names the holder's own euros (a département's, a métropole's).

    Columns: code, programme, action, year, state_before, state_after, own_before, own_after, message."""
    sel = _select(funding, codes)
    cols = ["code", "programme", "action", "year", "state_before", "state_after", "own_before", "own_after", "message"]
    if sel.empty:
        return pd.DataFrame(columns=cols)
    sums = sel.groupby(["code", "programme", "action", "year", "group"])[stage].sum(min_count=1).unstack("group")
    sums = sums.reindex(columns=[STATE, OWN]).reset_index().sort_values(["code", "action", "year"])
    g = sums.groupby(["code", "programme", "action"])
    sums["state_before"] = g[STATE].shift(1)
    sums["own_before"] = g[OWN].shift(1)
    sums["year_before"] = g["year"].shift(1)
    cond = (
        (sums["year_before"] == sums["year"] - 1)
        & (sums[STATE] > sums["state_before"] * (1 + tolerance))
        & (sums[OWN] < sums["own_before"] * (1 - tolerance))
    )
    hit = sums[cond].rename(columns={STATE: "state_after", OWN: "own_after"})
    hit["message"] = [
        f"{r.action} ({r.code}), {int(r.year) - 1} → {int(r.year)} : € propres {holder.of} déclarés "
        f"{_pct_change(r.own_before, r.own_after)} ({fmt_number(r.own_before, 0)} → {fmt_number(r.own_after, 0)} €) "
        f"quand ceux de l'État {_pct_change(r.state_before, r.state_after)} ({fmt_number(r.state_before, 0)} → "
        f"{fmt_number(r.state_after, 0)} €), en montants {STAGE_LABELS[stage]}s : l'argent de l'État remplace-t-il "
        "une dépense qui existait ?"
        for r in hit.itertuples()
    ]
    return hit[cols].reset_index(drop=True)


def _pct_change(before: float, after: float) -> str:
    change = 100.0 * (after - before) / before if before else math.nan
    word = "augmentent" if change > 0 else "baissent"
    return f"{word} de {fmt_pct(abs(change), 0)}"


def new_action_flags(flags: pd.DataFrame, funding: pd.DataFrame, values: pd.DataFrame, indicators: pd.DataFrame,
                     codes: Iterable[str] | None = None) -> tuple[pd.DataFrame, int]:
    """Actions declared new (nouvelle) whose beneficiary indicators were already positive the year before their
    first funding. Returns (flags: code, programme, action, year, indicator, value, message; number of new actions
    that could not be checked because no value exists for that year)."""
    cols = ["code", "programme", "action", "year", "indicator", "value", "message"]
    new = flags[flags["nature"] == "nouvelle"]
    if codes is not None:
        new = new[new["code"].isin(list(codes))]
    if new.empty:
        return pd.DataFrame(columns=cols), 0
    first = first_funded_year(funding[funding["code"].isin(new["code"])], "planned")
    new = new.merge(first, on=["code", "programme", "action"], how="inner")
    bens = beneficiary_indicators(indicators)
    inds_of: dict[object, set] = {}
    for action, code in zip(bens["action"], bens["code"]):
        inds_of.setdefault(action, set()).add(code)
    # The values of the new actions' territories grouped once by (territory, year): rows (index, indicator, value) in
    # the frame's order, instead of a filter of the whole frame per new action (France has hundreds).
    known = values[values["code"].isin(new["code"]) & values["value"].notna()]
    by_place: dict[tuple[object, int], list] = {}
    for idx, code, period, ind, value in zip(known.index, known["code"], known["period"], known["indicator"],
                                             known["value"]):
        by_place.setdefault((code, int(period)), []).append((idx, ind, value))
    rows, unchecked = [], 0
    for r in new.itertuples():
        year = int(r.first_year) - 1
        inds = inds_of.get(r.action, set())
        hits = [h for h in by_place.get((r.code, year), ()) if h[1] in inds]
        if not hits:
            unchecked += 1
            continue
        # The same row as sorting the hits by value, highest first (ties resolved by that very sort).
        top = values.loc[[h[0] for h in hits]].sort_values("value", ascending=False).iloc[0]
        if top["value"] > 0:
            rows.append((r.code, r.programme, r.action, year, top["indicator"], float(top["value"]),
                         f"{r.action} ({r.code}) est déclarée « mesure nouvelle », mais {top['indicator']} comptait "
                         f"déjà {fmt_number(top['value'], 0)} bénéficiaires en {year}, avant son premier financement "
                         f"({int(r.first_year)}) : renforcement d'une action existante ?"))
    return pd.DataFrame(rows, columns=cols), unchecked


# ---------------------------------------------------------------------------------------------------------------
# Re-allocations


def reallocation_flows(reallocations: pd.DataFrame, codes: Iterable[str] | None = None,
                       years: Iterable[int] | None = None) -> pd.DataFrame:
    """from_action, to_action, amount (summed), moves (number of decisions)."""
    r = reallocations
    if codes is not None:
        r = r[r["code"].isin(list(codes))]
    if years is not None:
        r = r[r["year"].isin([int(y) for y in years])]
    if r.empty:
        return pd.DataFrame(columns=["from_action", "to_action", "amount", "moves"])
    return (r.groupby(["from_action", "to_action"], as_index=False)
            .agg(amount=("amount", "sum"), moves=("amount", "size"))
            .sort_values("amount", ascending=False).reset_index(drop=True))


# ---------------------------------------------------------------------------------------------------------------
# The départements' own money on each contract's field, for real (DREES), and the substitution test it allows


@dataclass(frozen=True)
class OwnField:
    """Which real own-spending series (DREES, € of the year) measures a contract's field, and on which of its axes
    the State money of that field is declared (None: every axis of the programme)."""

    programme: str
    axes: tuple[str, ...] | None
    indicator: str
    label: str  # French, as a table title: « Dépenses d'insertion du RSA »
    definition: str = ""  # French: what DREES counts (gross or net, what is left out), as its table says
    context: tuple[str, ...] = ()  # shown beside it, never used in the substitution test


# No catalogue column says which public series measures an axis' own money (adding one to axes.csv would need a
# schema migration); this small constant is that mapping, documented in docs/financements.md. The RSA allocation is
# shown beside insertion spending as context only: the département does not choose it (a legal entitlement), so it
# says nothing of substitution. CALPAE axis 3 and Pacte axis 2 are the insertion axes; CDPPE is all child protection.
_INSERTION_DEFINITION = ("dépenses brutes (avant recouvrements) d'insertion liées au RSA, hors contrats aidés (CUI), "
                         "publiées depuis 2009, création du RSA")
OWN_FIELDS = (
    OwnField("CALPAE", ("3",), "STAT-DEP-RSA-INSERTION", "Dépenses d'insertion du RSA", _INSERTION_DEFINITION,
             context=("STAT-DEP-RSA-ALLOCATION",)),
    OwnField("PACTE", ("2",), "STAT-DEP-RSA-INSERTION", "Dépenses d'insertion du RSA", _INSERTION_DEFINITION,
             context=("STAT-DEP-RSA-ALLOCATION",)),
    OwnField("CDPPE", None, "STAT-DEP-ASE-NETTES", "Dépenses nettes d'aide sociale à l'enfance",
             "dépenses nettes (après récupérations et recouvrements), hors dépenses de personnel sauf les assistants "
             "familiaux"),
)
# What « own money » cannot mean with these series, said under them on the page.
OWN_SPENDING_CAVEAT = (
    "C'est la dépense du département sur ce champ, quel que soit son financement : elle peut comprendre des € de "
    "l'État (compensations du RSA, et les actions cofinancées par le contrat lui-même). Une dépense stable au moment "
    "où l'argent du contrat arrive peut donc déjà cacher une baisse de l'effort propre."
)
OWN_LABELS = {
    "STAT-DEP-RSA-INSERTION": "Dépenses d'insertion du RSA",
    "STAT-DEP-RSA-ALLOCATION": "Dépenses d'allocation du RSA",
    "STAT-DEP-ASE-NETTES": "Dépenses nettes d'aide sociale à l'enfance",
}


def own_field(programme: str) -> OwnField | None:
    """The own-spending field of a programme, None when no public series measures it."""
    return next((f for f in OWN_FIELDS if f.programme == programme), None)


def field_state_money(funding: pd.DataFrame, field: OwnField, code: str, stage: str) -> pd.DataFrame:
    """year, state: the State € of one territory on the field's axes at one stage, per funded year."""
    sel = _select(funding, [code])
    if field.axes is not None:
        sel = sel[sel["axis"].astype(str).isin(field.axes)]
    sel = sel[sel["group"] == STATE]
    if sel.empty:
        return pd.DataFrame(columns=["year", "state"])
    out = sel.groupby("year", as_index=False)[stage].sum(min_count=1).rename(columns={stage: "state"})
    return out.sort_values("year").reset_index(drop=True)


def population_by_year(persons: pd.DataFrame, fixed: pd.DataFrame, years: Iterable[int], fixed_label: str,
                       persons_label: str = "INSEE, Filosofi (personnes des ménages fiscaux)") -> pd.DataFrame:
    """code, year, population, population_source: for every (code of `fixed`, year), the persons of that very
    year (persons: code, period, value, e.g. STAT-NBPERS) when published, else the one fixed population (fixed:
    code, population). The source says which, with its year."""
    ys = sorted({int(y) for y in years})
    base = fixed[["code", "population"]].copy()
    base["population"] = pd.to_numeric(base["population"], errors="coerce").astype("float64")
    grid = base.merge(pd.DataFrame({"year": ys}), how="cross")
    grid["population_source"] = fixed_label
    if len(persons):
        p = persons[["code", "period", "value"]].dropna(subset=["value"]).rename(
            columns={"period": "year", "value": "persons"})
        p["year"] = p["year"].astype(int)
        grid = grid.merge(p, on=["code", "year"], how="left")
        has = grid["persons"].notna() & (grid["persons"] > 0)
        grid.loc[has, "population"] = grid.loc[has, "persons"]
        grid.loc[has, "population_source"] = [f"{persons_label} {y}" for y in grid.loc[has, "year"]]
        grid = grid.drop(columns="persons")
    return grid[["code", "year", "population", "population_source"]]


def per_inhabitant(spending: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """code, indicator, year, euros, population, population_source, per_inhabitant (€ ÷ population of the same
    year; NaN when either is missing or the population is not positive).
    spending: code, indicator, period, value (€); population: population_by_year()."""
    s = spending[["code", "indicator", "period", "value"]].rename(columns={"period": "year", "value": "euros"})
    s = s.assign(year=s["year"].astype(int))
    out = s.merge(population, on=["code", "year"], how="left")
    out["per_inhabitant"] = [ratio(e, p) for e, p in zip(out["euros"], out["population"])]
    return out[["code", "indicator", "year", "euros", "population", "population_source", "per_inhabitant"]]


def national_medians(per_inh: pd.DataFrame, departements: Iterable[str]) -> pd.DataFrame:
    """indicator, year, median, n: the median € per inhabitant of each year over the départements given (a
    collectivité such as 69D or 69M is never among them: département 69 is the Rhône with the Métropole de Lyon)."""
    deps = set(departements)
    sub = per_inh[per_inh["code"].isin(deps) & per_inh["per_inhabitant"].notna()]
    if sub.empty:
        return pd.DataFrame(columns=["indicator", "year", "median", "n"])
    return (sub.groupby(["indicator", "year"], as_index=False)
            .agg(median=("per_inhabitant", "median"), n=("per_inhabitant", "size")))


OWN_SUBSTITUTION_COLUMNS = ["year", "own_before", "own_after", "state_before", "state_after", "message"]


def own_substitution(own: pd.DataFrame, state: pd.DataFrame, first_contract_year: int, *, field_label: str,
                     programme: str, stage: str, state_is_demo: bool,
                     tolerance: float = SUBSTITUTION_TOLERANCE) -> pd.DataFrame:
    """The substitution test on real own spending: from one year to the next (both published), the département's
    own € on the field (own: year, euros) fall by more than `tolerance` while the State € of the contract on the
    same field (state: year, state) rise by more than it. Before the contract's first year the State € are 0 (no
    contract yet). Only years the two series share can be tested; a hit is a coincidence of two series, never an
    effect. Columns: OWN_SUBSTITUTION_COLUMNS."""
    o = own.dropna(subset=["euros"]).drop_duplicates("year", keep="last").set_index("year")["euros"]
    o.index = o.index.astype(int)
    s = state.dropna(subset=["state"]).drop_duplicates("year", keep="last").set_index("year")["state"]
    s.index = s.index.astype(int)

    def state_of(year: int) -> float:
        if year < first_contract_year:
            return 0.0
        return float(s.get(year, math.nan))

    rows = []
    for year in sorted(o.index):
        if year - 1 not in o.index or year < first_contract_year:
            continue
        own_before, own_after = float(o[year - 1]), float(o[year])
        state_before, state_after = state_of(year - 1), state_of(year)
        if math.isnan(state_before) or math.isnan(state_after) or math.isnan(own_before) or own_before <= 0:
            continue
        if state_after > state_before * (1 + tolerance) and state_after > 0 and own_after < own_before * (1 - tolerance):
            before_text = (f"{fmt_number(state_before, 0)}{NBSP}€ en {year - 1} (pas encore de contrat)"
                           if year - 1 < first_contract_year else f"{fmt_number(state_before, 0)}{NBSP}€ en {year - 1}")
            fictive = " — données fictives de démonstration" if state_is_demo else ""
            rows.append({
                "year": year, "own_before": own_before, "own_after": own_after, "state_before": state_before,
                "state_after": state_after,
                "message": (
                    f"{field_label} du département (réel, DREES) : {fmt_number(own_before, 0)}{NBSP}€ en {year - 1} → "
                    f"{fmt_number(own_after, 0)}{NBSP}€ en {year}, elles {_pct_change(own_before, own_after)}, "
                    f"alors que les € de l'État du contrat {programme} sur ce champ passent de {before_text} à "
                    f"{fmt_number(state_after, 0)}{NBSP}€ en {year} ({STAGE_LABELS[stage]}s{fictive}). L'argent de "
                    "l'État remplace-t-il une dépense propre ? C'est une coïncidence de deux séries, pas un effet "
                    "mesuré."),
            })
    return pd.DataFrame(rows, columns=OWN_SUBSTITUTION_COLUMNS)


def own_substitution_scope(own_years: Iterable[int], contract_years: Iterable[int], programme: str) -> str:
    """What the design can and cannot say: the years the real own spending and the contract share (French)."""
    own = sorted({int(y) for y in own_years})
    contract = sorted({int(y) for y in contract_years})
    if not own or not contract:
        return ("Pas de dépenses propres publiées ou pas d'année de contrat : le test de substitution sur les "
                "dépenses réelles ne peut pas être fait.")
    head = (f"Les dépenses publiées par la DREES s'arrêtent en {own[-1]} ; le contrat {programme} court de "
            f"{contract[0]} à {contract[-1]}." if len(contract) > 1 else
            f"Les dépenses publiées par la DREES s'arrêtent en {own[-1]} ; le contrat {programme} porte sur {contract[0]}.")
    shared = [y for y in contract if y in own]
    if not shared:
        return (f"{head} Aucune année commune : le test de substitution sur les dépenses réelles ne peut pas être fait. "
                "La série montre seulement le niveau et la tendance d'avant contrat.")
    after = [y for y in contract if y > own[-1]]
    years_text = ", ".join(str(y) for y in shared)
    rest = f" Rien ne peut être dit des années {_years_text(after)}." if after else ""
    several = len(shared) > 1
    which = f"Seules les années {years_text} sont communes" if several else f"Seule l'année {years_text} est commune"
    return (f"{head} {which} (comparée{'s chacune' if several else ''} à l'année précédente).{rest} Même sur "
            f"{'ces années' if len(shared) > 1 else 'cette année'}, une baisse des dépenses propres au moment où l'argent "
            "de l'État arrive est un signal à instruire, pas un effet : d'autres causes (nombre d'allocataires ou "
            "d'enfants accueillis, choix budgétaires, changements comptables) peuvent l'expliquer.")
