"""The Évaluation page: loads an indicator's département values, the contract waves and the funding, calls the
estimators of levier.analysis.evaluation and returns the French headline, tables, limits and charts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from levier.analysis import evaluation, lever
from levier.charts import lever as lever_charts
from levier.core.fmt import NBSP, fmt_number
from levier.store.db import Database, Query

DID_DEFAULT = "CDPPE-1-EPP-TX"
DOSE_DEFAULT = "CALPAE-3.1.1-OR1M-TX"
LAST_WAVE = 2022


def evaluation_indicators(db: Database) -> pd.DataFrame:
    """Result indicators with département values over at least two years."""
    frame = db.read(Query.LEVER_EVALUATION_INDICATORS)
    return frame[frame["last_year"] > frame["first_year"]].reset_index(drop=True)


@dataclass(frozen=True)
class IndicatorChoices:
    codes: list[str]
    labels: dict[str, str]
    default: int


@dataclass(frozen=True)
class EvaluationChoices:
    event_study: IndicatorChoices  # CDPPE and CALPAE indicators observed before the last wave
    dose: IndicatorChoices  # CALPAE indicators


def _choices(frame: pd.DataFrame, default: str) -> IndicatorChoices:
    codes = frame["code"].tolist()
    labels = dict(zip(frame["code"], frame["code"] + " – " + frame["label"]))
    return IndicatorChoices(codes, labels, codes.index(default) if default in codes else 0)


# The public series linked to each programme's results, offered beside its own result indicators. The DREES child-
# protection series (data/drees) are not loaded into the database yet: when an ingest stores them, list their codes
# here. CALPAE indicators (RSA orientation, accueil, sorties de l'ASE) are never outcomes of the CDPPE.
LINKED_PUBLIC_SERIES: dict[str, tuple[str, ...]] = {"CDPPE": ()}


def outcome_codes(frame: pd.DataFrame, programme: str) -> pd.DataFrame:
    """The indicators a programme's evaluation may use: its own result indicators and the public series linked to it."""
    return frame[(frame["programme"] == programme) | frame["code"].isin(LINKED_PUBLIC_SERIES.get(programme, ()))]


def evaluation_choices(db: Database, last_wave: int = LAST_WAVE, programme: str = "CDPPE") -> EvaluationChoices:
    """The indicators each tab offers. The event study reads the programme's own result indicators (and the public
    series linked to it) observed before the last wave; the dose-response reads CALPAE indicators."""
    frame = evaluation_indicators(db)
    did = outcome_codes(frame, programme)
    did = did[did["first_year"] < last_wave]
    return EvaluationChoices(_choices(did, DID_DEFAULT), _choices(frame[frame["programme"] == "CALPAE"], DOSE_DEFAULT))


def _values(db: Database, indicator: str) -> pd.DataFrame:
    return db.read(Query.LEVER_INDICATOR_VALUES, {"level": "departement", "codes": [indicator]})


def _info(db: Database, indicator: str) -> dict:
    # One indicator's row read alone: the full list aggregates every result indicator's values.
    frame = db.read(Query.LEVER_EVALUATION_INDICATOR, {"code": indicator})
    hit = frame[frame["last_year"] > frame["first_year"]]
    if hit.empty:
        cat = db.read(Query.INDICATOR_CATALOGUE)
        hit = cat[cat["code"] == indicator]
    return hit.iloc[0].to_dict() if len(hit) else {"code": indicator, "label": indicator, "unit": "", "source": ""}


def _fmt_p(p: float) -> str:
    return "< 0,001" if p < 0.001 else fmt_number(p, 3)


def _fmt_effect(x: float, scale: str) -> str:
    if scale == "log":
        return f"{fmt_number(100 * (math.exp(x) - 1), 1)}{NBSP}%"
    return f"{fmt_number(x, 2)}{NBSP}pt"


CONTROL_CHOICES = {evaluation.CONTROLS_NOT_YET: "Pas encore sous contrat (et jamais)",
                   evaluation.CONTROLS_NEVER: "Jamais sous contrat"}
HEADLINE = "Écart estimé moyen après signature"


