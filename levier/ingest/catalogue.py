"""Indicator catalogue: read data/catalogue/*.csv, check its consistency, index labels, store it in the database."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from levier.core.config import CATALOGUE_DIR
from levier.core.text import normalise
from levier.store.db import Query, Writer

KINDS = ("moyens", "réalisation", "résultat", "contexte")
UNITS = ("personnes", "nombre", "%", "€", "jours", "minutes", "ratio")
DIRECTIONS = ("hausse", "baisse")  # an empty direction means neither is better
COUNT_UNITS = ("personnes", "nombre")  # what a derived ratio may divide

PROGRAMME_COLUMNS = ("code", "label", "first_year", "last_year", "due_date", "description")
AXIS_COLUMNS = ("programme", "code", "label")
ACTION_COLUMNS = ("programme", "axis", "code", "label", "territory")
INDICATOR_COLUMNS = (
    "code", "label", "programme", "axis", "action", "kind", "unit", "direction", "numerator", "denominator",
    "periodicity", "source", "definition", "sensitive", "aliases", "territory",
)

# Columns stored as NULL when empty (the others are NOT NULL in the schema).
_NULLABLE = {
    "programme": ("due_date", "description"),
    "axis": (),
    "action": ("axis", "territory"),
    "indicator": ("axis", "action", "direction", "numerator", "denominator", "aliases", "territory"),
}

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._\-]*$")  # ASCII, uppercase, no spaces
_DUE_DATE = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_TRUE = {"true", "vrai", "oui", "1"}
_FALSE = {"false", "faux", "non", "0", ""}


@dataclass(frozen=True)
class Catalogue:
    programmes: pd.DataFrame
    axes: pd.DataFrame
    actions: pd.DataFrame
    indicators: pd.DataFrame


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in columns if c not in frame.columns]
    extra = [c for c in frame.columns if c not in columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append("colonnes manquantes : " + ", ".join(missing))
        if extra:
            parts.append("colonnes inattendues : " + ", ".join(extra))
        raise ValueError(f"{path.name} : " + " ; ".join(parts) + f" (attendu : {', '.join(columns)}).")
    frame = frame[list(columns)]
    # NFC so that an accent typed as base letter + combining mark still equals 'réalisation'.
    return frame.apply(lambda col: col.map(lambda v: unicodedata.normalize("NFC", v).strip())).astype(str)


def _to_int(frame: pd.DataFrame, column: str, file_name: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = frame.loc[values.isna() | (values != values.round()), column]
    if len(bad):
        raise ValueError(f"{file_name} : « {bad.iloc[0]} » n'est pas une année valide (colonne {column}).")
    return values.astype("int64")


def _to_bool(frame: pd.DataFrame, column: str, file_name: str) -> pd.Series:
    lowered = frame[column].str.lower()
    bad = frame.loc[~lowered.isin(_TRUE | _FALSE), column]
    if len(bad):
        raise ValueError(f"{file_name} : « {bad.iloc[0]} » n'est pas une valeur valide pour {column} "
                         "(attendu : true ou false).")
    return lowered.isin(_TRUE).astype(bool)


def read_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    """Indicators come from every indicateurs*.csv file (national grids, public statistics…), concatenated."""
    directory = Path(directory)
    programmes = _read_csv(directory / "programmes.csv", PROGRAMME_COLUMNS)
    programmes["first_year"] = _to_int(programmes, "first_year", "programmes.csv")
    programmes["last_year"] = _to_int(programmes, "last_year", "programmes.csv")
    axes = _read_csv(directory / "axes.csv", AXIS_COLUMNS)
    actions = _read_csv(directory / "actions.csv", ACTION_COLUMNS)
    files = sorted(directory.glob("indicateurs*.csv"))
    if not files:
        raise FileNotFoundError(f"Aucun fichier indicateurs*.csv dans {directory}.")
    parts = []
    for path in files:
        part = _read_csv(path, INDICATOR_COLUMNS)
        part["sensitive"] = _to_bool(part, "sensitive", path.name)
        parts.append(part)
    indicators = pd.concat(parts, ignore_index=True)
    return Catalogue(programmes=programmes, axes=axes, actions=actions, indicators=indicators)


def _duplicates(values: pd.Series) -> list[str]:
    counts = Counter(values)
    return [v for v, n in counts.items() if n > 1]


def _label_collisions(indicators: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    index: dict[str, str] = {}
    problems: list[str] = []
    for row in indicators.itertuples(index=False):
        aliases = [a for a in str(row.aliases).split("|")] if row.aliases else []
        for raw in (row.code, row.label, *aliases):
            key = normalise(raw)
            if not key:
                continue
            other = index.get(key)
            if other is not None and other != row.code:
                problems.append(f"Le libellé « {raw} » désigne à la fois {other} et {row.code} "
                                "(accents, casse et ponctuation ignorés) : un import ne saurait pas lequel choisir.")
                continue
            index[key] = row.code
    return index, problems


def label_index(indicators: pd.DataFrame) -> dict[str, str]:
    """Normalised code, label and aliases -> indicator code, as the grid importer looks labels up."""
    index, problems = _label_collisions(indicators)
    if problems:
        raise ValueError(" ".join(problems))
    return index


def validate_catalogue(cat: Catalogue) -> list[str]:
    """Every inconsistency, in French, in a stable order; an empty list means the catalogue can be stored."""
    problems: list[str] = []
    prog, axes, actions, ind = cat.programmes, cat.axes, cat.actions, cat.indicators

    for code in _duplicates(prog["code"]):
        problems.append(f"Programme « {code} » : code en double.")
    for row in prog.itertuples(index=False):
        if not _CODE.match(row.code):
            problems.append(f"Programme « {row.code} » : code invalide (majuscules sans accent, chiffres, points, tirets, soulignés ; sans espace).")
        if not row.label:
            problems.append(f"Programme « {row.code} » : libellé vide.")
        if row.first_year > row.last_year:
            problems.append(f"Programme « {row.code} » : première année {row.first_year} postérieure à la dernière "
                            f"({row.last_year}).")
        if row.due_date and not _DUE_DATE.match(row.due_date):
            problems.append(f"Programme « {row.code} » : échéance « {row.due_date} » invalide (attendu MM-JJ).")
    programme_codes = set(prog["code"])

    axis_keys = list(zip(axes["programme"], axes["code"]))
    for programme, code in _duplicates(pd.Series(axis_keys, dtype=object)):
        problems.append(f"Axe « {code} » du programme {programme} : en double.")
    for row in axes.itertuples(index=False):
        if row.programme not in programme_codes:
            problems.append(f"Axe « {row.code} » : programme « {row.programme} » inconnu.")
        if not row.label:
            problems.append(f"Axe « {row.code} » du programme {row.programme} : libellé vide.")
    axis_set = set(axis_keys)

    for code in _duplicates(actions["code"]):
        problems.append(f"Action « {code} » : code en double.")
    for row in actions.itertuples(index=False):
        if not _CODE.match(row.code):
            problems.append(f"Action « {row.code} » : code invalide (majuscules sans accent, chiffres, points, tirets, soulignés ; sans espace).")
        if row.programme not in programme_codes:
            problems.append(f"Action « {row.code} » : programme « {row.programme} » inconnu.")
        elif row.axis and (row.programme, row.axis) not in axis_set:
            problems.append(f"Action « {row.code} » : axe « {row.axis} » inconnu pour le programme {row.programme}.")
        if not row.label:
            problems.append(f"Action « {row.code} » : libellé vide.")
    action_by_code = {row.code: row for row in actions.itertuples(index=False)}

    for code in _duplicates(ind["code"]):
        problems.append(f"Indicateur « {code} » : code en double.")
    unit_by_code = dict(zip(ind["code"], ind["unit"]))
    derived = {row.code for row in ind.itertuples(index=False) if row.numerator or row.denominator}
    for row in ind.itertuples(index=False):
        name = f"Indicateur « {row.code} »"
        if not _CODE.match(row.code):
            problems.append(f"{name} : code invalide (majuscules sans accent, chiffres, points, tirets, soulignés ; sans espace).")
        for column, text in (("libellé", row.label), ("définition", row.definition),
                             ("périodicité", row.periodicity), ("source", row.source)):
            if not text:
                problems.append(f"{name} : {column} vide.")
        if row.programme not in programme_codes:
            problems.append(f"{name} : programme « {row.programme} » inconnu.")
        elif row.axis and (row.programme, row.axis) not in axis_set:
            problems.append(f"{name} : axe « {row.axis} » inconnu pour le programme {row.programme}.")
        if row.action:
            action = action_by_code.get(row.action)
            if action is None:
                problems.append(f"{name} : action « {row.action} » inconnue.")
            elif action.programme != row.programme:
                problems.append(f"{name} : l'action « {row.action} » appartient au programme {action.programme}, "
                                f"pas à {row.programme}.")
            elif row.axis and action.axis and action.axis != row.axis:
                problems.append(f"{name} : l'action « {row.action} » relève de l'axe {action.axis}, pas de l'axe "
                                f"{row.axis}.")
        if row.kind not in KINDS:
            problems.append(f"{name} : nature « {row.kind} » inconnue (attendu : {', '.join(KINDS)}).")
        if row.unit not in UNITS:
            problems.append(f"{name} : unité « {row.unit} » inconnue (attendu : {', '.join(UNITS)}).")
        if row.direction and row.direction not in DIRECTIONS:
            problems.append(f"{name} : sens « {row.direction} » inconnu (attendu : {', '.join(DIRECTIONS)} ou vide).")
        if row.code in derived:
            if not (row.numerator and row.denominator):
                problems.append(f"{name} : un ratio calculé doit avoir à la fois un numérateur et un dénominateur.")
            if row.unit != "%":
                problems.append(f"{name} : un ratio calculé doit avoir l'unité « % » (ici « {row.unit} »).")
            for role, ref in (("numérateur", row.numerator), ("dénominateur", row.denominator)):
                if not ref:
                    continue
                if ref == row.code:
                    problems.append(f"{name} : le {role} ne peut pas être l'indicateur lui-même.")
                elif ref not in unit_by_code:
                    problems.append(f"{name} : {role} « {ref} » inconnu dans le catalogue.")
                elif ref in derived:
                    # The database derives ratios from typed values only, never from another ratio.
                    problems.append(f"{name} : le {role} « {ref} » est lui-même un ratio calculé ; il doit être "
                                    "un comptage saisi.")
                elif unit_by_code[ref] not in COUNT_UNITS:
                    problems.append(f"{name} : le {role} « {ref} » a l'unité « {unit_by_code[ref]} » ; un ratio "
                                    f"divise des comptages ({', '.join(COUNT_UNITS)}).")
    problems.extend(_label_collisions(ind)[1])
    return problems


def _for_db(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    out = frame.copy()
    for column in _NULLABLE[table]:
        out[column] = out[column].astype(object).where(out[column] != "", None)
    return out


def store_catalogue(writer: Writer, cat: Catalogue) -> dict[str, int]:
    """Replace the four catalogue tables inside the caller's transaction; refuses a catalogue with problems."""
    problems = validate_catalogue(cat)
    if problems:
        raise ValueError("Catalogue refusé : " + " ".join(problems))
    for query in (Query.DELETE_CATALOGUE_INDICATOR, Query.DELETE_CATALOGUE_ACTION,
                  Query.DELETE_CATALOGUE_AXIS, Query.DELETE_CATALOGUE_PROGRAMME):
        writer.execute(query)
    return {
        "programme": writer.insert(Query.INSERT_CATALOGUE_PROGRAMME, _for_db(cat.programmes, "programme")),
        "axis": writer.insert(Query.INSERT_CATALOGUE_AXIS, _for_db(cat.axes, "axis")),
        "action": writer.insert(Query.INSERT_CATALOGUE_ACTION, _for_db(cat.actions, "action")),
        "indicator": writer.insert(Query.INSERT_CATALOGUE_INDICATOR, _for_db(cat.indicators, "indicator")),
    }
