"""The Effet levier page: loads a programme's funding, calls levier.analysis.lever, builds the charts and the French
display tables. The comité de suivi pack (levier.report.pack) and `levier export financements` (funding_table) use
the same functions, so a figure is computed once and is the same on every face."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from levier.analysis import lever
from levier.charts import lever as lever_charts
from levier.core.fmt import (
    MISSING_TEXT,
    NBSP,
    fmt_compact_euros,
    fmt_euros,
    fmt_number,
    fmt_pct,
    fmt_ratio,
    fmt_signed,
    fmt_source,
    fmt_years,
)
from levier.store.db import Database, Query
from levier.views.gating import gate_values


def _zero(x: float) -> float:
    return 0.0 if math.isnan(x) else x


# ---------------------------------------------------------------------------------------------------------------
# Display tables (French labels, formatted numbers)


def action_label(action: str, labels: dict[str, str], axes: dict[str, str]) -> str:
    axis = axes.get(action)
    head = f"Axe {axis} · " if axis else ""
    return f"{head}{labels.get(action, action)}"


def execution_display(table: pd.DataFrame, labels: dict[str, str], axes: dict[str, str],
                      own: str = "Département") -> pd.DataFrame:
    """The execution table as the page shows it; `own` names the holder's own euros (« Métropole »)."""
    rows = []
    for r in table.itertuples():
        rows.append({
            "Action": action_label(r.action, labels, axes), "Code": r.action,
            "État prévu": fmt_euros(r.etat_planned), "État engagé": fmt_euros(r.etat_committed),
            "État consommé": fmt_euros(r.etat_spent),
            f"{own} prévu": fmt_euros(r.departement_planned), f"{own} engagé": fmt_euros(r.departement_committed),
            f"{own} consommé": fmt_euros(r.departement_spent),
            "Taux d'engagement (total)": fmt_pct(r.total_committed_rate),
            "Taux de consommation (total)": fmt_pct(r.total_spent_rate),
            "Effet levier (consommé)": fmt_ratio(r.leverage),
        })
    return pd.DataFrame(rows)


def execution_export(table: pd.DataFrame, labels: dict[str, str], own: str = "Département") -> pd.DataFrame:
    out = table.copy()
    low = own.lower()
    out.insert(3, "label", out["action"].map(labels))
    return out.rename(columns={
        "programme": "Programme", "axis": "Axe", "action": "Code action", "label": "Action",
        "etat_planned": "État prévu (€)", "etat_committed": "État engagé (€)", "etat_spent": "État consommé (€)",
        "departement_planned": f"{own} prévu (€)", "departement_committed": f"{own} engagé (€)",
        "departement_spent": f"{own} consommé (€)", "total_planned": "Total prévu (€)",
        "total_committed": "Total engagé (€)", "total_spent": "Total consommé (€)",
        "etat_committed_rate": "Taux d'engagement État (%)", "etat_spent_rate": "Taux de consommation État (%)",
        "departement_committed_rate": f"Taux d'engagement {low} (%)",
        "departement_spent_rate": f"Taux de consommation {low} (%)",
        "total_committed_rate": "Taux d'engagement total (%)", "total_spent_rate": "Taux de consommation total (%)",
        "leverage": "Effet levier (consommé)",
    })


COST_DISPLAY_COLUMNS = ["Action", "Indicateur", "€ par bénéficiaire-année", "Bénéficiaires-années au-dessus de T0",
                        "T0 (année · bénéficiaires)", "Années financées", "€ des années financées", "Mise en garde"]
# « Nombre de jeunes … » -> « Jeunes … »: every beneficiary indicator is a count, the first words should say of whom.
_COUNT_PREFIXES = ("Nombre total de ", "Nombre de ", "Nombre d'", "Nombres de ")


def short_indicator_label(label: object) -> str:
    """An indicator's label without its « Nombre de » opening (the cost table counts persons on every line)."""
    text = str(label) if isinstance(label, str) and label else MISSING_TEXT
    for prefix in _COUNT_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            rest = text[len(prefix):]
            return rest[0].upper() + rest[1:]
    return text


def cost_display(costs: pd.DataFrame) -> pd.DataFrame:
    """The cost table as the page shows it: the action's code, the indicator, the cost, then what it rests on
    (beneficiary-years above T0, the T0 year and level, the funded years and their euros) and why there is no cost
    when there is none. The action's label and every number unrounded are in the download."""
    rows = []
    for r in costs.itertuples():
        t0 = r.t0 or ""
        level = fmt_number(r.baseline, 0, missing="")
        rows.append({
            "Action": r.action,
            "Indicateur": short_indicator_label(r.label),
            "€ par bénéficiaire-année": fmt_euros(r.cost),
            "Bénéficiaires-années au-dessus de T0": fmt_number(r.beneficiary_years, 0),
            "T0 (année · bénéficiaires)": f"{t0} · {level}" if t0 and level else (t0 or MISSING_TEXT),
            "Années financées": r.funded_years or MISSING_TEXT,
            "€ des années financées": fmt_euros(r.euros),
            "Mise en garde": r.caveat or "",
        })
    return pd.DataFrame(rows, columns=COST_DISPLAY_COLUMNS)


def cost_notes(costs: pd.DataFrame) -> list[str]:
    """Each distinct caveat of the cost table once, in full, with the indicators it concerns (codes)."""
    notes: dict[str, list[str]] = {}
    for r in costs.itertuples():
        if r.caveat:
            notes.setdefault(r.caveat, []).append(r.indicator if isinstance(r.indicator, str) else r.action)
    return [f"{caveat[0].upper()}{caveat[1:]} — {', '.join(codes)}." for caveat, codes in notes.items()]


