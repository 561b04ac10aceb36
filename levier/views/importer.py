"""The Importer page without Streamlit: check a file and list every value it would change (old → new), import it,
and build the return templates (long and grille) pre-filled for a territory and a programme."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

import pandas as pd
import xlsxwriter

from levier.core import fmt
from levier.core.config import settings
from levier.core.periods import month_of, year_of
from levier.ingest import panorama
from levier.ingest.detect import KIND_AUTO, KIND_LABELS, import_file
from levier.views import derived
from levier.ingest.journal import content_hash
from levier.ingest import mapping, readers
from levier.ingest.mapping import MappingError, Proposal
from levier.ingest.report import (
    STATUS_DRY_RUN,
    STATUS_IMPORTED,
    Finding,
    ImportReport,
    findings_frame,
    first_findings_text,
)
from levier.store.db import Database, Query
from levier.views.selection import Selection

# Re-exported for the page, which reads widgets and calls this module only.
__all__ = ["KIND_AUTO", "KIND_LABELS", "STATUS_IMPORTED", "FileCheck", "ReturnTemplate", "check_file",
           "confirm_import", "first_findings_text"]

# Missing-value markers as the returns format documents them (docs/formats.md).
MARKER_LABELS = {"s": "secret statistique", "nd": "non disponible", "nc": "non communiqué", "so": "sans objet"}
MEASURE_LABELS = {"valeur": "Valeur", "cible": "Cible"}
CHANGE_COLUMNS = ["Territoire", "Indicateur", "Libellé", "Année", "Mesure", "Valeur actuelle", "Nouvelle valeur",
                  "Changement"]
# The table of findings shows this many; the full list is always downloadable.
FINDINGS_SHOWN = 1_000


# --- checking and importing a file ---------------------------------------------------------------------------------


@dataclass
class FileCheck:
    """What the page shows after a simulated import: the report, and every value that would change."""

    report: ImportReport
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    new: int = 0  # values for a key nothing was stored for
    modified: int = 0  # values replacing a different stored value (or missing-value reason, or comment)
    identical: int = 0  # rows of the file equal to what is stored: not written
    other_changes: int = 0  # rows an import of another kind would write (funding, variants, service points)

    @property
    def can_confirm(self) -> bool:
        return self.report.status == STATUS_DRY_RUN

    def counts_text(self) -> str:
        parts = [f"{self.new} nouvelle(s)", f"{self.modified} modifiée(s)", f"{self.identical} identique(s)"]
        if self.other_changes:
            parts.append(f"{self.other_changes} autre(s) ligne(s) nouvelle(s) ou modifiée(s)")
        return " · ".join(parts)


def max_upload_mb() -> float:
    """Levier's own limit on a file (LEVIER_MAX_FILE_MB), in MB."""
    return settings().max_file_bytes / (1024 * 1024)


def size_text(n_bytes: int) -> str:
    """A file size in French units: '850 o', '12,4 ko', '3,2 Mo'."""
    if n_bytes < 1024:
        return f"{fmt.fmt_int(n_bytes)}{fmt.NBSP}o"
    if n_bytes < 1024 * 1024:
        return f"{fmt.fmt_number(n_bytes / 1024, 1)}{fmt.NBSP}ko"
    return f"{fmt.fmt_number(n_bytes / (1024 * 1024), 1)}{fmt.NBSP}Mo"


def file_key(data: bytes, file_name: str, kind: str) -> tuple[str, str, str]:
    """What a check or an import was made for: the content, its name and the kind chosen."""
    return content_hash(data), file_name, kind


def panorama_template() -> bytes:
    """The panorama workbook template (levier.ingest.panorama)."""
    return panorama.template_bytes()


def _decimals(value: float, unit: str) -> int:
    """Enough decimals to show the value as stored (5 412,7 is not 5 413), never fewer than the unit's own."""
    wanted = fmt.value_decimals(value, unit)
    for d in range(wanted, 7):
        if abs(round(value, d) - value) <= 1e-9 * max(1.0, abs(value)):
            return d
    return 6


def shown_value(value: object, reason: object, unit: object, *, exists: bool = True) -> str:
    """A stored or incoming value as a French reader reads it: '5 412 personnes', '12,3 %', 's (secret
    statistique)'; '–' when nothing is stored."""
    if not exists:
        return fmt.MISSING_TEXT
    unit = unit if isinstance(unit, str) else ""
    v = fmt.as_float(value)
    if math.isnan(v):
        if isinstance(reason, str) and reason:
            return f"{reason} ({MARKER_LABELS.get(reason, 'valeur manquante')})"
        return "vide"
    return fmt.fmt_value(v, unit, _decimals(v, unit))


