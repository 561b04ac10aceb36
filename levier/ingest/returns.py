"""Import of indicator returns (long and grille layouts, CSV and xlsx): validate everything, then write all or nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from levier.core.config import settings
from levier.store.db import Database, Query, Writer
from levier.ingest.cells import ParsedColumn, fraction_note, parse_column
from levier.ingest.readers import Sheet, UnreadableFile, Workbook, column_letter, date_cell_year, read_workbook
from levier.ingest.journal import finish_import, now
from levier.ingest import plausibility
from levier.ingest.report import Finding, Findings, ImportReport, row_findings
from levier.core.text import normalise

KIND_RETURNS = "retours"
FACT_COLUMNS = [
    "territory_level",
    "territory_code",
    "indicator",
    "period",
    "measure",
    "value",
    "missing_reason",
    "comment",
    "submitted_on",
    "source_sheet",
    "source_row",
]
COUNT_UNITS = {"personnes", "nombre", "€", "jours", "minutes"}

# Long-format headers, compared after normalise(); the first name is the canonical one shown in messages.
LONG_COLUMNS: dict[str, tuple[str, ...]] = {
    "territoire": ("territoire", "code territoire", "departement", "code departement", "dep", "code dep"),
    "indicateur": ("indicateur", "code indicateur"),
    "periode": ("periode", "annee", "annee de reference"),
    "valeur": ("valeur", "value"),
    "cible": ("cible", "valeur cible", "objectif"),
    "annee_cible": ("annee cible", "annee_cible", "echeance cible"),
    "commentaire": ("commentaire", "commentaires", "observations"),
    "date_transmission": ("date transmission", "date de transmission", "date d envoi", "date_transmission"),
}
REQUIRED_LONG = ("territoire", "indicateur", "periode", "valeur")
_HEADER_LOOKUP = {normalise(alias): canon for canon, aliases in LONG_COLUMNS.items() for alias in aliases}

GRILLE_TERRITORY_LABELS = {normalise(x) for x in ("territoire", "departement", "code territoire", "code departement", "metropole")}
GRILLE_DATE_LABELS = {normalise(x) for x in ("date de transmission", "date transmission", "date d'envoi")}
GRILLE_CODE_HEADERS = {"code", "code indicateur"}
GRILLE_LABEL_HEADERS = {"indicateur", "libelle", "intitule", "libelle indicateur"}
_YEAR = re.compile(r"^(19|20)\d{2}(\.0+)?$")
# A year header with a note: « 2021 (provisoire) », « 2021 p », « 2021* », « 2021 - estimé »; read as the year, with
# a warning naming the cell.
_YEAR_NOTE = re.compile(r"^((?:19|20)\d{2})(?:\s*\*+|\s*\([^()]{1,40}\)|\s*[-–:]?\s*[^\W\d_][\w.’' ]{0,29})$")
# Words that make a year header another column (a target, a change), never the values of that year.
_NOT_A_NOTE = re.compile(r"\b(cible|objectif|target|ecart|evolution|variation|total|moyenne|vs)\b")
_SHEET_CODE = re.compile(r"(?<![0-9A-Za-z])(2A|2B|97[1-6]|\d{9}|\d{2})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class ImportContext:
    """What validation needs from the store, read once per import (or once for a batch)."""

    territories: dict[str, str]  # code -> level ('departement' | 'epci')
    indicators: pd.DataFrame  # indexed by code
    labels: dict[str, str]  # normalised code/label/alias -> code
    years: dict[str, tuple[int, int]]
    ratios: list[tuple[str, str, str]]  # (ratio code, numerator, denominator)
    # Plausibility (docs/formats.md « Règles de plausibilité »): inhabitants per territory code (None: parsing
    # without a store, the per-inhabitant bound is skipped), years after a programme's last one a target may fall.
    populations: dict[str, float] | None = None
    target_margins: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, db: Database) -> ImportContext:
        with db.reader() as r:
            terr = r.df(Query.IMPORT_CONTEXT_TERRITORIES)
            ind = r.df(Query.IMPORT_CONTEXT_INDICATORS)
            prog = r.df(Query.PROGRAMME_YEARS)
            pop = r.df(Query.IMPORT_CONTEXT_POPULATIONS)
        ind = ind.set_index("code", drop=False)
        labels: dict[str, str] = {}
        for code, label, aliases in zip(ind["code"], ind["label"], ind["aliases"].fillna("")):
            labels[normalise(code)] = code
            labels.setdefault(normalise(label), code)
            for alias in str(aliases).split("|"):
                if alias.strip():
                    labels.setdefault(normalise(alias), code)
        ratios = [
            (c, n, d)
            for c, n, d in zip(ind["code"], ind["numerator"], ind["denominator"])
            if isinstance(n, str) and n and isinstance(d, str) and d
        ]
        return cls(
            territories=dict(zip(terr["code"], terr["level"])),
            indicators=ind,
            labels=labels,
            years={c: (int(a), int(b)) for c, a, b in zip(prog["code"], prog["first_year"], prog["last_year"])},
            ratios=ratios,
            populations={c: float(p) for c, p in zip(pop["code"], pop["population"])},
            target_margins={c: int(m) for c, m in zip(prog["code"], prog["target_margin"].fillna(0))},
        )


@dataclass
class ParsedFile:
    facts: pd.DataFrame
    errors: list[Finding]
    warnings: list[Finding]
    file_format: str | None
    rows_read: int


# ---------------------------------------------------------------------------------------------------------------
# Layout detection: every layout is first turned into one "raw long" frame, validated by one function.
# raw columns: territory, indicator, period, value, target, target_year, comment, date, sheet, row,
#              c_territory, c_indicator, c_period, c_value (column names for messages),
#              value_type, target_type (cell types from levier.ingest.readers: 'n', 'p', 'f', …; '' for a CSV)
# ---------------------------------------------------------------------------------------------------------------


def _first_nonblank_row(cells: pd.DataFrame) -> int | None:
    nonblank = cells.apply(lambda col: col.str.strip().ne("")).any(axis=1)
    idx = np.flatnonzero(nonblank.to_numpy())
    return int(idx[0]) if len(idx) else None


def _long_header(cells: pd.DataFrame) -> tuple[int, dict[str, int]] | None:
    h = _first_nonblank_row(cells)
    if h is None:
        return None
    mapping: dict[str, int] = {}
    for j, cell in enumerate(cells.iloc[h]):
        canon = _HEADER_LOOKUP.get(normalise(cell))
        if canon and canon not in mapping:
            mapping[canon] = j
    if all(k in mapping for k in REQUIRED_LONG):
        return h, mapping
    return None


def _raw_from_long(sheet: Sheet, h: int, mapping: dict[str, int]) -> pd.DataFrame:
    body = sheet.cells.iloc[h + 1 :]
    header = sheet.cells.iloc[h]

    def col(name: str) -> pd.Series:
        j = mapping.get(name)
        return body[body.columns[j]].str.strip() if j is not None else pd.Series("", index=body.index)

    def kind(name: str) -> pd.Series:
        """The cell types of a column (levier.ingest.readers.Sheet.types): '' for a CSV or an absent column."""
        j = mapping.get(name)
        if j is None or sheet.types is None:
            return pd.Series("", index=body.index)
        return sheet.types.iloc[h + 1 :, j]

    raw = pd.DataFrame(
        {
            "territory": col("territoire"),
            "indicator": col("indicateur"),
            "period": col("periode"),
            "value": col("valeur"),
            "target": col("cible"),
            "target_year": col("annee_cible"),
            "comment": col("commentaire"),
            "date": col("date_transmission"),
            "value_type": kind("valeur"),
            "target_type": kind("cible"),
        }
    )
    raw["sheet"] = sheet.name
    raw["row"] = body.index.to_numpy() + 1
    for key, canon in (("c_territory", "territoire"), ("c_indicator", "indicateur"), ("c_period", "periode"), ("c_value", "valeur")):
        raw[key] = str(header.iloc[mapping[canon]]).strip()
    raw["c_target"] = str(header.iloc[mapping["cible"]]).strip() if "cible" in mapping else "cible"
    blank = raw[["territory", "indicator", "period", "value", "target"]].eq("").all(axis=1)
    return raw[~blank]


def _header_year(text: str, kind: str = "") -> tuple[int | None, bool]:
    """(year, read with a note) of a grille header cell: « 2021 », the number 2021, « 2021 (provisoire) », « 2021 p »,
    « 2021* », or a date-typed cell (2022-01-01, the year kept); (None, False) for anything else."""
    text = str(text).strip()
    if _YEAR.match(text):
        return int(text[:4]), False
    if (dated := date_cell_year(text, kind)) is not None:
        return dated, True
    if (m := _YEAR_NOTE.match(text)) is not None and not _NOT_A_NOTE.search(normalise(text)):
        return int(m.group(1)), True
    return None, False


def _grille_header(cells: pd.DataFrame, types: pd.DataFrame | None = None
                   ) -> tuple[int, int | None, int | None, list[int]] | None:
    """Row of the table header, its code column, its label column and its year columns."""
    norm = cells.iloc[:60].map(normalise)
    for i in range(min(len(cells), 60)):
        row = norm.iloc[i]
        code_col = next((j for j, v in enumerate(row) if v in GRILLE_CODE_HEADERS), None)
        label_col = next((j for j, v in enumerate(row) if v in GRILLE_LABEL_HEADERS), None)
        kinds = types.iloc[i].tolist() if types is not None else [""] * cells.shape[1]
        years = [j for j, (v, k) in enumerate(zip(cells.iloc[i], kinds))
                 if j not in (code_col, label_col) and _header_year(v, k)[0] is not None]
        if (code_col is not None or label_col is not None) and years:
            return i, code_col, label_col, years
    return None


def _grille_meta(cells: pd.DataFrame, header_row: int) -> tuple[tuple[str, int, str] | None, tuple[str, int, str] | None]:
    """(territory value, row, column label) and (date value, row, column label) from the block above the table."""
    territory = date = None
    for i in range(header_row):
        row = [str(v).strip() for v in cells.iloc[i]]
        for j, v in enumerate(row):
            n = normalise(v)
            if n in GRILLE_TERRITORY_LABELS or n in GRILLE_DATE_LABELS:
                value = next((x for x in row[j + 1 :] if x), "")
                if n in GRILLE_TERRITORY_LABELS and territory is None:
                    territory = (value, i + 1, v)
                elif n in GRILLE_DATE_LABELS and date is None:
                    date = (value, i + 1, v)
    return territory, date


def _raw_from_grille(sheet: Sheet, header, file_name: str, errors: list[Finding],
                     warnings: list[Finding] | None = None) -> pd.DataFrame | None:
    cells = sheet.cells
    h, code_col, label_col, year_cols = header
    terr, date = _grille_meta(cells, h)
    territory = terr[0] if terr and terr[0] else None
    if territory is None:
        codes = list(dict.fromkeys(_SHEET_CODE.findall(sheet.name or "")))
        if len(codes) > 1:
            errors.append(Finding(
                file_name, f"le nom de la feuille contient plusieurs codes de territoire ({', '.join(codes)}) : "
                "indiquez le code dans une cellule « Territoire » au-dessus du tableau, ou renommez la feuille "
                "avec un seul code.", sheet.name, 1, None))
            return None
        territory = codes[0] if codes else None
    if territory is None:
        errors.append(
            Finding(file_name, "territoire introuvable : indiquez son code dans le nom de la feuille "
                    "ou dans une cellule « Territoire » au-dessus du tableau.", sheet.name, 1, None)
        )
        return None
    kinds = sheet.types.iloc[h].tolist() if sheet.types is not None else [""] * cells.shape[1]
    years: dict[int, str] = {}
    for j in year_cols:
        year, noted = _header_year(cells.iat[h, j], kinds[j])
        years[j] = str(year)
        if noted and warnings is not None:
            shown = cells.iat[h, j].split(" ")[0] if kinds[j] == "d" else cells.iat[h, j].strip()
            warnings.append(Finding(
                file_name, f"en-tête « {shown} » (cellule {column_letter(j)}{h + 1}"
                f"{', au format date' if kinds[j] == 'd' else ''}) lu comme l'année {year}.",
                sheet.name, h + 1, column_letter(j)))
    merged = _merged_values(sheet, h, code_col, label_col, year_cols)
    if merged:
        for r1, c1, r2, c2 in merged:
            errors.append(Finding(
                file_name, f"valeur fusionnée sur {column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1} : une "
                "cellule fusionnée ne dit pas à quelle année (ou à quel indicateur) va la valeur ; défusionnez et "
                "écrivez la valeur dans chaque cellule concernée.", sheet.name, r1 + 1, column_letter(c1)))
        return None
    body = cells.iloc[h + 1 :]
    codes = body[code_col].str.strip() if code_col is not None else pd.Series("", index=body.index)
    labels = body[label_col].str.strip() if label_col is not None else pd.Series("", index=body.index)
    ident = codes.where(codes.ne(""), labels)
    frames = []
    for j in year_cols:
        year = years[j]
        values = body[j].str.strip()
        value_types = sheet.types.iloc[h + 1 :, j] if sheet.types is not None else ""
        frames.append(
            pd.DataFrame(
                {
                    "indicator": ident,
                    "label": labels,
                    "period": year,
                    "value": values,
                    "value_type": value_types,
                    "row": body.index.to_numpy() + 1,
                    "c_value": year,
                }
            )
        )
    raw = pd.concat(frames, ignore_index=True)
    raw["territory"] = territory
    raw["target"] = ""
    raw["target_type"] = ""
    raw["target_year"] = ""
    raw["comment"] = ""
    raw["date"] = date[0] if date else ""
    raw["sheet"] = sheet.name
    raw["c_territory"] = "territoire (nom de la feuille ou cellule « Territoire »)"
    raw["c_indicator"] = "Code" if code_col is not None else "Indicateur"
    raw["c_period"] = "année (en-tête)"
    raw["c_target"] = "cible"
    # A blank cell is no value transmitted; section titles and blank lines have only blank cells.
    raw = raw[raw["value"].ne("")]
    return raw


def _merged_values(sheet: Sheet, h: int, code_col: int | None, label_col: int | None,
                   year_cols: list[int]) -> list[tuple[int, int, int, int]]:
    """Merged ranges in the value area whose first cell is a value (a year column below the header) and that cover
    more than one value cell. A section title merged across the row starts in the label column: not a value."""
    years = set(year_cols)
    found = []
    for r1, c1, r2, c2 in sheet.merged:
        if r1 <= h or c1 not in years or (r1 == r2 and c1 == c2):
            continue
        if r2 > r1 or any(c in years for c in range(c1 + 1, c2 + 1)):
            if r1 < len(sheet.cells) and str(sheet.cells.iat[r1, c1]).strip():
                found.append((r1, c1, r2, c2))
    return found


def _to_raw(sheets: list[Sheet], file_name: str, errors: list[Finding], warnings: list[Finding]) -> tuple[pd.DataFrame | None, str | None]:
    if not sheets:
        errors.append(Finding(file_name, "le classeur ne contient aucune feuille."))
        return None, None
    preferred = [s for s in sheets if normalise(s.name or "") == "retours"] or sheets[:1]
    long_header = _long_header(preferred[0].cells)
    if long_header is not None:
        return _raw_from_long(preferred[0], *long_header), "long"
    frames = []
    for sheet in sheets:
        header = _grille_header(sheet.cells, sheet.types)
        if header is None:
            if _first_nonblank_row(sheet.cells) is not None and len(sheets) > 1:
                warnings.append(Finding(file_name, "feuille sans tableau d'indicateurs reconnu : ignorée.", sheet.name))
            continue
        raw = _raw_from_grille(sheet, header, file_name, errors, warnings)
        if raw is not None:
            frames.append(raw)
    if frames:
        return pd.concat(frames, ignore_index=True), "grille"
    if not errors:
        first = _first_nonblank_row(preferred[0].cells)
        if first is None:
            errors.append(Finding(file_name, "le fichier ne contient aucune donnée.", preferred[0].name))
        else:
            errors.append(
                Finding(
                    file_name,
                    "mise en page non reconnue : ni format long (colonnes territoire, indicateur, periode, valeur) "
                    "ni format grille (ligne d'en-tête « Code » ou « Indicateur » suivie d'années). "
                    "Voir docs/formats.md.",
                    preferred[0].name,
                    first + 1,
                )
            )
    return None, None


# ---------------------------------------------------------------------------------------------------------------
# Validation: one vectorised pass, Finding objects only for the rows at fault.
# ---------------------------------------------------------------------------------------------------------------


def _findings(raw: pd.DataFrame, mask, file_name: str, column: str, make_message, rule: str | None = None) -> Findings:
    """The rows flagged in `mask` as findings (report.row_findings: the first FINDINGS_KEPT built, the rest counted)."""
    return row_findings(raw, mask, file_name, column, make_message, rule)


def _fmt(x: float) -> str:
    return f"{x:,.10g}".replace(",", "\u00a0").replace(".", ",")


def _on_uniques(series: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """fn applied to each distinct value once, spread back over the rows (a file repeats its years, codes, dates)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    done = fn(pd.Series(uniques, dtype=series.dtype)).to_numpy()
    return pd.Series(done[codes], index=series.index, name=series.name)


