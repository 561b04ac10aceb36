"""DREES « Données mensuelles des prestations de solidarité » read as published: months in rows, départements in column
pairs (« Effectif » | « Evolution en glissement annuel »), the national table, the provisional mark; monthly facts and
each series' yearly value (the December stock, or the year's sum of a flow)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import numpy as np
import pandas as pd

from levier.core.config import CATALOGUE_DIR
from levier.core.fmt import fmt_int
from levier.core.periods import PROVISIONAL_COMMENT, monthly_period
from levier.core.text import normalise
from levier.ingest.cells import parse_column
from levier.ingest.insee import facts_frame, typed_facts
from levier.ingest.journal import now
from levier.ingest.readers import Sheet, Workbook, column_letter
from levier.ingest.report import Finding, ImportReport
from levier.ingest.returns import write_facts
from levier.ingest.territory_codes import FRANCE_CODE, LEVEL_FRANCE, departement, national_row
from levier.store.db import Database

FILE_FORMAT = "drees mensuel"
MEASURE = "valeur"
# A sheet is this workbook's kind when its first column holds at least this many months below its headers.
_MIN_MONTHS = 12
# … and, for a département table, when its « Numéro » row reads as at least this many département codes.
_MIN_DEPARTEMENTS = 50


@dataclass(frozen=True)
class MonthlySeries:
    """One benefit of the workbook: its monthly indicator and its yearly one. A stock's yearly value is its December
    value (people counted on 31 December); a flow's (entries) is the sum of the year's twelve months."""

    key: str
    monthly: str
    yearly: str
    flow: bool = False


SERIES = (
    MonthlySeries("rsa", "STAT-RSA-MOIS", "STAT-RSA-DEC"),
    MonthlySeries("aah", "STAT-AAH-MOIS", "STAT-AAH-DEC"),
    MonthlySeries("ass", "STAT-ASS-MOIS", "STAT-ASS-DEC"),
    MonthlySeries("ppa", "STAT-PPA-MOIS", "STAT-PPA-DEC"),
    MonthlySeries("logement", "STAT-AL-MOIS", "STAT-AL-DEC"),
    MonthlySeries("gj", "STAT-GJ-MOIS", "STAT-GJ-DEC"),
    MonthlySeries("gj_entrees", "STAT-GJ-ENTREES-MOIS", "STAT-GJ-ENTREES-AN", flow=True),
)
_BY_KEY = {s.key: s for s in SERIES}
MONTHLY_CODES = tuple(s.monthly for s in SERIES)
YEARLY_CODES = tuple(s.yearly for s in SERIES)
MONTHLY_CATALOGUE = CATALOGUE_DIR / "indicateurs_drees_mensuel.csv"


@cache
def monthly_units() -> dict[str, str]:
    """The catalogue unit of each monthly indicator (counts: « nombre », « personnes »), so that the one cell parser
    refuses a percentage-formatted cell among them rather than store its percent as a count."""
    frame = pd.read_csv(MONTHLY_CATALOGUE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return dict(zip(frame["code"], frame["unit"], strict=True))


def series_of(text: object) -> MonthlySeries | None:
    """The benefit a table title or a column header names (« Nombre d'allocataires du RSA par département… »,
    « Garantie jeunes - Entrées initiales »), by its words; None when it names none of them."""
    words = normalise(text).split()
    joined = " ".join(words)
    if "garantie jeunes" in joined:
        return _BY_KEY["gj_entrees" if any(w.startswith("entree") for w in words) else "gj"]
    if "prime d activite" in joined:
        return _BY_KEY["ppa"]
    if "logement" in words:
        return _BY_KEY["logement"]
    for key in ("aah", "ass", "rsa"):
        if key in words:
            return _BY_KEY[key]
    return None


# --------------------------------------------------------------------------------------------------------------------
# Months as the workbook writes them: a date cell (2017-01-01) or a French label (« juin-20* », « sept. 2020 »).

_MONTH_PREFIXES = (("janv", 1), ("jan", 1), ("fev", 2), ("mars", 3), ("avr", 4), ("mai", 5), ("juin", 6),
                   ("juil", 7), ("aou", 8), ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12))
_DATE_TEXT = re.compile(r"^(\d{4})-(\d{2})-\d{2}(?:[ T][0-9:]+)?$")
_LABEL = re.compile(r"^([a-z]+)\.?[\s\-/]*(\d{2}|\d{4})$")
_MARK = re.compile(r"\*+$")
# The note below a table that says what its mark means: « * Données provisoires (traitements DREES). »
_PROVISIONAL_NOTE = re.compile(r"^\s*(\*+)\s*donn[ée]es\s+provisoires", re.IGNORECASE)


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    mark: str  # the mark written after the label ('*'), '' when none


def read_month(text: str, type_code: str = "") -> Month | None:
    """A cell of the first column as a month; None when it is not one."""
    raw = str(text).strip()
    if not raw:
        return None
    m = _DATE_TEXT.match(raw)
    if m and type_code in ("d", "s", ""):
        return Month(int(m.group(1)), int(m.group(2)), "")
    mark = _MARK.search(raw)
    label = raw[: mark.start()] if mark else raw
    m = _LABEL.match(normalise(label).replace(" ", "-") if len(label) <= 20 else "")
    if m is None:
        return None
    word, year = m.group(1), int(m.group(2))
    number = next((n for prefix, n in _MONTH_PREFIXES if word.startswith(prefix)), None)
    if number is None:
        return None
    return Month(2000 + year if year < 100 else year, number, mark.group(0) if mark else "")


# --------------------------------------------------------------------------------------------------------------------
# Layout of one sheet


@dataclass
class Table:
    """Where one sheet holds its figures (0-based rows and columns of readers.Sheet.cells)."""

    sheet: Sheet
    title: str
    month_rows: list[int]  # rows whose first cell is a month, in sheet order
    months: list[Month]
    value_columns: list[int]  # the « Effectif » columns (every column when the table has no such row)
    code_row: int | None  # the « Numéro » row of a département table; None for the national table
    name_row: int | None
    header_row: int | None  # the row above the « Effectif » row that names each benefit (national table)
    provisional_mark: str | None  # the mark a note below the table defines as « données provisoires »
    national_scope: bool | None  # national table: its « Champ » note names France entière (True), a part (False)


def _first_column(sheet: Sheet) -> tuple[list[str], list[str]]:
    cells = sheet.cells
    if cells.shape[1] == 0:
        return [], []
    text = cells.iloc[:, 0].astype(str).tolist()
    types = sheet.types.iloc[:, 0].astype(str).tolist() if sheet.types is not None else [""] * len(text)
    return text, types


def find_table(sheet: Sheet) -> Table | None:
    """The monthly table of a sheet, or None when the sheet holds none (summary, notes)."""
    text, types = _first_column(sheet)
    rows, months = [], []
    for i, (t, k) in enumerate(zip(text, types)):
        month = read_month(t, k)
        if month is not None:
            rows.append(i)
            months.append(month)
    if len(rows) < _MIN_MONTHS:
        return None
    first = rows[0]
    folded = np.array([[normalise(v) for v in row] for row in sheet.cells.iloc[:first].to_numpy(dtype=object)],
                      dtype=object).reshape(first, sheet.cells.shape[1])
    code_row = next((i for i in range(first) if folded[i, 0] in ("numero", "code", "code departement")), None)
    name_row = next((i for i in range(first) if folded[i, 0] == "departement"), None)
    effectif_rows = [i for i in range(first) if (folded[i, 1:] == "effectif").any()]
    effectif_row = effectif_rows[-1] if effectif_rows else None
    if effectif_row is not None:
        value_columns = [j for j in range(1, folded.shape[1]) if folded[effectif_row, j] == "effectif"]
    elif code_row is not None:
        value_columns = [j for j in range(1, folded.shape[1]) if folded[code_row, j]]
    else:
        return None
    title = next((t.strip() for t in text[:first] if t.strip() and normalise(t) not in ("sommaire", "numero",
                                                                                          "departement")), "")
    header_row = effectif_row - 1 if code_row is None and effectif_row and effectif_row > 0 else None
    mark, scope = None, None
    for t in text[rows[-1] + 1:]:
        note = _PROVISIONAL_NOTE.match(t)
        if note and mark is None:
            mark = note.group(1)
        if normalise(t).startswith("champ") and scope is None:
            scope = national_row(t.split(":", 1)[-1].split(".")[0].split(",")[0])
    return Table(sheet, title, rows, months, value_columns, code_row, name_row, header_row, mark, scope)


def _departement_count(table: Table) -> int:
    if table.code_row is None:
        return 0
    codes = table.sheet.cells.iloc[table.code_row]
    return sum(departement(codes.iat[j]) is not None for j in table.value_columns)


def is_monthly_workbook(workbook: Workbook) -> bool:
    """Whether a workbook is the DREES monthly one, by its content (never its name): a sheet with months down its
    first column and a « Numéro » row of département codes above them."""
    for sheet in workbook.sheets:
        table = find_table(sheet)
        if table is not None and _departement_count(table) >= _MIN_DEPARTEMENTS:
            return True
    return False


# --------------------------------------------------------------------------------------------------------------------
# Reading


@dataclass
class MonthlyResult:
    """The facts of the workbook (empty whenever `findings` holds an error: a file with an error is refused whole),
    the errors, the warnings, and per table what was read."""

    facts: pd.DataFrame
    findings: list[Finding]
    warnings: list[Finding]
    tables: list[dict] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings


def _column_name(table: Table, j: int) -> str:
    cells = table.sheet.cells
    parts = [str(cells.iat[r, j]).strip() for r in (table.code_row, table.name_row, table.header_row)
             if r is not None and str(cells.iat[r, j]).strip()]
    return f"{column_letter(j)} ({', '.join(parts)})" if parts else column_letter(j)


def _month_key(m: Month) -> int:
    return monthly_period(m.year, m.month)


def _no_facts() -> pd.DataFrame:
    return facts_frame([])


def _trailing_mark(cell: object) -> str:
    """The footnote mark written after a value or a month label (« 2 023 700* » → '*'), '' when none."""
    m = _MARK.search(str(cell).strip())
    return m.group(0) if m else ""


def read_table(table: Table, file_name: str) -> tuple[pd.DataFrame, list[Finding], list[Finding], dict]:
    """(facts, errors, warnings, summary) of one table; the facts have the columns of insee.FACT_COLUMNS."""
    sheet, cells = table.sheet, table.sheet.cells
    name = sheet.name
    errors: list[Finding] = []
    warnings: list[Finding] = []
    # What each value column holds: (series, territory level, territory code).
    targets: dict[int, tuple[MonthlySeries, str, str]] = {}
    if table.code_row is not None:
        series = series_of(table.title)
        if series is None:
            warnings.append(Finding(file_name, f"tableau « {table.title} » : prestation non reconnue, tableau ignoré",
                                    name, rule="tableau non reconnu"))
            return _no_facts(), errors, warnings, {}
        for j in table.value_columns:
            raw = cells.iat[table.code_row, j]
            territory = departement(raw)
            label = cells.iat[table.name_row, j] if table.name_row is not None else ""
            total = national_row(raw) if territory is None else None
            total = national_row(label) if territory is None and total is None else total
            if total is True:  # a « France entière » column among the départements
                targets[j] = (series, LEVEL_FRANCE, FRANCE_CODE)
                continue
            if total is False:
                warnings.append(Finding(file_name, f"colonne « {raw or label} » : total partiel (métropole, DROM…) "
                                        "rattaché à aucun territoire, ignoré", name, table.code_row + 1,
                                        _column_name(table, j), rule="total partiel"))
                continue
            if territory is None:
                errors.append(Finding(file_name, f"« {raw} » n'est pas un code de département", name,
                                      table.code_row + 1, _column_name(table, j), rule="territoire"))
                continue
            targets[j] = (series, territory.level, territory.code)
    else:
        if table.national_scope is not True:
            warnings.append(Finding(file_name, f"tableau « {table.title} » sans département ni champ « France » : "
                                    "ignoré (un total partiel, métropole ou DROM, n'est rattaché à aucun territoire)",
                                    name, rule="tableau non reconnu"))
            return _no_facts(), errors, warnings, {}
        for j in table.value_columns:
            label = _header_of(table, j)
            series = series_of(label)
            if series is None:
                warnings.append(Finding(file_name, f"colonne « {label} » : prestation non reconnue, colonne ignorée",
                                        name, table.header_row + 1 if table.header_row is not None else None,
                                        column_letter(j), rule="colonne non reconnue"))
                continue
            targets[j] = (series, LEVEL_FRANCE, FRANCE_CODE)
    seen: dict[tuple, str] = {}
    for j, (series, level, code) in list(targets.items()):
        key = (series.monthly, level, code)
        if key in seen:
            errors.append(Finding(file_name, f"territoire {code} en double pour la même prestation (déjà colonne "
                                  f"{seen[key]})", name, None, _column_name(table, j), rule="doublon"))
            del targets[j]
        else:
            seen[key] = column_letter(j)
    periods = [_month_key(m) for m in table.months]
    for i, p in enumerate(periods):
        if p in periods[:i]:
            errors.append(Finding(file_name, f"mois {p // 100}-{p % 100:02d} en double", name,
                                  table.month_rows[i] + 1, "A", rule="doublon"))
    if not targets:
        return _no_facts(), errors, warnings, {}

    # Every value cell of the table at once: one parse for the sheet.
    columns = sorted(targets)
    block = cells.iloc[table.month_rows, columns]
    types = sheet.types.iloc[table.month_rows, columns] if sheet.types is not None else None
    text = block.to_numpy(dtype=object).ravel(order="F")
    kinds = types.to_numpy(dtype=object).ravel(order="F") if types is not None else None
    cell_marks = [_trailing_mark(t) for t in text]
    stripped = np.array([str(t).strip()[: len(str(t).strip()) - len(m)] for t, m in zip(text, cell_marks)],
                        dtype=object)
    marked = np.array([m != "" for m in cell_marks], dtype=bool)
    n_rows = len(table.month_rows)
    # Each column's catalogue unit: a percentage-formatted cell is refused in a count, a date-typed one anywhere.
    units = monthly_units()
    unit = pd.Series(np.repeat([units.get(targets[j][0].monthly) for j in columns], n_rows), dtype=object)
    parsed = parse_column(pd.Series(stripped), None if kinds is None else pd.Series(kinds), unit=unit)
    month_marks = np.array([m.mark != "" for m in table.months], dtype=bool)
    # Every mark must be the one a note below the table defines (« * Données provisoires »): never guessed.
    expected = table.provisional_mark
    unknown = [(row, "A", m.mark) for row, m in zip(table.month_rows, table.months) if m.mark and m.mark != expected]
    unknown += [(table.month_rows[k % n_rows], _column_name(table, columns[k // n_rows]), cell_marks[k])
                for k in np.flatnonzero(marked) if cell_marks[k] != expected]
    if unknown:
        row, column, mark = unknown[0]
        meaning = (f"seule la marque « {expected} » y est définie (données provisoires)" if expected
                   else "aucune note « * Données provisoires » sous le tableau")
        errors.append(Finding(file_name, f"marque « {mark} » sans définition ({meaning}), {fmt_int(len(unknown))} "
                              "cellule(s) : valeurs refusées plutôt que devinées", name, row + 1, column,
                              rule="marque inconnue"))

    col_idx = np.repeat(np.arange(len(columns)), n_rows)  # cells are column after column (ravel order F)
    row_idx = np.tile(np.arange(n_rows), len(columns))
    bad = np.asarray(parsed.bad, dtype=bool)
    why = parsed.why.to_numpy(dtype=object)
    for k in np.flatnonzero(bad):
        errors.append(Finding(file_name, why[k] or f"« {text[k]} » n'est pas un nombre", name,
                              table.month_rows[row_idx[k]] + 1, _column_name(table, columns[col_idx[k]]),
                              rule="valeur"))
    values = np.asarray(parsed.values, dtype="float64")
    reasons = parsed.reason.to_numpy(dtype=object)
    # A blank cell inside the table: not published for that month.
    reasons = np.where(np.isnan(values) & pd.isna(reasons), "nd", reasons)
    reasons = np.where(pd.isna(reasons), None, reasons)
    provisional = marked | month_marks[row_idx]
    what = [targets[j] for j in columns]
    keep = ~bad
    frame = pd.DataFrame({
        "territory_level": np.array([t[1] for t in what], dtype=object)[col_idx],
        "territory_code": np.array([t[2] for t in what], dtype=object)[col_idx],
        "indicator": np.array([t[0].monthly for t in what], dtype=object)[col_idx],
        "period": np.asarray(periods, dtype="int64")[row_idx],
        "measure": MEASURE,
        "value": values,
        "missing_reason": reasons,
        "comment": np.where(provisional, PROVISIONAL_COMMENT, None),
        "submitted_on": None,
        "source_sheet": name,
        "source_row": (np.asarray(table.month_rows, dtype="int64") + 1)[row_idx],
    })[keep].reset_index(drop=True)
    provisional_periods = sorted({p for p, m in zip(periods, table.months) if m.mark}
                                 | {periods[k % n_rows] for k in np.flatnonzero(marked)})
    summary = {"sheet": name, "title": table.title, "series": sorted({t[0].monthly for t in targets.values()}),
               "territories": len({(t[1], t[2]) for t in targets.values()}), "first": min(periods),
               "last": max(periods), "provisional": provisional_periods}
    return frame, errors, warnings, summary


def _header_of(table: Table, j: int) -> str:
    """The benefit named above an « Effectif » column of the national table (a merged cell starts at or left of it)."""
    if table.header_row is None:
        return ""
    row = table.sheet.cells.iloc[table.header_row]
    for k in range(j, 0, -1):
        text = str(row.iat[k]).strip()
        if text:
            return text
    return ""


def yearly_records(monthly: pd.DataFrame) -> pd.DataFrame:
    """The yearly value of each monthly series: a stock's December fact (same value, missing reason, provisional
    mark and source row) under its yearly code; a flow's sum over a year's twelve months, only when the twelve are
    published (one missing month makes the year missing with that month's reason, never a partial sum)."""
    if not len(monthly):
        return monthly.iloc[0:0]
    by_code = {s.monthly: s for s in SERIES}
    frame = monthly.assign(_year=monthly["period"] // 100, _month=monthly["period"] % 100)
    out = []
    stocks = frame[[not by_code[c].flow for c in frame["indicator"]]]
    dec = stocks[stocks["_month"] == 12].copy()
    dec["indicator"] = [by_code[c].yearly for c in dec["indicator"]]
    dec["period"] = dec["_year"]
    out.append(dec)
    flows = frame[[by_code[c].flow for c in frame["indicator"]]]
    if len(flows):
        keys = ["territory_level", "territory_code", "indicator", "_year"]
        ordered = flows.sort_values(keys + ["_month"])
        years = ordered.groupby(keys, sort=False).agg(
            months=("_month", "nunique"), value=("value", lambda v: v.sum(min_count=len(v))),
            missing_reason=("missing_reason", "first"),
            provisional=("comment", lambda c: (c == PROVISIONAL_COMMENT).any()),
            last=("source_row", "last"), sheet=("source_sheet", "last")).reset_index()
        years = years[years["months"] == 12]
        out.append(pd.DataFrame({
            "territory_level": years["territory_level"], "territory_code": years["territory_code"],
            "indicator": [by_code[c].yearly for c in years["indicator"]], "period": years["_year"].astype("int64"),
            "measure": MEASURE, "value": years["value"],
            "missing_reason": years["missing_reason"].where(years["value"].isna(), None),
            "comment": np.where(years["provisional"], PROVISIONAL_COMMENT, None), "submitted_on": None,
            "source_sheet": years["sheet"], "source_row": years["last"]}))
    result = pd.concat(out, ignore_index=True)
    return result.drop(columns=["_year", "_month"])


def _conflicts(monthly: pd.DataFrame, file_name: str) -> list[Finding]:
    """The same territory, benefit and month given twice (a national column beside the national table) with two
    different figures: refused, naming both places; given twice alike, it is kept once."""
    key = ["territory_level", "territory_code", "indicator", "period"]
    twice = monthly[monthly.duplicated(key, keep=False)]
    found = []
    for (_, code, indicator, period), g in twice.groupby(key, sort=True):
        if g["value"].nunique(dropna=False) > 1 or g["missing_reason"].nunique(dropna=False) > 1:
            places = " et ".join(f"« {s} » ligne {r}" for s, r in zip(g["source_sheet"], g["source_row"]))
            found.append(Finding(file_name, f"{indicator} {code}, {period % 100:02d}/{period // 100} : deux valeurs "
                                 f"différentes ({places})", g["source_sheet"].iat[-1], int(g["source_row"].iat[-1]),
                                 rule="doublon"))
    return found


def read_monthly_workbook(workbook: Workbook) -> MonthlyResult:
    """Every monthly table of the workbook → facts (monthly YYYYMM facts, then the yearly values), errors, warnings."""
    file_name = workbook.file_name
    frames: list[pd.DataFrame] = []
    errors: list[Finding] = []
    warnings: list[Finding] = list(workbook.notes)
    summaries: list[dict] = []
    rows_read = 0
    for sheet in workbook.sheets:
        table = find_table(sheet)
        if table is None:
            continue
        rows_read += len(table.month_rows)
        frame, errs, warns, summary = read_table(table, file_name)
        frames.append(frame)
        errors.extend(errs)
        warnings.extend(warns)
        if summary:
            summaries.append(summary)
    if not summaries and not errors:
        errors.append(Finding(file_name, "aucun tableau mensuel (mois en lignes, départements en colonnes) trouvé",
                              rule="format"))
    frames = [f for f in frames if len(f)]
    monthly = pd.concat(frames, ignore_index=True) if frames else _no_facts()
    errors.extend(_conflicts(monthly, file_name))
    monthly = monthly.drop_duplicates(["territory_level", "territory_code", "indicator", "period"])
    if errors:
        return MonthlyResult(facts_frame([]), errors, warnings, summaries, rows_read)
    facts = typed_facts(pd.concat([monthly, yearly_records(monthly)], ignore_index=True))
    warnings.extend(national_gaps(facts, file_name))
    return MonthlyResult(facts, errors, warnings, summaries, rows_read)


# DREES rounds national figures to the hundred and département figures to the ten (Lisez-moi): a national line and
# the sum of its départements may differ by up to half a hundred plus half a ten per département.
def rounding_bound(departements: int) -> float:
    return 50 + 5 * departements


def national_sums(facts: pd.DataFrame) -> pd.DataFrame:
    """Per monthly indicator and month: the national figure DREES publishes and the sum of its départements.
    Columns: indicator, period, national, departements_sum, departements (how many were summed), gap (sum minus
    national)."""
    monthly = facts[facts["indicator"].isin(MONTHLY_CODES)]
    deps = monthly[monthly["territory_level"] == "departement"]
    sums = deps.groupby(["indicator", "period"]).agg(departements_sum=("value", "sum"),
                                                      departements=("value", "count")).reset_index()
    nat = monthly[monthly["territory_level"] == LEVEL_FRANCE][["indicator", "period", "value"]]
    out = nat.rename(columns={"value": "national"}).merge(sums, on=["indicator", "period"], how="inner")
    out["gap"] = out["departements_sum"] - out["national"]
    return out


def national_gaps(facts: pd.DataFrame, file_name: str) -> list[Finding]:
    """A warning per indicator whose départements sum away from DREES's national line by more than the rounding."""
    sums = national_sums(facts).dropna(subset=["gap"])
    found = []
    for indicator, g in sums.groupby("indicator"):
        over = g[g["gap"].abs() > [rounding_bound(n) for n in g["departements"]]]
        if len(over):
            worst = over.loc[over["gap"].abs().idxmax()]
            p = int(worst["period"])
            found.append(Finding(file_name, f"{indicator}, {p % 100:02d}/{p // 100} : somme des départements "
                                 f"{fmt_int(worst['departements_sum'])} contre {fmt_int(worst['national'])} pour la "
                                 f"France entière, écart au-delà des arrondis ; la valeur nationale retenue est celle "
                                 f"publiée par la DREES ({len(over)} mois concernés)", rule="total national"))
    return found


def import_monthly_workbook(db: Database, workbook: Workbook, data: bytes, *, kind: str, dry_run: bool = False,
                            imported_by: str | None = None, started: datetime | None = None) -> ImportReport:
    """Read the workbook (already read by readers.read_workbook) and write its facts all or nothing. `kind`: the
    caller's import kind (levier.ingest.drees.KIND_DREES, the one door of DREES workbooks, which imports this
    module)."""
    started = started or now()
    result = read_monthly_workbook(workbook)
    report = ImportReport(file=workbook.file_name, kind=kind, file_format=FILE_FORMAT, rows_read=result.rows_read,
                          rows_accepted=len(result.facts), errors=list(result.findings),
                          warnings=list(result.warnings))
    return write_facts(db, result.facts, report, data, started=started, imported_by=imported_by, demo=False,
                       dry_run=dry_run)