def _change_kind(is_new: bool, old_value, new_value, old_reason, new_reason) -> str:
    if is_new:
        return "nouvelle"
    old, new = fmt.as_float(old_value), fmt.as_float(new_value)
    if not (old == new or (math.isnan(old) and math.isnan(new))):
        return "valeur modifiée"
    if (old_reason or None) != (new_reason or None):
        return "motif de valeur manquante modifié"
    return "commentaire modifié"


def changes_display(changes: pd.DataFrame | None) -> pd.DataFrame:
    """Rows of Query.IMPORT_CHANGES as the preview table: every value the import would write, old → new."""
    if changes is None or changes.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    col = {c: changes[c].tolist() for c in ("is_new", "unit", "old_value", "old_missing_reason", "new_value",
                                             "new_missing_reason")}
    rows = list(zip(col["is_new"], col["unit"], col["old_value"], col["old_missing_reason"], col["new_value"],
                    col["new_missing_reason"]))
    shown: dict[tuple, str] = {}  # a national file repeats its values: each one is laid out once

    def cached(value, reason, unit, exists: bool = True) -> str:
        key = (value, reason, unit, exists)
        if key not in shown:
            shown[key] = shown_value(value, reason, unit, exists=exists)
        return shown[key]

    names = changes["territory_name"].fillna("")
    frame = pd.DataFrame({
        "Territoire": (changes["territory_code"] + " – " + names).str.rstrip(" –"),
        "Indicateur": changes["indicator"],
        "Libellé": changes["indicator_label"].fillna(""),
        # A monthly value (period YYYYMM) shows its year and its month (column « Mois »), never 202010 as a year.
        "Année": [year_of(int(p)) for p in changes["period"]],
        "Mois": [fmt.MONTHS[m - 1] if (m := month_of(int(p))) else "" for p in changes["period"]],
        "Mesure": changes["measure"].map(MEASURE_LABELS).fillna(changes["measure"]),
        "Valeur actuelle": [cached(old, old_r, unit, not is_new) for is_new, unit, old, old_r, _, _ in rows],
        "Nouvelle valeur": [cached(new, new_r, unit) for _, unit, _, _, new, new_r in rows],
        "Changement": [_change_kind(is_new, old, new, old_r, new_r) for is_new, _, old, old_r, new, new_r in rows],
    })
    return frame if frame["Mois"].ne("").any() else frame.drop(columns="Mois")  # « Mois » for monthly files only


def check_file(db: Database, data: bytes, file_name: str, kind: str = KIND_AUTO) -> FileCheck:
    """The simulation the page shows before « Confirmer » (nothing is written)."""
    report = import_file(db, data, file_name, kind=kind, dry_run=True)
    if report.status != STATUS_DRY_RUN:
        return FileCheck(report)
    changes = report.changes if report.changes is not None else pd.DataFrame(columns=["is_new"])
    new = int(changes["is_new"].sum()) if len(changes) else 0
    return FileCheck(
        report,
        changes_display(changes),
        new=new,
        modified=len(changes) - new,
        identical=max(report.rows_accepted - report.rows_changed, 0),
        other_changes=max(report.rows_changed - len(changes), 0),
    )


def mapping_proposal(report: ImportReport, data: bytes, file_name: str) -> Proposal | None:
    """The proposed mapping of a file in a layout Levier does not know (a table of territories and numbers), for the
    page's editable table; None for any other outcome of the check."""
    if report.file_format != "correspondance":
        return None
    if isinstance(report.proposal, Proposal):
        return report.proposal
    rec = mapping.recognise(data, file_name, readers.sniff_format(data, file_name))
    return None if rec is None else rec.proposal


def mapping_table(proposal: Proposal) -> pd.DataFrame:
    return mapping.proposal_table(proposal)


