"""The INSEE × DIPLP territorial poverty panorama workbook (profiles and aggravating factors per EPCI): layout,
blank template, example workbook and reader producing facts like the Filosofi reader."""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from levier.core.config import DATA_DIR, PROJECT_ROOT, settings
from levier.ingest.cells import parse_column
from levier.ingest.insee import (
    LEVEL_EPCI, InseeResult, facts_frame, listing, classify_code, describe_unmatched, empty_facts,
    insee_catalogue_rows, label_key, read_xlsx_sheet, rows_from_sheet, unreadable_reason, xlsx_sheet_names,
)
from levier.ingest.report import Finding
from levier.core.text import normalise

PANORAMA_SOURCE = "INSEE × DIPLP, panoramas territoriaux de la pauvreté"
DATA_SHEET = "donnees"
DEFINITIONS_SHEET = "definitions"
KEY_COLUMNS = ["siren_epci", "nom_epci", "annee"]
DEFINITION_COLUMNS = ["code", "libelle", "unite", "definition", "source"]
TEMPLATE_PATH = DATA_DIR / "templates" / "panorama_modele.xlsx"
EXAMPLE_PATH = PROJECT_ROOT / "tests" / "fixtures" / "panorama_exemple.xlsx"
MARKER_TEXTS = ("s", "nd", "so", "nc")

_SIREN_KEYS = {"siren epci", "siren", "code epci", "codgeo"}
_NAME_KEYS = {"nom epci", "nom", "libelle", "libgeo"}
_YEAR_KEYS = {"annee"}
_HEADER_SCAN_ROWS = 10
_YEAR_RANGE = (2000, 2100)
_TEMPLATE_ROWS = 1500  # data validation reaches this row: more than the 1,255 EPCI
# Fixed so that regenerating the committed workbooks gives the same bytes.
_WORKBOOK_DATE = dt.datetime(2026, 1, 1)

# Ten real EPCI of the 2026 list: métropoles, agglomerations, rural CC, Corsica and two overseas départements.
EXAMPLE_EPCI = [
    "200093201", "200046977", "200040715", "200096956", "242010056",
    "242000354", "200090579", "242320109", "249740119", "249720061",
]
EXAMPLE_YEAR = 2020


def panorama_indicators(catalogue: pd.DataFrame | None = None) -> pd.DataFrame:
    """The panorama's indicators (catalogue rows whose source is the panorama), in catalogue order."""
    catalogue = insee_catalogue_rows() if catalogue is None else catalogue
    return catalogue[catalogue["source"] == PANORAMA_SOURCE].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------------
# Writing