@dataclass
class EventStudyView:
    indicator: str
    label: str
    ok: bool
    refusal: list[str]
    headline: dict[str, str]
    figure: object | None
    counts_figure: object
    table: pd.DataFrame
    cohorts: pd.DataFrame
    limits: list[str]
    notes: list[str]
    wave_of_selected: str
    method: str = ""


def _cohort_table(study: evaluation.EventStudy | None) -> pd.DataFrame:
    return pd.DataFrame([{"Vague": c.cohort, "Départements": c.units, "Utilisée": "oui" if c.used else "non",
                          "Années observées": f"{c.window[0]}–{c.window[1]}" if c.window else "–",
                          "Années avant signature": c.pre_periods, "Commentaire": c.note}
                         for c in (study.cohorts if study else [])])


def _reading(study: evaluation.EventStudy) -> str:
    a, t = study.att, study.pretrend
    if t is not None and t.p_value < 0.05:
        return ("tendances antérieures non parallèles (test conjoint rejeté au seuil de 5 %) : l'écart après "
                "signature n'est pas interprétable")
    gap = ("écart distinct de zéro au seuil de 5 %" if a["low"] > 0 or a["high"] < 0
           else "écart non distinguable de zéro au seuil de 5 %")
    return gap + " — un écart entre départements, pas la preuve d'un effet du contrat (voir les limites)"


def event_study_result(study: evaluation.EventStudy, *, indicator: str, label: str, source: str, years: list[int],
                       counts_figure: object, limits: list[str], wave: str) -> EventStudyView:
    """The French headline, table and chart of an event study (accepted or refused)."""
    method = evaluation.estimator_text(study.controls)
    cohorts = _cohort_table(study)
    if not study.ok:
        return EventStudyView(indicator, label, False, study.refusal, {}, None, counts_figure, pd.DataFrame(), cohorts,
                              limits, study.notes, wave, method)
    scale = study.scale
    gap_label = "Écart estimé (%)" if scale == "log" else "Écart estimé (points de %)"
    coefs = study.coefs.copy()
    if scale == "log":
        for c in ("estimate", "low", "high"):
            coefs[c] = 100 * (np.exp(coefs[c]) - 1)
    extra = (f"Intervalles à 95 %, regroupés par département ; {study.n_clusters} départements dont "
             f"{study.n_treated} sous contrat ; témoins : {evaluation.CONTROL_LABELS[study.controls]}.")
    figure = lever_charts.event_study_chart(coefs, title="Écart estimé par année relative à la signature",
                                            subtitle=label, effect_label=gap_label, source=source, year=years,
                                            extra=extra)
    a, t = study.att, study.pretrend
    headline = {
        HEADLINE: _fmt_effect(a["estimate"], scale),
        "Intervalle à 95 %": f"[{_fmt_effect(a['low'], scale)} ; {_fmt_effect(a['high'], scale)}]",
        "p-valeur": _fmt_p(a["p_value"]),
        "Départements": str(study.n_clusters),
        "Témoins": CONTROL_CHOICES[study.controls],
        "Tendances antérieures (p)": "non testable" if t is None else fmt_number(t.p_value, 2),
        "Tendance antérieure détectable (80 %)": ("–" if t is None else
                                                 f"{_fmt_effect(t.minimal_detectable_slope(), scale)} par an"),
        "Lecture": _reading(study),
    }
    limits = list(limits)
    if t is not None:
        limits.append(f"Puissance du test des tendances antérieures : il ne détecte, 8 fois sur 10, qu'une tendance "
                      f"antérieure d'au moins {headline['Tendance antérieure détectable (80 %)']} ({t.df} année(s) "
                      "testée(s)) ; une tendance plus faible passerait inaperçue et serait lue comme un écart.")
    table = pd.DataFrame({
        "Année relative": [f"{int(e):+d}" if e else "0" for e in coefs["event_time"]],
        "Écart estimé": ["référence (0)" if r else _fmt_effect(v, scale) for v, r in
                         zip(study.coefs["estimate"], coefs["reference"])],
        "Intervalle à 95 %": ["–" if r else f"[{_fmt_effect(lo, scale)} ; {_fmt_effect(hi, scale)}]" for lo, hi, r in
                              zip(study.coefs["low"], study.coefs["high"], coefs["reference"])],
        "p-valeur": ["–" if r else _fmt_p(p) for p, r in zip(coefs["p_value"], coefs["reference"])],
        "Départements sous contrat": coefs["n_treated"].astype(int),
        "Vagues": coefs["cohorts"],
    })
    return EventStudyView(indicator, label, True, [], headline, figure, counts_figure, table, cohorts, limits,
                          study.notes, wave, method)


