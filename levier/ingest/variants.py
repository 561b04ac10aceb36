"""Definition variants: how each territory actually computes an indicator, read from a variants table (its own file or
a sheet of a returns workbook) and written as data; the comparability verdict is levier.analysis.comparability."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from levier.core.config import CATALOGUE_DIR, settings
from levier.core.text import normalise
from levier.ingest.cells import parse_column
from levier.ingest.journal import finish_import, now
from levier.ingest.readers import Sheet, UnreadableFile, Workbook, read_workbook
from levier.ingest.report import STATUS_IMPORTED, Finding, ImportReport
from levier.ingest.returns import KIND_RETURNS, ImportContext, facts_writer, import_returns, parse_returns
from levier.store.db import Database, Query, Writer

VARIANTS_CSV = CATALOGUE_DIR / "variantes.csv"
VARIANTS_COLUMNS = ("indicateur", "groupe", "dimension", "variante", "libelle", "reference", "description")

KIND_VARIANTS = "variantes de définition"
REF = "REF"
OTHER = "AUTRE"
OTHER_LABEL = "Autre définition (voir la description)"

# A returns workbook may carry its variants on a sheet with one of these names (compared after normalise()).
VARIANT_SHEET_NAMES = {"definitions", "variantes", "variantes de definition", "definitions des indicateurs"}

# Headers of a variants table, compared after normalise(); the first name is the one shown in messages.
VARIANT_COLUMNS: dict[str, tuple[str, ...]] = {
    "territoire": ("territoire", "code territoire", "departement", "code departement", "dep", "code dep"),
    "indicateur": ("indicateur", "code indicateur", "groupe", "indicateur ou groupe"),
    "variante": ("variante", "code variante", "variante de definition", "definition", "definition retenue"),
    "description": ("description", "commentaire", "precisions", "precision"),
    "depuis": ("depuis", "a partir de", "annee de debut", "depuis l annee", "periode de debut"),
}
REQUIRED_VARIANT_COLUMNS = ("territoire", "indicateur", "variante")
_HEADER_LOOKUP = {normalise(alias): canon for canon, aliases in VARIANT_COLUMNS.items() for alias in aliases}
_YEAR = re.compile(r"^(19|20)\d{2}$")
FIRST_YEAR = 2000
# Reader cell types (levier.ingest.readers.Sheet.types) that cannot hold a code or a year: a date, a boolean, a
# formula without a cached value, an Excel error; and a percentage-formatted number (Excel shows « 38 % »: the cell
# holds 0,38, not the code 38). A description may be any text: only formulas and errors are refused there.
_NOT_A_CODE = ("d", "b", "f", "e", "p")
_NOT_A_TEXT = ("f", "e")



# ---------------------------------------------------------------------------------------------------------------
# The reference list shipped with the catalogue
# ---------------------------------------------------------------------------------------------------------------


def known_variants(path: Path | str = VARIANTS_CSV) -> pd.DataFrame:
    """The shipped list (data/catalogue/variantes.csv): per indicator, REF and the known variants by dimension."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in VARIANTS_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{Path(path).name} : colonne(s) manquante(s) {', '.join(missing)}.")
    frame = frame[list(VARIANTS_COLUMNS)].copy()
    frame["reference"] = frame["reference"].str.strip().str.lower().isin({"oui", "true", "1", "vrai"})
    return frame