def write_workbook(path: Path, rows: list[dict] | pd.DataFrame, catalogue: pd.DataFrame | None = None,
                   extra_columns: list[str] | tuple[str, ...] = ()) -> Path:
    """Write a panorama workbook: sheet 'donnees' (one row per EPCI and year) and sheet 'definitions'. Values are
    numbers, a marker (s, nd, so, nc) or None for an empty cell; any other text is written as typed, and
    `extra_columns` are appended after the indicators (both only to test the reader)."""
    indicators = panorama_indicators(catalogue)
    codes = list(indicators["code"])
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": "Panorama territorial de la pauvreté — modèle Levier", "author": "Levier",
                       "created": _WORKBOOK_DATE})
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EEF4", "border": 1})
    text = wb.add_format({"num_format": "@"})
    number = wb.add_format({"num_format": "0.0"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})

    ws = wb.add_worksheet(DATA_SHEET)
    header = KEY_COLUMNS + codes + list(extra_columns)
    ws.write_row(0, 0, header, head)
    ws.set_column(0, 0, 12, text)
    ws.set_column(1, 1, 42, text)
    ws.set_column(2, 2, 8)
    ws.set_column(3, 2 + len(codes), 14, number)
    ws.freeze_panes(1, 3)
    for j, row in enumerate(indicators.itertuples(), start=3):
        ws.write_comment(0, j, f"{row.label} ({row.unit})", {"x_scale": 2, "y_scale": 1.5})
    last = max(_TEMPLATE_ROWS, len(records) + 1)
    ws.data_validation(1, 0, last, 0, {
        "validate": "length", "criteria": "==", "value": 9,
        "error_title": "SIREN", "error_message": "Le SIREN de l'EPCI a 9 chiffres, saisis comme texte.",
    })
    ws.data_validation(1, 2, last, 2, {
        "validate": "integer", "criteria": "between", "minimum": _YEAR_RANGE[0], "maximum": _YEAR_RANGE[1],
        "error_title": "Année", "error_message": "Année sur quatre chiffres (ex. 2020).",
    })
    if codes:
        ws.data_validation(1, 3, last, 2 + len(codes), {
            "validate": "custom",
            "value": '=OR(AND(ISNUMBER(D2),D2>=0,D2<=100),D2="s",D2="nd",D2="so",D2="nc")',
            "error_title": "Pourcentage",
            "error_message": "Un pourcentage entre 0 et 100 (15,3 et non 0,153), ou s, nd, so, nc.",
        })
    for i, record in enumerate(records, start=1):
        for j, column in enumerate(header):
            value = record.get(column)
            if value is None or (isinstance(value, float) and pd.isna(value)):
                continue
            if column in ("siren_epci", "nom_epci") or isinstance(value, str):
                ws.write_string(i, j, str(value))
            else:
                ws.write_number(i, j, float(value))

    wd = wb.add_worksheet(DEFINITIONS_SHEET)
    wd.write_row(0, 0, DEFINITION_COLUMNS, head)
    wd.set_column(0, 0, 24)
    wd.set_column(1, 1, 48, wrap)
    wd.set_column(2, 2, 8)
    wd.set_column(3, 3, 100, wrap)
    wd.set_column(4, 4, 40, wrap)
    for i, row in enumerate(indicators.itertuples(), start=1):
        wd.write_row(i, 0, [row.code, row.label, row.unit, row.definition, row.source])
    wb.close()
    return path


def write_template(path: Path = TEMPLATE_PATH, catalogue: pd.DataFrame | None = None) -> Path:
    """The blank workbook committed as data/templates/panorama_modele.xlsx."""
    return write_workbook(path, [], catalogue)


def example_rows(epci_csv: Path | None = None, catalogue: pd.DataFrame | None = None) -> list[dict]:
    """Plausible panorama values for ten real EPCI (names from the 2026 list): the six poverty profiles sum to 100,
    close to the national shares of Insee Première n° 1968; a small EPCI carries secret cells, an overseas one 'nd'.
    Invented values, for tests and demonstrations only."""
    path = epci_csv or settings().reference_dir / "cog" / "epci_2023_2024_2026.csv"
    epci = pd.read_csv(path, dtype=str, keep_default_na=False)
    epci = epci[epci["annee"] == "2026"].set_index("siren_epci")
    codes = set(panorama_indicators(catalogue)["code"])
    national = {"STAT-PAN-RETRAITES": 27, "STAT-PAN-TRAV-PAUVRES": 18, "STAT-PAN-JEUNES": 11,
                "STAT-PAN-PROPRIETAIRES": 10, "STAT-PAN-LOC-PRIVE": 17, "STAT-PAN-LOC-SOCIAL": 17}
    records = []
    for siren in EXAMPLE_EPCI:
        row = epci.loc[siren]
        rng = random.Random(int(siren))
        urban = row["nature"] in {"METRO", "MET69", "CU"} or int(row["population_municipale"]) > 200_000
        rural = row["nature"] == "CC"
        overseas = siren.startswith("2497")
        tilt = {"STAT-PAN-RETRAITES": 1.4 if rural else 0.8 if urban else 1.0,
                "STAT-PAN-PROPRIETAIRES": 1.5 if rural else 0.7 if urban else 1.0,
                "STAT-PAN-JEUNES": 1.4 if urban else 0.7 if rural else 1.0,
                "STAT-PAN-LOC-SOCIAL": 1.3 if urban or overseas else 0.5 if rural else 1.0}
        weights = {k: v * tilt.get(k, 1.0) * rng.uniform(0.85, 1.15) for k, v in national.items()}
        total = sum(weights.values())
        record: dict = {"siren_epci": siren, "nom_epci": row["nom"], "annee": EXAMPLE_YEAR}
        record.update({k: round(100 * w / total, 1) for k, w in weights.items()})
        record["STAT-PAN-MONOPARENT"] = round(rng.uniform(34, 45) if overseas else rng.uniform(15, 28), 1)
        record["STAT-PAN-MOBILITE"] = round(rng.uniform(20, 35) if rural else rng.uniform(5, 14), 1)
        record["STAT-PAN-PREC-ENERGIE"] = round(rng.uniform(18, 28) if rural else rng.uniform(10, 20), 1)
        record["STAT-PAN-GARDE-ENFANTS"] = round(rng.uniform(35, 60) if rural else rng.uniform(15, 35), 1)
        record["STAT-PAN-FORMATION"] = round(rng.uniform(35, 50) if overseas else rng.uniform(15, 32), 1)
        if int(row["population_municipale"]) < 10_000:
            record["STAT-PAN-JEUNES"] = "s"
            record["STAT-PAN-LOC-SOCIAL"] = "s"
        if siren == "249720061":
            record["STAT-PAN-GARDE-ENFANTS"] = "nd"
        records.append({k: v for k, v in record.items() if k in codes or k in KEY_COLUMNS})
    return records