def cost_export(costs: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The cost table for download: numbers kept as numbers, French column names."""
    out = costs.copy()
    out["action_label"] = out["action"].map(labels)
    out = out[["programme", "axis", "action", "action_label", "indicator", "label", "cost", "beneficiary_years", "t0",
               "baseline", "funded_years", "years_counted", "euros", "share", "territories", "caveat"]]
    return out.rename(columns={
        "programme": "Programme", "axis": "Axe", "action": "Code action", "action_label": "Action",
        "indicator": "Code indicateur", "label": "Indicateur", "cost": "€ par bénéficiaire-année",
        "beneficiary_years": "Bénéficiaires-années au-dessus de T0", "t0": "Année T0 (avant financement)",
        "baseline": "Bénéficiaires à T0", "funded_years": "Années financées comptées",
        "years_counted": "Années-territoires comptées", "euros": "€ des années financées",
        "share": "Part des € de l'action imputée", "territories": "Territoires comptés", "caveat": "Mise en garde",
    })


def comparison_display(table: pd.DataFrame, selected: str | None, holder: lever.Holder = lever.DEPARTEMENT) -> pd.DataFrame:
    """Every holder's leverage, highest first; a métropole's table has no € per poor inhabitant (no poverty rate
    is published per EPCI)."""
    t = table.sort_values("leverage", ascending=False, na_position="last")
    out = pd.DataFrame({
        holder.label: [f"{n} ({c})" + (" ◀" if c == selected else "") for n, c in zip(t["name"], t["code"])],
        "€ État": [fmt_euros(x) for x in t["state"]],
        f"€ {holder.noun}": [fmt_euros(x) for x in t["own"]],
        "Effet levier": [fmt_ratio(x) for x in t["leverage"]],
        "€ propres par € État": [fmt_ratio(x) for x in t["own_per_state"]],
        "€ État par habitant pauvre": [fmt_number(x, 1) for x in t["state_per_poor"]],
        "€ total par habitant pauvre": [fmt_number(x, 1) for x in t["total_per_poor"]],
        "Mise en garde": t["caveat"].fillna(""),
    })
    if holder != lever.DEPARTEMENT:
        out = out.drop(columns=["€ État par habitant pauvre", "€ total par habitant pauvre"])
        out["Mise en garde"] = [_without_poor(c) for c in out["Mise en garde"]]
    return out


def _without_poor(caveat: str) -> str:
    """A caveat without its per-poor-inhabitant part (said once for every métropole, METROPOLE_POOR_NOTE)."""
    return " ; ".join(p for p in str(caveat).split(" ; ") if "habitant pauvre" not in p)


# ---------------------------------------------------------------------------------------------------------------
# The départements' own money on the contract's field, for real (DREES)


DREES_SPENDING_TABLE = "Les dépenses d'aide sociale départementale – séries longues"
OWN_DISPLAY_YEAR = "Année"


@dataclass
class OwnSpendingView:
    """The real own-spending section of a département (or why there is none)."""

    heading: str
    message: str = ""  # an info instead of the section (no field, not a département, series not imported)
    figure: object | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    export: pd.DataFrame = field(default_factory=pd.DataFrame)
    real_and_fictive: str = ""  # what is real (DREES, source table, years) and what is fictive
    population_note: str = ""
    scope: str = ""  # what the substitution test can and cannot say (years shared)
    substitutions: list[str] = field(default_factory=list)
    tested_years: tuple[int, ...] = ()  # contract years whose own spending and the year before's are both published


def is_metropole(nature: object) -> bool:
    return isinstance(nature, str) and nature.startswith("MET")


def metropole_own_spending_text(nature: object) -> str:
    """Why a métropole has no real own-spending section (DREES publishes départements)."""
    text = ("Une métropole n'a pas de dépenses propres publiées par la DREES (séries par département) : les "
            "dépenses d'insertion ou d'aide sociale à l'enfance du département ne sont pas les siennes et ne sont "
            "pas montrées à sa place. Le test de substitution ne porte donc que sur les € propres déclarés par action "
            "(plus haut).")
    if nature == "MET69":
        text += (" La DREES publie parfois la Métropole de Lyon à part (69M) : Levier la garde comme collectivité, "
                 "hors des médianes des départements ; le département 69 est le Rhône avec la Métropole.")
    return text


def epci_notice(nature: object, name: str = "", dep_label: str = "") -> str:
    """The Effet levier page's answer to an EPCI holding no contract (no funding declared in its name): said
    plainly, and never with its département's figures in its place."""
    who = name or ("Cette métropole" if is_metropole(nature) else "Cette intercommunalité")
    dep = f" ({dep_label})" if dep_label else ""
    if is_metropole(nature):
        text = (f"{who} ne porte pas de contrat dans Levier : aucun financement n'est importé à son nom (déposez le "
                "fichier de financements de son contrat local des solidarités sur la page Importer). Les montants de "
                f"son département{dep} ne sont pas les siens et ne sont pas montrés à sa place.")
        return text + " " + metropole_own_spending_text(nature)
    return (f"{who} ne porte pas de contrat avec l'État : seuls les départements et les métropoles signent les "
            "contrats (CALPAE, CDPPE, Pacte des solidarités), aucun financement n'est donc déclaré à son nom. Son "
            f"territoire relève du contrat de son département{dep} : choisissez le département dans le panneau de "
            "gauche pour en voir les financements et l'effet levier.")


def _source_text(meta: pd.DataFrame, indicator: str, years: list[int]) -> str:
    """« DREES, enquête Aide sociale — <source table>, 2009–2019 » from the catalogue (a default when absent)."""
    row = meta[meta["indicator"] == indicator]
    producer = row["source"].dropna().iloc[0] if len(row) and row["source"].notna().any() else "DREES"
    table = (row["source_table"].dropna().iloc[0] if len(row) and row["source_table"].notna().any()
             else DREES_SPENDING_TABLE)
    text = fmt_source(producer, table)
    return f"{text}, {fmt_years(years)}" if years else text


@dataclass(frozen=True)
class OwnSpendingData:
    """A programme's own-spending field over every département, with no territory chosen: each département's €
    per inhabitant and the départements' medians, computed once (or, in `message`, why there is no section)."""

    heading: str
    message: str = ""
    own_field: lever.OwnField | None = None
    per: pd.DataFrame = field(default_factory=pd.DataFrame)  # lever.per_inhabitant() of the field and its context
    medians: pd.DataFrame = field(default_factory=pd.DataFrame)  # lever.national_medians() of them
    meta: pd.DataFrame = field(default_factory=pd.DataFrame)  # one spending row per indicator: label, source
    labels: dict[str, str] = field(default_factory=dict)
    own_years: tuple[int, ...] = ()
    fixed_label: str = ""
    fixed_short: str = ""


def own_spending_data(spending: pd.DataFrame, territories: pd.DataFrame, persons: pd.DataFrame,
                      programme: str) -> OwnSpendingData:
    """The national part of own_spending_view(): what every département's section shares (read once per programme).
    spending: lever_own_spending rows (code, indicator, period, value, label, source, source_table)."""
    fld = lever.own_field(programme)
    if fld is None:
        return OwnSpendingData(heading="Dépenses propres du département (réel)",
                               message=f"Aucune série publique de dépenses propres n'est rattachée au programme {programme}.")
    heading = f"{fld.label} du département : l'argent propre, réel (DREES)"
    mine = spending[spending["indicator"] == fld.indicator]
    if mine.empty:
        return OwnSpendingData(heading=heading, message=(
            f"Les dépenses départementales de la DREES ({fld.indicator}) ne sont pas encore importées : importez les "
            "classeurs DREES (page Importer ou `levier import \"../shared/data/drees/*.xlsx\"`)."))
    own_years = sorted({int(p) for p in mine["period"]})
    codes = [fld.indicator, *fld.context]
    wanted = spending[spending["indicator"].isin(codes)]
    vintage = int(territories["vintage"].max()) if "vintage" in territories.columns and len(territories) else None
    fixed_label = f"INSEE, population municipale en vigueur en {vintage}" if vintage else "INSEE, population municipale"
    fixed_short = f"population municipale {vintage}" if vintage else "population municipale"
    pop = lever.population_by_year(persons, territories, own_years, fixed_label)
    per = lever.per_inhabitant(wanted, pop)
    medians = lever.national_medians(per, territories["code"])
    labels = dict(lever.OWN_LABELS)
    meta = spending.drop_duplicates("indicator")
    labels.update({i: lbl for i, lbl in zip(meta["indicator"], meta["label"]) if isinstance(lbl, str) and lbl})
    return OwnSpendingData(heading=heading, own_field=fld, per=per, medians=medians, meta=meta, labels=labels,
                           own_years=tuple(own_years), fixed_label=fixed_label, fixed_short=fixed_short)


def own_spending_view(spending: pd.DataFrame, territories: pd.DataFrame, persons: pd.DataFrame,
                      funding: pd.DataFrame, *, code: str, name: str, programme: str, stage: str,
                      contract_years: tuple[int, ...], is_demo: bool) -> OwnSpendingView:
    """The département's real own spending on the programme's field (DREES, € of the year) per inhabitant against
    the départements' median, every published year, and the substitution test it allows.
    spending: lever_own_spending rows (code, indicator, period, value, label, source, source_table)."""
    return own_spending_view_of(own_spending_data(spending, territories, persons, programme), funding, code=code,
                                name=name, programme=programme, stage=stage, contract_years=contract_years,
                                is_demo=is_demo)


def own_spending_view_of(data: OwnSpendingData, funding: pd.DataFrame, *, code: str, name: str, programme: str,
                         stage: str, contract_years: tuple[int, ...], is_demo: bool) -> OwnSpendingView:
    """own_spending_view() of one département from the national part already computed (own_spending_data)."""
    if data.own_field is None:
        return OwnSpendingView(heading=data.heading, message=data.message)
    fld, per, medians, meta, labels = data.own_field, data.per, data.medians, data.meta, data.labels
    own_years, fixed_label, fixed_short, heading = list(data.own_years), data.fixed_label, data.fixed_short, data.heading
    own = per[(per["code"] == code) & (per["indicator"] == fld.indicator)].sort_values("year")
    source = _source_text(meta, fld.indicator, own_years)
    if own.empty:
        return OwnSpendingView(heading=heading, message=f"La DREES ne publie pas de série « {fld.label} » pour {name}.")
    med = medians[medians["indicator"] == fld.indicator][["year", "median"]]
    fixed_years = sorted(own.loc[own["population_source"] == fixed_label, "year"])
    filo_years = sorted(own.loc[own["population_source"] != fixed_label, "year"])
    break_year = filo_years[0] if fixed_years and filo_years and fixed_years[-1] < filo_years[0] else None
    start = contract_years[0] if contract_years else None
    population_source = " et ".join(
        part for part in (f"Filosofi {fmt_years(filo_years)}" if filo_years else "",
                          f"{fixed_short} pour {fmt_years(fixed_years)}" if fixed_years else "")
        if part)
    figure = lever_charts.own_spending_chart(
        own[["year", "per_inhabitant"]], med, name=f"{name} ({code})",
        title=f"{fld.label} par habitant", subtitle=f"{name} ({code}) et médiane des départements — réel",
        source=f"{source} ; population : INSEE, {population_source}", break_year=break_year, contract_start=start,
        contract_label=f"contrat {programme} ({start})" if start else "")

    table = own.merge(med, on="year", how="left")
    context = {}
    for ctx in fld.context:
        c = per[(per["code"] == code) & (per["indicator"] == ctx)].set_index("year")["per_inhabitant"]
        context[ctx] = c
    rows, export_rows = [], []
    for r in table.itertuples():
        gap = r.per_inhabitant - r.median if pd.notna(r.median) else math.nan
        row = {
            OWN_DISPLAY_YEAR: str(int(r.year)),
            "Dépenses (€)": fmt_euros(r.euros),
            "€ par habitant": fmt_number(r.per_inhabitant, 1),
            "Médiane des départements (€ par habitant)": fmt_number(r.median, 1),
            "Écart à la médiane (€ par habitant)": fmt_signed(gap, "", 1) if not math.isnan(gap) else MISSING_TEXT,
        }
        exp = {"Code": code, "Indicateur": fld.indicator, "Année": int(r.year), "Dépenses (€)": r.euros,
               "Population": r.population, "Population (source)": r.population_source,
               "€ par habitant": r.per_inhabitant, "Médiane des départements (€ par habitant)": r.median}
        for ctx, c in context.items():
            v = c.get(r.year, math.nan)
            row[f"{labels.get(ctx, ctx)} (€ par habitant, contexte)"] = fmt_number(v, 1)
            exp[f"{labels.get(ctx, ctx)} (€ par habitant)"] = v
        row["Population utilisée"] = fixed_short if r.population_source == fixed_label else f"Filosofi {int(r.year)}"
        rows.append(row)
        export_rows.append(exp)

    state = lever.field_state_money(funding, fld, code, stage)
    first = contract_years[0] if contract_years else own_years[-1] + 1
    hits = lever.own_substitution(own[["year", "euros"]], state, first, field_label=fld.label, programme=programme,
                                  stage=stage, state_is_demo=is_demo)
    axes = (f" (axe {', '.join(fld.axes)})" if fld.axes else "")
    money = ("les € du contrat (État et département) sont des données fictives de démonstration"
             if is_demo else "les € du contrat sont ceux déclarés par les départements (fichiers importés)")
    real_and_fictive = (
        f"Réel : {fld.label[0].lower()}{fld.label[1:]} du département, {source} ({fld.definition} ; € courants ; "
        f"{fld.indicator}). Fictif ou déclaratif : {money}. Le test de substitution rapproche les deux : dépenses "
        f"propres réelles du champ et € de l'État du contrat {programme} sur ce champ{axes}. {lever.OWN_SPENDING_CAVEAT}")
    population_note = (
        f"€ par habitant = dépenses de l'année ÷ population de la même année : personnes des ménages fiscaux (INSEE, "
        f"Filosofi, STAT-NBPERS) pour {fmt_years(filo_years) or 'aucune année'} ; pour les années sans Filosofi "
        f"({fmt_years(fixed_years) or 'aucune'}), {fixed_label.replace('INSEE, ', '')} (INSEE), la seule disponible : "
        "la courbe est coupée au changement de population, ne lisez pas d'évolution à travers la coupure. Médiane sur "
        "les départements (jamais la Métropole de Lyon seule : le département 69 est le Rhône avec la Métropole).")
    return OwnSpendingView(
        heading=heading, figure=figure, table=pd.DataFrame(rows), export=pd.DataFrame(export_rows),
        real_and_fictive=real_and_fictive, population_note=population_note,
        scope=lever.own_substitution_scope(own_years, contract_years, programme),
        substitutions=list(hits["message"]),
        tested_years=tuple(y for y in contract_years if y in own_years and y - 1 in own_years),
    )


# ---------------------------------------------------------------------------------------------------------------
# Loaders and the page view


@dataclass(frozen=True)
class ProgrammeChoice:
    code: str
    label: str
    years: tuple[int, ...]
    is_demo: bool


def funding_programmes(db: Database, level: str = "departement", code: str | None = None) -> list[ProgrammeChoice]:
    """The page's programme choice, with their years: the programmes with funding at the département level (a
    département, a région, France); for an EPCI (`level` 'epci' and its `code`), the programmes funding that EPCI's
    own contract — none when it holds no contract."""
    if level == "epci":
        frame = db.read(Query.FUNDING_TERRITORY_PROGRAMMES, {"level": "epci", "code": str(code)})
    else:
        frame = db.read(Query.FUNDING_PROGRAMMES, {"level": "departement"})
    return [ProgrammeChoice(r.programme, r.label or r.programme, tuple(range(int(r.first_year), int(r.last_year) + 1)),
                            bool(r.is_demo)) for r in frame.itertuples()]


OWN_SPENDING_COLUMNS = ["code", "indicator", "period", "value", "label", "source", "source_table"]


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
    level: str = "departement"  # 'epci': the métropoles' own contracts
    # The départements' real own spending on the programme's field and its context series (lever_own_spending rows;
    # empty for the métropoles and for a programme without such a series).
    own_spending: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OWN_SPENDING_COLUMNS))
    # Their national part (per inhabitant, medians), computed with the read: a département's section only picks its rows.
    own_data: OwnSpendingData | None = None


