"""Lever effect of State money, pure (DataFrames in, DataFrames out): execution, leverage, own € per State €,
euros per poor inhabitant, cost per result, substitution warnings, re-allocations. Conventions:
- a `funding` frame is long: code (territory, text), programme, axis, action, year (int), funder (etat, etat_budget,
  etat_fir, etat_ondam, departement), planned, committed, spent (euros, NaN when not known);
- a stage is 'planned' (prévu), 'committed' (engagé) or 'spent' (consommé);
- a `values` frame is long: code, indicator, period, value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from levier.core.fmt import NBSP, as_float, fmt_number, fmt_pct

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
        "additional": (b1 - b0) if not (math.isnan(as_float(b0)) or math.isnan(as_float(b1))) else math.nan,
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