def write_example(path: Path = EXAMPLE_PATH, epci_csv: Path | None = None,
                  catalogue: pd.DataFrame | None = None) -> Path:
    """The test fixture tests/fixtures/panorama_exemple.xlsx."""
    return write_workbook(path, example_rows(epci_csv, catalogue), catalogue)


# --------------------------------------------------------------------------------------------------------------------
# Reading


def _text(raw: object) -> str:
    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return ""
    return str(raw).strip()


def read_panorama(path: Path, current_epci: set[str] | None = None,
                  catalogue: pd.DataFrame | None = None) -> InseeResult:
    """Read a panorama workbook (layout of docs/panorama.md) into facts at EPCI level. Same rules as the Filosofi
    reader: markers kept as missing with their reason, SIRENs as text, percentages checked to lie in 0–100, unknown
    columns reported, EPCI absent from `current_epci` reported and kept out of the facts."""
    path = Path(path)
    name = path.name
    errors: list[Finding] = []
    warnings: list[Finding] = []

    def refused(findings: list[Finding], **kwargs) -> InseeResult:
        return InseeResult(facts=empty_facts(), findings=findings, warnings=warnings, income_year=None,
                           level=LEVEL_EPCI, unmatched=[], file=name, **kwargs)

    if not path.is_file():
        return refused([Finding(name, "fichier introuvable ou illisible")])
    try:
        sheets = xlsx_sheet_names(path)
    except Exception as exc:  # noqa: BLE001 — any reader failure is the user's file
        return refused([Finding(name, f"classeur illisible (attendu un fichier .xlsx) : {unreadable_reason(exc)}")])
    sheet = next((s for s in sheets if normalise(s) == DATA_SHEET), None)
    if sheet is None:
        return refused([Finding(name, f"feuille « {DATA_SHEET} » introuvable (feuilles présentes : "
                                f"{', '.join(sheets)})")])
    try:
        read = read_xlsx_sheet(path, sheet)
    except Exception as exc:  # noqa: BLE001
        return refused([Finding(name, f"feuille illisible : {unreadable_reason(exc)}", sheet=sheet)])
    rows = rows_from_sheet(read)
    # The reader's type of each cell (line as the spreadsheet numbers it, 0-based column): a percentage-formatted
    # number, a date… The one cell parser reads a percentage cell as the percent for a rate and refuses it elsewhere.
    kinds = read.types.to_numpy(dtype=object) if read.types is not None else None

    def kind(line: int, j: int) -> str:
        return str(kinds[line - 1, j] or "") if kinds is not None and j < kinds.shape[1] else ""
    rows = [(n, cells) for n, cells in rows if any(_text(c) for c in cells)]
    header_at = next((i for i, (_, cells) in enumerate(rows[:_HEADER_SCAN_ROWS])
                      if any(normalise(c) in _SIREN_KEYS for c in cells)), None)
    if header_at is None:
        return refused([Finding(name, "en-tête introuvable : la première ligne doit contenir « siren_epci », "
                                "« nom_epci », « annee » puis les codes des indicateurs", sheet=sheet)])
    header_row, header = rows[header_at]
    data_rows = rows[header_at + 1:]

    catalogue = insee_catalogue_rows() if catalogue is None else catalogue
    by_code = {c.upper(): c for c in catalogue["code"]}
    by_label: dict[str, str] = {}
    for row in catalogue.itertuples():
        for text in [row.label, *[a for a in row.aliases.split("|") if a.strip()]]:
            by_label.setdefault(label_key(text)[0], row.code)
    units = dict(zip(catalogue["code"], catalogue["unit"]))

    siren_col = name_col = year_col = None
    columns: list[tuple[int, str, str]] = []  # (index, header text, indicator)
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for j, raw in enumerate(header):
        text = _text(raw)
        if not text:
            continue
        key = normalise(text)
        if siren_col is None and key in _SIREN_KEYS:
            siren_col = j
        elif name_col is None and key in _NAME_KEYS:
            name_col = j
        elif year_col is None and key in _YEAR_KEYS:
            year_col = j
        elif text.upper() in by_code or label_key(text)[0] in by_label:
            code = by_code.get(text.upper()) or by_label[label_key(text)[0]]
            if code in seen:
                errors.append(Finding(name, f"colonne en double : « {seen[code]} » et « {text} » désignent "
                                      f"{code}", sheet=sheet, row=header_row, column=text))
                continue
            seen[code] = text
            columns.append((j, text, code))
        else:
            unknown.append(text)
    if year_col is None:
        errors.append(Finding(name, "colonne « annee » introuvable", sheet=sheet, row=header_row))
    if not columns:
        errors.append(Finding(name, "aucune colonne d'indicateur reconnue (codes STAT-PAN-… de la feuille "
                              "« definitions »)", sheet=sheet, row=header_row))
    if unknown:
        warnings.append(Finding(name, f"{len(unknown)} colonne(s) inconnue(s), ignorée(s) : {listing(unknown)}",
                                sheet=sheet, row=header_row))
    if errors:
        return refused(errors, rows_read=len(data_rows), ignored_columns=unknown)

    siren_header = _text(header[siren_col])
    records: list[dict] = []
    first_row: dict[tuple[str, int], int] = {}
    row_of: dict[str, int] = {}
    names: dict[str, str] = {}
    years: Counter[int] = Counter()
    year_cells = parse_column(pd.Series([cells[year_col] if year_col < len(cells) else None
                                         for _, cells in data_rows], dtype=object),
                              pd.Series([kind(line, year_col) for line, _ in data_rows], dtype=object))
    kept: list[tuple[int, str, int, list[object]]] = []  # (line, SIREN, year, cells) of the rows accepted so far
    for k, (line, cells) in enumerate(data_rows):
        def cell(j: int) -> object:
            return cells[j] if j < len(cells) else None

        raw_siren = cell(siren_col)
        if not _text(raw_siren):
            errors.append(Finding(name, "SIREN de l'EPCI manquant", sheet=sheet, row=line, column=siren_header))
            continue
        level, siren, message = classify_code(raw_siren)
        if message or level != LEVEL_EPCI:
            errors.append(Finding(name, message or f"« {siren} » n'est pas un SIREN d'EPCI (9 chiffres)",
                                  sheet=sheet, row=line, column=siren_header))
            continue
        number = year_cells.values[k]
        if kind(line, year_col) == "p":  # Excel shows « 2020 % »: the cell holds 20,2, the year was not typed
            errors.append(Finding(name, f"année « {_text(cell(year_col)).replace('.', ',')} % » : cellule au "
                                  "format pourcentage (attendu AAAA, ex. 2020)", sheet=sheet, row=line,
                                  column=_text(header[year_col])))
            continue
        if year_cells.bad[k] and kind(line, year_col) in ("d", "b", "f", "e"):  # a date, a formula without value…
            errors.append(Finding(name, f"année {year_cells.why.iat[k]} (attendu AAAA, ex. 2020)", sheet=sheet,
                                  row=line, column=_text(header[year_col])))
            continue
        if (np.isnan(number) or year_cells.percent[k] or number != int(number)
                or not _YEAR_RANGE[0] <= number <= _YEAR_RANGE[1]):
            errors.append(Finding(name, f"année « {_text(cell(year_col))} » invalide (attendu AAAA, ex. 2020)",
                                  sheet=sheet, row=line, column=_text(header[year_col])))
            continue
        year = int(number)
        if (siren, year) in first_row:
            errors.append(Finding(name, f"EPCI {siren} en double pour {year} (déjà ligne "
                                  f"{first_row[(siren, year)]})", sheet=sheet, row=line, column=siren_header))
            continue
        first_row[(siren, year)] = line
        row_of.setdefault(siren, line)
        years[year] += 1
        if name_col is not None and _text(cell(name_col)):
            names[siren] = _text(cell(name_col))
        kept.append((line, siren, year, cells))

    # Values, column by column with the one cell parser: a rate column given as fractions is refused.
    for j, text, code in columns:
        parsed = parse_column(pd.Series([cells[j] if j < len(cells) else None for *_, cells in kept], dtype=object),
                              pd.Series([kind(line, j) for line, *_ in kept], dtype=object),
                              unit=units.get(code) or None)
        for i in np.flatnonzero(parsed.bad):
            errors.append(Finding(name, f"valeur illisible : {parsed.why.iat[i]} (attendu un nombre ou un marqueur "
                                  "s, nd, nc, so)", sheet=sheet, row=kept[i][0], column=text))
        for note in parsed.notes:
            errors.append(Finding(name, f"{note}.", sheet=sheet, row=header_row, column=text))
        out_of_range = (units.get(code) == "%") & ((parsed.values < 0) | (parsed.values > 100))
        for i in np.flatnonzero(out_of_range):
            errors.append(Finding(name, f"pourcentage {_text(kept[i][3][j])} hors de l'intervalle 0–100", sheet=sheet,
                                  row=kept[i][0], column=text))
        given = ~parsed.bad & ~out_of_range & (~np.isnan(parsed.values) | parsed.reason.notna().to_numpy())
        for i in np.flatnonzero(given):
            line, siren, year, _ = kept[i]
            records.append({
                "territory_level": LEVEL_EPCI, "territory_code": siren, "indicator": code, "period": year,
                "measure": "valeur", "value": float(parsed.values[i]), "missing_reason": parsed.reason.iat[i],
                "comment": None, "submitted_on": None, "source_sheet": sheet, "source_row": line,
            })
    records.sort(key=lambda r: r["source_row"])
    if errors:
        return refused(errors, rows_read=len(data_rows), ignored_columns=unknown)
    if not first_row:
        warnings.append(Finding(name, "aucune ligne de données sous l'en-tête", sheet=sheet, row=header_row))

    facts = facts_frame(records)

    unmatched: list[str] = []
    unmatched_facts = empty_facts()
    if current_epci is not None:
        current = {str(c) for c in current_epci}
        unmatched = [s for s in row_of if s not in current]
        for siren in unmatched:
            label = f" « {names[siren]} »" if siren in names else ""
            warnings.append(Finding(name, f"EPCI {siren}{label} {describe_unmatched(siren, current)} : ses valeurs "
                                    "ne sont pas importées", sheet=sheet, row=row_of[siren], column=siren_header))
        mask = facts["territory_code"].isin(unmatched)
        unmatched_facts = facts[mask].reset_index(drop=True)
        facts = facts[~mask].reset_index(drop=True)

    return InseeResult(
        facts=facts, findings=[], warnings=warnings,
        income_year=years.most_common(1)[0][0] if years else None, level=LEVEL_EPCI, unmatched=unmatched,
        file=name, unmatched_facts=unmatched_facts, ignored_columns=unknown, header_format="codes",
        rows_read=len(data_rows),
    )


def main(argv: list[str] | None = None) -> None:
    """`python -m levier.ingest.panorama modele|exemple [CHEMIN]` regenerates the committed workbooks."""
    parser = argparse.ArgumentParser(description="Classeurs du panorama territorial de la pauvreté")
    parser.add_argument("quoi", choices=["modele", "exemple"])
    parser.add_argument("chemin", nargs="?", type=Path)
    args = parser.parse_args(argv)
    if args.quoi == "modele":
        out = write_template(args.chemin or TEMPLATE_PATH)
    else:
        out = write_example(args.chemin or EXAMPLE_PATH)
    print(out)


if __name__ == "__main__":
    main()


def template_bytes() -> bytes:
    """The blank panorama workbook users download from the Import page."""
    if not TEMPLATE_PATH.exists():
        write_template(TEMPLATE_PATH)
    return TEMPLATE_PATH.read_bytes()
