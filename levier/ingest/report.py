"""Validation findings and import reports, worded in French for the person who sent the file."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from levier.core.fmt import fmt_int

# A rejected file's journal row keeps its first 1,000 errors (and warnings) and how many there were per rule; the
# full list lives only in the report in memory (the Importer page offers it for download at rejection time).
FINDINGS_KEPT = 1000
FINDING_COLUMNS = ["fichier", "feuille", "ligne", "colonne", "motif"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in an input file, located as precisely as the format allows (row numbers are 1-based,
    as a spreadsheet shows them)."""

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    rule: str | None = field(default=None, compare=False)  # short stable id of the rule broken ('territoire', 'doublon'…); not part of what a finding says

    @property
    def rule_name(self) -> str:
        """The rule it counts under: its id, or else the first words of its message ('autre' when none)."""
        return self.rule or _first_words(self.message)

    def where(self) -> str:
        parts = [f"fichier « {self.file} »"]
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.row is not None:
            parts.append(f"ligne {self.row}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where()} : {self.message}"

    def as_row(self) -> dict:
        return {
            "fichier": self.file,
            "feuille": self.sheet,
            "ligne": self.row,
            "colonne": self.column,
            "motif": self.message,
        }


_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _first_words(message: str) -> str:
    """« territoire inconnu « 99 » : … » -> 'territoire inconnu': up to three words before the first colon or
    figure, quoted cells left out ('autre' when no word is left)."""
    text = re.sub(r"«[^»]*»", " ", message)
    words = _WORDS.findall(re.split(r"[:;(\d]", text, maxsplit=1)[0])[:3] or _WORDS.findall(text)[:3]
    return " ".join(words).lower() or "autre"


@dataclass(frozen=True)
class MoreFindings:
    """Findings of one rule past the ones built: counted, built only when the full list is asked for."""

    rule: str
    count: int
    build: Callable[[], Iterable[Finding]]


class Findings(list):
    """Findings where a rule with very many bad rows has only its first ones built; the rest are counted in `more`.

    `+=` keeps the `more` of the list added, so validation code appends and extends it as a plain list."""

    def __init__(self, items: Iterable[Finding] = (), more: Iterable[MoreFindings] = ()) -> None:
        super().__init__(items)
        self.more: list[MoreFindings] = list(more)

    def __add__(self, other: Iterable[Finding]) -> Findings:
        return Findings([*self, *other], [*self.more, *getattr(other, "more", ())])

    def __iadd__(self, other: Iterable[Finding]) -> Findings:
        self.extend(other)
        self.more.extend(getattr(other, "more", ()))
        return self

    def unique_sorted(self) -> Findings:
        """Each finding once (a grid row at fault in several year columns is one error), by sheet then row."""
        return Findings(sorted(dict.fromkeys(self), key=lambda f: (f.sheet or "", f.row or 0)), self.more)


def _counts(built: list[Finding], more: Iterable[MoreFindings]) -> dict[str, int]:
    counts = Counter(f.rule_name for f in built)
    for m in more:
        counts[m.rule] += m.count
    return dict(counts.most_common())


def _table(findings: Iterable[Finding]) -> pd.DataFrame:
    rows = [(f.file, f.sheet, f.row, f.column, f.message, f.rule_name) for f in findings]
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS + ["règle"])
    return frame.astype({"ligne": "Int64"}).rename(columns=str.capitalize)