def load_lever_data(db: Database, programme: str, level: str = "departement") -> LeverData:
    """One programme's funding, re-allocations, action flags and beneficiary values for every département, or
    (`level` 'epci') for every EPCI holding a contract of it (the métropoles): its territories are those holders
    only, and no poor population (INSEE publishes no poverty rate per EPCI)."""
    with db.reader() as r:
        funding = r.df(Query.FUNDING_CURRENT, {"programme": programme, "level": level})
        realloc = r.df(Query.FUNDING_REALLOCATIONS, {"programme": programme, "level": level})
        flags = r.df(Query.FUNDING_ACTION_FLAGS, {"programme": programme, "level": level})
        territories = r.df(Query.TERRITORIES_OF_LEVEL, {"level": level})
        actions = r.df(Query.FUNDING_ACTIONS)
        indicators = r.df(Query.LEVER_ACTION_INDICATORS)
        stats = (r.df(Query.LEVER_POOR_POPULATION) if level == "departement"
                 else pd.DataFrame(columns=["code", "indicator", "period", "value"]))
        indicators = indicators[indicators["programme"] == programme]
        codes = lever.beneficiary_indicators(indicators)["code"].tolist()
        values = r.df(Query.LEVER_INDICATOR_VALUES, {"level": level, "codes": codes}) if codes else pd.DataFrame(
            columns=["code", "indicator", "period", "value"])
        # Read with the rest (one cursor): the own-spending section is a département's, over every département.
        fld = lever.own_field(programme)
        own_codes = [fld.indicator, *fld.context] if fld is not None and level == "departement" else []
        own_spending = (r.df(Query.LEVER_OWN_SPENDING, {"codes": own_codes}) if own_codes
                        else pd.DataFrame(columns=OWN_SPENDING_COLUMNS))
    funding["year"] = funding["year"].astype(int)
    if level != "departement":
        territories = territories[territories["code"].isin(set(funding["code"]))].reset_index(drop=True)
    if len(values):  # a value a quality check rejects is no cost's denominator (raw counts: no rate conversion)
        values = gate_values(db, values, level)
    own_data = (own_spending_data(own_spending, territories, stats[stats["indicator"] == "STAT-NBPERS"], programme)
                if level == "departement" else None)
    return LeverData(programme, funding, realloc, flags, territories, actions, indicators, values, stats,
                     bool(funding["is_demo"].any()) if len(funding) else False, level, own_spending, own_data)


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
    per_poor_figure: object | None  # None for a métropole (no poverty rate per EPCI)
    costs: pd.DataFrame
    costs_export: pd.DataFrame
    substitutions: list[str]
    new_actions: list[str]
    unchecked_new: int
    comparison: pd.DataFrame
    comparison_export: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    cost_notes: list[str] = field(default_factory=list)  # each caveat of the cost table in full, with its indicators
    empty: bool = False  # no euro of this programme for the territory over these years
    own: OwnSpendingView | None = None  # the département's real own spending on the field (DREES)
    is_demo: bool = False  # the contract money shown is the demo's fictive money
    holder: lever.Holder = lever.DEPARTEMENT  # who brings the own euros (a métropole for an EPCI's contract)

    @property
    def leverage_rule(self) -> str:
        return lever.leverage_rule(self.holder)

    @property
    def substitution_rule(self) -> str:
        return lever.substitution_rule(self.holder)

    @property
    def peers_heading(self) -> str:
        """The comparison section's heading: départements compare with départements, métropoles with métropoles."""
        if self.holder == lever.DEPARTEMENT:
            return "Effet levier et € par habitant pauvre, comparés aux autres départements"
        return "Effet levier comparé aux autres métropoles"

    @property
    def comparison_heading(self) -> str:
        if self.holder == lever.DEPARTEMENT:
            return "Tous les départements : levier, € propres par € État, € par habitant pauvre"
        return "Toutes les métropoles sous contrat : levier, € propres par € État"

    @property
    def cost_rule(self) -> str:
        return lever.COST_RULE.replace("(État + département,", f"(État + {self.holder.noun},")

    @property
    def comparison_stem(self) -> str:
        """The comparison download's file name, without the programme and years."""
        return "levier_departements" if self.holder == lever.DEPARTEMENT else "levier_metropoles"

    @property
    def money_note(self) -> str:
        """Where the contract money comes from, said under the key figures."""
        if self.is_demo:
            real = " (les dépenses propres réelles, DREES, sont plus bas)" if self.holder == lever.DEPARTEMENT else ""
            return f"Montants du contrat : données fictives de démonstration{real}. "
        return f"Montants du contrat déclarés par les {self.holder.plural}. "