def event_study_view(db: Database, indicator: str, selected: str | None = None, programme: str = "CDPPE",
                     controls: str = evaluation.CONTROLS_NOT_YET) -> EventStudyView:
    """The staggered event study of one result indicator across the `programme` waves against the chosen controls,
    or why there is none."""
    info = _info(db, indicator)
    label, unit = str(info.get("label")), str(info.get("unit") or "")
    values = _values(db, indicator)
    contracts = db.read(Query.CONTRACT_CURRENT, {"programme": programme, "level": "departement"})
    cohort = dict(zip(contracts["code"], contracts["signed_year"].astype(float)))
    is_demo = bool(contracts["is_demo"].any()) if len(contracts) else False
    panel = pd.DataFrame({"unit": values["code"], "year": values["period"].astype(int), "y": values["value"]})
    source = f"{info.get('source') or 'Retours des départements'} ; vagues {programme} (table des contrats)"
    if is_demo:
        source += " — données fictives de démonstration"
    years = sorted(int(y) for y in panel["year"].unique())
    limits = [evaluation.LIMIT_WORDING, evaluation.LIMIT_WAVES, evaluation.LIMIT_CONTROLS,
              evaluation.LIMIT_DECLARATIVE]
    own = info.get("programme") == programme or indicator in LINKED_PUBLIC_SERIES.get(programme, ())
    if not own:
        refusal = [f"« {indicator} » n'est pas un indicateur de résultat du programme {programme} ni une série "
                   "publique qui lui est rattachée : ses vagues ne peuvent pas l'expliquer."]
        study = evaluation.EventStudy(False, refusal, pd.DataFrame(), {}, evaluation.cohort_counts(panel, cohort), [],
                                      None, 0, 0, 0, 0, 0, controls, "points")
    elif not cohort:
        refusal = [f"aucune date de signature {programme} n'est enregistrée : importez la liste des contrats "
                   "(format « contrats », docs/financements.md)."]
        study = evaluation.EventStudy(False, refusal, pd.DataFrame(), {}, evaluation.cohort_counts(panel, cohort), [],
                                      None, 0, 0, 0, 0, 0, controls, "points")
    else:
        study = evaluation.event_study(panel, cohort, controls=controls, log=unit != "%")
    counts_figure = lever_charts.cohort_counts_chart(study.counts, title="Départements sous contrat et pas encore "
                                                     "sous contrat", source=source, year=years)
    limits.append(evaluation.limit_pre_period(study.max_pre if study.ok else 1))
    if is_demo:
        limits.append(evaluation.LIMIT_DEMO)
    wave = wave_of(db, selected, programme, cohort) if selected else ""
    return event_study_result(study, indicator=indicator, label=label, source=source, years=years,
                              counts_figure=counts_figure, limits=limits, wave=wave)


def wave_of(db: Database, selected: str | None, programme: str = "CDPPE",
            cohort: dict[str, float] | None = None) -> str:
    """The one sentence of the event study that depends on the chosen département: the year it signed (empty when
    it has not). Apart from the study, so that another département does not estimate the study again."""
    if not selected:
        return ""
    if cohort is None:
        contracts = db.read(Query.CONTRACT_CURRENT, {"programme": programme, "level": "departement"})
        cohort = dict(zip(contracts["code"], contracts["signed_year"].astype(float)))
    if selected not in cohort:
        return ""
    names = db.read(Query.TERRITORIES_OF_LEVEL, {"level": "departement"}).set_index("code")["name"]
    who = f"{names.get(selected, selected)} ({selected})"
    return f"{who} a signé son contrat {programme} en {int(cohort[selected])}."


