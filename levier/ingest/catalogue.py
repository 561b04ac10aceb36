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

PROGRAMME_COLUMNS = ("code", "label", "first_year", "last_year", "target_margin", "due_date", "description")
AXIS_COLUMNS = ("programme", "code", "label")
ACTION_COLUMNS = ("programme", "axis", "code", "label", "territory")
INDICATOR_COLUMNS = (
    "code", "label", "programme", "axis", "action", "kind", "unit", "direction", "numerator", "denominator",
    "periodicity", "source", "definition", "sensitive", "aliases", "territory",
)
# Ranking denominators and published floors (docs/formats.md « Dénominateurs de classement »): optional columns of
# indicateurs*.csv, empty when absent. rate_base = 'population' (population municipale INSEE of the territory),
# the code of another (typed) count of the same return, or 'aucun' (a count no denominator makes comparable: shown,
# never ranked); rate_scale = per how many (1000 → « pour 1 000 habitants »); rate_noun = what the denominator counts
# (« jeunes devenus majeurs dans l'année »); published_floor = the value INSEE prints wherever the true value is
# lower (a censored value, shown « ≤ » and never ranked).
RATE_COLUMNS = ("rate_base", "rate_scale", "rate_noun", "published_floor")
# Public series (docs/formats.md « Séries publiques ») : optional columns of indicateurs*.csv. source_table = the
# producer's workbook and table a public figure comes from; series_before = the code of the series this one continues
# after a break (the break is at this series' first year: no change or trend is computed across it);
# independent_source = on a declared contract indicator, the '|'-separated codes of the public indicators that measure
# the same thing independently; independent_tolerance = the gap beyond which the two are flagged.
SOURCE_COLUMNS = ("source_table", "series_before", "independent_source", "independent_tolerance")
OPTIONAL_INDICATOR_COLUMNS = RATE_COLUMNS + SOURCE_COLUMNS
RATE_POPULATION = "population"
RATE_NONE = "aucun"

# Plausibility rules (regles.csv, docs/formats.md « Règles de plausibilité »): one row per unit (the default of its
# indicators) or per indicator (overrides the fields it fills). Resolved into these indicator columns.
RULE_FILE = "regles.csv"
RULE_COLUMNS = ("scope", "key", "whole", "max_per_inhabitant", "max_value", "max_growth", "growth_severity", "reason")
RULE_SCOPES = ("unité", "indicateur")
SEVERITIES = ("erreur", "avertissement")
INDICATOR_RULE_COLUMNS = ("whole_number", "max_per_inhabitant", "max_value", "max_growth", "growth_severity")
_RULE_FIELDS = {"whole": "whole_number", "max_per_inhabitant": "max_per_inhabitant", "max_value": "max_value",
                "max_growth": "max_growth", "growth_severity": "growth_severity"}