def funding_source(is_demo: bool) -> str:
    """The source line under every funding chart and table."""
    base = "Financements déclarés (fichiers importés dans Levier)"
    return base + " — données fictives de démonstration" if is_demo else base


@dataclass(frozen=True)
class LeverLevel:
    """What one programme, stage and span of years give every holder of the level, whoever is chosen: each one's
    amounts and leverage (lever.leverage_table) and the poor population behind its € per poor inhabitant."""

    programme: str
    level: str
    stage: str
    years: tuple[int, ...]
    poor: pd.DataFrame
    leverage: pd.DataFrame


def holder_level(level: str) -> str:
    """Whose money a page of `level` reads (load_lever_data's level): a métropole's own for an EPCI, the
    départements' for a département, a région or France."""
    return "epci" if level == "epci" else "departement"


def lever_level(data: LeverData, stage: str, year_from: int, year_to: int,
                poor: pd.DataFrame | None = None) -> LeverLevel:
    """The level's part of lever_view(), computed once for every territory of a programme, stage and years.
    `poor`: lever.poor_population(data.stats, year_from) when the caller holds it (it does not depend on the stage)."""
    years = list(range(int(year_from), int(year_to) + 1))
    amounts = lever.territory_amounts(data.funding, stage, years)
    poor = poor if poor is not None else lever.poor_population(data.stats, years[0])
    return LeverLevel(data.programme, data.level, stage, tuple(years), poor,
                      lever.leverage_table(amounts, data.territories, poor))