def _shorten(value: object, limit: int = 80) -> object:
    """A cell quoted in a message, cut as readers.shorten cuts it (readers imports this module, not the reverse)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[: limit - 20]}… ({len(value)} caractères)"
    return value


class _Row:
    """One bad row as a message sees it (`r['territory']`), each cell shortened; columns read only when asked."""

    __slots__ = ("_columns", "_i")

    def __init__(self, columns: _Columns, i: int) -> None:
        self._columns, self._i = columns, i

    def __getitem__(self, name: str) -> object:
        return _shorten(self._columns[name][self._i])

    @property
    def name(self) -> object:
        """The row's index label in `raw`, as iterrows gives it: messages kept beside raw (a parser's reasons) are
        looked up by it, unshortened."""
        return self._columns.label(self._i)


class _Columns(dict):
    """The cells of some bad rows, one column at a time: turned into Python objects only for the columns used."""

    def __init__(self, series: dict[str, pd.Series], positions: np.ndarray, index: pd.Index) -> None:
        super().__init__()
        self._series, self._positions, self._index = series, positions, index

    def label(self, i: int) -> object:
        return self._index[self._positions[i]]

    def __missing__(self, name: str) -> np.ndarray:
        values = self[name] = self._series[name].take(self._positions).to_numpy(dtype=object)
        return values


def row_findings(
    raw: pd.DataFrame, mask, file_name: str, column: str, make_message: Callable[[_Row], str], rule: str | None = None,
) -> Findings:
    """The rows of `raw` flagged in `mask`, as findings sorted by sheet and row, one per (sheet, row, column).

    `raw` has a 'sheet' and a 'row' column (1-based); `column` names the column whose cell gives each finding's
    column label (or is the label itself); `make_message(r)` reads the row's cells as `r['name']`.

    Only the first FINDINGS_KEPT are built (make_message called per row); the others are counted under `rule`
    and built only if the full list is asked for: a 700,000-row bad file costs a count, not 700,000 messages."""
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if not idx.size:
        return Findings()
    sheet_codes, sheet_names = pd.factorize(raw["sheet"].take(idx).fillna(""), sort=True)
    rows = raw["row"].to_numpy()[idx]
    if column in raw.columns:
        col_codes, col_names = pd.factorize(raw[column].take(idx), use_na_sentinel=False)
    else:
        col_codes, col_names = np.zeros(len(idx), dtype=np.intp), np.array([column], dtype=object)
    if len(idx) > 1 and (np.any(rows[1:] < rows[:-1]) or np.any(sheet_codes[1:] != sheet_codes[:-1])):
        order = np.lexsort((rows, sheet_codes))
        idx, sheet_codes, rows, col_codes = idx[order], sheet_codes[order], rows[order], col_codes[order]
    if len(idx) > 1:  # a grid row at fault in several year columns is one finding
        again = np.r_[False, (rows[1:] == rows[:-1]) & (sheet_codes[1:] == sheet_codes[:-1])
                      & (col_codes[1:] == col_codes[:-1])]
        if again.any():
            idx, sheet_codes, rows, col_codes = idx[~again], sheet_codes[~again], rows[~again], col_codes[~again]
    index = raw.index
    series = {c: raw[c] for c in raw.columns}  # copy-on-write: later changes to raw do not reach these
    sheets = [name or None for name in sheet_names]
    columns_of = [str(name) for name in col_names]

    def build(start: int, stop: int) -> Iterator[Finding]:
        cells = _Columns(series, idx[start:stop], index)
        for k in range(stop - start):
            i = start + k
            yield Finding(file_name, make_message(_Row(cells, k)), sheets[sheet_codes[i]], int(rows[i]),
                          columns_of[col_codes[i]], rule)

    kept = min(len(idx), FINDINGS_KEPT)
    more = []
    if len(idx) > kept:
        counted_as = rule or next(build(kept, kept + 1)).rule_name
        more = [MoreFindings(counted_as, len(idx) - kept, lambda: build(kept, len(idx)))]
    return Findings(build(0, kept), more)


STATUS_IMPORTED = "importé"
STATUS_REJECTED = "rejeté"
STATUS_ALREADY = "déjà importé"
STATUS_DRY_RUN = "vérifié (simulation)"


@dataclass
class ImportReport:
    file: str
    kind: str
    file_format: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_changed: int = 0
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    status: str = STATUS_REJECTED
    import_id: int | None = None
    message: str = ""
    # A simulation's old → new values (levier.ingest.journal: one row per fact the import would write), else None.
    changes: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    # Findings counted but not built (a rule with more bad rows than FINDINGS_KEPT): taken from `errors` and
    # `warnings` when they are Findings lists, kept here when those lists are replaced.
    more_errors: list[MoreFindings] = field(default_factory=list)
    more_warnings: list[MoreFindings] = field(default_factory=list)
    # The mapping Levier proposes for a file in an unknown layout (a levier.ingest.mapping.Proposal; typed loosely
    # because mapping imports this module), so the Importer page shows it without reading the file again.
    proposal: object | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.more_errors = self.more_errors + list(getattr(self.errors, "more", ()))
        self.more_warnings = self.more_warnings + list(getattr(self.warnings, "more", ()))

    @property
    def ok(self) -> bool:
        return not self.errors and not self.more_errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(m.count for m in self.more_errors)

    @property
    def warning_count(self) -> int:
        return len(self.warnings) + sum(m.count for m in self.more_warnings)

    def error_counts(self) -> dict[str, int]:
        """How many errors per rule, most frequent first (every error, built or only counted)."""
        return _counts(self.errors, self.more_errors)

    def warning_counts(self) -> dict[str, int]:
        return _counts(self.warnings, self.more_warnings)

    def all_errors(self) -> Iterator[Finding]:
        """Every error: the ones built, then the others of each rule, built now (and renamed to this file)."""
        yield from self.errors
        for m in self.more_errors:
            for f in m.build():
                yield f if f.file == self.file else _renamed(f, self.file)

    def all_warnings(self) -> Iterator[Finding]:
        yield from self.warnings
        for m in self.more_warnings:
            for f in m.build():
                yield f if f.file == self.file else _renamed(f, self.file)

    def findings_table(self, warnings: bool = False) -> pd.DataFrame:
        """The full list of errors (or warnings) as a table with French headers, the rule last."""
        return _table(self.all_warnings() if warnings else self.all_errors())

    def findings_csv(self, warnings: bool = False) -> bytes:
        """The full list as the CSV a French spreadsheet opens (« ; », UTF-8 with BOM), for the download button."""
        return self.findings_table(warnings).to_csv(sep=";", index=False).encode("utf-8-sig")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["errors"] = [e.as_row() for e in self.errors]
        d["warnings"] = [w.as_row() for w in self.warnings]
        d["more_errors"] = {m.rule: m.count for m in self.more_errors}
        d["more_warnings"] = {m.rule: m.count for m in self.more_warnings}
        return d

    def summary(self) -> str:
        """The French text the CLI prints and the Import page shows above the error table (at most the first
        FINDINGS_KEPT errors and warnings, then how many there are per rule)."""
        lines = [f"Fichier « {self.file} » ({self.kind}{', format ' + self.file_format if self.file_format else ''}) : {self.status}."]
        if self.message:
            lines.append(self.message)
        lines.append(
            f"{self.rows_read} ligne(s) lue(s), {self.rows_accepted} valeur(s) acceptée(s), "
            f"{self.rows_changed} nouvelle(s) ou modifiée(s)."
        )
        for total, built, counts, title in (
            (self.error_count, self.errors, self.error_counts, "erreur(s) — le fichier est refusé en entier, rien n'a été écrit"),
            (self.warning_count, self.warnings, self.warning_counts, "avertissement(s)"),
        ):
            if not total:
                continue
            lines.append(f"{fmt_int(total)} {title} :")
            lines.extend(f"  - {f}" for f in built[:FINDINGS_KEPT])
            if total > FINDINGS_KEPT:
                per_rule = " ; ".join(f"{rule} : {fmt_int(n)}" for rule, n in counts().items())
                lines.append(f"  … {fmt_int(total - min(len(built), FINDINGS_KEPT))} autre(s) non affichée(s). "
                             f"Par règle : {per_rule}.")
        return "\n".join(lines)


def _renamed(f: Finding, file: str) -> Finding:
    return Finding(file, f.message, f.sheet, f.row, f.column, f.rule)


def findings_frame(findings: list[Finding]):
    """The error or warning list as the table the Import page shows and lets the user download."""
    return pd.DataFrame([f.as_row() for f in findings], columns=FINDING_COLUMNS).rename(columns=str.capitalize)


def first_findings_text(findings: list[Finding], limit: int = 10) -> str:
    """The first findings as a readable list (the full list follows as a table and a download)."""
    lines = [f"- {f.where()} : {f.message}" for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"- … et {len(findings) - limit} autre(s) erreur(s) dans le tableau ci-dessous.")
    return "\n".join(lines)