def validate_known_variants(known: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """Problems in the shipped list, in French (empty when it is consistent with the indicator catalogue)."""
    problems: list[str] = []
    ind = indicators.set_index("code")
    for code in sorted(set(known["indicateur"]) - set(ind.index)):
        problems.append(f"variantes.csv : indicateur « {code} » absent du catalogue.")
    derived = ind[ind["numerator"].fillna("").ne("")].index
    for code in sorted(set(known["indicateur"]) & set(derived)):
        problems.append(f"variantes.csv : « {code} » est un ratio calculé ; déclarez les variantes de ses parties.")
    dup = known[known.duplicated(["indicateur", "variante"], keep=False)]
    for (code, variant), _ in dup.groupby(["indicateur", "variante"]):
        problems.append(f"variantes.csv : variante « {variant} » en double pour {code}.")
    for code, part in known.groupby("indicateur"):
        if not ((part["variante"] == REF) & part["reference"]).any():
            problems.append(f"variantes.csv : {code} n'a pas de ligne REF marquée référence.")
        for dim, sub in part[part["dimension"].ne("")].groupby("dimension"):
            if int(sub["reference"].sum()) != 1:
                problems.append(f"variantes.csv : {code}, dimension « {dim} » : exactement une variante de référence attendue.")
    names = {normalise(x) for x in ind.index} | {normalise(x) for x in ind["label"]}
    for group in sorted(g for g in set(known["groupe"]) if g and normalise(g) in names):
        problems.append(f"variantes.csv : le groupe « {group} » porte le nom d'un indicateur.")
    if (known["variante"] == OTHER).any():
        problems.append(f"variantes.csv : le code {OTHER} est réservé (toute définition non listée).")
    return problems


def variants_for(indicator: str) -> pd.DataFrame:
    """The codes a territory may declare for one indicator, as the page shows them (French column labels)."""
    known = known_variants()
    part = known[known["indicateur"] == indicator]
    if part.empty:
        part = pd.DataFrame([{"indicateur": indicator, "groupe": "", "dimension": "", "variante": REF,
                              "libelle": "Définition de référence", "reference": True,
                              "description": "La définition du catalogue des indicateurs."}])
    other = pd.DataFrame([{"indicateur": indicator, "groupe": part["groupe"].iloc[0], "dimension": "",
                           "variante": OTHER, "libelle": OTHER_LABEL, "reference": False,
                           "description": "Toute autre façon de compter ; la colonne description est alors obligatoire."}])
    out = pd.concat([part, other], ignore_index=True)
    return pd.DataFrame(
        {
            "Indicateur": out["indicateur"],
            "Groupe": out["groupe"],
            "Dimension": out["dimension"].replace("", "toutes"),
            "Code": out["variante"],
            "Libellé": out["libelle"],
            "Référence": out["reference"].map({True: "oui", False: "non"}),
            "Description": out["description"],
        }
    )


# ---------------------------------------------------------------------------------------------------------------
# Parsing a variants table (its own CSV/XLSX file, or a sheet of a returns workbook)
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class ParsedVariants:
    rows: pd.DataFrame  # one row per (territory, indicator, variant code), ready for definition_variant
    errors: list[Finding]
    warnings: list[Finding] = field(default_factory=list)
    rows_read: int = 0
    sheet: str | None = None


VARIANT_ROW_COLUMNS = [
    "territory_level", "territory_code", "indicator", "dimension", "variant", "variant_label", "is_reference",
    "description", "period_from", "source_sheet", "source_row",
]


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame(columns=VARIANT_ROW_COLUMNS)


def variants_sheet(sheets: Sequence[Sheet]) -> Sheet | None:
    """The sheet named 'variantes' or 'definitions' (accents and case aside), if the workbook has one."""
    return next((s for s in sheets if normalise(s.name or "") in VARIANT_SHEET_NAMES), None)


def _book(data: bytes, file_name: str, workbook: Workbook | None) -> Workbook:
    """The file as read once by detection, or read here (raises UnreadableFile)."""
    return workbook or read_workbook(data, file_name, settings().max_file_bytes)


def has_variants_sheet(data: bytes, file_name: str, *, workbook: Workbook | None = None) -> bool:
    """True for an xlsx holding a 'variantes' / 'definitions' sheet (the import page then reads it too)."""
    try:
        book = _book(data, file_name, workbook)
    except UnreadableFile:
        return False
    return book.format == "xlsx" and variants_sheet(book.sheets) is not None


def is_variants_file(data: bytes, file_name: str, *, workbook: Workbook | None = None) -> bool:
    """True when the file itself is a variants table (territoire, indicateur, variante; no periode/valeur), so the
    import page and the CLI can route it to import_variants rather than to the returns importer."""
    try:
        book = _book(data, file_name, workbook)
    except UnreadableFile:
        return False
    kind, sheets = book.format, book.sheets
    sheet = variants_sheet(sheets) if kind == "xlsx" else sheets[0]
    if sheet is None:
        if len(sheets) != 1:
            return False
        sheet = sheets[0]
    found = _header(sheet.cells)
    if found is None:
        return False
    header = {normalise(c) for c in sheet.cells.iloc[found[0]]}
    return all(c in found[1] for c in REQUIRED_VARIANT_COLUMNS) and not header & {"valeur", "periode", "annee"}


class _Resolver:
    """Turns what a territory wrote (code, label, group; variant code or label) into catalogue codes."""

    def __init__(self, ctx: ImportContext, known: pd.DataFrame) -> None:
        self.ctx = ctx
        self.known = known
        self.groups: dict[str, list[str]] = {}
        for group, part in known.groupby("groupe", sort=False):
            if group:
                self.groups[normalise(group)] = list(dict.fromkeys(part["indicateur"]))
        self.by_indicator = {code: part for code, part in known.groupby("indicateur", sort=False)}

    def indicators(self, text: str) -> list[str] | None:
        key = normalise(text)
        if key in self.groups:
            return self.groups[key]
        upper = text.strip().upper()
        if upper in self.ctx.indicators.index:
            return [upper]
        code = self.ctx.labels.get(key)
        return [code] if code else None

    def derived_parts(self, code: str) -> tuple[str, str] | None:
        info = self.ctx.indicators.loc[code]
        num, den = info["numerator"], info["denominator"]
        if isinstance(num, str) and num and isinstance(den, str) and den:
            return num, den
        return None

    def options(self, code: str) -> pd.DataFrame:
        part = self.by_indicator.get(code)
        base = pd.DataFrame(
            [{"variante": REF, "dimension": "", "libelle": "Définition de référence", "reference": True}]
        )
        if part is not None:
            base = part[["variante", "dimension", "libelle", "reference"]]
        other = pd.DataFrame([{"variante": OTHER, "dimension": "", "libelle": OTHER_LABEL, "reference": False}])
        return pd.concat([base, other], ignore_index=True)

    def variant(self, code: str, text: str) -> dict | None:
        opts = self.options(code)
        key = normalise(text)
        hit = opts[(opts["variante"].map(normalise) == key) | (opts["libelle"].map(normalise) == key)]
        return None if hit.empty else hit.iloc[0].to_dict()


def _header(cells: pd.DataFrame) -> tuple[int, dict[str, int]] | None:
    nonblank = cells.apply(lambda col: col.str.strip().ne("")).any(axis=1).to_numpy()
    if not nonblank.any():
        return None
    h = int(nonblank.argmax())
    mapping: dict[str, int] = {}
    for j, cell in enumerate(cells.iloc[h]):
        canon = _HEADER_LOOKUP.get(normalise(cell))
        if canon and canon not in mapping:
            mapping[canon] = j
    return h, mapping


def _type_refusals(text: pd.Series, types: pd.Series | None, refused: tuple[str, ...]) -> pd.Series:
    """Per cell, why its reader type cannot hold what the column expects ('' when it can, and always for a CSV):
    the one cell parser words dates, booleans, formulas without a cached value and Excel errors; a percentage cell
    is quoted as Excel shows it (« 38 % »)."""
    out = pd.Series("", index=text.index, dtype=object)
    if types is None:
        return out
    kinds = types.fillna("").astype(str)
    odd = (kinds.isin(refused) & text.astype(str).str.strip().ne("")).to_numpy()
    if not odd.any():
        return out
    parsed = parse_column(text[odd], kinds[odd])
    percent = (kinds[odd] == "p").to_numpy()
    shown = text[odd].astype(str).str.strip().str.replace(".", ",", regex=False)
    out[odd] = np.where(percent, "« " + shown + " % » : cellule au format pourcentage", parsed.why.to_numpy(dtype=object))
    return out


def parse_variants_sheet(sheet: Sheet, file_name: str, ctx: ImportContext, known: pd.DataFrame | None = None) -> ParsedVariants:
    """Validates every row of a variants table; each error names the file, sheet, row and column."""
    known = known_variants() if known is None else known
    errors: list[Finding] = []
    found = _header(sheet.cells)
    if found is None:
        return ParsedVariants(_empty_rows(), [Finding(file_name, "la feuille des variantes est vide.", sheet.name)], sheet=sheet.name)
    h, mapping = found
    missing = [c for c in REQUIRED_VARIANT_COLUMNS if c not in mapping]
    if missing:
        return ParsedVariants(
            _empty_rows(),
            [Finding(file_name, "colonne(s) obligatoire(s) absente(s) de l'en-tête : "
                     + ", ".join(f"« {m} »" for m in missing)
                     + " (attendu : territoire, indicateur, variante, et facultativement description, depuis). "
                     "Voir docs/variantes.md.", sheet.name, h + 1)],
            sheet=sheet.name,
        )
    header = [str(x).strip() for x in sheet.cells.iloc[h]]
    col_name = {canon: header[j] or canon for canon, j in mapping.items()}
    for canon in VARIANT_COLUMNS:
        col_name.setdefault(canon, canon)
    body = sheet.cells.iloc[h + 1 :]
    # What the reader says of each cell: a date, a percentage cell, a formula without a value… is refused, named.
    kinds = sheet.types.iloc[h + 1 :] if sheet.types is not None else None
    typed = {canon: _type_refusals(body.iloc[:, j], None if kinds is None else kinds.iloc[:, j],
                                   _NOT_A_TEXT if canon == "description" else _NOT_A_CODE)
             for canon, j in mapping.items()}
    resolver = _Resolver(ctx, known)
    last_year = max((b for _, b in ctx.years.values()), default=2100)
    out: list[dict] = []
    rows_read = 0

    def err(row: int, column: str, message: str) -> None:
        errors.append(Finding(file_name, message, sheet.name, row, col_name[column]))

    for idx, cells in body.iterrows():
        get = {canon: str(cells.iloc[j]).strip() for canon, j in mapping.items()}
        for canon in VARIANT_COLUMNS:
            get.setdefault(canon, "")
        if not any(get[c] for c in ("territoire", "indicateur", "variante")):
            continue  # blank line
        rows_read += 1
        row = int(idx) + 1
        ok = True
        said = {canon: refusals.at[idx] for canon, refusals in typed.items() if refusals.at[idx]}
        for canon, why in said.items():
            what = {"territoire": " ; écrivez le code tel quel, en texte (38, 2A, 971)",
                    "depuis": " ; écrivez l'année seule, sur quatre chiffres (2021)"}.get(canon, "")
            err(row, canon, f"{why}{what}.")
        if said:
            continue

        terr = get["territoire"].upper()
        level = ctx.territories.get(terr)
        if not terr:
            err(row, "territoire", "code territoire manquant.")
            ok = False
        elif level is None:
            if terr.isdigit() and len(terr) < 2 and terr.zfill(2) in ctx.territories:
                err(row, "territoire", f"code territoire « {terr} » : le zéro initial a été perdu (un tableur l'a lu "
                    f"comme un nombre) ; écrivez « {terr.zfill(2)} ».")
            else:
                err(row, "territoire", f"territoire inconnu « {terr} » : attendu un code de département (01, 2A, 971…) "
                    "ou le SIREN d'une métropole.")
            ok = False

        codes = resolver.indicators(get["indicateur"]) if get["indicateur"] else None
        if not get["indicateur"]:
            err(row, "indicateur", "indicateur manquant.")
            ok = False
        elif codes is None:
            err(row, "indicateur", f"indicateur inconnu « {get['indicateur']} » : ni code ni libellé du catalogue, "
                "ni groupe de variantes (SORTIES-ASE, ORIENTATION-RSA…).")
            ok = False
        else:
            for code in codes:
                parts = resolver.derived_parts(code)
                if parts:
                    err(row, "indicateur", f"« {code} » est un ratio calculé par Levier : déclarez la variante de son "
                        f"numérateur ({parts[0]}) ou de son dénominateur ({parts[1]}).")
                    ok = False

        since: int | None = None
        if get["depuis"]:
            txt = re.sub(r"\.0+$", "", get["depuis"])
            if not _YEAR.match(txt):
                err(row, "depuis", f"« {get['depuis']} » n'est pas une année (AAAA attendu, ou case vide pour toutes les années).")
                ok = False
            elif not FIRST_YEAR <= int(txt) <= last_year:
                err(row, "depuis", f"année {txt} hors de la plage {FIRST_YEAR}–{last_year}.")
                ok = False
            else:
                since = int(txt)

        matched: list[tuple[str, dict]] = []
        if not get["variante"]:
            err(row, "variante", "code de variante manquant (REF pour la définition de référence).")
            ok = False
        elif codes is not None and ok:
            unknown = []
            for code in codes:
                hit = resolver.variant(code, get["variante"])
                if hit is None:
                    unknown.append(code)
                else:
                    matched.append((code, hit))
            if unknown:
                accepted = ", ".join(resolver.options(unknown[0])["variante"])
                target = get["indicateur"] if len(codes) > 1 else unknown[0]
                err(row, "variante", f"variante « {get['variante']} » inconnue pour {target} : codes acceptés {accepted} "
                    "(AUTRE avec une description pour une définition non listée).")
                ok = False
            elif matched and matched[0][1]["variante"] == OTHER and not get["description"]:
                err(row, "description", "la variante AUTRE exige une description de la définition appliquée.")
                ok = False

        if not ok:
            continue
        for code, hit in matched:
            label = hit["libelle"] if hit["variante"] != OTHER else get["description"]
            out.append(
                {
                    "territory_level": level,
                    "territory_code": terr,
                    "indicator": code,
                    "dimension": hit["dimension"] or None,
                    "variant": hit["variante"],
                    "variant_label": label,
                    "is_reference": bool(hit["reference"]),
                    "description": get["description"] or None,
                    "period_from": since,
                    "source_sheet": sheet.name,
                    "source_row": row,
                }
            )

    rows = pd.DataFrame(out, columns=VARIANT_ROW_COLUMNS)
    errors += _conflicts(rows, file_name, sheet.name, col_name["variante"])
    if not errors and rows.empty:
        errors.append(Finding(file_name, "aucune déclaration de variante sous l'en-tête.", sheet.name, h + 1))
    rows["period_from"] = rows["period_from"].astype("Int64")
    rows["source_row"] = rows["source_row"].astype("int64")
    errors = sorted(dict.fromkeys(errors), key=lambda f: (f.row or 0, f.column or ""))
    return ParsedVariants(rows if not errors else _empty_rows(), errors, [], rows_read, sheet.name)


def _conflicts(rows: pd.DataFrame, file_name: str, sheet: str | None, column: str) -> list[Finding]:
    """Within one declaration (territory, indicator, start year): no code twice, REF alone, one code per dimension."""
    findings: list[Finding] = []
    if rows.empty:
        return findings
    since = rows["period_from"].map(lambda x: "toutes années" if x is None or pd.isna(x) else f"depuis {int(x)}")
    for (terr, ind, when), part in rows.assign(when=since).groupby(["territory_code", "indicator", "when"], sort=False):
        seen_code: dict[str, int] = {}
        seen_dim: dict[str, tuple[str, int]] = {}
        ref_row = None
        for rec in part.itertuples():
            r = int(rec.source_row)
            where = f"{ind} du territoire {terr} ({when})"
            if rec.variant in seen_code:
                if seen_code[rec.variant] != r:
                    findings.append(Finding(file_name, f"doublon : la variante {rec.variant} pour {where} figure déjà "
                                            f"ligne {seen_code[rec.variant]}.", sheet, r, column))
                continue
            seen_code[rec.variant] = r
            if rec.variant == REF:
                ref_row = r
            if rec.dimension:
                if rec.dimension in seen_dim:
                    other, other_row = seen_dim[rec.dimension]
                    findings.append(Finding(file_name, f"deux variantes pour la même dimension « {rec.dimension} » de "
                                            f"{where} : {other} (ligne {other_row}) et {rec.variant}.", sheet, r, column))
                else:
                    seen_dim[rec.dimension] = (rec.variant, r)
        if ref_row is not None and len(seen_code) > 1:
            others = ", ".join(c for c in seen_code if c != REF)
            findings.append(Finding(file_name, f"REF (définition de référence en tout point) ne peut être combinée avec "
                                    f"{others} pour {where} : retirez REF ou les autres codes.", sheet, ref_row, column))
    return findings


def parse_variants(data: bytes, file_name: str, ctx: ImportContext, *, require_sheet: bool = False,
                   workbook: Workbook | None = None) -> ParsedVariants:
    """A CSV, or an xlsx whose 'variantes'/'definitions' sheet (else its only sheet) holds the table."""
    try:
        book = _book(data, file_name, workbook)
    except UnreadableFile as exc:
        return ParsedVariants(_empty_rows(), [Finding(file_name, str(exc), exc.sheet, exc.row)])
    kind, sheets = book.format, book.sheets
    sheet = variants_sheet(sheets) if kind == "xlsx" else sheets[0]
    if sheet is None:
        if require_sheet or len(sheets) != 1:
            names = ", ".join(f"« {s.name} »" for s in sheets)
            return ParsedVariants(_empty_rows(), [Finding(
                file_name, f"aucune feuille nommée « variantes » ou « definitions » (feuilles du classeur : {names}).")])
        sheet = sheets[0]
    return parse_variants_sheet(sheet, file_name, ctx)


# ---------------------------------------------------------------------------------------------------------------
# Writing: append-only, unchanged declarations skipped, journaled like every import
# ---------------------------------------------------------------------------------------------------------------


def _declaration_key(frame: pd.DataFrame) -> pd.Series:
    since = frame["period_from"].map(lambda x: "" if x is None or pd.isna(x) else str(int(x)))
    return frame["territory_code"].astype(str) + "|" + frame["indicator"].astype(str) + "|" + since


def _signature(frame: pd.DataFrame) -> dict[str, frozenset]:
    keyed = frame.assign(
        key=_declaration_key(frame),
        sig=frame["variant"].astype(str) + "=" + frame["description"].fillna("").astype(str),
    )
    return {k: frozenset(part["sig"]) for k, part in keyed.groupby("key")}


def changed_declarations(rows: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """The declarations of `rows` that differ from the one in force (same codes and descriptions = unchanged)."""
    if rows.empty or current.empty:
        return rows
    now = _signature(current)
    new = _signature(rows)
    keep = {k for k, sig in new.items() if now.get(k) != sig}
    return rows[_declaration_key(rows).isin(keep).to_numpy()]


def write_variants(w: Writer, rows: pd.DataFrame, import_id: int, recorded_at: datetime, demo: bool) -> int:
    """Inside the caller's transaction; returns the number of variant rows written."""
    if rows.empty:
        return 0
    current = w.df(Query.CURRENT_VARIANTS_FOR_TERRITORIES, {"codes": sorted(set(rows["territory_code"]))})
    todo = changed_declarations(rows, current)
    return w.insert(Query.INSERT_DEFINITION_VARIANTS, todo[VARIANT_ROW_COLUMNS].reset_index(drop=True),
                    {"import_id": import_id, "recorded_at": recorded_at, "is_demo": demo})


def import_variants(
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
    """A variants file (CSV/XLSX, or the 'variantes' sheet of a workbook): rejected whole on any error."""
    started = now()
    ctx = ctx or ImportContext.load(db)
    parsed = parse_variants(data, file_name, ctx, workbook=workbook)
    report = ImportReport(
        file=file_name, kind=KIND_VARIANTS, file_format="variantes",
        rows_read=parsed.rows_read, rows_accepted=len(parsed.rows),
        errors=parsed.errors, warnings=parsed.warnings,
    )
    return finish_import(
        db, report, data, lambda w, import_id: write_variants(w, parsed.rows, import_id, now(), demo),
        started=started, dry_run=dry_run, demo=demo, imported_by=imported_by, noun="déclaration(s) de variante",
    )


def import_returns_workbook(
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
    """A returns workbook that also carries a 'variantes'/'definitions' sheet: values and variants are validated
    together and written in one transaction under one import, or the whole workbook is refused.
    Without such a sheet this is exactly levier.ingest.returns.import_returns."""
    try:
        workbook = _book(data, file_name, workbook)
    except UnreadableFile:
        workbook = None  # import_returns reports it, with its wording
    if workbook is None or not has_variants_sheet(data, file_name, workbook=workbook):
        return import_returns(db, data, file_name, dry_run=dry_run, demo=demo, imported_by=imported_by, ctx=ctx,
                              workbook=workbook)
    started = now()
    ctx = ctx or ImportContext.load(db)
    facts = parse_returns(data, file_name, ctx, db, workbook=workbook)
    variants = parse_variants(data, file_name, ctx, require_sheet=True, workbook=workbook)
    # The returns reader does not know the variants sheet and reports it as ignored: it is not.
    warnings = [w for w in facts.warnings if w.sheet != variants.sheet] + variants.warnings
    errors = facts.errors + variants.errors
    report = ImportReport(
        file=file_name, kind=KIND_RETURNS, file_format=f"{facts.file_format or '?'} + variantes",
        rows_read=facts.rows_read + variants.rows_read,
        rows_accepted=len(facts.facts) + len(variants.rows),
        errors=errors, warnings=warnings,
    )
    written: dict[str, int] = {}

    def write(w, import_id: int) -> int:
        written["facts"] = facts_writer(facts.facts, demo)(w, import_id)
        written["variants"] = write_variants(w, variants.rows, import_id, now(), demo)
        return written["facts"] + written["variants"]

    report = finish_import(db, report, data, write, started=started, dry_run=dry_run, demo=demo,
                           imported_by=imported_by, noun="valeur(s) et déclaration(s) de variante")
    if written and report.status == STATUS_IMPORTED:  # a simulation rehearses the write too (journal._rehearse)
        report.message = (f"{written['facts']} valeur(s) nouvelle(s) ou modifiée(s) et {written['variants']} "
                          "déclaration(s) de variante enregistrée(s).")
    return report