def lever_poor(data: LeverData, year: int) -> pd.DataFrame:
    """The poor population behind each holder's € per poor inhabitant, from a span's first year (lever_level's
    `poor`: the same whatever the stage compared)."""
    return lever.poor_population(data.stats, int(year))


@dataclass(frozen=True)
class LeverBase:
    """What one territory's page shows whatever the stage compared: who is summed, the money per action and its
    chart, the reallocations and the « mesure nouvelle » checks (lever_base). Never changed by lever_view."""

    programme: str
    level: str  # the page's: 'departement', 'region', 'france' or 'epci' (a région and a département share codes)
    code: str
    years: tuple[int, ...]
    title: str
    codes: list[str]
    selected: str | None
    labels: dict[str, str]
    axes: dict[str, object]
    source: str
    table: pd.DataFrame  # lever.action_totals, in the catalogue's order of actions
    heads: dict
    execution_figure: object  # a plotly figure
    flows: pd.DataFrame
    sankey_figure: object | None
    new_actions: pd.DataFrame
    unchecked_new: int


def lever_base(db: Database, data: LeverData, level: str, code: str, year_from: int, year_to: int) -> LeverBase:
    """The stage-free part of lever_view() for one territory and span of years (a change of the stage compared
    computes the rest only)."""
    epci = level == "epci"
    holder = lever.METROPOLE if epci else lever.DEPARTEMENT
    years = list(range(int(year_from), int(year_to) + 1))
    terr = data.territories
    if level in ("departement", "epci"):
        codes, selected = [code], code
        name = terr.loc[terr["code"] == code, "name"]
        if epci and name.empty:  # no contract of this programme: named from the EPCI list
            name = db.read(Query.TERRITORIES_OF_LEVEL, {"level": "epci"}).set_index("code")["name"].reindex([code]).dropna()
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
    source = funding_source(data.is_demo)
    table = lever.action_totals(data.funding, codes, years)
    table = table.sort_values("action", key=lambda s: s.map(order)).reset_index(drop=True)
    year_text = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    execution_figure = lever_charts.execution_chart(
        table, labels, axes, title=f"Prévu, engagé, consommé par action – {data.programme} {year_text}",
        source=source, year=years, own_label=holder.label)
    flows = lever.reallocation_flows(data.reallocations, codes, years)
    sankey = lever_charts.reallocation_sankey(flows, labels, title=f"Crédits reventilés entre actions – {year_text}",
                                               source=source, year=years) if len(flows) else None
    new, unchecked = lever.new_action_flags(data.flags, data.funding, data.values, data.indicators, codes)
    return LeverBase(data.programme, level, code, tuple(years), title, codes, selected, labels, axes, source,
                     table, lever.totals(table), execution_figure, flows, sankey, new, unchecked)


