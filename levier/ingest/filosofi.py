"""Official INSEE Filosofi files (départements, EPCI), found by their CODGEO header, CSV or xlsx as INSEE publishes
them: the layout is recognised by its shipped profile (data/profils/insee_*.toml, through levier.ingest.mapping) and
its cells read by the one cell parser with the reader's cell types; EPCI published in an older geography and
territories INSEE leaves out are reported (levier.ingest.insee). One row per value, shaped like the fact table."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from levier.core.text import normalise
from levier.ingest.cells import parse_column
from levier.ingest.insee import (
    FILOSOFI_SOURCE,
    KNOWN_SUCCESSORS,
    LEVEL_DEP,
    LEVEL_EPCI,
    LEVELS,
    NOT_PUBLISHED,
    InseeResult,
    Rows,
    cell_text,
    classify_code,
    describe_unmatched,
    empty_facts,
    facts_frame,
    insee_catalogue_rows,
    listing,
    rows_from_sheet,
    split_year_suffix,
    parse_insee_column,
    unreadable_reason,
    workbook_of,
)
from levier.ingest.mapping import EXACT, STRONG, Profile, layout_columns, shipped_and_saved_profiles
from levier.ingest.readers import Sheet, Workbook, column_letter
from levier.ingest.report import Finding

# Headers that name the territory column (the CODGEO of INSEE's files and its labels): how an INSEE file is found,
# and its header row; and the territory's name, quoted in the messages about EPCI.
_CODE_KEYS = {"codgeo", "code geographique", "code", "code insee", "siren", "siren epci", "code epci",
              "code departement", "code du departement"}
_NAME_KEYS = {"libgeo", "libelle geographique", "libelle", "nom", "nom epci", "nom du territoire"}
_FILE_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_HEADER_SCAN_ROWS = 15
# Without a profile for its exact headers, a column is read when the mapping engine is sure of it: an INSEE variable
# code of the catalogue, its label up to accents, case and unit notes, or INSEE's own label variants. A weaker match
# is listed among the ignored columns, never imported without the user's word.
_SURE = (EXACT, STRONG)


def is_insee_table(workbook: Workbook) -> bool:
    """An INSEE table: a visible sheet with a « CODGEO » header cell in its first rows (INSEE's workbooks put a title
    and a row of labels above it)."""
    for sheet in workbook.sheets:
        head = sheet.cells.iloc[:_HEADER_SCAN_ROWS].to_numpy().ravel()
        if any(str(v).strip().upper() == "CODGEO" for v in head if v):
            return True
    return False


def _is_blank(cells: list[object]) -> bool:
    return all(not cell_text(c) for c in cells)


def _find_header(rows: Rows) -> int | None:
    """Index in `rows` of the header: the first row with a CODGEO-like cell; when INSEE puts a label row above a
    code row, the code row (it says more: the year)."""
    for i, (_, cells) in enumerate(rows[:_HEADER_SCAN_ROWS]):
        if any(normalise(c) in _CODE_KEYS for c in cells):
            if i + 1 < len(rows) and any(cell_text(c).upper() == "CODGEO" for c in rows[i + 1][1]):
                return i + 1
            return i
    return None


@dataclass
class _Column:
    index: int
    header: str
    indicator: str
    year: int | None
    by: str  # 'code' | 'libellé'


def _file_level_hint(path: Path) -> str | None:
    tokens = re.split(r"[_\-. ]+", path.stem.upper())
    if "EPCI" in tokens:
        return LEVEL_EPCI
    if "DEP" in tokens:
        return LEVEL_DEP
    if "REG" in tokens:
        return "region"
    if "COM" in tokens or "IRIS" in tokens:
        return "commune"
    return None


def _result_with_errors(name: str, errors: list[Finding], warnings: list[Finding] | None = None, *,
                        income_year: int | None = None, level: str | None = None,
                        ignored_columns: list[str] | None = None, rows_read: int = 0) -> InseeResult:
    return InseeResult(facts=empty_facts(), findings=errors, warnings=warnings or [], income_year=income_year,
                       level=level, unmatched=[], file=name, ignored_columns=ignored_columns or [],
                       rows_read=rows_read)


def _merged_values(sheet: Sheet, header: int, read: set[int]) -> list[tuple[int, int, int, int]]:
    """Merged ranges below the header (0-based row `header`) that start on a value of a column read and cover more
    than one cell: across columns or rows, the value would go to one indicator or territory only."""
    return [(r1, c1, r2, c2) for r1, c1, r2, c2 in sheet.merged
            if r1 > header and c1 in read and (r2 > r1 or c2 > c1) and cell_text(sheet.cells.iat[r1, c1])]


def _sheet_and_rows(path: Path) -> tuple[Sheet, Rows, list[Finding]]:
    """The sheet holding the table (a workbook's first visible sheet with a CODGEO header, else its first), its rows
    and the reader's warnings (hidden sheets, rows and columns left out); raises ValueError (French) when there is
    no sheet."""
    book = workbook_of(path)
    if path.suffix.lower() not in {".xlsx", ".xlsm"} and book.format != "csv":
        raise ValueError("le fichier n'est pas un CSV lisible (fichier binaire)")
    if not book.sheets:
        raise ValueError("le classeur ne contient aucune feuille visible")
    for sheet in book.sheets:
        rows = rows_from_sheet(sheet)
        if _find_header(rows) is not None:
            return sheet, rows, list(book.notes)
    return book.sheets[0], rows_from_sheet(book.sheets[0]), list(book.notes)


def read_insee_file(
    path: Path,
    *,
    level: str | None = None,
    current_epci: set[str] | None = None,
    income_year: int | None = None,
    catalogue: pd.DataFrame | None = None,
    departements: Collection[str] | None = None,
    profiles: list[Profile] | None = None,
) -> InseeResult:
    """Read one published Filosofi file (CSV or xlsx) into facts for the variables of indicateurs_stat.csv.

    The columns are those of the profile made for exactly the file's headers (`profiles`: the shipped and saved
    ones by default), else those the mapping engine is sure of (INSEE codes, labels, INSEE's label variants).
    `level` forces 'departement' or 'epci' (otherwise detected from the codes); `current_epci` is the set of
    current SIRENs: EPCI codes outside it are reported (warnings and `unmatched`) and kept out of `facts`;
    `income_year` is used for columns without a year suffix when neither the other columns nor the file name
    give one. `departements`: every département code of the reference; with it (départements) or `current_epci`
    (EPCI), each one the file leaves out gets a NOT_PUBLISHED row per column in `not_published`."""
    path = Path(path)
    name = path.name
    errors: list[Finding] = []
    warnings: list[Finding] = []
    if level is not None:
        level = normalise(level)
        if level not in LEVELS:
            raise ValueError(f"niveau inconnu : {level!r} (attendu : {', '.join(LEVELS)})")

    try:
        if not path.is_file():
            return _result_with_errors(name, [Finding(name, "fichier introuvable ou illisible")])
        table, rows, notes = _sheet_and_rows(path)
    except Exception as exc:  # noqa: BLE001 — any reader failure is the user's file, reported in French
        return _result_with_errors(name, [Finding(name, f"fichier illisible : {unreadable_reason(exc)}")])
    sheet = table.name
    warnings = list(notes)

    rows = [(n, cells) for n, cells in rows if not _is_blank(cells)]
    if not rows:
        return _result_with_errors(name, [Finding(name, "fichier vide", sheet=sheet)])

    header_at = _find_header(rows)
    if header_at is None:
        return _result_with_errors(name, [Finding(
            name, "colonne des codes introuvable : l'en-tête doit contenir « CODGEO » (ou « Code géographique »)",
            sheet=sheet, row=rows[0][0])])
    header_row, header = rows[header_at]
    data_rows = rows[header_at + 1:]

    hint = _file_level_hint(path)
    if level is None and hint in {"region", "commune"}:
        return _result_with_errors(name, [Finding(
            name, f"fichier de niveau {'régional' if hint == 'region' else 'communal'} : seuls les fichiers par "
            "département et par EPCI sont pris en charge", sheet=sheet)])

    # Columns: the layout's profile, else what the mapping engine is sure of.
    catalogue = insee_catalogue_rows() if catalogue is None else catalogue
    filosofi = catalogue[catalogue["source"] == FILOSOFI_SOURCE]
    profile, matches = layout_columns(header, filosofi,
                                      shipped_and_saved_profiles() if profiles is None else profiles)
    code_col: int | None = None
    name_col: int | None = None
    columns: list[_Column] = []
    ignored: list[str] = []
    suffix_years: Counter[int] = Counter()
    for match in matches:
        key = normalise(match.header)
        territory = match.key == profile.territory if profile is not None else key in _CODE_KEYS
        if code_col is None and territory:
            code_col = match.index
            continue
        if name_col is None and key in _NAME_KEYS:
            name_col = match.index
            continue
        split = split_year_suffix(match.header)
        if split is not None and split[1] is not None:
            suffix_years[split[1]] += 1
        if match.indicator and (profile is not None or match.confidence in _SURE):
            by = "code" if parse_insee_column(match.header) is not None else "libellé"
            columns.append(_Column(match.index, match.header, match.indicator, match.year, by))
        else:
            ignored.append(match.header)
    named = {m.index for m in matches}
    unnamed_with_values = [j for j in range(len(header)) if j not in named
                           and any(j < len(cells) and cell_text(cells[j]) for _, cells in data_rows)]

    # Income year: the suffixes, else the caller, else the file name.
    name_years = {int(y) for y in _FILE_YEAR_RE.findall(path.stem)}
    year: int | None = None
    if suffix_years:
        year = suffix_years.most_common(1)[0][0]
        if len(suffix_years) > 1:
            warnings.append(Finding(name, "plusieurs années de revenus dans les en-têtes ("
                                    + ", ".join(str(y) for y in sorted(suffix_years))
                                    + f") : chaque colonne garde la sienne ; {year} pour les colonnes sans année",
                                    sheet=sheet, row=header_row))
        if income_year is not None and income_year != year:
            warnings.append(Finding(name, f"année indiquée {income_year} différente de celle des en-têtes "
                                    f"({year}) : les en-têtes l'emportent", sheet=sheet, row=header_row))
    elif income_year is not None:
        year = income_year
    elif len(name_years) == 1:
        year = next(iter(name_years))
    if year is not None and name_years and year not in name_years:
        warnings.append(Finding(name, f"le nom du fichier indique {', '.join(str(y) for y in sorted(name_years))} "
                                f"mais les revenus sont ceux de {year}", sheet=sheet))

    for col in columns:
        if col.year is None:
            col.year = year
        if col.year is None:
            errors.append(Finding(name, "année des revenus introuvable (ni suffixe d'année dans les en-têtes, ni "
                                  "année dans le nom du fichier) : la préciser à l'import", sheet=sheet,
                                  row=header_row, column=col.header))
    seen: dict[tuple[str, int | None], str] = {}
    for col in columns:
        other = seen.setdefault((col.indicator, col.year), col.header)
        if other != col.header:
            errors.append(Finding(name, f"colonne en double : « {other} » et « {col.header} » donnent toutes deux "
                                  f"{col.indicator} pour {col.year}", sheet=sheet, row=header_row,
                                  column=col.header))
    if code_col is None:  # a profile whose territory column is not the CODGEO _find_header saw
        errors.append(Finding(name, "colonne CODGEO introuvable", sheet=sheet, row=header_row))
    if not columns and not errors:
        errors.append(Finding(name, "aucune colonne reconnue parmi les indicateurs du catalogue statistique "
                              "(indicateurs_stat.csv)", sheet=sheet, row=header_row))
    if ignored:
        warnings.append(Finding(name, f"{len(ignored)} colonne(s) hors du catalogue statistique, ignorée(s) : "
                                + listing(ignored), sheet=sheet, row=header_row))
    if unnamed_with_values:
        warnings.append(Finding(name, f"{len(unnamed_with_values)} colonne(s) sans en-tête mais avec des valeurs, "
                                "ignorée(s)", sheet=sheet, row=header_row))
    for r1, c1, r2, c2 in _merged_values(table, header_row - 1, {c.index for c in columns}):
        errors.append(Finding(name, f"valeur fusionnée sur {column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1} : "
                              "une cellule fusionnée ne dit pas à quel territoire ni à quel indicateur va la valeur ; "
                              "défusionnez et écrivez la valeur dans chaque cellule concernée", sheet=sheet,
                              row=r1 + 1, column=cell_text(header[c1])))
    if errors:
        return _result_with_errors(name, errors, warnings, income_year=year, ignored_columns=ignored,
                                   rows_read=len(data_rows))

    # Rows
    detected = level
    expected_hint = hint if hint in LEVELS else None
    records: list[dict] = []
    kept: list[tuple[int, str, str]] = []  # (line, level, code) of the rows whose code is good
    row_codes: dict[str, int] = {}
    row_names: dict[str, str] = {}
    for line, cells in data_rows:
        raw_code = cells[code_col] if code_col < len(cells) else None
        if not cell_text(raw_code):
            errors.append(Finding(name, "code du territoire manquant", sheet=sheet, row=line,
                                  column=cell_text(header[code_col])))
            continue
        row_level, code, message = classify_code(raw_code)
        if message:
            errors.append(Finding(name, message, sheet=sheet, row=line, column=cell_text(header[code_col])))
            continue
        if detected is None:
            detected = row_level
        if row_level != detected:
            errors.append(Finding(name, f"code « {code} » : niveau {row_level} dans un fichier de niveau {detected}",
                                  sheet=sheet, row=line, column=cell_text(header[code_col])))
            continue
        if code in row_codes:
            errors.append(Finding(name, f"territoire « {code} » en double (déjà ligne {row_codes[code]})",
                                  sheet=sheet, row=line, column=cell_text(header[code_col])))
            continue
        row_codes[code] = line
        if name_col is not None and name_col < len(cells):
            row_names[code] = cell_text(cells[name_col])
        kept.append((line, row_level, code))

    # Values, column by column with the one cell parser and the reader's cell types (an Excel percentage cell is a
    # percent: in a rate column it is the rate, elsewhere it is refused); a column decides its own thousands
    # separator; a rate column whose values are all fractions is refused, naming the column.
    units = dict(zip(catalogue["code"], catalogue["unit"]))
    at = np.array([line - 1 for line, _, _ in kept], dtype=int)  # rows of the sheet (line n is row n - 1)
    for col in columns:
        text = table.cells.iloc[at, col.index].reset_index(drop=True)
        types = None if table.types is None else table.types.iloc[at, col.index].reset_index(drop=True)
        parsed = parse_column(text, types, unit=units.get(col.indicator) or None)
        for i in np.flatnonzero(parsed.bad):
            errors.append(Finding(name, f"valeur illisible : {parsed.why.iat[i]} (attendu un nombre ou un marqueur "
                                  "s, nd, nc, so)", sheet=sheet, row=kept[i][0], column=col.header))
        for note in parsed.notes:
            errors.append(Finding(name, f"{note}.", sheet=sheet, row=header_row, column=col.header))
        given = ~parsed.bad & (~np.isnan(parsed.values) | parsed.reason.notna().to_numpy())
        for i in np.flatnonzero(given):
            line, row_level, code = kept[i]
            records.append({
                "territory_level": row_level, "territory_code": code, "indicator": col.indicator,
                "period": col.year, "measure": "valeur", "value": float(parsed.values[i]),
                "missing_reason": parsed.reason.iat[i], "comment": None, "submitted_on": None,
                "source_sheet": sheet, "source_row": line,
            })
    records.sort(key=lambda r: r["source_row"])

    if detected is not None and expected_hint is not None and detected != expected_hint and level is None:
        warnings.append(Finding(name, f"le nom du fichier évoque le niveau {expected_hint} mais les codes sont de "
                                f"niveau {detected}", sheet=sheet))
    if errors:
        return _result_with_errors(name, errors, warnings, income_year=year, level=detected,
                                   ignored_columns=ignored, rows_read=len(data_rows))

    if not row_codes:
        warnings.append(Finding(name, "aucune ligne de données sous l'en-tête", sheet=sheet, row=header_row))
    facts = facts_frame(records)
    unmatched: list[str] = []
    unmatched_facts = empty_facts()
    if detected == LEVEL_EPCI and current_epci is not None:
        current = {str(c) for c in current_epci}
        unmatched = [c for c in row_codes if c not in current]
        for code in unmatched:
            label = f" « {row_names[code]} »" if row_names.get(code) else ""
            warnings.append(Finding(name, f"EPCI {code}{label} {describe_unmatched(code, current)} : ses valeurs ne "
                                    "sont pas importées", sheet=sheet, row=row_codes[code],
                                    column=cell_text(header[code_col])))
        is_unmatched = facts["territory_code"].isin(unmatched)
        unmatched_facts = facts[is_unmatched].reset_index(drop=True)
        facts = facts[~is_unmatched].reset_index(drop=True)
        absent = sorted(current - set(row_codes))
        if absent:
            warnings.append(Finding(name, f"{len(absent)} EPCI actuel(s) absent(s) du fichier (non publiés par "
                                    f"l'Insee, notés « non publié par l'INSEE (secret statistique) », ou créés "
                                    f"depuis) : {listing(absent)}", sheet=sheet))

    expected = {LEVEL_EPCI: current_epci, LEVEL_DEP: departements}.get(detected or "")
    # A territory on a hidden row was not left out by INSEE: with hidden rows (the reader's warning names them),
    # none is noted « non publié ».
    if expected and any(n.sheet == sheet and n.row is not None and n.column is None for n in notes):
        warnings.append(Finding(name, "lignes masquées dans la feuille : les territoires absents du fichier ne sont "
                                "pas notés « non publié par l'INSEE »", sheet=sheet))
        expected = None
    # An EPCI created since the publication (a known successor) is not secret: it did not exist yet.
    successors = {s for news in KNOWN_SUCCESSORS.values() for s in news}
    left_out = sorted({str(c) for c in expected or ()} - set(row_codes) - successors)
    not_published = facts_frame([
        {"territory_level": detected, "territory_code": code, "indicator": col.indicator, "period": col.year,
         "measure": "valeur", "value": float("nan"), "missing_reason": NOT_PUBLISHED, "comment": None,
         "submitted_on": None, "source_sheet": sheet, "source_row": header_row}
        for code in left_out for col in columns
    ])
    if left_out and detected == LEVEL_DEP:
        warnings.append(Finding(name, f"{len(left_out)} département(s) absent(s) du fichier, notés « non publié par "
                                f"l'INSEE (secret statistique) » : {listing(left_out)}", sheet=sheet))

    by = {c.by for c in columns}
    header_format = "codes" if by == {"code"} else "libellés" if by == {"libellé"} else "mixte"
    return InseeResult(
        facts=facts, findings=[], warnings=warnings, income_year=year, level=detected, unmatched=unmatched,
        file=name, unmatched_facts=unmatched_facts, ignored_columns=ignored, header_format=header_format,
        rows_read=len(data_rows), not_published=not_published, profile=profile.name if profile else None,
    )
