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


def evaluation_choices(db: Database, last_wave: int = LAST_WAVE) -> EvaluationChoices:
    """The indicators each tab offers. The event study needs a year observed before the last wave (else no wave has
    a « before »); the dose-response reads CALPAE indicators."""
    frame = evaluation_indicators(db)
    did = frame[frame["programme"].isin(["CDPPE", "CALPAE"]) & (frame["first_year"] < last_wave)]
    return EvaluationChoices(_choices(did, DID_DEFAULT), _choices(frame[frame["programme"] == "CALPAE"], DOSE_DEFAULT))


def _values(db: Database, indicator: str) -> pd.DataFrame:
    return db.read(Query.LEVER_INDICATOR_VALUES, {"level": "departement", "codes": [indicator]})


def _info(db: Database, indicator: str) -> dict:
    frame = evaluation_indicators(db)
    hit = frame[frame["code"] == indicator]
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


def event_study_view(db: Database, indicator: str, selected: str | None = None, programme: str = "CDPPE") -> EventStudyView:
    """The staggered event study of one result indicator across the `programme` waves, or why there is none."""
    info = _info(db, indicator)
    label, unit = str(info.get("label")), str(info.get("unit") or "")
    values = _values(db, indicator)
    contracts = db.read(Query.CONTRACT_CURRENT, {"programme": programme, "level": "departement"})
    cohort = dict(zip(contracts["code"], contracts["signed_year"].astype(float)))
    is_demo = bool(contracts["is_demo"].any()) if len(contracts) else False
    panel = pd.DataFrame({"unit": values["code"], "year": values["period"].astype(int), "y": values["value"]})
    log = unit != "%"
    if not cohort:
        study = None
        refusal = [f"aucune date de signature {programme} n'est enregistrée : importez la liste des contrats "
                   "(format « contrats », docs/financements.md)."]
    else:
        study = evaluation.event_study(panel, cohort, log=log)
        refusal = study.refusal
    counts = study.counts if study is not None else evaluation.cohort_counts(panel, cohort)
    source = f"{info.get('source') or 'Retours des départements'} ; vagues {programme} (table des contrats)"
    if is_demo:
        source += " — données fictives de démonstration"
    years = sorted(int(y) for y in panel["year"].unique())
    counts_figure = lever_charts.cohort_counts_chart(counts, title="Départements sous contrat et pas encore sous contrat",
                                                     source=source, year=years)
    limits = [evaluation.LIMIT_WAVES, evaluation.LIMIT_CONTROLS, evaluation.LIMIT_DECLARATIVE,
              evaluation.limit_pre_period(study.max_pre if study and study.ok else 1)]
    if is_demo:
        limits.append(evaluation.LIMIT_DEMO)
    wave = ""
    if selected and selected in cohort:
        names = db.read(Query.TERRITORIES_OF_LEVEL, {"level": "departement"}).set_index("code")["name"]
        who = f"{names.get(selected, selected)} ({selected})"
        wave = f"{who} a signé son contrat {programme} en {int(cohort[selected])}."
    cohorts = pd.DataFrame([{"Vague": c.cohort, "Départements": c.units, "Utilisée": "oui" if c.used else "non",
                             "Fenêtre": f"{c.window[0]}–{c.window[1]}" if c.window else "–", "Témoins": c.controls,
                             "Commentaire": c.note} for c in (study.cohorts if study else [])])
    if study is None or not study.ok:
        return EventStudyView(indicator, label, False, refusal, {}, None, counts_figure, pd.DataFrame(), cohorts,
                              limits, study.notes if study else [], wave)
    scale = study.scale
    effect_label = "Effet estimé (%)" if scale == "log" else "Effet estimé (points de %)"
    coefs = study.coefs.copy()
    if scale == "log":
        for c in ("estimate", "low", "high"):
            coefs[c] = 100 * (np.exp(coefs[c]) - 1)
    extra = (f"Intervalles à 95 %, regroupés par département ; {study.n_clusters} départements, {study.n_obs} "
             "observations empilées.")
    figure = lever_charts.event_study_chart(coefs, title="Effet du contrat par année relative à la signature",
                                            subtitle=label, effect_label=effect_label, source=source, year=years,
                                            extra=extra)
    a = study.att
    significant = a["low"] > 0 or a["high"] < 0
    headline = {
        "Effet moyen après signature": _fmt_effect(a["estimate"], scale),
        "Intervalle à 95 %": f"[{_fmt_effect(a['low'], scale)} ; {_fmt_effect(a['high'], scale)}]",
        "p-valeur": _fmt_p(a["p_value"]),
        "Départements": str(study.n_clusters),
        "Tendances antérieures (p)": ("non testable" if study.pretrend_p is None else fmt_number(study.pretrend_p, 2)),
        "Lecture": ("effet distinct de zéro au seuil de 5 %" if significant
                    else "pas d'effet distinguable de zéro au seuil de 5 %"),
    }
    table = pd.DataFrame({
        "Année relative": [f"{int(e):+d}" if e else "0" for e in coefs["event_time"]],
        "Effet estimé": ["référence (0)" if r else _fmt_effect(v, scale) for v, r in
                         zip(study.coefs["estimate"], coefs["reference"])],
        "Intervalle à 95 %": ["–" if r else f"[{_fmt_effect(lo, scale)} ; {_fmt_effect(hi, scale)}]" for lo, hi, r in
                              zip(study.coefs["low"], study.coefs["high"], coefs["reference"])],
        "p-valeur": ["–" if r else _fmt_p(p) for p, r in zip(coefs["p_value"], coefs["reference"])],
        "Départements contractants": coefs["n_treated"].astype(int),
    })
    return EventStudyView(indicator, label, True, [], headline, figure, counts_figure, table, cohorts, limits,
                          study.notes, wave)


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