@dataclass
class DoseView:
    indicator: str
    label: str
    ok: bool
    refusal: list[str]
    headline: dict[str, str]
    figure: object | None
    limits: list[str]
    points: pd.DataFrame


def dose_response_view(db: Database, indicator: str, selected: str | None = None, programme: str = "CALPAE") -> DoseView:
    """Change in a result indicator (first to last year of the programme) against State € spent per poor inhabitant."""
    info = _info(db, indicator)
    label, unit = str(info.get("label")), str(info.get("unit") or "")
    with db.reader() as r:
        funding = r.df(Query.FUNDING_CURRENT, {"programme": programme, "level": "departement"})
        stats = r.df(Query.LEVER_POOR_POPULATION)
        territories = r.df(Query.TERRITORIES_OF_LEVEL, {"level": "departement"})
    values = _values(db, indicator)
    limits = list(evaluation.DOSE_LIMITS)
    is_demo = bool(funding["is_demo"].any()) if len(funding) else False
    if is_demo:
        limits.append(evaluation.LIMIT_DEMO)
    if funding.empty:
        return DoseView(indicator, label, False, [f"aucun financement {programme} enregistré : importez les fichiers "
                                                  "de financement."], {}, None, limits, pd.DataFrame())
    years = sorted(int(y) for y in funding["year"].unique())
    v = values[values["period"].between(years[0], years[-1])]
    periods = sorted(int(p) for p in v["period"].unique())
    if len(periods) < 2:
        return DoseView(indicator, label, False, [f"l'indicateur n'a pas deux années de valeurs entre {years[0]} et "
                                                  f"{years[-1]} : aucune évolution à rapporter à la dotation."],
                        {}, None, limits, pd.DataFrame())
    start, end = periods[0], periods[-1]
    change = evaluation.indicator_change(v, start, end, points=unit == "%")
    y_label = f"Évolution {start}–{end} (points de %)" if unit == "%" else f"Évolution {start}–{end} (%)"
    dose = evaluation.state_dose(funding, lever.poor_population(stats, years[0]).set_index("code")["poor"])
    points = pd.DataFrame({"code": territories["code"], "name": territories["name"]})
    points["dose"] = points["code"].map(dose)
    points["change"] = points["code"].map(change)
    result = evaluation.dose_response(points)
    source = (f"{info.get('source') or 'Retours des départements'} ; financements {programme} déclarés ; INSEE "
              "Filosofi (population pauvre)" + (" — données fictives de démonstration" if is_demo else ""))
    if not result.ok:
        return DoseView(indicator, label, False, result.refusal, {}, None, limits, result.points)
    per10 = 10 * result.slope
    unit_txt = ("points de % du taux" if unit == "%" else
                "points de pourcentage de l'évolution de l'effectif")
    headline = {
        "Pente pour +10 € par habitant pauvre": f"{fmt_number(per10, 2)}{NBSP}pt",
        "Unité": unit_txt,
        "Intervalle à 95 %": f"[{fmt_number(10 * result.low, 2)} ; {fmt_number(10 * result.high, 2)}]{NBSP}pt",
        "Départements": str(result.n),
        "Lecture": ("pente distincte de zéro au seuil de 5 %" if (result.low > 0 or result.high < 0)
                    else "pas de pente distinguable de zéro au seuil de 5 %"),
    }
    extra = (f"{result.n} départements ; droite des moindres carrés, erreurs robustes (HC1) ; bande : intervalle à "
             "95 % de la droite. Dose = € de l'État consommés sur " + f"{years[0]}–{years[-1]} ÷ population pauvre.")
    figure = lever_charts.dose_response_chart(
        result.points, result.fit, selected, title=f"Dose-réponse {programme}", subtitle=label,
        x_label=f"€ de l'État consommés par habitant pauvre ({years[0]}–{years[-1]})", y_label=y_label,
        source=source, year=years, extra=extra)
    return DoseView(indicator, label, True, [], headline, figure, limits, result.points)