# Columns stored as NULL when empty (the others are NOT NULL in the schema).
_NULLABLE = {
    "programme": ("due_date", "description"),
    "axis": (),
    "action": ("axis", "territory"),
    "indicator": ("axis", "action", "direction", "numerator", "denominator", "aliases", "territory", "growth_severity",
                  "rate_base", "rate_noun", "source_table", "series_before", "independent_source"),
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
    rules: pd.DataFrame | None = None  # regles.csv as written (None: no rules file), already resolved in indicators


def _read_csv(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for column in optional:
        if column not in frame.columns:
            frame[column] = ""
    columns = columns + optional
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


def _to_int(frame: pd.DataFrame, column: str, file_name: str, what: str = "une année valide") -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = frame.loc[values.isna() | (values != values.round()), column]
    if len(bad):
        raise ValueError(f"{file_name} : « {bad.iloc[0]} » n'est pas {what} (colonne {column}).")
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
    programmes["target_margin"] = _to_int(programmes, "target_margin", "programmes.csv", "un nombre d'années valide")
    axes = _read_csv(directory / "axes.csv", AXIS_COLUMNS)
    actions = _read_csv(directory / "actions.csv", ACTION_COLUMNS)
    files = sorted(directory.glob("indicateurs*.csv"))
    if not files:
        raise FileNotFoundError(f"Aucun fichier indicateurs*.csv dans {directory}.")
    parts = []
    for path in files:
        part = _read_csv(path, INDICATOR_COLUMNS, OPTIONAL_INDICATOR_COLUMNS)
        part["sensitive"] = _to_bool(part, "sensitive", path.name)
        parts.append(part)
    indicators = pd.concat(parts, ignore_index=True)
    rules = _read_csv(directory / RULE_FILE, RULE_COLUMNS) if (directory / RULE_FILE).exists() else None
    indicators = resolve_rules(indicators, rules)
    return Catalogue(programmes=programmes, axes=axes, actions=actions, indicators=indicators, rules=rules)


def _rule_number(text: str) -> float:
    """'0.1', '0,1', '100000000', '100 000 000' -> float; '' -> NaN (no bound); anything else -> ValueError."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return float(cleaned) if cleaned else float("nan")


def resolve_rules(indicators: pd.DataFrame, rules: pd.DataFrame | None) -> pd.DataFrame:
    """The indicators with their plausibility columns: the rule of their unit, then their own row's filled fields.
    Unreadable cells are left as NaN here and reported by validate_catalogue (read_catalogue never raises on them)."""
    out = indicators.copy()
    out["whole_number"] = False
    for column in ("max_per_inhabitant", "max_value", "max_growth"):
        out[column] = float("nan")
    out["growth_severity"] = ""
    if rules is None or rules.empty:
        return out
    by_unit = {r["key"]: r for r in rules.to_dict("records") if r["scope"] == "unité"}
    by_code = {r["key"]: r for r in rules.to_dict("records") if r["scope"] == "indicateur"}
    for i, (code, unit) in enumerate(zip(out["code"], out["unit"])):
        for rule in (by_unit.get(unit), by_code.get(code)):
            if rule is None:
                continue
            for field, column in _RULE_FIELDS.items():
                text = rule[field]
                if not text:
                    continue
                if column == "whole_number":
                    if text.lower() in _TRUE | _FALSE:
                        out.iat[i, out.columns.get_loc(column)] = text.lower() in _TRUE
                elif column == "growth_severity":
                    out.iat[i, out.columns.get_loc(column)] = text
                else:
                    try:
                        out.iat[i, out.columns.get_loc(column)] = _rule_number(text)
                    except ValueError:
                        pass
    out["whole_number"] = out["whole_number"].astype(bool)
    return out


def _rule_problems(cat: Catalogue) -> list[str]:
    """Every inconsistency of regles.csv, in French."""
    rules = cat.rules
    if rules is None:
        return []
    problems: list[str] = []
    codes = set(cat.indicators["code"])
    keys = list(zip(rules["scope"], rules["key"]))
    for scope, key in _duplicates(pd.Series(keys, dtype=object)):
        problems.append(f"{RULE_FILE} : règle « {scope} {key} » en double.")
    for row in rules.itertuples(index=False):
        name = f"{RULE_FILE}, règle « {row.scope} {row.key} »"
        if row.scope not in RULE_SCOPES:
            problems.append(f"{name} : portée « {row.scope} » inconnue (attendu : {', '.join(RULE_SCOPES)}).")
        elif row.scope == "unité" and row.key not in UNITS:
            problems.append(f"{name} : unité inconnue (attendu : {', '.join(UNITS)}).")
        elif row.scope == "indicateur" and row.key not in codes:
            problems.append(f"{name} : indicateur inconnu dans le catalogue.")
        if row.whole and row.whole.lower() not in _TRUE | _FALSE:
            problems.append(f"{name} : « {row.whole} » n'est pas une valeur valide pour whole (attendu : oui ou non).")
        for column in ("max_per_inhabitant", "max_value", "max_growth"):
            text = getattr(row, column)
            try:
                value = _rule_number(text)
            except ValueError:
                problems.append(f"{name} : « {text} » n'est pas un nombre (colonne {column}).")
                continue
            if text and not value > 0:
                problems.append(f"{name} : {column} doit être un nombre positif (ici « {text} »).")
        if row.max_growth:
            try:
                growth_ok = _rule_number(row.max_growth) > 1
            except ValueError:
                growth_ok = True  # already reported above
            if not growth_ok:
                problems.append(f"{name} : max_growth est un facteur d'une année sur l'autre, supérieur à 1 "
                                f"(ici « {row.max_growth} »).")
        if row.growth_severity and row.growth_severity not in SEVERITIES:
            problems.append(f"{name} : gravité « {row.growth_severity} » inconnue (attendu : {', '.join(SEVERITIES)}).")
    ind = cat.indicators
    if "max_growth" in ind.columns:
        lost = ind[ind["growth_severity"].ne("") & ind["max_growth"].isna()]
        for code in lost["code"]:
            problems.append(f"{RULE_FILE} : l'indicateur « {code} » a une gravité d'évolution mais aucun facteur "
                            "max_growth (ni le sien ni celui de son unité).")
        unrated = ind[ind["growth_severity"].eq("") & ind["max_growth"].notna()]
        for code in unrated["code"]:
            problems.append(f"{RULE_FILE} : l'indicateur « {code} » a un facteur max_growth sans gravité "
                            f"(attendu : {', '.join(SEVERITIES)}).")
    return problems


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
    for row in prog.itertuples(index=False):
        if getattr(row, "target_margin", 0) < 0:
            problems.append(f"Programme « {row.code} » : marge des cibles {row.target_margin} négative (nombre "
                            "d'années après la dernière année du programme où une cible peut tomber).")
    problems.extend(_rule_problems(cat))
    problems.extend(_rate_problems(ind, unit_by_code, derived))
    problems.extend(_source_problems(ind))
    return problems


def _source_problems(ind: pd.DataFrame) -> list[str]:
    """Every series link (series_before) and independent source must name an indicator of the catalogue."""
    problems: list[str] = []
    codes = set(ind["code"])
    for row in ind.to_dict("records"):
        name = f"Indicateur « {row['code']} »"
        before = str(row.get("series_before") or "")
        if before and (before not in codes or before == row["code"]):
            problems.append(f"{name} : série précédente « {before} » inconnue du catalogue (colonne series_before).")
        sources = [c for c in str(row.get("independent_source") or "").split("|") if c]
        for code in sources:
            if code not in codes:
                problems.append(f"{name} : source indépendante « {code} » inconnue du catalogue "
                                "(colonne independent_source).")
        tolerance = _number_or_problem(row.get("independent_tolerance"), name, "independent_tolerance", problems)
        if tolerance == tolerance and not sources:
            problems.append(f"{name} : une tolérance sans source indépendante (colonne independent_source).")
    return problems


def _number_or_problem(text: object, name: str, column: str, problems: list[str]) -> float:
    try:
        return _rule_number(str(text or ""))
    except ValueError:
        problems.append(f"{name} : « {text} » n'est pas un nombre (colonne {column}).")
        return float("nan")


def _rate_problems(ind: pd.DataFrame, unit_by_code: dict[str, str], derived: set[str]) -> list[str]:
    """Every inconsistency of the ranking denominators and published floors, in French."""
    problems: list[str] = []
    if "rate_base" not in ind.columns:
        return problems
    for row in ind.to_dict("records"):
        name = f"Indicateur « {row['code']} »"
        base = str(row.get("rate_base") or "")
        scale = _number_or_problem(row.get("rate_scale"), name, "rate_scale", problems)
        _number_or_problem(row.get("published_floor"), name, "published_floor", problems)
        if not base:
            if row.get("rate_scale") or row.get("rate_noun"):
                problems.append(f"{name} : une échelle ou un libellé de dénominateur sans dénominateur (rate_base).")
            continue
        if row["unit"] not in COUNT_UNITS + ("€",):  # an amount too: DREES spending per inhabitant
            problems.append(f"{name} : seul un effectif ({', '.join(COUNT_UNITS)}) ou un montant (€) reçoit un "
                            f"dénominateur de classement (ici l'unité « {row['unit']} »).")
        if base == RATE_NONE:
            continue
        if base != RATE_POPULATION:
            if base == row["code"]:
                problems.append(f"{name} : le dénominateur de classement ne peut pas être l'indicateur lui-même.")
            elif base not in unit_by_code:
                problems.append(f"{name} : dénominateur de classement « {base} » inconnu (attendu : "
                                f"{RATE_POPULATION}, {RATE_NONE} ou le code d'un effectif du catalogue).")
            elif base in derived or unit_by_code[base] not in COUNT_UNITS:
                problems.append(f"{name} : le dénominateur de classement « {base} » doit être un effectif saisi.")
        if not scale > 0:
            problems.append(f"{name} : rate_scale doit être un nombre positif (pour 100, pour 1 000…).")
    return problems


def _for_db(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    out = frame.copy()
    for column in _NULLABLE[table]:
        out[column] = out[column].astype(object).where(out[column] != "", None)
    if table == "indicator":
        if "max_growth" not in out.columns:  # a catalogue built in code, without rules
            out = resolve_rules(out, None)
        for column in ("max_per_inhabitant", "max_value", "max_growth"):  # no bound: NULL, never NaN
            out[column] = out[column].astype(object).where(out[column].notna(), None)
        for column in OPTIONAL_INDICATOR_COLUMNS:  # a catalogue built in code may lack them: no denominator…
            if column not in out.columns:
                out[column] = None
        for column in ("rate_scale", "published_floor", "independent_tolerance"):
            numbers = [_rule_number(str(v)) if v is not None and str(v) != "" else float("nan") for v in out[column]]
            out[column] = [None if n != n else n for n in numbers]
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