def mapping_note(proposal: Proposal) -> str:
    """Where the table and its year were found, in French, above the editable table."""
    where = f"feuille « {proposal.sheet} », " if proposal.sheet else ""
    level = "départements" if proposal.level == mapping.LEVEL_DEP else "EPCI"
    source = {mapping.YEAR_OPTION: "indiquée ci-dessous", mapping.YEAR_HEADER: "d'après les en-têtes",
              mapping.YEAR_TITLE: "d'après le titre", mapping.YEAR_FILE_NAME: "d'après le nom du fichier"}
    year = (f"année {proposal.year} ({source.get(proposal.year_source or '', 'trouvée')})"
            if proposal.year else "année introuvable : indiquez-la ci-dessous")
    return (f"Mise en page inconnue : Levier propose de lire ce tableau ({where}en-tête ligne "
            f"{proposal.header_row + 1}) comme des valeurs par {level}, territoires en colonne "
            f"« {proposal.territory_header} », {year}. Vérifiez l'indicateur de chaque colonne (effacez-le pour "
            "ignorer la colonne, ou saisissez un autre code du catalogue), puis appliquez.")


def apply_mapping(db: Database, data: bytes, file_name: str, proposal: Proposal, edited: pd.DataFrame,
                  year: int | None, profile: str, imported_by: str) -> ImportReport:
    """« Appliquer la correspondance »: the edited table applied to the file, written through the one writer and
    saved as profile `profile` (reused next time without a question). A bad edit is a refused report, in French."""
    if year and year != proposal.year:  # the year the user gave wins over the one found (as --annee does)
        rec = mapping.recognise(data, file_name, readers.sniff_format(data, file_name), year=int(year))
        proposal = rec.proposal if rec is not None else proposal
    try:
        confirmed = mapping.proposal_from_table(proposal, edited)
    except MappingError as exc:
        return ImportReport(file=file_name, kind="correspondance", errors=[Finding(file_name, str(exc))])
    return mapping.import_proposal(db, data, file_name, confirmed, save_as=profile or mapping.profile_name(file_name),
                                   imported_by=imported_by)


def default_profile_name(file_name: str) -> str:
    return mapping.profile_name(file_name)


def confirm_import(db: Database, data: bytes, file_name: str, kind: str, imported_by: str) -> ImportReport:
    """The import itself, after « Confirmer » (the file is validated again: the base may have moved on), then the
    publication step (the pages' derived tables, for the data as it now is)."""
    report = import_file(db, data, file_name, kind=kind, imported_by=imported_by)
    if not report.errors:
        derived.refresh(db)
    return report


def _shown_findings(findings: list[Finding]) -> pd.DataFrame:
    """The findings as the page shows them: a place a finding does not have (a whole-file warning has no sheet, row
    or column) left blank, never printed « None », and a row number as the spreadsheet shows it (12, not 12.0)."""
    table = findings_frame(findings)
    for col in table.columns:
        table[col] = [("" if v is None or v != v else f"{int(v)}" if isinstance(v, float) else str(v))
                      for v in table[col].astype(object)]
    return table


def findings_table(findings: list[Finding], total: int | None = None) -> tuple[pd.DataFrame, str | None]:
    """The findings the page's table shows (the first FINDINGS_SHOWN), and a note when some are left out.

    `total`: how many there are in all (a rejected file keeps only the first of each rule built, the rest
    counted: ImportReport.error_count)."""
    total = len(findings) if total is None else total
    shown = _shown_findings(findings[:FINDINGS_SHOWN])
    if total <= len(shown):
        return shown, None
    return shown, (f"Les {fmt.fmt_int(len(shown))} premières sur {fmt.fmt_int(total)} : la liste "
                   "complète est dans le fichier téléchargeable.")


def findings_download(report: ImportReport) -> pd.DataFrame:
    """Every error of a refused file, one row each (those only counted are built now), as the downloadable list
    (file, sheet, row, column, reason)."""
    return pd.DataFrame([f.as_row() for f in report.all_errors()],
                        columns=["fichier", "feuille", "ligne", "colonne", "motif"])


# --- templates -------------------------------------------------------------------------------------------------