class _ByIndicator:
    """Catalogue columns for every row of the file (`info['unit']`), each spread over the rows on first use only:
    the catalogue has many columns and a national file hundreds of thousands of rows."""

    def __init__(self, catalogue: pd.DataFrame, code: pd.Series) -> None:
        self._catalogue = catalogue
        self._codes, self._uniques = pd.factorize(code.fillna(""))
        self._index = code.index
        self._columns: dict[str, pd.Series] = {}

    def __getitem__(self, column: str) -> pd.Series:
        if column not in self._columns:
            per_code = self._catalogue[column].reindex(self._uniques).to_numpy(dtype=object)
            self._columns[column] = pd.Series(per_code[self._codes] if len(per_code) else per_code[:0],
                                              index=self._index, name=column, dtype=object)
        return self._columns[column]


def _fraction_findings(raw: pd.DataFrame, parsed: ParsedColumn, rate: np.ndarray, file_name: str, column: str,
                       prefix: str) -> list[Finding]:
    """One error per sheet and percent indicator whose values all look like fractions (0,123 for 12,3 %): a single
    value suffices; the error is placed on its first value not marked as a percentage (in a grid, beside cells of
    the same row that are)."""
    rows = np.flatnonzero(rate & ~np.isnan(parsed.values))
    if not len(rows):
        return []
    found = []
    sub = raw.iloc[rows]
    for (_, code), group in pd.Series(rows, index=sub.index).groupby([sub["sheet"].fillna(""), sub["code"]]):
        at = group.to_numpy()
        note = fraction_note(parsed.values[at], parsed.percent[at])
        if note:
            first = raw.iloc[at[~parsed.percent[at]][0]]
            found.append(Finding(file_name, f"{prefix}indicateur {code} : {note}.", first["sheet"], int(first["row"]),
                                 str(first[column]) if column in raw.columns else column))
    return found


