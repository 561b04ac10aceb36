"""Unknown layouts mapped, not refused: find the territory column and the year of a table, match each numeric
column to a catalogue indicator by its label, and save a confirmed mapping as a named profile (data/profils/*.toml)
that is reused without a question for the next file with the same headers."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from levier.core.config import DATA_DIR, settings
from levier.core.text import normalise
from levier.ingest.catalogue import read_catalogue
from levier.ingest.insee import (
    KIND_STAT,
    LEVEL_DEP,
    LEVEL_EPCI,
    classify_code,
    facts_frame,
    label_key,
    listing,
    parse_insee_column,
    split_year_suffix,
    variant_key,
)
from levier.ingest.journal import finish_import, now
from levier.ingest.cells import parse_column
from levier.ingest.readers import Sheet, UnreadableFile, Workbook, read_workbook
from levier.ingest.report import Finding, ImportReport
from levier.ingest.returns import KIND_RETURNS, facts_writer
from levier.store.db import Database, Query

ENV_PROFILES_DIR = "LEVIER_PROFILS_DIR"
PROFILES_DIR = DATA_DIR / "profils"

# Confidence of a column's match, best first; the French word shown to the user.
EXACT, STRONG, WEAK, NONE, PROFILE = "exact", "strong", "weak", "none", "profile"
CONFIDENCE_LABELS = {EXACT: "exacte", STRONG: "forte", WEAK: "faible", NONE: "aucune", PROFILE: "profil"}
_CONFIDENCE_FROM_LABEL = {v: k for k, v in CONFIDENCE_LABELS.items()}

# Where the year came from (saved in a profile, so the next file takes it from the same place).
YEAR_OPTION, YEAR_HEADER, YEAR_TITLE, YEAR_FILE_NAME = "option", "en-tête", "titre", "nom du fichier"
YEAR_SOURCES = (YEAR_OPTION, YEAR_HEADER, YEAR_TITLE, YEAR_FILE_NAME)

TABLE_COLUMNS = ["Colonne du fichier", "Indicateur proposé", "Libellé", "Confiance"]

_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_TERRITORY_HINTS = {"code", "codgeo", "code geographique", "code insee", "departement", "dep", "code departement",
                    "code du departement", "territoire", "code territoire", "siren", "siren epci", "code epci", "epci",
                    "num departement", "numero departement", "n departement"}
_STOP = {"de", "du", "des", "la", "le", "les", "d", "l", "en", "a", "au", "aux", "et", "par", "pour", "dans"}
# Words that say what is measured: a weak match must agree on them (a 3e décile is not a 3e quartile).
_KIND_WORDS = {"decile", "quartile", "mediane", "median", "moyenne", "taux", "part", "nombre", "rapport", "indice",
               "intensite", "seuil", "ecart"}
_SHARE = 0.9  # share of a column's cells that must be territory codes (or numbers) for it to count as such


class MappingError(ValueError):
    """No mapping can be proposed; the message is French and says why."""


@dataclass
class ColumnMatch:
    index: int  # 0-based column of the sheet
    header: str  # as written in the file
    key: str  # the normalised header, as the profile's signature holds it
    indicator: str | None
    label: str
    confidence: str  # EXACT | STRONG | WEAK | NONE | PROFILE
    year: int | None = None  # the year the header itself carries (TP6020, « … 2020 »)
    numeric: bool = True


@dataclass
class Proposal:
    """What Levier understood of an unknown table. `header_row` is 0-based (spreadsheet row header_row + 1)."""

    file_name: str
    sheet: str | None
    header_row: int
    territory_column: int
    territory_header: str
    level: str
    year: int | None
    year_source: str | None
    columns: list[ColumnMatch]
    signature: tuple[str, ...]
    profile: str | None = None
    conversions: dict[str, float] = field(default_factory=dict)

    @property
    def mapped(self) -> list[ColumnMatch]:
        return [c for c in self.columns if c.indicator]

    @property
    def unmatched(self) -> list[str]:
        """Numeric columns no indicator was found for."""
        return [c.header for c in self.columns if c.numeric and not c.indicator]


@dataclass(frozen=True)
class Profile:
    name: str
    signature: frozenset[str]
    territory: str  # header key of the territory column
    year_source: str | None
    columns: dict[str, str]  # header key -> indicator code
    conversions: dict[str, float]
    level: str | None = None
    description: str = ""
    path: Path | None = None


@dataclass(frozen=True)
class MappingRequest:
    """What the user said about an unknown layout: accept the proposal, the year, the profile's name."""

    accept: bool = False
    year: int | None = None
    profile: str | None = None


# --------------------------------------------------------------------------------------------------------------------
# Catalogue indexes


