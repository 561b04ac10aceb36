"""The panel file of `levier evaluation --panel` (an outcome per territory and year, and each territory's signing
year), read by the one reader and the one cell parser, so that « 5.412 » or « 12,3 % » means here what it means in
every other import."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from levier.core.config import settings
from levier.ingest.cells import parse_column
from levier.ingest.readers import UnreadableFile, read_workbook

PANEL_COLUMNS = ("territoire", "annee", "valeur", "annee_traitement")


class PanelError(ValueError):
    """A panel file that cannot be read; the message (French) names the file, the sheet, the line and the column."""


def _year(text: str, kind: str, where: str) -> int:
    """A year cell: four digits (a spreadsheet's number 2021 included), within 1900–2100."""
    if kind not in ("", "s", "n") or not text.isdigit():
        raise PanelError(f"{where} : « {text} » n'est pas une année (quatre chiffres, ex. 2021).")
    year = int(text)
    if not 1900 <= year <= 2100:
        raise PanelError(f"{where} : année « {text} » hors de 1900–2100.")
    return year


def read_panel(data: bytes, name: str) -> tuple[pd.DataFrame, dict[str, float]]:
    """Reads a panel (CSV, `,` or `;` separated, or the first visible sheet of an xlsx workbook) with columns
    territoire, annee, valeur, annee_traitement under a header line; annee_traitement empty for a territory never
    treated; territory codes kept as text; values as every import reads them (levier.ingest.cells), a missing-value
    marker or an empty cell being no value. Returns (panel: unit, year, y; cohort: unit → signing year or NaN).
    Raises PanelError naming the file, sheet, line and column of the first problem, in the order of the lines."""
    try:
        book = read_workbook(data, name, settings().max_file_bytes)
    except UnreadableFile as exc:
        raise PanelError(str(exc)) from None
    if not book.sheets:
        raise PanelError(f"Fichier « {name} » : aucune feuille visible.")
    sheet = book.sheets[0]
    place = f"Fichier « {name} »" + (f", feuille « {sheet.name} »" if sheet.name else "")
    cells = sheet.cells.astype(str)
    types = sheet.types if sheet.types is not None else pd.DataFrame("", index=cells.index, columns=cells.columns)
    filled = cells.apply(lambda col: col.str.strip().ne("")).any(axis=1).to_numpy()
    if not filled.any():
        raise PanelError(f"{place} : vide ou sans ligne d'en-tête.")
    h = int(np.argmax(filled))
    header = [str(c).strip().lstrip("\ufeff").lower() for c in cells.iloc[h]]
    missing = [c for c in PANEL_COLUMNS if c not in header]
    if missing:
        raise PanelError(f"{place}, ligne {h + 1} (en-tête) : colonne(s) {', '.join(f'« {c} »' for c in missing)} "
                         f"absente(s) ; colonnes attendues : {', '.join(PANEL_COLUMNS)} (séparateur « , » ou « ; »).")
    pos = {c: header.index(c) for c in PANEL_COLUMNS}
    body = [i for i in range(h + 1, len(cells)) if filled[i]]
    if not body:
        raise PanelError(f"{place} : aucune ligne de données après l'en-tête.")
    text = {c: cells.iloc[body, pos[c]].str.strip().reset_index(drop=True) for c in PANEL_COLUMNS}
    kind = {c: types.iloc[body, pos[c]].fillna("").astype(str).reset_index(drop=True) for c in PANEL_COLUMNS}
    # The outcome column parsed as a whole: its other cells settle « 5.412 » (thousands or decimals) as in any import.
    parsed = parse_column(text["valeur"], kind["valeur"] if sheet.types is not None else None)
    records, cohort, first_line, seen = [], {}, {}, {}
    for k, i in enumerate(body):
        number = i + 1

        def where(column: str) -> str:
            return f"{place}, ligne {number}, colonne « {column} »"

        unit = text["territoire"][k]
        if not unit:
            raise PanelError(f"{where('territoire')} : code de territoire vide.")
        year = _year(text["annee"][k], kind["annee"][k], where("annee"))
        if parsed.bad[k]:
            raise PanelError(f"{where('valeur')} : {parsed.why[k]}.")
        value = float(parsed.values[k])
        g_text = text["annee_traitement"][k]
        g = math.nan if g_text == "" else float(_year(g_text, kind["annee_traitement"][k], where("annee_traitement")))
        if unit in cohort and not (cohort[unit] == g or (math.isnan(cohort[unit]) and math.isnan(g))):
            raise PanelError(f"{where('annee_traitement')} : le territoire « {unit} » a une autre année de traitement "
                             f"à la ligne {first_line[unit]} ; elle doit être la même sur toutes ses lignes.")
        cohort.setdefault(unit, g)
        first_line.setdefault(unit, number)
        if (unit, year) in seen:
            raise PanelError(f"{where('annee')} : le territoire « {unit} » a déjà une ligne pour {year} (ligne "
                             f"{seen[(unit, year)]}).")
        seen[(unit, year)] = number
        records.append((unit, year, value))
    return pd.DataFrame(records, columns=["unit", "year", "y"]), cohort
