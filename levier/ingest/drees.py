"""Reader for DREES per-département workbooks exactly as published (years or measures in columns), driven by the
profiles of data/profils/drees/ (docs/drees.md): territory codes, national and regional lines, Lyon and Corse, missing
markers, thousand-euro scales and the RSA series break read by rule, never by editing the file."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from levier.core.config import DATA_DIR, settings
from levier.core.text import normalise
from levier.store.db import Database, Query
from levier.ingest.cells import MISSING_MARKERS, parse_column
from levier.ingest.drees_monthly import import_monthly_workbook, is_monthly_workbook
from levier.ingest.insee import facts_frame, typed_facts
from levier.ingest.journal import now
from levier.ingest.readers import Sheet, UnreadableFile, Workbook, column_letter, date_cell_year, read_workbook
from levier.ingest.report import Finding, ImportReport
from levier.ingest.returns import write_facts
from levier.ingest.territory_codes import (FRANCE_CODE, LEVEL_COLLECTIVITE, LEVEL_DEPARTEMENT, LEVEL_FRANCE,
                                           LEVEL_REGION, LYON_PARTS, Territory, departement, national_row, region)

PROFILES_DIR = DATA_DIR / "profils" / "drees"
KIND_DREES = "statistique publique DREES"
FORMAT_DREES = "DREES"
IMPORTED_BY = "levier (données de référence)"

# Units a département 69 may be summed from 69D + 69M (counts and amounts; never a share or a delay).
SUMMABLE_UNITS = ("personnes", "nombre", "€")
LYON_SUM_COMMENT = "somme 69D + 69M calculée par Levier (la DREES ne publie pas la ligne 69)"
# The Rhône (69D) and the Métropole de Lyon (69M) exist since 1 January 2015: a missing cell before is no figure.
LYON_FIRST_YEAR = 2015

# Headers of the territory columns, normalised (levier.core.text.normalise).
_DEP_HEADERS = ("code departement", "n dep", "n° dep", "numero de departement", "departement territoire")
_REGION_HEADERS = ("code region",)
_HEADER_HINT = re.compile(r"(?i)d[ée]p|r[ée]gion|territoire")
_YEAR = re.compile(r"^((?:19|20)\d{2})(?:\s*\(\s*\d+\s*\))?\s*\**$")
_NOTE_DIGITS = re.compile(r"(?<=[a-z\s])\d+$")
_TITLE_ROWS = 12


# --------------------------------------------------------------------------------------------------------------------
# Profiles


@dataclass(frozen=True)
class Table:
    """One sheet of a profile: its indicator(s) and how its columns are read."""

    sheet: str
    title: str
    indicator: str = ""  # every year column (years in columns)
    series: tuple[str, ...] = ()  # (before the break, from the break on): the years' indicators around `rupture`
    rupture: str = ""  # header of the first year column of the second series (« 2016 (2) »)
    columns: tuple[tuple[str, str], ...] = ()  # (measure header, indicator), with `year`
    year: int | None = None
    scale: float = 1.0
    published_unit: str = ""  # text the sheet must show when scale != 1 (« en milliers d'euros »)

    @property
    def indicators(self) -> list[str]:
        return [self.indicator] if self.indicator else list(self.series) or [code for _, code in self.columns]


@dataclass(frozen=True)
class Profile:
    name: str
    workbook: str
    tables: tuple[Table, ...]
    path: Path | None = None

    @property
    def indicators(self) -> list[str]:
        return [code for t in self.tables for code in t.indicators]


def _table(raw: dict, where: str) -> Table:
    try:
        sheet, title = str(raw["feuille"]), str(raw["titre"])
    except KeyError as exc:
        raise ValueError(f"{where} : clé {exc} manquante dans un [[tableau]]") from None
    series = tuple(str(c) for c in raw.get("series") or ())
    rupture = str(raw.get("rupture") or "")
    columns = tuple((str(k), str(v)) for k, v in (raw.get("colonnes") or {}).items())
    indicator = str(raw.get("indicateur") or "")
    if sum(bool(x) for x in (indicator, series, columns)) != 1:
        raise ValueError(f"{where}, feuille « {sheet} » : un seul de « indicateur », « series » ou « colonnes »")
    if series and (len(series) != 2 or not rupture):
        raise ValueError(f"{where}, feuille « {sheet} » : « series » attend deux codes et une « rupture »")
    year = raw.get("annee")
    if columns and year is None:
        raise ValueError(f"{where}, feuille « {sheet} » : « colonnes » demande une « annee »")
    scale = float(raw.get("echelle", 1))
    unit = str(raw.get("unite_publiee") or "")
    if scale != 1 and not unit:
        raise ValueError(f"{where}, feuille « {sheet} » : une « echelle » demande l'« unite_publiee » que la feuille "
                         "doit afficher")
    return Table(sheet, title, indicator, series, rupture, columns, int(year) if year is not None else None, scale,
                 unit)


def load_profile(path: Path) -> Profile:
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    tables = tuple(_table(t, path.name) for t in raw.get("tableau", []))
    if not tables:
        raise ValueError(f"{path.name} : aucun [[tableau]]")
    return Profile(str(raw.get("nom") or path.stem), str(raw.get("classeur") or ""), tables, path)


def load_profiles(folder: Path | None = None) -> list[Profile]:
    """Every DREES profile; an indicator read from two tables would have two sources: refused."""
    profiles = [load_profile(p) for p in sorted(Path(folder or PROFILES_DIR).glob("*.toml"))]
    seen: dict[str, str] = {}
    for p in profiles:
        for t in p.tables:
            for code in t.indicators:
                other = seen.setdefault(code, f"{p.name} / {t.sheet}")
                if other != f"{p.name} / {t.sheet}":
                    raise ValueError(f"indicateur {code} lu dans deux tableaux : {other} et {p.name} / {t.sheet}")
    return profiles


def _sheets_by_name(workbook: Workbook) -> dict[str, Sheet]:
    return {(s.name or "").strip(): s for s in workbook.sheets}


def sheet_title(sheet: Sheet) -> str:
    """The text of the first rows (the table's title and notes), normalised."""
    head = sheet.cells.iloc[:_TITLE_ROWS, :30].to_numpy().ravel()
    return " ".join(normalise(v) for v in head if isinstance(v, str) and v)


def match_profile(workbook: Workbook, profiles: Iterable[Profile] | None = None) -> Profile | None:
    """The profile whose every sheet is in the workbook with the expected title (never the file name)."""
    if workbook.format != "xlsx":
        return None
    sheets = _sheets_by_name(workbook)
    for profile in load_profiles() if profiles is None else profiles:
        if all(t.sheet in sheets and normalise(t.title) in sheet_title(sheets[t.sheet]) for t in profile.tables):
            return profile
    return None


# --------------------------------------------------------------------------------------------------------------------
# One sheet


@dataclass
class DreesResult:
    """Facts (the fact columns) and findings of one workbook; `facts` is empty whenever `errors` is not."""

    facts: pd.DataFrame
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    rows_read: int = 0
    partial_totals: int = 0  # France métropolitaine / DROM lines left out (no territory of the reference)


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    indicator: str
    year: int


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _is_value(cell: object) -> bool:
    """A number or a missing-value marker: what a data row holds under its years (not a title or a link)."""
    text = _text(cell)
    return bool(text) and (any(ch.isdigit() for ch in text) or " ".join(text.lower().split()) in MISSING_MARKERS)


def _year_of(cell: str, kind: object = "") -> int | None:
    """The year of a header cell: « 2018 », « 2016 (2) », « 2018* », or a date-typed cell (2018-01-01: its year,
    which the caller says with a warning, as for the grids of levier.ingest.returns)."""
    m = _YEAR.match(_text(cell).replace("\u00a0", " "))
    return int(m.group(1)) if m else date_cell_year(_text(cell), kind)


def _header_kind(row: np.ndarray) -> tuple[str, int] | None:
    """('departement' | 'region', code column) when the row is a table header, else None."""
    if not any(isinstance(v, str) and _HEADER_HINT.search(v) for v in row[:6]):
        return None  # most rows: codes and numbers, no header word (checked before normalising)
    keys = [normalise(v) for v in row[:6]]
    for j, key in enumerate(keys):
        if key.replace("°", "") in _DEP_HEADERS or key in _DEP_HEADERS:
            return LEVEL_DEPARTEMENT, j
    for j, key in enumerate(keys):
        if key in _REGION_HEADERS and j + 1 < len(keys) and keys[j + 1] == "region":
            return LEVEL_REGION, j
    return None


def _measure_key(text: str) -> str:
    """A measure header without its note number: « A.P. J. Majeurs2 » → « a p j majeurs »."""
    return _NOTE_DIGITS.sub("", normalise(text)).strip()


def _columns(cells: np.ndarray, h: int, table: Table, file: str, errors: list[Finding],
             kinds: np.ndarray | None = None, warnings: list[Finding] | None = None) -> tuple[list[_Column], int]:
    """The value columns of the block whose header is row h, and the last header row (the year row may sit one row
    below a row of group headers). `kinds`: the reader's cell types (a date-typed year header is read as its year,
    with a warning in `warnings`)."""
    sheet = table.sheet
    header = cells[h]
    if table.columns:
        below = cells[h + 1] if h + 1 < len(cells) else np.full(len(header), "", dtype=object)
        found: list[_Column] = []
        below_used = False  # measures under a row of groups (« Mesures administratives » over « Pupilles »…)
        for label, code in table.columns:
            key = _measure_key(label)
            hits = [j for j in range(len(header))
                    if any(_measure_key(row[j]).startswith(key) for row in (header, below) if _text(row[j]))]
            if len(hits) != 1:
                errors.append(Finding(file, f"colonne « {label} » {'introuvable' if not hits else 'en double'} dans "
                                      "l'en-tête du tableau", sheet, h + 1, label))
                continue
            j = hits[0]
            in_below = bool(_text(below[j])) and _measure_key(below[j]).startswith(key)
            below_used = below_used or in_below
            found.append(_Column(j, _text(below[j]) if in_below else _text(header[j]), code, int(table.year)))
        return found, h + 1 if below_used else h

    def kind(i: int, j: int) -> object:
        return kinds[i, j] if kinds is not None else ""

    def has_years(i: int) -> bool:
        return any(_year_of(v, kind(i, j)) for j, v in enumerate(cells[i]))

    year_row = h
    if not has_years(h) and h + 1 < len(cells) and has_years(h + 1):
        year_row = h + 1  # a row of group headers above the years
    years = cells[year_row]
    breaks = [j for j in range(len(years)) if table.rupture and normalise(years[j]) == normalise(table.rupture)]
    if table.series and len(breaks) != 1:
        errors.append(Finding(file, f"colonne de rupture « {table.rupture} » {'introuvable' if not breaks else 'en double'}"
                              " dans l'en-tête des années", sheet, year_row + 1))
        return [], year_row
    out: list[_Column] = []
    for j in range(len(years)):
        year = _year_of(years[j], kind(year_row, j))
        if year is None:
            continue
        header_text = _text(years[j])
        if _YEAR.match(header_text.replace("\u00a0", " ")) is None:  # a date-typed header: its year, said
            header_text = header_text.split(" ")[0]
            if warnings is not None:
                warnings.append(Finding(file, f"en-tête « {header_text} » (cellule {column_letter(j)}{year_row + 1}, "
                                        f"au format date) lu comme l'année {year}", sheet, year_row + 1, header_text))
        code = table.indicator or table.series[0 if j < breaks[0] else 1]
        out.append(_Column(j, header_text, code, table.year or year))
    seen: dict[tuple[str, int], str] = {}
    for c in out:
        other = seen.setdefault((c.indicator, c.year), c.header)
        if other != c.header:
            errors.append(Finding(file, f"deux colonnes « {other} » et « {c.header} » donnent {c.indicator} pour "
                                  f"{c.year} : le profil doit les séparer (« series » et « rupture »)", sheet,
                                  year_row + 1,
                                  c.header))
    return out, year_row


def is_national(labels: Iterable[str]) -> bool | None:
    """The first label of a row that is a total decides (territory_codes.national_row): True for DREES's national
    line, False for a partial total, None when no label is a total."""
    for label in labels:
        said = national_row(label)
        if said is not None:
            return said
    return None


def read_sheet(sheet: Sheet, table: Table, file: str, units: dict[str, str]) -> DreesResult:
    """One table of a profile: every block (départements, then régions when published) into facts."""
    name = table.sheet
    cells = sheet.cells.to_numpy(dtype=object)
    types = sheet.types.to_numpy(dtype=object) if sheet.types is not None else None
    errors: list[Finding] = []
    warnings: list[Finding] = []
    if table.scale != 1 and normalise(table.published_unit) not in " ".join(
            normalise(v) for v in cells[:_TITLE_ROWS * 2, :4].ravel() if isinstance(v, str)):
        return DreesResult(facts_frame([]), [Finding(
            file, f"la feuille ne dit pas « {table.published_unit} » : l'échelle ×{table.scale:g} du profil ne peut "
            "pas être appliquée sans doute", name)])
    headers = [(i, k) for i in range(len(cells)) if (k := _header_kind(cells[i])) is not None]
    if not headers:
        return DreesResult(facts_frame([]), [Finding(
            file, "en-tête du tableau introuvable (« Code département », « N° Dep », « Numéro de département » ou "
            "« Département/territoire »)", name)])
    frames: list[pd.DataFrame] = []
    unknown: list[tuple[int, str]] = []
    partial = 0
    rows_read = 0
    for b, (h, (level, code_col)) in enumerate(headers):
        end = headers[b + 1][0] if b + 1 < len(headers) else len(cells)
        columns, last_header = _columns(cells, h, table, file, errors, types, warnings)
        if not columns:
            continue
        first_value = min(c.index for c in columns)
        block: list[tuple[int, Territory]] = []
        for i in range(last_header + 1, end):
            row = cells[i]
            if not any(_is_value(row[c.index]) for c in columns):
                continue  # a title, a note (« Retour en haut de page » under a year) or a blank row
            rows_read += 1
            raw = row[code_col]
            where = departement(raw) if level == LEVEL_DEPARTEMENT else region(raw)
            if where is not None:  # a code first: « Île-de-France » is a région, not a national line
                block.append((i, where))
                continue
            labels = [_text(v) for v in row[:first_value]]
            nat = is_national(labels)
            if nat is True:
                block.append((i, Territory(LEVEL_FRANCE, FRANCE_CODE)))
            elif nat is False:
                partial += 1
            else:
                unknown.append((i + 1, _text(raw) or " ".join(x for x in labels if x)))
        if not block:
            continue
        # One parse for the whole block (rows × value columns, column after column), one unit per cell.
        rows = np.array([i for i, _ in block])
        idx = np.array([c.index for c in columns])
        text = pd.Series(cells[np.ix_(rows, idx)].T.ravel(), dtype=object)
        typed = pd.Series(types[np.ix_(rows, idx)].T.ravel(), dtype=object) if types is not None else None
        unit = pd.Series(np.repeat([units.get(c.indicator) for c in columns], len(rows)), dtype=object)
        parsed = parse_column(text, typed, unit=unit)
        n = len(rows)
        for k in np.flatnonzero(parsed.bad):
            errors.append(Finding(file, f"valeur illisible : {parsed.why.iat[k]}", name, int(rows[k % n]) + 1,
                                  columns[k // n].header))
        values = parsed.values * table.scale
        reasons = parsed.reason.to_numpy(dtype=object)
        # Column after column, as parsed: territory arrays tiled, column arrays repeated.
        levels = np.tile(np.array([w.level for _, w in block], dtype=object), len(columns))
        years = np.repeat(np.array([c.year for c in columns]), n)
        keep = ~parsed.bad & (~np.isnan(values) | pd.notna(reasons))
        # « - » for the Rhône or the Métropole before they existed is no figure.
        keep &= ~((levels == LEVEL_COLLECTIVITE) & (years < LYON_FIRST_YEAR) & np.isnan(values))
        frames.append(pd.DataFrame({
            "territory_level": levels[keep],
            "territory_code": np.tile(np.array([w.code for _, w in block], dtype=object), len(columns))[keep],
            "indicator": np.repeat(np.array([c.indicator for c in columns], dtype=object), n)[keep],
            "period": years[keep], "measure": "valeur", "value": values[keep], "missing_reason": reasons[keep],
            "comment": None, "submitted_on": None, "source_sheet": name, "source_row": np.tile(rows + 1, len(columns))[keep],
        }))
    if unknown:
        shown = ", ".join(f"ligne {r} « {t} »" for r, t in unknown[:8]) + (" …" if len(unknown) > 8 else "")
        warnings.append(Finding(file, f"{len(unknown)} ligne(s) de valeurs sans code de département ou de région "
                                f"reconnu, ignorée(s) : {shown}", name, unknown[0][0]))
    facts = pd.concat(frames, ignore_index=True) if frames else facts_frame([])  # typed once, by read_drees
    return DreesResult(facts, errors, warnings, rows_read, partial)


# --------------------------------------------------------------------------------------------------------------------
# Rules across the blocks of a table


def _deduplicate(facts: pd.DataFrame, file: str, warnings: list[Finding]) -> pd.DataFrame:
    """The same territory, indicator and year twice (the France line under each block, Corse as 20 and as région 94):
    the first is kept; a different second value is said."""
    key = ["territory_level", "territory_code", "indicator", "period"]
    dup = facts.duplicated(key, keep="first")
    if dup.any():
        pairs = facts[dup].merge(facts[~dup], on=key, suffixes=("", "_kept"))
        differ = ~(np.isclose(pairs["value"], pairs["value_kept"]) | (pairs["value"].isna() & pairs["value_kept"].isna()))
        for row in pairs[differ].itertuples(index=False):
            warnings.append(Finding(file, f"{row.territory_code} {row.indicator} {row.period} publié deux fois avec "
                                    f"des valeurs différentes ({row.value_kept:g} ligne {row.source_row_kept}, "
                                    f"{row.value:g}) : la première est gardée", row.source_sheet, row.source_row))
    return facts[~dup].reset_index(drop=True)


def lyon_sums(facts: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """Département 69 where DREES gives 69D and 69M but no 69 value: their sum, for counts and amounts only."""
    if facts.empty:
        return facts
    parts = facts[(facts["territory_level"] == LEVEL_COLLECTIVITE) & facts["value"].notna()]
    if parts.empty:
        return facts
    summable = parts[parts["indicator"].map(lambda c: units.get(c) in SUMMABLE_UNITS)]
    both = summable.groupby(["indicator", "period"]).filter(lambda g: set(g["territory_code"]) == set(LYON_PARTS))
    if both.empty:
        return facts
    dep69 = facts[(facts["territory_level"] == LEVEL_DEPARTEMENT) & (facts["territory_code"] == "69")
                  & facts["value"].notna()]
    have = set(zip(dep69["indicator"], dep69["period"]))
    sums = []
    for (indicator, period), g in both.groupby(["indicator", "period"]):
        if (indicator, period) in have:
            continue
        sums.append({"territory_level": LEVEL_DEPARTEMENT, "territory_code": "69", "indicator": indicator,
                     "period": period, "measure": "valeur", "value": float(g["value"].sum()), "missing_reason": None,
                     "comment": LYON_SUM_COMMENT, "submitted_on": None, "source_sheet": g["source_sheet"].iloc[0],
                     "source_row": int(g["source_row"].min())})
    if not sums:
        return facts
    # A published « ND » for 69 gives way to the sum of its two parts.
    sum_keys = {(s["indicator"], s["period"]) for s in sums}
    published_missing = ((facts["territory_level"] == LEVEL_DEPARTEMENT) & (facts["territory_code"] == "69")
                         & pd.Series(list(zip(facts["indicator"], facts["period"])), index=facts.index).isin(sum_keys))
    return pd.concat([facts[~published_missing], facts_frame(sums)], ignore_index=True)


def read_drees(workbook: Workbook, profile: Profile, *, units: dict[str, str],
               departements: Collection[str] | None = None, regions: Collection[str] | None = None) -> DreesResult:
    """Every table of the profile into facts. `units`: catalogue unit per indicator (the codes the profile names must
    be in it); `departements` / `regions`: the codes of the reference, to keep out rows of territories it lacks
    (Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin in OARSA)."""
    file = workbook.file_name
    errors: list[Finding] = []
    warnings: list[Finding] = list(workbook.notes)
    missing = [c for c in profile.indicators if c not in units]
    if missing:
        return DreesResult(facts_frame([]), [Finding(
            file, f"indicateur(s) du profil {profile.name} absent(s) du catalogue de la base : {', '.join(missing)} ; "
            "rechargez le catalogue (levier demo) avant l'import")])
    sheets = _sheets_by_name(workbook)
    frames = []
    rows_read = partial = 0
    for table in profile.tables:
        if table.sheet not in sheets:
            errors.append(Finding(file, f"feuille « {table.sheet} » du profil {profile.name} absente du classeur"))
            continue
        res = read_sheet(sheets[table.sheet], table, file, units)
        errors += res.errors
        warnings += res.warnings
        rows_read += res.rows_read
        partial += res.partial_totals
        frames.append(res.facts)
    if partial:
        warnings.append(Finding(file, f"{partial} ligne(s) de totaux partiels (France métropolitaine, DROM) non "
                                "stockées, dans les feuilles lues : aucun territoire du référentiel ne leur correspond "
                                "(la France entière est gardée, au niveau France)"))
    mapped = {t.sheet for t in profile.tables}
    skipped = [name for name in sheets if name not in mapped]
    if skipped:
        warnings.append(Finding(file, f"{len(skipped)} feuille(s) hors du profil {profile.name}, non lue(s) : "
                                + ", ".join(f"« {s} »" for s in skipped[:12]) + (" …" if len(skipped) > 12 else "")))
    if errors:
        return DreesResult(facts_frame([]), errors, warnings, rows_read)
    facts = typed_facts(pd.concat(frames, ignore_index=True)) if frames else facts_frame([])
    facts = _deduplicate(facts, file, warnings)
    outside = pd.Series(False, index=facts.index)
    if departements is not None:
        outside |= (facts["territory_level"] == LEVEL_DEPARTEMENT) & ~facts["territory_code"].isin(set(departements))
    if regions is not None:
        outside |= (facts["territory_level"] == LEVEL_REGION) & ~facts["territory_code"].isin(set(regions))
    if outside.any():
        codes = sorted(set(facts.loc[outside, "territory_code"]))
        warnings.append(Finding(file, f"territoire(s) absent(s) du référentiel (collectivités d'outre-mer), non "
                                f"stocké(s) : {', '.join(codes)}"))
        facts = facts[~outside].reset_index(drop=True)
    facts = lyon_sums(facts, units)
    facts = facts.sort_values(["indicator", "period", "territory_level", "territory_code"]).reset_index(drop=True)
    return DreesResult(facts, errors, warnings, rows_read)


# --------------------------------------------------------------------------------------------------------------------
# Import through the one writer


def catalogue_units(db: Database) -> dict[str, str]:
    frame = db.read(Query.IMPORT_CONTEXT_INDICATORS)
    return dict(zip(frame["code"], frame["unit"]))


def _reference_codes(db: Database, level: str) -> set[str]:
    return set(db.read(Query.TERRITORIES_OF_LEVEL, {"level": level})["code"])


def import_drees(db: Database, data: bytes, file_name: str, *, profile: Profile | None = None,
                 workbook: Workbook | None = None, dry_run: bool = False,
                 imported_by: str | None = None) -> ImportReport:
    """One DREES workbook, validated whole and written all or nothing (real public statistics, never demo)."""
    started = now()
    report = ImportReport(file=file_name, kind=KIND_DREES, file_format=FORMAT_DREES)
    try:
        book = workbook or read_workbook(data, file_name, max(settings().max_file_bytes, len(data)))
    except UnreadableFile as exc:
        report.errors.append(Finding(file_name, str(exc), exc.sheet, exc.row))
        return write_facts(db, facts_frame([]), report, data, started=started, imported_by=imported_by, demo=False,
                           dry_run=dry_run)
    profile = profile or match_profile(book)
    if profile is None and is_monthly_workbook(book):  # months in rows: its own reader, the same writer
        return import_monthly_workbook(db, book, data, kind=KIND_DREES, dry_run=dry_run, imported_by=imported_by,
                                       started=started)
    if profile is None:
        report.errors.append(Finding(file_name, "classeur DREES non reconnu : aucun profil de data/profils/drees "
                                     "ne correspond à ses feuilles et à leurs titres"))
        return write_facts(db, facts_frame([]), report, data, started=started, imported_by=imported_by, demo=False,
                           dry_run=dry_run)
    report.file_format = f"{FORMAT_DREES} ({profile.workbook})"
    result = read_drees(book, profile, units=catalogue_units(db), departements=_reference_codes(db, "departement"),
                        regions=_reference_codes(db, "region"))
    report.rows_read = result.rows_read
    report.rows_accepted = len(result.facts)
    report.errors = result.errors
    report.warnings = result.warnings
    return write_facts(db, result.facts, report, data, started=started, imported_by=imported_by, demo=False,
                       dry_run=dry_run)


def load_drees_statistics(db: Database, reference_dir: Path) -> list[ImportReport]:
    """Every workbook of <reference>/drees that a profile recognises, and the monthly workbook."""
    folder = Path(reference_dir) / "drees"
    if not folder.is_dir():
        return []
    profiles = load_profiles()
    wanted = {t.sheet for p in profiles for t in p.tables}  # only the sheets a profile maps are parsed
    reports = []
    for path in sorted(folder.glob("*.xlsx")):
        data = path.read_bytes()
        book = read_workbook(data, path.name, max(settings().max_file_bytes, len(data)), only=wanted)
        profile = match_profile(book, profiles)
        if profile is None:  # no mapped sheet: the monthly workbook (read whole), or not a DREES workbook
            book = read_workbook(data, path.name, max(settings().max_file_bytes, len(data)))
            if is_monthly_workbook(book):
                reports.append(import_drees(db, data, path.name, workbook=book, imported_by=IMPORTED_BY))
            continue
        reports.append(import_drees(db, data, path.name, profile=profile, workbook=book, imported_by=IMPORTED_BY))
    return reports