LONG_HEADER = ["territoire", "indicateur", "libelle", "unite", "periode", "valeur", "cible", "annee_cible",
               "commentaire", "date_transmission"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass(frozen=True)
class TemplateTerritory:
    level: str  # 'departement' | 'epci' (a métropole)
    code: str
    name: str

    @property
    def label(self) -> str:
        kind = "métropole" if self.level == "epci" else "département"
        return f"{self.name} ({kind}, {self.code})"


def template_territory(db: Database, sel: Selection) -> TemplateTerritory | None:
    """The territory of the sidebar selection that sends returns: the métropole selected, else the département
    (the département of a selected EPCI that is not a métropole); None for a région or all of France."""
    senders = db.read(Query.IMPORT_CONTEXT_TERRITORIES)
    names = {(lvl, code): name for lvl, code, name in zip(senders["level"], senders["code"], senders["name"])}
    for level, code in (("epci", sel.epci), ("departement", sel.dep)):
        if code and (level, code) in names:
            return TemplateTerritory(level, code, str(names[(level, code)]))
    return None


def template_programmes(db: Database) -> dict[str, str]:
    """Programmes territories send returns for (public statistics are imported from INSEE, not returned)."""
    prog = db.read(Query.PROGRAMME_YEARS)
    columns = prog[["code", "label", "first_year", "last_year", "due_date"]]
    return {c: f"{c} – {lbl} ({a}–{b})" for c, lbl, a, b, due in columns.itertuples(index=False)
            if isinstance(due, str) and due}


@dataclass(frozen=True)
class ReturnTemplate:
    """A return to fill for one territory and one programme: its indicators (codes, labels, units) and years."""

    territory: TemplateTerritory
    programme: str
    first_year: int
    last_year: int
    indicators: pd.DataFrame  # code, label, unit: what a territory types (derived ratios left out)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def stem(self, layout: str) -> str:
        return f"modele_retours_{layout}_{self.programme}_{self.territory.code}"

    def long_rows(self) -> pd.DataFrame:
        """One row per indicator and year, value columns blank (the long layout of docs/formats.md)."""
        ind = self.indicators
        rows = [
            (self.territory.code, code, label, unit, year)
            for code, label, unit in zip(ind["code"], ind["label"], ind["unit"])
            for year in self.years
        ]
        frame = pd.DataFrame(rows, columns=LONG_HEADER[:5])
        for col in LONG_HEADER[5:]:
            frame[col] = ""
        return frame

    def notes(self) -> list[str]:
        """The instructions printed in the templates (French)."""
        t = self.territory
        return [
            f"Retour d'indicateurs {self.programme} ({self.first_year}–{self.last_year}) de {t.label}.",
            "Saisissez une valeur par indicateur et par année ; laissez vide ce qui n'est pas transmis (rien "
            "n'est enregistré pour une cellule vide).",
            "Valeur manquante : s (secret statistique), nd (non disponible), nc (non communiqué), so (sans objet).",
            "Pourcentages (unité %) : saisissez le pourcentage, 12,3 pour 12,3 %. Effectifs : des nombres entiers.",
            "Les ratios calculés par Levier (part des…) ne figurent pas : saisissez leur numérateur et leur "
            "dénominateur.",
            "Cible (format long seulement) : une par indicateur, sur une seule de ses lignes, avec son année "
            f"d'échéance dans annee_cible (par défaut {self.last_year}).",
            "Ne modifiez ni les codes (territoire, indicateur) ni les en-têtes ; les colonnes libelle et unite sont "
            "là pour vous guider et ne sont pas importées.",
            "Déposez ensuite le fichier sur la page Importer : Levier montre chaque valeur qui changera avant que "
            "vous confirmiez.",
        ]

    def long_csv(self) -> bytes:
        """The long layout as a French CSV (semicolon, UTF-8 with BOM for Excel)."""
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        writer.writerow(LONG_HEADER)
        writer.writerows(self.long_rows().itertuples(index=False))
        return buf.getvalue().encode("utf-8-sig")

    def long_xlsx(self) -> bytes:
        """The long layout as a workbook: sheet « retours » to fill, then « mode d'emploi »."""
        buf = io.BytesIO()
        book = xlsxwriter.Workbook(buf, {"in_memory": True})
        styles = _styles(book)
        sheet = book.add_worksheet("retours")
        rows = self.long_rows()
        widths = [12, 20, 70, 11, 9, 12, 12, 12, 40, 18]
        for j, (name, width) in enumerate(zip(LONG_HEADER, widths)):
            sheet.write_string(0, j, name, styles["header"])
            sheet.set_column(j, j, width, styles["text"] if j < 4 else None)
        for i, rec in enumerate(rows.itertuples(index=False), start=1):
            sheet.write_string(i, 0, rec.territoire, styles["text"])
            sheet.write_string(i, 1, rec.indicateur, styles["text"])
            sheet.write_string(i, 2, rec.libelle, styles["muted"])
            sheet.write_string(i, 3, rec.unite, styles["muted"])
            sheet.write_number(i, 4, rec.periode)
        last = len(rows)
        years = {"validate": "integer", "criteria": "between", "minimum": self.first_year,
                 "maximum": self.last_year, "error_title": "Année hors du programme",
                 "error_message": f"Une année de {self.first_year} à {self.last_year}."}
        sheet.data_validation(1, 4, last, 4, years)
        sheet.data_validation(1, 7, last, 7, years)
        sheet.data_validation(1, 5, last, 6, {
            "validate": "any", "input_title": "Valeur",
            "input_message": "Un nombre, ou s, nd, nc, so pour une valeur manquante ; vide si non transmise.",
        })
        sheet.set_column(9, 9, 18, styles["date"])
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, last, len(LONG_HEADER) - 1)
        _notes_sheet(book, styles, self.notes())
        book.close()
        return buf.getvalue()

    def grille_xlsx(self) -> bytes:
        """The grille layout (annexe 9): one sheet for the territory, a row per indicator, a column per year."""
        t = self.territory
        buf = io.BytesIO()
        book = xlsxwriter.Workbook(buf, {"in_memory": True})
        styles = _styles(book)
        sheet = book.add_worksheet(f"{t.code} - {t.name}".translate(_SHEET_FORBIDDEN)[:31].strip())
        sheet.write_string(0, 0, "Territoire", styles["header"])
        sheet.write_string(0, 1, t.code, styles["text"])
        sheet.write_string(0, 2, t.name, styles["muted"])
        sheet.write_string(1, 0, "Date de transmission", styles["header"])
        sheet.write_blank(1, 1, None, styles["date"])
        sheet.write_string(2, 2, " ".join(self.notes()[1:4]), styles["note"])
        header = 4
        sheet.write_string(header, 0, "Code", styles["header"])
        sheet.write_string(header, 1, "Indicateur", styles["header"])
        sheet.write_string(header, 2, "Unité", styles["header"])
        for j, year in enumerate(self.years, start=3):
            sheet.write_string(header, j, str(year), styles["header"])
        ind = self.indicators
        for i, (code, label, unit) in enumerate(zip(ind["code"], ind["label"], ind["unit"]), start=header + 1):
            sheet.write_string(i, 0, code, styles["text"])
            sheet.write_string(i, 1, label, styles["muted"])
            sheet.write_string(i, 2, unit, styles["muted"])
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 1, 70)
        sheet.set_column(2, 2, 11)
        sheet.set_column(3, 2 + len(self.years), 11)
        sheet.data_validation(header + 1, 3, header + len(ind), 2 + len(self.years), {
            "validate": "any", "input_title": "Valeur",
            "input_message": "Un nombre, ou s, nd, nc, so pour une valeur manquante ; vide si non transmise.",
        })
        sheet.freeze_panes(header + 1, 3)
        book.close()
        return buf.getvalue()