def _parse_dates(raw_dates: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Transmission dates, each distinct text parsed once; the second array flags the texts that are no date."""
    codes, uniques = pd.factorize(raw_dates, use_na_sentinel=False)
    distinct = pd.Series(uniques, dtype=raw_dates.dtype)
    parsed = _parse_distinct_dates(distinct)
    bad = (distinct.str.strip().ne("") & parsed.isna()).to_numpy(dtype=bool)
    return pd.Series(parsed.to_numpy()[codes], index=raw_dates.index, dtype=object), bad[codes]


def _parse_distinct_dates(raw_dates: pd.Series) -> pd.Series:
    s = raw_dates.str.strip()
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    fr = pd.to_datetime(s, format="%d/%m/%Y", errors="coerce")
    excel_dt = pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    parsed = iso.fillna(fr).fillna(excel_dt)
    return parsed.dt.date.where(parsed.notna(), None).astype(object)


def _match_labels(labels: pd.Series, ctx: ImportContext) -> pd.Series:
    """Grid labels to codes; each distinct label is normalised once (a file repeats them for every year)."""
    uniques = labels.dropna().unique()
    lookup = {u: ctx.labels.get(normalise(u)) for u in uniques}
    return labels.map(lookup)


def _indicator_codes(raw: pd.DataFrame, ctx: ImportContext) -> pd.Series:
    """Indicators by code, or by the grid's label once accents, case and spaces are set aside (NaN: unknown)."""
    ident = raw["indicator"].astype(str)
    upper = ident.str.upper()
    code = upper.where(upper.isin(ctx.indicators.index))
    code = code.fillna(_match_labels(ident[code.isna()], ctx))
    if "label" in raw.columns:
        code = code.fillna(_match_labels(raw["label"][code.isna()], ctx))
    return code


# Every column a row's content is read from: two rows equal on all of them say exactly the same thing.
_CONTENT = ("territory", "indicator", "label", "period", "value", "target", "target_year", "comment", "date",
            "value_type", "target_type")


def _split_copies(raw: pd.DataFrame, ctx: ImportContext, file_name: str) -> tuple[pd.DataFrame, Findings]:
    """Rows that repeat an earlier row cell for cell (a block pasted twice, a file of copies) are doublons without
    being validated again: validation runs on the first of each, and every copy is one « doublon » error naming
    that first row. A file of 700,000 copies of one row is then checked once, not 700,000 times."""
    columns = [c for c in _CONTENT if c in raw.columns]
    if len(raw) < 2 or not columns:
        return raw, Findings()
    # One integer per distinct row, factorised again after each column so that it never overflows.
    key = np.zeros(len(raw), dtype=np.int64)
    for c in columns:
        codes, uniques = pd.factorize(raw[c], use_na_sentinel=False)
        key = pd.factorize(key * (len(uniques) + 1) + codes)[0].astype(np.int64)
    has_value = raw["value"].ne("").to_numpy()
    repeated = pd.Series(key).duplicated(keep="first").to_numpy()
    copy = repeated & has_value
    if not copy.any():
        return raw, Findings()
    # Every copy says what its first row says: one message per group, built from that row (a few rows, not 700,000).
    group = pd.factorize(key)[0]
    copied = np.zeros(int(group.max()) + 1, dtype=bool)
    copied[group[copy]] = True
    first = ~repeated & copied[group]
    firsts = raw[first]
    territory = firsts["territory"].str.strip().str.upper()
    code = _indicator_codes(firsts, ctx)
    messages = {
        g: f"doublon : {t} / {c if isinstance(c, str) else i} / {p} figure déjà ligne {int(r)}."
        for g, t, c, i, p, r in zip(group[first], territory, code, firsts["indicator"], firsts["period"], firsts["row"])
    }
    found = _findings(raw.assign(_group=group), copy, file_name, "c_indicator", lambda r: messages[r["_group"]],
                      rule="doublon")
    return raw[~copy], found


def validate(raw: pd.DataFrame, ctx: ImportContext, file_name: str, file_format: str) -> tuple[pd.DataFrame, list[Finding]]:
    errors = Findings()
    raw = raw.reset_index(drop=True)  # copy-on-write (pandas 3): the caller's frame is not changed, nor copied

    # Territories: codes are text; '1' for '01' is the classic spreadsheet accident, said plainly.
    terr = raw["territory"].str.strip().str.upper()
    raw["territory"] = terr
    level = terr.map(ctx.territories)
    unknown_t = level.isna().to_numpy()
    errors += _findings(
        raw, unknown_t, file_name, "c_territory",
        lambda r: (
            f"code territoire « {r['territory']} » : le zéro initial a été perdu (un tableur l'a lu comme un nombre) ; "
            f"écrivez « {r['territory'].zfill(2)} »."
            if r["territory"].isdigit() and len(r["territory"]) < 2 and r["territory"].zfill(2) in ctx.territories
            else f"territoire inconnu « {r['territory']} » : attendu un code de département (01, 2A, 971…) "
            "ou le SIREN d'une métropole."
        ),
        rule="territoire",
    )

    code = _indicator_codes(raw, ctx)
    raw["code"] = code
    unknown_i = code.isna().to_numpy()
    errors += _findings(
        raw, unknown_i, file_name, "c_indicator",
        lambda r: f"indicateur inconnu « {r['indicator']} » (ni code ni libellé du catalogue).",
        rule="indicateur",
    )
    known = ~unknown_i
    info = _ByIndicator(ctx.indicators, code)
    derived = (info["numerator"].fillna("").ne("") & info["denominator"].fillna("").ne("")).to_numpy()
    filled = raw["value"].ne("").to_numpy() | raw["target"].ne("").to_numpy()
    errors += _findings(
        raw, known & derived & filled, file_name, "c_indicator",
        lambda r: f"l'indicateur « {r['code']} » est un ratio calculé par Levier à partir de son numérateur et de son "
        "dénominateur : ne le saisissez pas.",
        rule="ratio saisi",
    )

    # Periods: a year, within the programme's years.
    period_txt = _on_uniques(raw["period"], lambda p: p.str.strip().str.replace(r"\.0+$", "", regex=True))
    year_ok = _on_uniques(period_txt, lambda p: p.str.fullmatch(r"(19|20)\d{2}")).to_numpy(dtype=bool)
    errors += _findings(
        raw, ~year_ok, file_name, "c_period",
        lambda r: f"période « {r['period']} » invalide : attendu une année sur quatre chiffres (AAAA).",
        rule="periode",
    )
    period = _on_uniques(period_txt.where(year_ok, None), lambda p: pd.to_numeric(p, errors="coerce")).astype(float)
    prog = info["programme"]
    first = _on_uniques(prog, lambda p: p.map(lambda x: ctx.years.get(x, (1900, 2100))[0])).to_numpy(dtype=float)
    last = _on_uniques(prog, lambda p: p.map(lambda x: ctx.years.get(x, (1900, 2100))[1])).to_numpy(dtype=float)
    pvals = period.to_numpy(dtype=float)
    out_of_range = known & year_ok & ((pvals < first) | (pvals > last))
    errors += _findings(
        raw, out_of_range, file_name, "c_period",
        lambda r: (
            f"période {r['period']} hors des années du programme {ctx.indicators.at[r['code'], 'programme']} "
            f"({ctx.years[ctx.indicators.at[r['code'], 'programme']][0]}–{ctx.years[ctx.indicators.at[r['code'], 'programme']][1]})."
        ),
        rule="periode",
    )

    # Values: the one cell parser, told each row's catalogue unit (a count refuses « 12,3 % », a rate catches
    # fractions); raw carries the cells' types as `value_type` / `target_type` when the reader gave them.
    unit = info["unit"].fillna("").to_numpy()
    row_unit = pd.Series(np.where(known, unit, None), index=raw.index, dtype=object)
    parsed = parse_column(raw["value"], raw.get("value_type"), unit=row_unit)
    values, reasons, bad = parsed.values, parsed.reason, parsed.bad
    errors += _findings(raw, bad, file_name, "c_value", lambda r: f"{parsed.why.at[r.name]}.")
    errors += _fraction_findings(raw, parsed, known & (unit == "%"), file_name, "c_value", "")
    is_count = np.isin(unit, list(COUNT_UNITS))
    errors += _findings(
        raw, known & is_count & (values < 0), file_name, "c_value",
        lambda r: f"valeur négative ({r['value']}) pour un effectif ou un montant.",
    )
    errors += _findings(
        raw, known & (unit == "%") & ((values < 0) | (values > 100)), file_name, "c_value",
        lambda r: f"pourcentage hors de 0–100 ({r['value']}).",
    )
    raw["num"] = values
    raw["reason"] = reasons

    # Targets (long format only): a value and the year it is due.
    t_parsed = parse_column(raw["target"], raw.get("target_type"), unit=row_unit)
    t_values, t_reasons, t_bad = t_parsed.values, t_parsed.reason, t_parsed.bad
    errors += _findings(raw, t_bad, file_name, "c_target", lambda r: f"cible {t_parsed.why.at[r.name]}.")
    errors += _fraction_findings(raw, t_parsed, known & (unit == "%"), file_name, "c_target", "cibles : ")
    errors += _findings(
        raw, known & is_count & (t_values < 0), file_name, "c_target", lambda r: f"cible négative ({r['target']})."
    )
    errors += _findings(
        raw, known & (unit == "%") & ((t_values < 0) | (t_values > 100)), file_name, "c_target",
        lambda r: f"cible hors de 0–100 % ({r['target']}).",
    )
    ty_txt = raw["target_year"].str.strip().str.replace(r"\.0+$", "", regex=True)
    ty_bad = ty_txt.ne("") & ~ty_txt.str.fullmatch(r"(19|20)\d{2}")
    errors += _findings(
        raw, ty_bad.to_numpy(), file_name, "annee_cible",
        lambda r: f"année de cible « {r['target_year']} » invalide (AAAA attendu).",
    )
    target_year = pd.to_numeric(ty_txt.where(~ty_bad & ty_txt.ne(""), None), errors="coerce")
    # A target falls within the programme's years, or up to the catalogue's margin after them (programmes.csv).
    margin = np.array([ctx.target_margins.get(p, 0) for p in prog], dtype=int)
    ty_vals = target_year.to_numpy(dtype=float)
    ty_out = known & ~np.isnan(ty_vals) & ((ty_vals < first) | (ty_vals > last + margin))
    raw["t_year"], raw["t_programme"], raw["t_range"] = ty_txt, prog, ""
    raw.loc[ty_out, "t_range"] = [f"{int(a)}–{int(b)}" + (f", cibles admises jusqu'en {int(b + m)}" if m else "")
                                  for a, b, m in zip(first[ty_out], last[ty_out], margin[ty_out])]
    errors += _findings(
        raw, ty_out, file_name, "annee_cible",
        lambda r: f"année de cible {r['t_year']} hors des années du programme {r['t_programme']} ({r['t_range']}) : "
        "une cible porte sur une année du programme.",
    )
    target_year = target_year.fillna(pd.Series(last, index=raw.index).where(known))

    dates, date_bad = _parse_dates(raw["date"])
    errors += _findings(
        raw, date_bad, file_name, "date_transmission",
        lambda r: f"date de transmission « {r['date']} » invalide (JJ/MM/AAAA ou AAAA-MM-JJ attendu).",
        rule="date",
    )

    # Duplicate keys inside the file (blank cells do not count: a grid may leave a year empty).
    # One integer per (territory, indicator, period): factorised codes, no string built per row.
    key = np.zeros(len(raw), dtype=np.int64)
    for part in (raw["territory"], raw["code"].fillna(raw["indicator"]), period_txt):
        codes, uniques = pd.factorize(part, use_na_sentinel=False)
        key = key * (len(uniques) + 1) + codes
    key = pd.Series(np.where(raw["value"].ne("").to_numpy(), key, -1), index=raw.index)
    raw["first_row"] = raw["row"].groupby(key).transform("min")
    dup = (key.ne(-1) & key.duplicated(keep="first")).to_numpy()
    errors += _findings(
        raw, dup, file_name, "c_indicator",
        lambda r: f"doublon : {r['territory']} / {r['code'] or r['indicator']} / {r['period']} "
        f"figure déjà ligne {int(r['first_row'])}.",
        rule="doublon",
    )

    facts = pd.DataFrame(
        {
            "territory_level": level,
            "territory_code": raw["territory"],
            "indicator": raw["code"],
            "period": period,
            "measure": "valeur",
            "value": values,
            "missing_reason": reasons,
            "comment": raw["comment"].where(raw["comment"].ne(""), None),
            "submitted_on": dates,
            "source_sheet": raw["sheet"],
            "source_row": raw["row"],
        }
    )
    facts = facts[raw["value"].ne("").to_numpy()]
    has_target = raw["target"].ne("").to_numpy()
    if has_target.any():
        targets = pd.DataFrame(
            {
                "territory_level": level[has_target],
                "territory_code": raw["territory"][has_target],
                "indicator": raw["code"][has_target],
                "period": target_year[has_target],
                "measure": "cible",
                "value": t_values[has_target],
                "missing_reason": t_reasons[has_target],
                "comment": None,
                "submitted_on": dates[has_target],
                "source_sheet": raw["sheet"][has_target],
                "source_row": raw["row"][has_target],
            }
        )
        facts = pd.concat([facts, targets], ignore_index=True)
    return facts, errors


def _ratio_findings(facts: pd.DataFrame, ctx: ImportContext, stored: pd.DataFrame, file_name: str) -> list[Finding]:
    """A sub-count above its total (e.g. oriented within a month > new entrants) is impossible.

    The total comes from the same file, or else from the stored current value."""
    if not ctx.ratios:
        return []
    pairs = pd.DataFrame(ctx.ratios, columns=["ratio", "num", "den"])[["num", "den"]].drop_duplicates()
    # Only the rows of a ratio's numerator or denominator matter: filtered first, no copy of a whole national file.
    involved = facts["indicator"].isin(set(pairs["num"]) | set(pairs["den"]))
    vals = facts[involved & (facts["measure"] == "valeur") & facts["value"].notna()]
    vals = vals.dropna(subset=["indicator", "period", "territory_level"])
    if vals.empty:
        return []
    key = ["territory_code", "period"]
    numerators = vals.merge(pairs, left_on="indicator", right_on="num")
    if numerators.empty:
        return []
    totals = vals[key + ["indicator", "value"]].drop_duplicates(key + ["indicator"])
    if len(stored):
        totals = pd.concat([totals, stored[key + ["indicator", "value"]]], ignore_index=True).drop_duplicates(key + ["indicator"])
    totals = totals.rename(columns={"indicator": "den", "value": "den_value"})
    checked = numerators.merge(totals, on=key + ["den"], how="inner")
    over = checked[checked["value"] > checked["den_value"]]
    return [
        Finding(
            file_name,
            f"{rec.indicator} ({_fmt(rec.value)}) dépasse son total {rec.den} ({_fmt(rec.den_value)}) pour "
            f"{rec.territory_code} en {int(rec.period)} : un sous-effectif ne peut excéder son total.",
            rec.source_sheet,
            int(rec.source_row),
            "valeur",
            "sous-effectif",
        )
        for rec in over.itertuples()
    ]


def parse_returns(data: bytes, file_name: str, ctx: ImportContext, db: Database | None = None, *,
                  workbook: Workbook | None = None) -> ParsedFile:
    """`workbook`: the file already read by read_workbook (detection reads it once for every importer)."""
    errors = Findings()
    warnings: list[Finding] = []
    try:
        book = workbook or read_workbook(data, file_name, settings().max_file_bytes)
    except UnreadableFile as exc:
        return ParsedFile(pd.DataFrame(columns=FACT_COLUMNS), [Finding(file_name, str(exc), exc.sheet, exc.row)], [],
                          None, 0)
    warnings += book.notes
    raw, file_format = _to_raw(book.sheets, file_name, errors, warnings)
    if raw is None:
        return ParsedFile(pd.DataFrame(columns=FACT_COLUMNS), errors, warnings, file_format, 0)
    rows_read = int(raw[["sheet", "row"]].drop_duplicates().shape[0])
    if raw.empty:
        errors.append(Finding(file_name, "le fichier ne contient aucune ligne de données sous l'en-tête."))
        return ParsedFile(pd.DataFrame(columns=FACT_COLUMNS), errors, warnings, file_format, 0)
    raw, copies = _split_copies(raw, ctx, file_name)
    errors += copies
    facts, found = validate(raw, ctx, file_name, file_format)
    errors += found
    # Sub-counts are checked even when other rows are wrong, so the report lists every error at once.
    present = set(facts["indicator"].dropna().unique())
    years = sorted({int(p) for p in facts["period"].dropna().unique()})
    dens = sorted({d for _, n, d in ctx.ratios if n in present})
    stored = (db.read(Query.STORED_VALUES_TO_CHECK, {"codes": dens, "periods": years})
              if (db is not None and dens and years) else pd.DataFrame())
    errors += _ratio_findings(facts, ctx, stored, file_name)
    # Plausibility (whole counts, bounds per inhabitant, growth): every rule comes from the catalogue. Growth
    # compares a value with the year before it.
    grows = plausibility.growth_codes(ctx.indicators, present)
    previous = (db.read(Query.STORED_VALUES_TO_CHECK, {"codes": grows, "periods": [y - 1 for y in years]})
                if (db is not None and grows and years) else None)
    found = plausibility.check(facts, ctx.indicators, ctx.populations, previous, file_name,
                               plausibility.value_columns(facts, raw))
    errors += found.errors
    warnings += found.warnings
    # A grid row at fault in several year columns is one error, not one per year.
    errors = errors.unique_sorted()
    if not errors and facts.empty:
        errors.append(Finding(file_name, "aucune valeur à importer : toutes les cellules de valeurs sont vides."))
    facts = facts.astype({"period": "int64"}) if not errors else facts
    return ParsedFile(facts[FACT_COLUMNS].reset_index(drop=True), errors, warnings, file_format, rows_read)


def facts_writer(facts: pd.DataFrame, demo: bool) -> Callable[[Writer, int], int]:
    """Appends the facts that are new or differ from the current value (history keeps the replaced ones)."""
    return lambda w, import_id: w.insert_facts(facts, import_id, now(), demo)


def write_facts(db: Database, facts: pd.DataFrame, report: ImportReport, data: bytes, *, started: datetime,
                imported_by: str | None, demo: bool, dry_run: bool = False) -> ImportReport:
    return finish_import(db, report, data, facts_writer(facts, demo), started=started, dry_run=dry_run,
                         demo=demo, imported_by=imported_by)


def import_returns(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    dry_run: bool = False,
    demo: bool = False,
    imported_by: str | None = None,
    ctx: ImportContext | None = None,
    workbook: Workbook | None = None,
) -> ImportReport:
    started = now()
    ctx = ctx or ImportContext.load(db)
    parsed = parse_returns(data, file_name, ctx, db, workbook=workbook)
    report = ImportReport(
        file=file_name,
        kind=KIND_RETURNS,
        file_format=parsed.file_format,
        rows_read=parsed.rows_read,
        rows_accepted=len(parsed.facts),
        errors=parsed.errors,
        warnings=parsed.warnings,
    )
    return write_facts(db, parsed.facts, report, data, started=started, imported_by=imported_by, demo=demo,
                       dry_run=dry_run)


def import_paths(db: Database, paths: Iterable[Path], **kwargs) -> list[ImportReport]:
    ctx = ImportContext.load(db)
    reports = []
    for path in paths:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            reports.append(ImportReport(file=path.name, kind=KIND_RETURNS, errors=[Finding(path.name, f"lecture impossible : {exc.strerror}")]))
            continue
        reports.append(import_returns(db, data, path.name, ctx=ctx, **kwargs))
    return reports
