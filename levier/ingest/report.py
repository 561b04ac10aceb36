"""Validation findings and import reports, worded in French for the person who sent the file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Finding:
    """One problem in an input file, located as precisely as the format allows (row numbers are 1-based,
    as a spreadsheet shows them)."""

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

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

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        d = asdict(self)
        d["errors"] = [e.as_row() for e in self.errors]
        d["warnings"] = [w.as_row() for w in self.warnings]
        return d

    def summary(self) -> str:
        """The French text the CLI prints and the Import page shows above the error table."""
        lines = [f"Fichier « {self.file} » ({self.kind}{', format ' + self.file_format if self.file_format else ''}) : {self.status}."]
        if self.message:
            lines.append(self.message)
        lines.append(
            f"{self.rows_read} ligne(s) lue(s), {self.rows_accepted} valeur(s) acceptée(s), "
            f"{self.rows_changed} nouvelle(s) ou modifiée(s)."
        )
        if self.errors:
            lines.append(f"{len(self.errors)} erreur(s) — le fichier est refusé en entier, rien n'a été écrit :")
            lines.extend(f"  - {e}" for e in self.errors)
        if self.warnings:
            lines.append(f"{len(self.warnings)} avertissement(s) :")
            lines.extend(f"  - {w}" for w in self.warnings)
        return "\n".join(lines)


def findings_frame(findings: list[Finding]):
    """The error or warning list as the table the Import page shows and lets the user download."""
    return pd.DataFrame(
        [f.as_row() for f in findings], columns=["fichier", "feuille", "ligne", "colonne", "motif"]
    ).rename(columns=str.capitalize)


def first_findings_text(findings: list[Finding], limit: int = 10) -> str:
    """The first findings as a readable list (the full list follows as a table and a download)."""
    lines = [f"- {f.where()} : {f.message}" for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"- … et {len(findings) - limit} autre(s) erreur(s) dans le tableau ci-dessous.")
    return "\n".join(lines)