def _styles(book) -> dict:
    return {
        "header": book.add_format({"bold": True, "bg_color": "#E3E3FD", "border": 1}),
        "text": book.add_format({"num_format": "@"}),
        "muted": book.add_format({"font_color": "#3A3A3A", "num_format": "@"}),
        "note": book.add_format({"italic": True, "font_color": "#3A3A3A"}),
        "date": book.add_format({"num_format": "dd/mm/yyyy"}),
    }


def _notes_sheet(book, styles: dict, notes: list[str]) -> None:
    sheet = book.add_worksheet("mode d'emploi")
    sheet.set_column(0, 0, 120)
    sheet.write_string(0, 0, "Mode d'emploi", styles["header"])
    for i, line in enumerate(notes, start=2):
        sheet.write_string(i, 0, line)


def return_template(db: Database, territory: TemplateTerritory, programme: str) -> ReturnTemplate:
    """The template of one programme for one territory: the national grid's indicators and the territory's own,
    in catalogue order, derived ratios left out (Levier computes them)."""
    cat = db.read(Query.INDICATOR_CATALOGUE)
    own = cat["territory"].isna() | cat["territory"].eq(territory.code)
    typed = cat["numerator"].isna() | cat["numerator"].eq("") | cat["denominator"].isna()
    ind = cat[(cat["programme"] == programme) & own & typed][["code", "label", "unit"]].reset_index(drop=True)
    prog = db.read(Query.PROGRAMME_YEARS).set_index("code")
    first, last = (int(prog.at[programme, "first_year"]), int(prog.at[programme, "last_year"]))
    return ReturnTemplate(territory, programme, first, last, ind.fillna(""))
