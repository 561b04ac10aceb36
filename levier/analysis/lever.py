"""Lever effect of State money: execution, leverage, cost per result, substitution warnings, and the loaders that
assemble the Effet levier page.

Everything above the "Loaders" section is pure (DataFrames in, DataFrames out). Conventions:
- a `funding` frame is long: code (territory, text), programme, axis, action, year (int), funder (etat, etat_budget,
  etat_fir, etat_ondam, departement), planned, committed, spent (euros, NaN when not known);
- a stage is 'planned' (prévu), 'committed' (engagé) or 'spent' (consommé);
- a `values` frame is long: code, indicator, period, value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from levier.core.fmt import MISSING_TEXT, NBSP, fmt_compact_euros, fmt_euros, fmt_number, fmt_pct, fmt_ratio, fmt_years

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
SMALL_BENEFICIARIES = 10.0
SMALL_POOR_POPULATION = 5_000.0
# Substitution: own euros fall by more than this share while State euros rise by more than it, year on year.
SUBSTITUTION_TOLERANCE = 0.05

BENEFICIARY_UNITS = ("personnes",)
BENEFICIARY_KINDS = ("réalisation", "résultat")

LEVERAGE_RULE = (
    "Effet levier = (€ État + € département) ÷ € État ; € propres par € État = € département ÷ € État. Le contrat "
    f"prévoit 50{NBSP}% de l'État par action : un levier de 2 (1 € du département pour 1 € de l'État). Au-dessus, le "
    "département met plus que sa moitié ; en dessous, moins."
)
COST_RULE = (
    "Coût par bénéficiaire supplémentaire = € (État + département, à l'étape choisie) des années postérieures à T0 "
    "et jusqu'à la dernière valeur ÷ (bénéficiaires de la dernière année − bénéficiaires à T0), sur les indicateurs "
    "en personnes rattachés à l'action. T0 = l'année précédant le premier financement de l'action, ou à défaut la "
    "première année connue. Un même bénéficiaire peut figurer dans plusieurs indicateurs d'une action : les coûts ne "
    "s'additionnent pas d'une ligne à l'autre."
)
POOR_RULE = (
    "Population pauvre = personnes des ménages fiscaux (INSEE Filosofi, STAT-NBPERS) × taux de pauvreté à 60 % "
    "(STAT-TP60) ; l'INSEE ne publie pas de taux pour la Guadeloupe, la Guyane et Mayotte : pas de € par habitant "
    "pauvre pour elles."
)
SUBSTITUTION_RULE = (
    f"Alerte de substitution : d'une année à la suivante, les € propres du département sur une action baissent de plus "
    f"de {fmt_number(100 * SUBSTITUTION_TOLERANCE, 0)}{NBSP}% alors que les € de l'État sur la même action augmentent de "
    f"plus de {fmt_number(100 * SUBSTITUTION_TOLERANCE, 0)}{NBSP}% ; ou une action déclarée « mesure nouvelle » comptait "
    "déjà des bénéficiaires l'année précédant son premier financement."
)


def _zero(x: float) -> float:
    return 0.0 if math.isnan(x) else x


def group_of(funder: object) -> str:
    return STATE if str(funder).startswith(STATE) else OWN


def _num(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def ratio(numerator: object, denominator: object) -> float:
    """numerator ÷ denominator, NaN when the denominator is missing, zero or negative."""
    n, d = _num(numerator), _num(denominator)
    if math.isnan(n) or math.isnan(d) or d <= 0:
        return math.nan
    return n / d


def leverage(state: object, own: object) -> tuple[float, float]:
    """(total € per State €, own € per State €); NaN when there is no State money."""
    s, o = _num(state), _num(own)
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
    sel = _select(funding, codes, years)
    cols = [f"{g}_{s}" for g in (STATE, OWN) for s in STAGES]
    if sel.empty:
        return add_rates(pd.DataFrame(columns=["programme", "axis", "action", *cols]))
    sums = sel.groupby(["programme", "axis", "action", "group"], dropna=False)[list(STAGES)].sum(min_count=1)
    wide = sums.unstack("group")
    wide.columns = [f"{g}_{s}" for s, g in wide.columns]
    for c in cols:
        if c not in wide.columns:
            wide[c] = np.nan
    return add_rates(wide[cols].reset_index())


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
    s, p = _num(state), _num(poor)
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
# Cost per result


def beneficiary_indicators(indicators: pd.DataFrame) -> pd.DataFrame:
    """Typed-in indicators counting persons (réalisation or résultat) of each action: what 'beneficiaries' means."""
    ind = indicators.copy()
    derived = ind["numerator"].fillna("").astype(str).ne("") & ind["denominator"].fillna("").astype(str).ne("")
    keep = ind["unit"].isin(BENEFICIARY_UNITS) & ind["kind"].isin(BENEFICIARY_KINDS) & ~derived & ind["action"].notna()
    return ind[keep]


def first_funded_year(funding: pd.DataFrame, stage: str = "planned") -> pd.DataFrame:
    """code, programme, action, first_year: the first year with a positive amount (any funder) at that stage."""
    pos = funding[pd.to_numeric(funding[stage], errors="coerce") > 0]
    if pos.empty:
        return pd.DataFrame(columns=["code", "programme", "action", "first_year"])
    return pos.groupby(["code", "programme", "action"], as_index=False)["year"].min().rename(columns={"year": "first_year"})


def cost_per_result(funding: pd.DataFrame, values: pd.DataFrame, indicators: pd.DataFrame, codes: Sequence[str],
                    stage: str = "spent", end_year: int | None = None) -> pd.DataFrame:
    """€ per additional beneficiary, one row per (action, beneficiary indicator), over the territories `codes`
    (their sums: a région or France aggregates its départements with a value at both years).

    Columns: programme, axis, action, indicator, label, t0, end, beneficiaries_t0, beneficiaries_end, additional,
    euros, cost, territories, caveat."""
    codes = list(codes)
    fund = _select(funding, codes)
    bens = beneficiary_indicators(indicators)
    actions = fund.drop_duplicates("action")[["programme", "axis", "action"]]
    rows = []
    first = first_funded_year(fund, "planned")
    for act in actions.itertuples():
        mine = fund[fund["action"] == act.action]
        firsts = first[first["action"] == act.action]
        f_year = int(firsts["first_year"].min()) if len(firsts) else None
        inds = bens[bens["action"] == act.action]
        if inds.empty:
            rows.append(_cost_row(act, None, "", None, None, math.nan, math.nan, math.nan, 0,
                                  "aucun indicateur de bénéficiaires (en personnes) rattaché à l'action"))
            continue
        for ind in inds.itertuples():
            v = values[(values["indicator"] == ind.code) & values["code"].isin(codes) & values["value"].notna()]
            if end_year is not None:
                v = v[v["period"] <= end_year]
            periods = sorted(int(p) for p in v["period"].unique())
            if f_year is None or not periods:
                rows.append(_cost_row(act, ind.code, ind.label, None, None, math.nan, math.nan, math.nan, 0,
                                      "aucune valeur de l'indicateur" if periods == [] else "aucun financement"))
                continue
            before = [p for p in periods if p < f_year]
            t0 = before[-1] if before else periods[0]
            end = periods[-1]
            if end <= t0:
                rows.append(_cost_row(act, ind.code, ind.label, t0, end, math.nan, math.nan, math.nan, 0,
                                      "une seule année de valeurs : pas d'évolution mesurable"))
                continue
            wide = v[v["period"].isin([t0, end])].pivot_table(index="code", columns="period", values="value")
            wide = wide.dropna()
            both = list(wide.index)
            b0, b1 = float(wide[t0].sum()), float(wide[end].sum())
            spent = mine[mine["code"].isin(both) & (mine["year"] > t0) & (mine["year"] <= end)]
            euros = float(pd.to_numeric(spent[stage], errors="coerce").sum(min_count=1)) if len(spent) else math.nan
            notes = []
            if not before:
                notes.append(f"pas de valeur avant le premier financement ({f_year}) : T0 = {t0}, année déjà financée")
            missing = sorted(set(codes) & set(mine["code"]) - set(both))
            if missing and len(codes) > 1:
                notes.append(f"{len(missing)} territoire(s) sans valeur à T0 ou en {end}, exclus")
            elif missing:
                notes.append(f"valeur manquante à T0 ({t0}) ou en {end}")
            additional = b1 - b0 if both else math.nan
            cost = math.nan
            if not both:
                pass
            elif math.isnan(euros) or euros <= 0:
                notes.append(f"aucun € {STAGE_LABELS[stage]} après T0")
            elif additional <= 0:
                notes.append("aucun bénéficiaire supplémentaire : coût non calculable")
            else:
                cost = euros / additional
                if additional < SMALL_BENEFICIARIES:
                    notes.append(f"moins de {fmt_number(SMALL_BENEFICIARIES, 0)} bénéficiaires supplémentaires : "
                                 "coût très instable, à ne pas comparer")
            rows.append(_cost_row(act, ind.code, ind.label, t0, end, b0 if both else math.nan,
                                  b1 if both else math.nan, euros, len(both), " ; ".join(notes), cost))
    return pd.DataFrame(rows)


def _cost_row(act, indicator, label, t0, end, b0, b1, euros, n, caveat, cost=math.nan) -> dict:
    return {
        "programme": act.programme, "axis": act.axis, "action": act.action, "indicator": indicator, "label": label,
        "t0": t0, "end": end, "beneficiaries_t0": b0, "beneficiaries_end": b1,
        "additional": (b1 - b0) if not (math.isnan(_num(b0)) or math.isnan(_num(b1))) else math.nan,
        "euros": euros, "cost": cost, "territories": n, "caveat": caveat,
    }


# ---------------------------------------------------------------------------------------------------------------
# Substitution warnings


def substitution_flags(funding: pd.DataFrame, stage: str = "spent", tolerance: float = SUBSTITUTION_TOLERANCE,
                       codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Own euros falling while State euros rise on the same action, year on year (consecutive years).

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
        f"{r.action} ({r.code}), {int(r.year) - 1} → {int(r.year)} : € propres du département "
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
    rows, unchecked = [], 0
    for r in new.itertuples():
        year = int(r.first_year) - 1
        inds = bens[bens["action"] == r.action]["code"]
        v = values[(values["code"] == r.code) & values["indicator"].isin(inds) & (values["period"] == year)
                   & values["value"].notna()]
        if v.empty:
            unchecked += 1
            continue
        top = v.sort_values("value", ascending=False).iloc[0]
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
# Display tables (French labels, formatted numbers)


def action_label(action: str, labels: dict[str, str], axes: dict[str, str]) -> str:
    axis = axes.get(action)
    head = f"Axe {axis} · " if axis else ""
    return f"{head}{labels.get(action, action)}"


def execution_display(table: pd.DataFrame, labels: dict[str, str], axes: dict[str, str]) -> pd.DataFrame:
    rows = []
    for r in table.itertuples():
        rows.append({
            "Action": action_label(r.action, labels, axes), "Code": r.action,
            "État prévu": fmt_euros(r.etat_planned), "État engagé": fmt_euros(r.etat_committed),
            "État consommé": fmt_euros(r.etat_spent),
            "Département prévu": fmt_euros(r.departement_planned), "Département engagé": fmt_euros(r.departement_committed),
            "Département consommé": fmt_euros(r.departement_spent),
            "Taux d'engagement (total)": fmt_pct(r.total_committed_rate),
            "Taux de consommation (total)": fmt_pct(r.total_spent_rate),
            "Effet levier (consommé)": fmt_ratio(r.leverage),
        })
    return pd.DataFrame(rows)


def execution_export(table: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    out = table.copy()
    out.insert(3, "label", out["action"].map(labels))
    return out.rename(columns={
        "programme": "Programme", "axis": "Axe", "action": "Code action", "label": "Action",
        "etat_planned": "État prévu (€)", "etat_committed": "État engagé (€)", "etat_spent": "État consommé (€)",
        "departement_planned": "Département prévu (€)", "departement_committed": "Département engagé (€)",
        "departement_spent": "Département consommé (€)", "total_planned": "Total prévu (€)",
        "total_committed": "Total engagé (€)", "total_spent": "Total consommé (€)",
        "etat_committed_rate": "Taux d'engagement État (%)", "etat_spent_rate": "Taux de consommation État (%)",
        "departement_committed_rate": "Taux d'engagement département (%)",
        "departement_spent_rate": "Taux de consommation département (%)",
        "total_committed_rate": "Taux d'engagement total (%)", "total_spent_rate": "Taux de consommation total (%)",
        "leverage": "Effet levier (consommé)",
    })


def cost_display(costs: pd.DataFrame, labels: dict[str, str], axes: dict[str, str]) -> pd.DataFrame:
    rows = []
    for r in costs.itertuples():
        rows.append({
            "Action": action_label(r.action, labels, axes), "Indicateur": r.label or MISSING_TEXT,
            "€ par bénéficiaire supplémentaire": fmt_euros(r.cost),
            "Bénéficiaires supplémentaires": fmt_number(r.additional, 0),
            "€ après T0": fmt_euros(r.euros),
            "T0": str(int(r.t0)) if r.t0 is not None and not pd.isna(r.t0) else MISSING_TEXT,
            "Bénéficiaires T0": fmt_number(r.beneficiaries_t0, 0),
            "Dernière année": str(int(r.end)) if r.end is not None and not pd.isna(r.end) else MISSING_TEXT,
            "Bénéficiaires dernière année": fmt_number(r.beneficiaries_end, 0),
            "Mise en garde": r.caveat or "",
        })
    return pd.DataFrame(rows)


def comparison_display(table: pd.DataFrame, selected: str | None) -> pd.DataFrame:
    t = table.sort_values("leverage", ascending=False, na_position="last")
    return pd.DataFrame({
        "Département": [f"{n} ({c})" + (" ◀" if c == selected else "") for n, c in zip(t["name"], t["code"])],
        "€ État": [fmt_euros(x) for x in t["state"]],
        "€ département": [fmt_euros(x) for x in t["own"]],
        "Effet levier": [fmt_ratio(x) for x in t["leverage"]],
        "€ propres par € État": [fmt_ratio(x) for x in t["own_per_state"]],
        "€ État par habitant pauvre": [fmt_number(x, 1) for x in t["state_per_poor"]],
        "€ total par habitant pauvre": [fmt_number(x, 1) for x in t["total_per_poor"]],
        "Mise en garde": t["caveat"].fillna(""),
    })


# ---------------------------------------------------------------------------------------------------------------
# Loaders (the only functions here touching the database)


@dataclass(frozen=True)
class ProgrammeChoice:
    code: str
    label: str
    years: tuple[int, ...]
    is_demo: bool


def funding_programmes(db) -> list[ProgrammeChoice]:
    from levier.store.db import Query

    frame = db.read(Query.FUNDING_PROGRAMMES, {"level": "departement"})
    return [ProgrammeChoice(r.programme, r.label or r.programme, tuple(range(int(r.first_year), int(r.last_year) + 1)),
                            bool(r.is_demo)) for r in frame.itertuples()]


@dataclass(frozen=True)
class LeverData:
    """Everything national the page needs for one programme, read once and cached."""

    programme: str
    funding: pd.DataFrame
    reallocations: pd.DataFrame
    flags: pd.DataFrame
    territories: pd.DataFrame
    actions: pd.DataFrame
    indicators: pd.DataFrame
    values: pd.DataFrame
    stats: pd.DataFrame
    is_demo: bool


def load_lever_data(db, programme: str) -> LeverData:
    from levier.store.db import Query

    with db.reader() as r:
        funding = r.df(Query.FUNDING_CURRENT, {"programme": programme, "level": "departement"})
        realloc = r.df(Query.FUNDING_REALLOCATIONS, {"programme": programme, "level": "departement"})
        flags = r.df(Query.FUNDING_ACTION_FLAGS, {"programme": programme, "level": "departement"})
        territories = r.df(Query.TERRITORIES_OF_LEVEL, {"level": "departement"})
        actions = r.df(Query.FUNDING_ACTIONS)
        indicators = r.df(Query.LEVER_ACTION_INDICATORS)
        stats = r.df(Query.LEVER_POOR_POPULATION)
        indicators = indicators[indicators["programme"] == programme]
        codes = beneficiary_indicators(indicators)["code"].tolist()
        values = r.df(Query.LEVER_INDICATOR_VALUES, {"level": "departement", "codes": codes}) if codes else pd.DataFrame(
            columns=["code", "indicator", "period", "value"])
    funding["year"] = funding["year"].astype(int)
    return LeverData(programme, funding, realloc, flags, territories, actions, indicators, values, stats,
                     bool(funding["is_demo"].any()) if len(funding) else False)


@dataclass
class LeverView:
    title: str
    programme: str
    years: tuple[int, int]
    stage: str
    codes: list[str]
    selected: str | None
    headline: dict[str, str]
    execution: pd.DataFrame
    execution_export: pd.DataFrame
    execution_figure: object
    flows: pd.DataFrame
    sankey_figure: object | None
    leverage_figure: object
    per_poor_figure: object
    costs: pd.DataFrame
    costs_export: pd.DataFrame
    substitutions: list[str]
    new_actions: list[str]
    unchecked_new: int
    comparison: pd.DataFrame
    comparison_export: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    empty: bool = False  # no euro of this programme for the territory over these years


def _source(is_demo: bool) -> str:
    base = "Financements déclarés (fichiers importés dans Levier)"
    return base + " — données fictives de démonstration" if is_demo else base


def lever_view(db, level: str, code: str, programme: str, stage: str, year_from: int, year_to: int) -> LeverView:
    """The Effet levier page for a département, a région (its départements summed) or France."""
    from levier.charts import lever as lever_charts

    data = load_lever_data(db, programme)
    years = list(range(int(year_from), int(year_to) + 1))
    terr = data.territories
    if level == "departement":
        codes, selected = [code], code
        name = terr.loc[terr["code"] == code, "name"]
        title = f"{name.iloc[0] if len(name) else code} ({code})"
    elif level == "region":
        codes, selected = terr.loc[terr["reg"] == code, "code"].tolist(), None
        reg = terr.loc[terr["reg"] == code, "reg_name"]
        title = f"{reg.iloc[0] if len(reg) else code} (ensemble de ses départements)"
    else:
        codes, selected, title = terr["code"].tolist(), None, "France entière (somme des départements)"
    labels = dict(zip(data.actions["code"], data.actions["label"]))
    axes = dict(zip(data.actions["code"], data.actions["axis"]))
    order = {c: k for k, c in enumerate(data.actions["code"])}
    source = _source(data.is_demo)

    table = action_totals(data.funding, codes, years)
    table = table.sort_values("action", key=lambda s: s.map(order)).reset_index(drop=True)
    heads = totals(table)
    amounts = territory_amounts(data.funding, stage, years)
    poor = poor_population(data.stats, years[0])
    lev = leverage_table(amounts, terr, poor)
    agg = aggregate_leverage(lev, codes)
    headline = {
        "État": fmt_compact_euros(agg["state"]),
        "Département": fmt_compact_euros(agg["own"]),
        "Effet levier": fmt_ratio(agg["leverage"]),
        "€ propres par € État": fmt_ratio(agg["own_per_state"]),
        "Consommé / prévu": fmt_pct(100.0 * ratio(heads["etat_spent"] + _zero(heads["departement_spent"]),
                                                  heads["etat_planned"] + _zero(heads["departement_planned"]))),
        "€ par habitant pauvre": (fmt_number(agg["total_per_poor"], 1) + f"{NBSP}€"
                                  if not math.isnan(agg["total_per_poor"]) else MISSING_TEXT),
    }
    year_text = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    execution_figure = lever_charts.execution_chart(
        table, labels, axes, title=f"Prévu, engagé, consommé par action – {programme} {year_text}",
        source=source, year=years)
    flows = reallocation_flows(data.reallocations, codes, years)
    sankey = lever_charts.reallocation_sankey(flows, labels, title=f"Crédits reventilés entre actions – {year_text}",
                                               source=source, year=years) if len(flows) else None
    peers = codes if level == "region" else ()
    lev_for_chart = lev.rename(columns={"leverage": "value"})
    leverage_figure = lever_charts.leverage_distribution(
        lev_for_chart[["code", "name", "value"]], selected, peers, stage_label=STAGE_LABELS[stage], source=source,
        year=years)
    poor_years = sorted({int(y) for y in poor["persons_year"].dropna()} | {int(y) for y in poor["rate_year"].dropna()})
    per_poor_figure = lever_charts.per_poor_distribution(
        lev.rename(columns={"total_per_poor": "value"})[["code", "name", "value"]], selected, peers,
        stage_label=STAGE_LABELS[stage],
        source=f"{source} ; INSEE, Filosofi {fmt_years(poor_years)} (population pauvre)", year=years)
    costs = cost_per_result(data.funding, data.values, data.indicators, codes, stage=stage, end_year=years[-1])
    if len(costs):
        costs = costs.sort_values("action", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    subs = substitution_flags(data.funding[data.funding["year"].isin(years)], stage, codes=codes)
    new, unchecked = new_action_flags(data.flags, data.funding, data.values, data.indicators, codes)
    notes = []
    if agg["missing_poor"] and level != "departement":
        notes.append(f"{agg['missing_poor']} département(s) sans taux de pauvreté publié : exclus du € par habitant pauvre.")
    comparison = comparison_display(lev, selected)
    return LeverView(
        title=title, programme=programme, years=(years[0], years[-1]), stage=stage, codes=codes, selected=selected,
        headline=headline, execution=execution_display(table, labels, axes),
        execution_export=execution_export(table, labels), execution_figure=execution_figure, flows=flows,
        sankey_figure=sankey, leverage_figure=leverage_figure, per_poor_figure=per_poor_figure,
        costs=cost_display(costs, labels, axes) if len(costs) else pd.DataFrame(),
        costs_export=costs, substitutions=list(subs["message"]), new_actions=list(new["message"]),
        unchecked_new=unchecked, comparison=comparison,
        comparison_export=lev.rename(columns={
            "code": "Code", "name": "Département", "state": "€ État", "own": "€ département", "total": "€ total",
            "leverage": "Effet levier", "own_per_state": "€ propres par € État", "poor": "Population pauvre",
            "state_per_poor": "€ État par habitant pauvre", "total_per_poor": "€ total par habitant pauvre",
            "caveat": "Mise en garde"}),
        notes=notes,
        empty=table.empty,
    )