@dataclass(frozen=True)
class _Indexes:
    labels: dict[str, str]  # code -> label
    units: dict[str, str]  # code -> unit ('%', '€', 'personnes'…)
    codes: dict[str, str]  # normalised code -> code
    exact: dict[str, str]  # label_key -> code
    variants: dict[str, str]  # variant_key -> code
    tokens: list[tuple[frozenset[str], str]]  # content words of each variant key, code


def _unique(pairs: list[tuple[str, str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    shared: set[str] = set()
    for key, code in pairs:
        if key and index.setdefault(key, code) != code:
            shared.add(key)
    return {k: v for k, v in index.items() if k not in shared}


def _words(key: str) -> frozenset[str]:
    return frozenset(w for w in key.split() if w not in _STOP)


def _indexes(catalogue: pd.DataFrame) -> _Indexes:
    texts = [(t, row.code) for row in catalogue.itertuples()
             for t in [row.label, *[a for a in str(row.aliases or "").split("|") if a.strip()]]]
    variants = [(variant_key(t), code) for t, code in texts]
    return _Indexes(
        labels=dict(zip(catalogue["code"], catalogue["label"])),
        units=dict(zip(catalogue["code"], catalogue["unit"])),
        codes={normalise(c): c for c in catalogue["code"]},
        exact=_unique([(label_key(t)[0], code) for t, code in texts]),
        variants=_unique(variants),
        tokens=[(_words(k), code) for k, code in variants if k],
    )


def catalogue_frame() -> pd.DataFrame:
    """Every indicator Levier knows (contract grids and public statistics), labels and aliases."""
    return read_catalogue().indicators


def match_header(text: str, idx: _Indexes) -> tuple[str | None, str]:
    """(indicator, confidence) for one column header: its INSEE or catalogue code, its label up to accents, case,
    punctuation and unit notes (exact), INSEE's label variants (strong), most of its words (weak)."""
    variable = parse_insee_column(text)
    if variable is not None:
        return (variable.code, EXACT) if variable.code in idx.labels else (None, NONE)
    if normalise(text) in idx.codes:
        return idx.codes[normalise(text)], EXACT
    key, _ = label_key(text)
    if key in idx.exact:
        return idx.exact[key], EXACT
    vkey = variant_key(text)
    if vkey in idx.variants:
        return idx.variants[vkey], STRONG
    words = _words(vkey)
    if len(words) < 2:
        return None, NONE
    def sharp(ws: frozenset[str]) -> set[str]:
        return {w for w in ws if w in _KIND_WORDS or any(ch.isdigit() for ch in w)}

    mine = sharp(words)
    scores: dict[str, float] = {}
    for other, code in idx.tokens:
        if sharp(other) != mine:
            continue
        score = len(words & other) / len(words | other)
        scores[code] = max(scores.get(code, 0.0), score)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if ranked and ranked[0][1] >= 0.5 and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
        return ranked[0][0], WEAK
    return None, NONE


# --------------------------------------------------------------------------------------------------------------------
# The table: territory column, header row, numeric columns


def header_key(text: object) -> str:
    """A header as a profile's signature holds it: an INSEE code without its year ('TP6020' -> 'tp60'), else the
    label without accents, case, punctuation, unit notes or year."""
    raw = "" if text is None else str(text).strip()
    split = split_year_suffix(raw)
    if split is not None:
        return split[0].lower()
    return label_key(raw)[0]


def _territory_like(values: pd.Series) -> pd.Series:
    """Cells that are a territory code, or one that lost its leading zero (reported later, with its row)."""
    def one(v: str) -> bool:
        level, _, message = classify_code(v)
        return level is not None or (message is not None and "zéro" in message)

    unique = values.unique()
    return values.map(dict(zip(unique, map(one, unique))))


def _nonblank(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.apply(lambda col: col.astype(str).str.strip().ne(""))


def find_table(cells: pd.DataFrame) -> tuple[int, int] | None:
    """(header row, territory column), 0-based: the column whose cells are territory codes (by their values, not
    only their header: unique, at least 90 % of the cells below the header), preferring one whose header says so,
    then the leftmost; the header is the row just above its first code."""
    if cells.empty:
        return None
    filled = _nonblank(cells)
    candidates: list[tuple[int, int, int]] = []  # (no hint, column, header row)
    for j in cells.columns:
        col = cells[j].astype(str).str.strip()
        like = _territory_like(col) & filled[j]
        if like.sum() < 2:
            continue
        first = int(like.to_numpy().nonzero()[0][0])
        if first == 0:
            continue
        last = int(like.to_numpy().nonzero()[0][-1])
        body = col.iloc[first:last + 1][filled[j].iloc[first:last + 1]]
        if like.iloc[first:last + 1].sum() < _SHARE * len(body) or body[like.loc[body.index]].duplicated().any():
            continue
        header = first - 1
        while header >= 0 and not filled.iloc[header].any():
            header -= 1
        if header < 0 or int(filled.iloc[header].sum()) < 2:
            continue
        hint = normalise(cells.iat[header, j]) in _TERRITORY_HINTS
        candidates.append((0 if hint else 1, int(j), header))
    if not candidates:
        return None
    _, column, header = min(candidates)
    return header, column


def _looks_like_returns(cells: pd.DataFrame, header: int) -> bool:
    """A returns file names an indicator column (long format) or has years as column headers (grille): left to the
    returns importer and its messages. Columns here are indicators, never years."""
    texts = [normalise(c) for c in cells.iloc[header]]
    return any("indicateur" in t for t in texts) or any(re.fullmatch(r"(19|20)\d{2}", t) for t in texts)


def _data_rows(cells: pd.DataFrame, header: int, territory: int) -> list[int]:
    """Rows under the header down to the last territory code (notes below the table are not data)."""
    filled = _nonblank(cells).any(axis=1)
    like = _territory_like(cells[territory].astype(str).str.strip())
    rows = [i for i in range(header + 1, len(cells)) if filled.iloc[i]]
    coded = [i for i in rows if like.iloc[i]]
    return [i for i in rows if coded and i <= coded[-1]]


def _is_numeric(values: pd.Series) -> bool:
    parsed = parse_column(values.astype(str))
    blank = values.astype(str).str.strip().eq("").to_numpy()
    numbers = int((~np.isnan(parsed.values)).sum())
    bad = int(parsed.bad.sum())
    total = int((~blank).sum())
    return total > 0 and numbers > 0 and bad <= (1 - _SHARE) * total


def _title_year(cells: pd.DataFrame, header: int) -> int | None:
    for i in range(header):
        for v in cells.iloc[i]:
            m = _YEAR_RE.search(str(v))
            if m:
                return int(m.group(1))
    return None


def _file_year(file_name: str) -> int | None:
    years = {int(y) for y in _YEAR_RE.findall(Path(file_name).stem)}
    return years.pop() if len(years) == 1 else None


def _header_year(text: str) -> int | None:
    split = split_year_suffix(text.strip())
    if split is not None:
        return split[1]
    return label_key(text)[1]


def _resolve_year(proposal_cols: list[ColumnMatch], cells: pd.DataFrame, header: int, file_name: str,
                  year: int | None, preferred: str | None = None) -> tuple[int | None, str | None]:
    if year is not None:
        return year, YEAR_OPTION
    found = {
        YEAR_HEADER: Counter(c.year for c in proposal_cols if c.indicator and c.year).most_common(1),
        YEAR_TITLE: _title_year(cells, header),
        YEAR_FILE_NAME: _file_year(file_name),
    }
    found[YEAR_HEADER] = found[YEAR_HEADER][0][0] if found[YEAR_HEADER] else None
    order = [YEAR_HEADER, YEAR_TITLE, YEAR_FILE_NAME]
    if preferred in order:
        order.remove(preferred)
        order.insert(0, preferred)
    for source in order:
        if found[source] is not None:
            return found[source], source
    return None, None


def propose(cells: pd.DataFrame, catalogue: pd.DataFrame, *, file_name: str, sheet: str | None = None,
            year: int | None = None) -> Proposal:
    """The mapping Levier proposes for a table of text cells; raises MappingError (French) when the table has no
    territory column or no numeric column."""
    table = find_table(cells)
    if table is None:
        raise MappingError(
            "aucune colonne de territoires reconnue : une colonne doit contenir, sous une ligne d'en-tête, des codes "
            "de département (01…95, 2A, 2B, 971…976) ou des SIREN d'EPCI (9 chiffres), un par ligne")
    header, territory = table
    rows = _data_rows(cells, header, territory)
    idx = _indexes(catalogue)
    columns: list[ColumnMatch] = []
    for j in cells.columns:
        if j == territory:
            continue
        text = str(cells.iat[header, j]).strip()
        values = cells[j].iloc[rows]
        if not text and not values.astype(str).str.strip().ne("").any():
            continue
        numeric = _is_numeric(values)
        indicator, confidence = match_header(text, idx) if (numeric and text) else (None, NONE)
        columns.append(ColumnMatch(int(j), text, header_key(text), indicator, idx.labels.get(indicator or "", ""),
                                   confidence, _header_year(text) if text else None, numeric))
    if not any(c.numeric for c in columns):
        raise MappingError("aucune colonne de nombres à côté de la colonne des territoires")
    conversions = {c.key: 100.0 for c in columns
                   if c.indicator and idx.units.get(c.indicator) == "%" and _fractions(cells[c.index].iloc[rows])}
    levels = Counter(classify_code(cells.iat[i, territory])[0] for i in rows)
    level = LEVEL_EPCI if levels[LEVEL_EPCI] > levels[LEVEL_DEP] else LEVEL_DEP
    resolved, source = _resolve_year(columns, cells, header, file_name, year)
    keys = tuple(header_key(v) for v in cells.iloc[header] if str(v).strip())
    return Proposal(file_name=file_name, sheet=sheet, header_row=header, territory_column=territory,
                    territory_header=str(cells.iat[header, territory]).strip(), level=level, year=resolved,
                    year_source=source, columns=columns, signature=keys, conversions=conversions)


def _fractions(values: pd.Series) -> bool:
    """Every value of a percentage column between 0 and 1, some above 0: a share written as a fraction."""
    parsed = parse_column(values.astype(str))
    numbers = parsed.values[~np.isnan(parsed.values)]
    return bool(len(numbers)) and all(0 <= v <= 1 for v in numbers) and any(v > 0 for v in numbers)


def convert(value: float, factor: float) -> float:
    """value × factor in decimal, so that 0.184 × 100 is 18.4 exactly (not 18.400000000000002)."""
    return float(Decimal(repr(value)) * Decimal(repr(factor)))


# --------------------------------------------------------------------------------------------------------------------
# Applying a mapping


def mapped_facts(proposal: Proposal, cells: pd.DataFrame, *, current_epci: set[str] | None = None,
                 types: pd.DataFrame | None = None, units: dict[str, str] | None = None
                 ) -> tuple[pd.DataFrame, list[Finding], list[Finding], int]:
    """(facts, errors, warnings, rows read) for a confirmed mapping: one fact per territory row and mapped column,
    the value exactly as published (markers s, nd, so, nc kept as missing reasons). `types`: the reader's cell types
    (readers.Sheet.types; None for a CSV): an Excel percentage cell is a percent, kept as such in a rate column and
    refused elsewhere. `units`: indicator -> catalogue unit (the catalogue's by default): a rate column whose values
    are all fractions is refused, unless the mapping converts it (× 100)."""
    name, sheet = proposal.file_name, proposal.sheet
    header_line = proposal.header_row + 1
    errors: list[Finding] = []
    warnings: list[Finding] = []
    mapped = proposal.mapped
    if not mapped:
        errors.append(Finding(name, "aucune colonne associée à un indicateur du catalogue : rien à importer",
                              sheet=sheet, row=header_line))
    for col in mapped:
        if (col.year or proposal.year) is None:
            errors.append(Finding(name, "année introuvable (ni dans les en-têtes, ni dans un titre au-dessus du "
                                  "tableau, ni dans le nom du fichier) : la donner avec --annee N",
                                  sheet=sheet, row=header_line, column=col.header))
            break
    forced = proposal.year_source == YEAR_OPTION

    def period(col: ColumnMatch) -> int | None:
        return proposal.year if forced else (col.year or proposal.year)

    differ = [c.header for c in mapped if forced and c.year and c.year != proposal.year]
    if differ:
        warnings.append(Finding(name, f"année {proposal.year} donnée par --annee, différente de celle des en-têtes "
                                f"de {len(differ)} colonne(s) : --annee l'emporte ({listing(differ)})",
                                sheet=sheet, row=header_line))
    seen: dict[tuple[str, int | None], str] = {}
    for col in mapped:
        other = seen.setdefault((col.indicator, period(col)), col.header)
        if other != col.header:
            errors.append(Finding(name, f"colonnes « {other} » et « {col.header} » associées au même indicateur "
                                  f"{col.indicator}", sheet=sheet, row=header_line, column=col.header))
    if proposal.unmatched:
        warnings.append(Finding(name, f"{len(proposal.unmatched)} colonne(s) sans indicateur du catalogue, "
                                f"ignorée(s) : {listing(proposal.unmatched)}", sheet=sheet, row=header_line))
    rows = _data_rows(cells, proposal.header_row, proposal.territory_column)
    filled = _nonblank(cells).any(axis=1)
    tail = [i for i in range(rows[-1] + 1 if rows else proposal.header_row + 1, len(cells)) if filled.iloc[i]]
    if tail:
        warnings.append(Finding(name, f"{len(tail)} ligne(s) sous le tableau (notes, sources) ignorée(s)",
                                sheet=sheet, row=tail[0] + 1))
    if errors:
        return facts_frame([]), errors, warnings, len(rows)
    current = {str(c) for c in current_epci} if current_epci is not None else None
    outside: list[str] = []
    records: list[dict] = []
    first_row: dict[str, int] = {}
    territory_header = proposal.territory_header
    # Each mapped column through the one cell parser, whole (its notation is decided from all its values), with its
    # cell types and its indicator's unit.
    if units is None:
        frame = catalogue_frame()
        units = dict(zip(frame["code"], frame["unit"]))
    parsed = {col.index: parse_column(cells[col.index].astype(str), None if types is None else types[col.index],
                                      unit=units.get(col.indicator) or None) for col in mapped}
    for col in mapped:
        if proposal.conversions.get(col.key) in (None, 1):  # a converted column is expected in fractions
            errors.extend(Finding(name, f"{note}.", sheet=sheet, row=header_line, column=col.header)
                          for note in parsed[col.index].notes)
    for i in rows:
        line = i + 1
        level, code, message = classify_code(cells.iat[i, proposal.territory_column])
        if message:
            errors.append(Finding(name, message, sheet=sheet, row=line, column=territory_header))
            continue
        if level != proposal.level:
            errors.append(Finding(name, f"code « {code} » : niveau {level} dans un tableau de niveau {proposal.level}",
                                  sheet=sheet, row=line, column=territory_header))
            continue
        if code in first_row:
            errors.append(Finding(name, f"territoire « {code} » en double (déjà ligne {first_row[code]})",
                                  sheet=sheet, row=line, column=territory_header))
            continue
        first_row[code] = line
        if current is not None and level == LEVEL_EPCI and code not in current:
            outside.append(code)
            continue
        for col in mapped:
            raw = cells.iat[i, col.index]
            if not str(raw).strip():
                continue
            if parsed[col.index].bad[i]:
                errors.append(Finding(name, f"{parsed[col.index].why.iat[i]} (attendu un nombre ou un marqueur s, nd, "
                                      "so, nc)", sheet=sheet, row=line, column=col.header))
                continue
            value = float(parsed[col.index].values[i])
            reason = parsed[col.index].reason.iat[i]
            reason = reason if isinstance(reason, str) else None
            factor = proposal.conversions.get(col.key)
            if factor is not None and factor != 1 and reason is None and not parsed[col.index].percent[i]:
                value = convert(value, factor)
            records.append({
                "territory_level": level, "territory_code": code, "indicator": col.indicator,
                "period": period(col), "measure": "valeur", "value": value, "missing_reason": reason,
                "comment": None, "submitted_on": None, "source_sheet": sheet, "source_row": line,
            })
    if outside:
        warnings.append(Finding(name, f"{len(outside)} EPCI absent(s) de la liste actuelle (fusionnés, scindés ou "
                                f"renumérotés depuis) : leurs valeurs ne sont pas importées : {listing(outside)}",
                                sheet=sheet, column=territory_header))
    if errors:
        return facts_frame([]), errors, warnings, len(rows)
    return facts_frame(records), errors, warnings, len(rows)


# --------------------------------------------------------------------------------------------------------------------
# Profiles


def profiles_dir() -> Path:
    """data/profils, or the folder LEVIER_PROFILS_DIR names."""
    return Path(os.environ.get(ENV_PROFILES_DIR) or PROFILES_DIR)


def read_profile(path: Path) -> Profile:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return Profile(
        name=str(data.get("nom") or path.stem),
        signature=frozenset(str(s) for s in data.get("signature", [])),
        territory=str(data.get("territoire", "")),
        year_source=data.get("annee") or None,
        columns={str(k): str(v) for k, v in data.get("colonnes", {}).items()},
        conversions={str(k): float(v) for k, v in data.get("conversions", {}).items()},
        level=data.get("niveau") or None,
        description=str(data.get("description", "")),
        path=path,
    )


def load_profiles(directory: Path | None = None) -> list[Profile]:
    """Every profile of the folder, by file name. A profile that cannot be read is skipped (it is a hand-edited
    file; a broken one must not stop every import)."""
    folder = Path(directory) if directory is not None else profiles_dir()
    profiles = []
    for path in sorted(folder.glob("*.toml")):
        try:
            profiles.append(read_profile(path))
        except (tomllib.TOMLDecodeError, OSError, ValueError, TypeError):
            continue
    return profiles


def find_profile(signature: tuple[str, ...] | frozenset[str], profiles: list[Profile]) -> Profile | None:
    """The profile made for exactly these headers (in any order)."""
    wanted = frozenset(signature)
    return next((p for p in profiles if p.signature == wanted), None)


def shipped_and_saved_profiles() -> list[Profile]:
    """The profiles shipped with Levier (data/profils), then the ones users saved (LEVIER_PROFILS_DIR) when that is
    another folder: an official INSEE layout is recognised by its shipped profile wherever saved ones are kept."""
    shipped = load_profiles(PROFILES_DIR)
    saved = profiles_dir()
    return shipped if saved.resolve() == PROFILES_DIR.resolve() else shipped + load_profiles(saved)


def layout_columns(headers: list[object], catalogue: pd.DataFrame, profiles: list[Profile]
                   ) -> tuple[Profile | None, list[ColumnMatch]]:
    """(profile, one ColumnMatch per named header, `index` its position in `headers`) for a header row. The profile
    made for exactly these headers decides every column (confidence « profil »; a column it leaves out has no
    indicator); without one, each header is matched by match_header against `catalogue`, with its confidence."""
    texts = ["" if h is None else str(h).strip() for h in headers]
    profile = find_profile(tuple(header_key(t) for t in texts if t), profiles)
    idx = _indexes(catalogue) if profile is None else None
    labels = dict(zip(catalogue["code"], catalogue["label"]))
    matches = []
    for j, text in enumerate(texts):
        if not text:
            continue
        key = header_key(text)
        if profile is not None:
            indicator = profile.columns.get(key)
            confidence = PROFILE if indicator else NONE
        else:
            indicator, confidence = match_header(text, idx)
        matches.append(ColumnMatch(j, text, key, indicator, labels.get(indicator or "", ""), confidence,
                                   _header_year(text)))
    return profile, matches


def apply_profile(proposal: Proposal, profile: Profile, catalogue: pd.DataFrame, cells: pd.DataFrame,
                  year: int | None = None) -> Proposal:
    """The proposal with the profile's choices: its territory column, its indicators (columns it leaves out stay
    out), its year source and unit conversions."""
    labels = dict(zip(catalogue["code"], catalogue["label"]))
    columns = [dataclasses.replace(c, indicator=profile.columns.get(c.key), label=labels.get(profile.columns.get(c.key, ""), ""),
                                   confidence=PROFILE if c.key in profile.columns else NONE)
               for c in proposal.columns]
    territory, territory_header = proposal.territory_column, proposal.territory_header
    for j, v in enumerate(cells.iloc[proposal.header_row]):
        if str(v).strip() and header_key(v) == profile.territory and j != proposal.territory_column:
            old = ColumnMatch(territory, territory_header, header_key(territory_header), None, "", NONE)
            columns = [c for c in columns if c.index != j] + [old]
            territory, territory_header = j, str(v).strip()
    resolved, source = _resolve_year(columns, cells, proposal.header_row, proposal.file_name, year,
                                     preferred=profile.year_source)
    return dataclasses.replace(proposal, columns=sorted(columns, key=lambda c: c.index), territory_column=territory,
                               territory_header=territory_header, year=resolved, year_source=source,
                               profile=profile.name, conversions=dict(profile.conversions))


def profile_name(file_name: str) -> str:
    """A profile name from a file name, without its year: 'filosofi_2021_dep.csv' -> 'filosofi_dep'."""
    stem = _YEAR_RE.sub("", Path(file_name).stem)
    name = re.sub(r"[^a-z0-9]+", "_", normalise(stem).replace(" ", "_")).strip("_")
    return name or "profil"


def _toml_string(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def profile_text(proposal: Proposal, name: str, description: str = "") -> str:
    """The profile of a confirmed mapping as TOML (keys in French, like the access file)."""
    lines = [
        "# Profil de correspondance Levier : appliqué sans question à tout fichier ayant exactement ces en-têtes",
        "# (dans n'importe quel ordre). Clés = en-têtes normalisés (sans accents, casse, ponctuation, unité ni année).",
        f"nom = {_toml_string(name)}",
        f"description = {_toml_string(description or f'Créé depuis « {proposal.file_name} »')}",
        f"territoire = {_toml_string(header_key(proposal.territory_header))}",
        f"annee = {_toml_string(proposal.year_source or '')}  # en-tête | titre | nom du fichier | option",
        "signature = [",
        *[f"  {_toml_string(k)}," for k in proposal.signature],
        "]",
        "",
        "[colonnes]",
        *[f"{_toml_string(c.key)} = {_toml_string(c.indicator)}" for c in proposal.mapped],
        "",
        "[conversions]  # facteur appliqué aux valeurs d'une colonne (ex. 100 pour une part écrite en fraction)",
        *[f"{_toml_string(k)} = {v!r}" for k, v in proposal.conversions.items()
          if k in {c.key for c in proposal.mapped}],
        "",
    ]
    return "\n".join(lines)


def save_profile(proposal: Proposal, name: str, directory: Path | None = None) -> Path:
    """Writes data/profils/<name>.toml; a different profile already under that name is kept, the new one gets a
    numbered name."""
    folder = Path(directory) if directory is not None else profiles_dir()
    folder.mkdir(parents=True, exist_ok=True)
    base = re.sub(r"[^A-Za-z0-9_\-]+", "_", name).strip("_") or "profil"
    path, n = folder / f"{base}.toml", 1
    while path.exists() and read_profile(path).signature != frozenset(proposal.signature):
        n += 1
        path = folder / f"{base}_{n}.toml"
    path.write_text(profile_text(proposal, path.stem), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------------------------
# The page's editable table and the CLI's printed one


def proposal_table(proposal: Proposal) -> pd.DataFrame:
    """One row per column of the file (territory column first): what the Importer page lets the user edit."""
    rows = [{"Colonne du fichier": proposal.territory_header, "Indicateur proposé": "(territoire)",
             "Libellé": "code du département" if proposal.level == LEVEL_DEP else "SIREN de l'EPCI",
             "Confiance": ""}]
    for c in proposal.columns:
        rows.append({"Colonne du fichier": c.header, "Indicateur proposé": c.indicator or "",
                     "Libellé": c.label if c.indicator else ("" if c.numeric else "(texte, ignorée)"),
                     "Confiance": CONFIDENCE_LABELS[c.confidence] if c.numeric else ""})
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def proposal_from_table(proposal: Proposal, edited: pd.DataFrame, catalogue: pd.DataFrame | None = None) -> Proposal:
    """The proposal as the user edited it: an indicator typed or cleared per column. A changed indicator gets the
    confidence « profil » (the user's choice); an unknown code raises MappingError naming it."""
    catalogue = catalogue_frame() if catalogue is None else catalogue
    labels = dict(zip(catalogue["code"], catalogue["label"]))
    by_header = {str(r["Colonne du fichier"]): str(r["Indicateur proposé"] or "").strip()
                 for _, r in edited.iterrows()}
    columns = []
    for c in proposal.columns:
        code = by_header.get(c.header, c.indicator or "")
        code = "" if code in ("(territoire)", "nan", "None") else code
        if code and code not in labels:
            raise MappingError(f"colonne « {c.header} » : indicateur « {code} » absent du catalogue")
        if (code or None) == c.indicator:
            columns.append(c)
        else:
            columns.append(dataclasses.replace(c, indicator=code or None, label=labels.get(code, ""),
                                               confidence=PROFILE if code else NONE))
    return dataclasses.replace(proposal, columns=columns)


def describe(proposal: Proposal) -> str:
    """The proposal in French, as the CLI prints it."""
    table = proposal_table(proposal)
    widths = {c: min(60, max(len(c), *(len(str(v)) for v in table[c]))) for c in TABLE_COLUMNS}

    def line(values) -> str:
        return "  " + " | ".join(str(v)[:widths[c]].ljust(widths[c]) for c, v in zip(TABLE_COLUMNS, values))

    where = f"feuille « {proposal.sheet} », " if proposal.sheet else ""
    source = {YEAR_OPTION: "--annee", YEAR_HEADER: "les en-têtes", YEAR_TITLE: "le titre",
              YEAR_FILE_NAME: "le nom du fichier"}.get(proposal.year_source or "", "")
    year = f"{proposal.year} (d'après {source})" if proposal.year else "introuvable (la donner avec --annee N)"
    level = "départements" if proposal.level == LEVEL_DEP else "EPCI"
    out = [(f"Correspondance proposée ({where}en-tête ligne {proposal.header_row + 1}, territoires : colonne "
            f"« {proposal.territory_header} » ({level}), année {year}) :"),
           line(TABLE_COLUMNS), "  " + "-+-".join("-" * widths[c] for c in TABLE_COLUMNS)]
    out += [line(r) for r in table.itertuples(index=False)]
    n = len(proposal.mapped)
    out.append(f"{n} colonne(s) associée(s) à un indicateur, {len(proposal.unmatched)} sans indicateur.")
    headers = {c.key: c.header for c in proposal.columns}
    for key, factor in proposal.conversions.items():
        out.append(f"Conversion : les valeurs de « {headers.get(key, key)} » sont multipliées par {factor:g} "
                   "(part écrite en fraction, attendue en %).")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------------------------
# From bytes: peek, recognise, import


@dataclass
class Recognised:
    sheet: Sheet
    proposal: Proposal
    profile: Profile | None
    notes: list[Finding] = field(default_factory=list)  # the reader's warnings: hidden sheets, rows, columns


def recognise(data: bytes, file_name: str, file_format: str, *, workbook: Workbook | None = None,
              year: int | None = None,
              catalogue: pd.DataFrame | None = None, directory: Path | None = None) -> Recognised | None:
    """A table with a territory column and numbers that no importer knows: the proposal for it, with the saved
    profile of the same headers applied when there is one. None when the file is not such a table."""
    try:  # the file as import_file already read it (read once), else read here
        book = workbook or read_workbook(data, file_name, settings().max_file_bytes)
    except UnreadableFile:  # reported by the returns importer, with its wording
        return None
    sheets = book.sheets
    found = [s for s in sheets if (t := find_table(s.cells)) is not None and not _looks_like_returns(s.cells, t[0])]
    if not found:
        return None
    sheet = found[0]
    catalogue = catalogue_frame() if catalogue is None else catalogue
    try:
        proposal = propose(sheet.cells, catalogue, file_name=file_name, sheet=sheet.name, year=year)
    except MappingError:
        return None
    profile = find_profile(proposal.signature, load_profiles(directory))
    if profile is not None:
        proposal = apply_profile(proposal, profile, catalogue, sheet.cells, year)
    return Recognised(sheet, proposal, profile, list(book.notes))


def _confirm_message(proposal: Proposal) -> str:
    if not proposal.mapped:
        return ("mise en page inconnue : aucune colonne ne correspond à un indicateur du catalogue (voir le tableau "
                "ci-dessus) ; rien n'a été écrit. Associez les colonnes sur la page Importer, ou dans un profil "
                "data/profils/*.toml (docs/formats.md).")
    return ("mise en page inconnue : Levier propose la correspondance ci-dessus (colonne de territoires, année, "
            "indicateurs) et n'a rien écrit. Pour l'appliquer : relancer avec --accepter-correspondance"
            + ("" if proposal.year else " --annee N") + " (et --profil NOM pour nommer le profil enregistré, "
            "réutilisé ensuite sans question) ; sur la page Importer, valider le tableau de correspondance.")


def import_recognised(db: Database, data: bytes, file_name: str, rec: Recognised, *, save_as: str | None,
                      dry_run: bool = False, imported_by: str | None = None,
                      directory: Path | None = None) -> ImportReport:
    """A confirmed mapping (or a saved profile) applied: facts validated whole, written through the one writer and
    journaled; the profile saved (as `save_as`) once the import went through."""
    started = now()
    proposal = rec.proposal
    current = set(db.read(Query.CURRENT_EPCI_CODES)["code"]) if proposal.level == LEVEL_EPCI else None
    facts, errors, warnings, rows = mapped_facts(proposal, rec.sheet.cells, current_epci=current,
                                                 types=rec.sheet.types)
    warnings = [*rec.notes, *warnings]
    public = bool(len(facts)) and facts["indicator"].str.startswith("STAT-").all()
    report = ImportReport(
        file=file_name, kind=KIND_STAT if public or not len(facts) else KIND_RETURNS,
        file_format=f"profil {proposal.profile}" if proposal.profile else "correspondance",
        rows_read=rows, rows_accepted=len(facts), errors=errors, warnings=warnings,
    )
    report = finish_import(db, report, data, facts_writer(facts, False), started=started, dry_run=dry_run,
                           imported_by=imported_by)
    if save_as and not report.errors and not dry_run:
        path = save_profile(proposal, save_as, directory)
        report.message += f" Correspondance enregistrée comme profil « {path.stem} » ({path})."
    elif proposal.profile and not report.errors:
        report.message += f" Profil « {proposal.profile} » appliqué (mêmes en-têtes)."
    return report


def import_proposal(db: Database, data: bytes, file_name: str, proposal: Proposal, *, save_as: str | None,
                    dry_run: bool = False, imported_by: str | None = None,
                    directory: Path | None = None) -> ImportReport:
    """The Importer page's « Confirmer »: the proposal as the user edited it (proposal_from_table), applied to the
    uploaded bytes and saved as profile `save_as`."""
    book = read_workbook(data, file_name, settings().max_file_bytes)
    sheet = next((s for s in book.sheets if s.name == proposal.sheet), book.sheets[0])
    rec = Recognised(sheet, proposal, None, list(book.notes))
    return import_recognised(db, data, file_name, rec, save_as=save_as,
                             dry_run=dry_run, imported_by=imported_by, directory=directory)


def import_mapped(db: Database, data: bytes, file_name: str, file_format: str,
                  request: MappingRequest | None = None, *, dry_run: bool = False,
                  imported_by: str | None = None, directory: Path | None = None,
                  workbook: Workbook | None = None) -> ImportReport | None:
    """The unknown-layout fallback of detect.import_file. None when the file is no table of territories and
    numbers (the returns importer then says why); a saved profile applies at once; otherwise the proposal is
    printed and applied only when the user accepted it."""
    request = request or MappingRequest()
    rec = recognise(data, file_name, file_format, workbook=workbook, year=request.year, directory=directory)
    if rec is None:
        return None
    proposal = rec.proposal
    if rec.profile is not None:
        return import_recognised(db, data, file_name, rec, save_as=None, dry_run=dry_run, imported_by=imported_by,
                                 directory=directory)
    if not request.accept:
        public = all(c.indicator.startswith("STAT-") for c in proposal.mapped)
        return ImportReport(file=file_name, kind=KIND_STAT if public else KIND_RETURNS, file_format="correspondance",
                            message=describe(proposal),
                            errors=[Finding(file_name, _confirm_message(proposal), sheet=proposal.sheet,
                                            row=proposal.header_row + 1)],
                            proposal=proposal)
    return import_recognised(db, data, file_name, rec, save_as=request.profile or profile_name(file_name),
                             dry_run=dry_run, imported_by=imported_by, directory=directory)