def lever_view(db: Database, level: str, code: str, programme: str, stage: str, year_from: int, year_to: int,
               data: LeverData | None = None, level_data: LeverLevel | None = None,
               base: LeverBase | None = None) -> LeverView:
    """The Effet levier page for a département, a région (its départements summed), France, or an EPCI holding its
    own contract (a métropole: its money, its leverage among the métropoles, its cost per result, with the limits of
    what its data support said beside them). `data`: load_lever_data() of this programme and level when the caller
    already holds it (a cache: it does not depend on the territory, the stage or the years), else read here;
    `level_data`: lever_level() of that data, stage and years (neither depends on the territory), else computed;
    `base`: lever_base() of that data, territory and years (it does not depend on the stage), else computed."""
    epci = level == "epci"
    holders = holder_level(level)
    if data is None or data.programme != programme or data.level != holders:
        data = load_lever_data(db, programme, holders)
    holder = lever.METROPOLE if epci else lever.DEPARTEMENT
    years = list(range(int(year_from), int(year_to) + 1))
    terr = data.territories
    if base is None or (base.programme, base.level, base.code, base.years) != (programme, level, code, tuple(years)):
        base = lever_base(db, data, level, code, years[0], years[-1])
    codes, selected, title, labels, source = base.codes, base.selected, base.title, base.labels, base.source
    order = {c: k for k, c in enumerate(data.actions["code"])}
    table, heads = base.table, base.heads
    if level_data is None or (level_data.programme, level_data.level, level_data.stage, level_data.years) != (
            programme, holders, stage, tuple(years)):
        level_data = lever_level(data, stage, years[0], years[-1])
    poor, lev = level_data.poor, level_data.leverage
    agg = lever.aggregate_leverage(lev, codes)
    headline = {
        "État": fmt_compact_euros(agg["state"]),
        holder.label: fmt_compact_euros(agg["own"]),
        "Effet levier": fmt_ratio(agg["leverage"]),
        "€ propres par € État": fmt_ratio(agg["own_per_state"]),
        "Consommé / prévu": fmt_pct(100.0 * lever.ratio(heads["etat_spent"] + _zero(heads["departement_spent"]),
                                                        heads["etat_planned"] + _zero(heads["departement_planned"]))),
    }
    if not epci:  # no poverty rate is published per EPCI: no € per poor inhabitant for a métropole (said in notes)
        headline["€ par habitant pauvre"] = (fmt_number(agg["total_per_poor"], 1) + f"{NBSP}€"
                                             if not math.isnan(agg["total_per_poor"]) else MISSING_TEXT)
    peers = codes if level == "region" else ()
    lev_for_chart = lev.rename(columns={"leverage": "value"})
    leverage_figure = lever_charts.leverage_distribution(
        lev_for_chart[["code", "name", "value"]], selected, peers, stage_label=lever.STAGE_LABELS[stage], source=source,
        year=years, noun=holder.plural)
    per_poor_figure = None
    if not epci:
        poor_years = sorted({int(y) for y in poor["persons_year"].dropna()} | {int(y) for y in poor["rate_year"].dropna()})
        per_poor_figure = lever_charts.per_poor_distribution(
            lev.rename(columns={"total_per_poor": "value"})[["code", "name", "value"]], selected, peers,
            stage_label=lever.STAGE_LABELS[stage],
            source=f"{source} ; INSEE, Filosofi {fmt_years(poor_years)} (population pauvre)", year=years)
    costs = lever.cost_per_result(data.funding, data.values, data.indicators, codes, stage=stage, end_year=years[-1])
    if len(costs):
        costs = costs.sort_values("action", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    subs = lever.substitution_flags(data.funding[data.funding["year"].isin(years)], stage, codes=codes, holder=holder)
    own = load_own_spending(data, level, code, title, stage)
    new, unchecked = base.new_actions, base.unchecked_new
    notes = []
    if agg["missing_poor"] and level not in ("departement", "epci"):
        notes.append(f"{agg['missing_poor']} département(s) sans taux de pauvreté publié : exclus du € par habitant pauvre.")
    if epci:
        notes.append(metropole_notes(len(terr), data.is_demo))
    comparison = comparison_display(lev, selected, holder)
    return LeverView(
        title=title, programme=programme, years=(years[0], years[-1]), stage=stage, codes=codes, selected=selected,
        headline=headline, execution=execution_display(table, labels, base.axes, holder.label),
        execution_export=execution_export(table, labels, holder.label), execution_figure=base.execution_figure,
        flows=base.flows, sankey_figure=base.sankey_figure, leverage_figure=leverage_figure, per_poor_figure=per_poor_figure,
        costs=cost_display(costs) if len(costs) else pd.DataFrame(),
        costs_export=cost_export(costs, labels), substitutions=list(subs["message"]), new_actions=list(new["message"]),
        unchecked_new=unchecked, comparison=comparison,
        comparison_export=lev.rename(columns={
            "code": "Code", "name": holder.label, "state": "€ État", "own": f"€ {holder.noun}", "total": "€ total",
            "leverage": "Effet levier", "own_per_state": "€ propres par € État", "poor": "Population pauvre",
            "state_per_poor": "€ État par habitant pauvre", "total_per_poor": "€ total par habitant pauvre",
            "caveat": "Mise en garde"}),
        notes=notes,
        cost_notes=cost_notes(costs),
        empty=table.empty,
        own=own,
        is_demo=data.is_demo,
        holder=holder,
    )


METROPOLE_POOR_NOTE = ("Pas de € par habitant pauvre pour une métropole : l'INSEE ne publie pas de taux de pauvreté "
                       "par intercommunalité (Filosofi), sa population pauvre n'est pas connue.")
# The demo's métropole money rests on an assumption (levier.demo.funding.METROPOLE_ASSUMPTION, which a view may not
# import): said wherever it is shown.
METROPOLE_DEMO_NOTE = ("Montants des métropoles : les sources ne donnent pas leur part de l'enveloppe nationale du Pacte "
                       "; hypothèse de démonstration (données fictives) = 25 % des € de l'État par habitant pauvre de "
                       "l'enveloppe nationale, en sus des départements.")


def metropole_notes(holders: int, is_demo: bool) -> str:
    """What a métropole's figures are compared with, and what they cannot say."""
    text = (f"Effet levier comparé aux {holders} métropole(s) qui portent un contrat de ce programme, jamais aux "
            f"départements (compétences et montants d'un autre ordre). {METROPOLE_POOR_NOTE}")
    return f"{text} {METROPOLE_DEMO_NOTE}" if is_demo else text


def load_own_spending(data: LeverData, level: str, code: str, title: str, stage: str) -> OwnSpendingView:
    """The real own-spending section of the page: a département's series, or why there is none."""
    if level == "epci":
        nature = data.territories.set_index("code")["nature"].get(code) if len(data.territories) else None
        return OwnSpendingView(heading="Dépenses propres de la métropole : pas de série réelle publiée",
                               message=metropole_own_spending_text(nature))
    if level != "departement":
        return OwnSpendingView(
            heading="Dépenses propres des départements : l'argent propre, réel (DREES)",
            message="Choisissez un département : ses dépenses propres réelles sur le champ du contrat (DREES) sont "
                    "montrées par habitant, face à la médiane des départements.")
    # The national part was computed with the read (load_lever_data, at the départements' level).
    national = data.own_data
    if national is None:
        raise ValueError("own spending is read at the départements' level (load_lever_data(..., 'departement'))")
    contract_years = tuple(sorted({int(y) for y in data.funding["year"]}))
    name = title.rsplit(" (", 1)[0]
    return own_spending_view_of(national, data.funding, code=code, name=name, programme=data.programme, stage=stage,
                                contract_years=contract_years, is_demo=data.is_demo)


# ---------------------------------------------------------------------------------------------------------------
# The export table (`levier export financements`)


FUNDING_LEVELS = ("departement", "region")
STAGE_COLUMNS = {"planned": "prevu", "committed": "engage", "spent": "consomme"}
FUNDING_TABLE_COLUMNS = [
    "code", "libelle", "programme", "axe", "action", "action_libelle", "annee_debut", "annee_fin",
    *(f"{who}_{STAGE_COLUMNS[s]}" for who in ("etat", "departement", "total") for s in lever.STAGES),
    "taux_engagement_total", "taux_consommation_total",
    *(f"effet_levier_{STAGE_COLUMNS[s]}" for s in lever.STAGES),
    *(f"euros_propres_par_euro_etat_{STAGE_COLUMNS[s]}" for s in lever.STAGES),
]
# How the page shows each number, so that an export rounds as the screen does: whole euros, rates to 0,1 %, ratios
# (leverage, own € per State €) to 0,01.
FUNDING_TABLE_DECIMALS = {
    **{f"{who}_{STAGE_COLUMNS[s]}": 0 for who in ("etat", "departement", "total") for s in lever.STAGES},
    "taux_engagement_total": 1, "taux_consommation_total": 1,
    **{f"{name}_{STAGE_COLUMNS[s]}": 2 for name in ("effet_levier", "euros_propres_par_euro_etat") for s in lever.STAGES},
}


def funding_table(db: Database, level: str = "departement", territory: str | None = None,
                  year: int | None = None) -> pd.DataFrame:
    """The lever-effect table per territory: one row per (territory, programme, action) with State €, own € and
    total € planned, committed and spent, the execution rates (% of the planned total), the leverage (total € ÷
    State €) and own € per State € at each stage; numbers kept as numbers, codes as text.

    A région sums its départements (funding is declared by département). Every year the programme has, or only
    `year`; without `territory`, every territory of the level the user may read. Raises ValueError (French
    message) for a level without funding (epci)."""
    if level not in FUNDING_LEVELS:
        raise ValueError("Les financements sont suivis par département : choisissez le niveau « departement » ou "
                         "« region ».")
    programmes = funding_programmes(db)
    with db.reader() as r:
        territories = r.df(Query.TERRITORIES_OF_LEVEL, {"level": "departement"})
        actions = r.df(Query.FUNDING_ACTIONS)
        frames = [r.df(Query.FUNDING_CURRENT, {"programme": p.code, "level": "departement"}) for p in programmes]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=FUNDING_TABLE_COLUMNS)
    funding = pd.concat(frames, ignore_index=True)
    funding["year"] = funding["year"].astype(int)
    if level == "region":
        funding["code"] = funding["code"].map(dict(zip(territories["code"], territories["reg"])))
        names = dict(zip(territories["reg"], territories["reg_name"]))
    else:
        names = dict(zip(territories["code"], territories["name"]))
    if territory is not None:
        funding = funding[funding["code"] == territory]
    if year is not None:
        funding = funding[funding["year"] == int(year)]
    if funding.empty:
        return pd.DataFrame(columns=FUNDING_TABLE_COLUMNS)
    spans = funding.groupby("programme")["year"].agg(["min", "max"])
    table = lever.territory_action_totals(funding)
    order = {c: k for k, c in enumerate(actions["code"])}
    table = table.assign(_order=table["action"].map(order)).sort_values(["code", "programme", "_order"])
    out = pd.DataFrame({
        "code": table["code"].astype(str),
        "libelle": table["code"].map(names),
        "programme": table["programme"],
        "axe": table["axis"],
        "action": table["action"],
        "action_libelle": table["action"].map(dict(zip(actions["code"], actions["label"]))),
        "annee_debut": table["programme"].map(spans["min"]).astype(int),
        "annee_fin": table["programme"].map(spans["max"]).astype(int),
    })
    for who in ("etat", "departement", "total"):
        for s in lever.STAGES:
            out[f"{who}_{STAGE_COLUMNS[s]}"] = pd.to_numeric(table[f"{who}_{s}"], errors="coerce")
    out["taux_engagement_total"] = table["total_committed_rate"]
    out["taux_consommation_total"] = table["total_spent_rate"]
    for s in lever.STAGES:
        out[f"effet_levier_{STAGE_COLUMNS[s]}"] = table[f"leverage_{s}"]
        out[f"euros_propres_par_euro_etat_{STAGE_COLUMNS[s]}"] = table[f"own_per_state_{s}"]
    out = out[FUNDING_TABLE_COLUMNS].reset_index(drop=True)
    out.attrs["decimals"] = dict(FUNDING_TABLE_DECIMALS)
    return out
