"""Import of funding files (State and own euros per action, re-allocations, action natures, contract waves):
validated whole into located French findings, then written all or nothing, append-only with history.

Layouts (docs/financements.md):
- « long »: one line per territory × programme × action × year × funder, with the columns prevu / engage / consomme,
  or one line per stage with the columns etape / montant;
- « fiches actions »: an xlsx with one sheet per action (Territoire, Programme, Action, Nature above a table
  Année × Financeur × Prévu / Engagé / Consommé);
- « reventilations »: credits moved from one action to another (action_origine, action_destination, montant),
  alone in a CSV or as a `reventilations` sheet of a workbook;
- « contrats »: the year each territory signed its contract (annee_signature, vague, source).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from levier.core.config import settings
from levier.core.fmt import fmt_number
from levier.store.db import Database, Query
from levier.ingest.journal import finish_import, now
from levier.ingest.cells import EURO_UNIT, parse_column
from levier.ingest.readers import Sheet, UnreadableFile, Workbook, read_workbook
from levier.ingest.report import STATUS_IMPORTED, Finding, Findings, ImportReport, row_findings
from levier.core.text import normalise

KIND_FUNDING = "financements"
FORMAT_LONG = "long"
FORMAT_SHEETS = "fiches actions"
FORMAT_REALLOCATIONS = "reventilations"
FORMAT_CONTRACTS = "contrats"

# Funders: the State (one line, or for the CDPPE its three lines) and the territory's own money.
STATE = "etat"
STATE_BUDGET = "etat_budget"
STATE_FIR = "etat_fir"
STATE_ONDAM = "etat_ondam"
OWN = "departement"
CDPPE_STATE_LINES = (STATE_BUDGET, STATE_FIR, STATE_ONDAM)
STATE_FUNDERS = (STATE, *CDPPE_STATE_LINES)
FUNDERS = (*STATE_FUNDERS, OWN)
FUNDER_LABELS = {
    STATE: "État",
    STATE_BUDGET: "État – crédits budgétaires (programme 304)",
    STATE_FIR: "État – FIR (ARS)",
    STATE_ONDAM: "État – ONDAM médico-social",
    OWN: "Département",
}
_FUNDER_ALIASES = {
    STATE: ("etat", "état", "state", "etat total", "credits etat", "crédits de l'état"),
    STATE_BUDGET: ("etat_budget", "etat - credits budgetaires", "état – crédits budgétaires (programme 304)",
                   "credits budgetaires", "budget de l'etat", "etat budget", "programme 304", "p304", "bop 304",
                   "etat - programme 304"),
    STATE_FIR: ("etat_fir", "fir", "etat - fir", "état – fir (ars)", "fonds d'intervention regional", "ars fir"),
    STATE_ONDAM: ("etat_ondam", "ondam", "etat - ondam", "état – ondam médico-social", "ondam medico-social",
                  "ondam medico social"),
    OWN: ("departement", "département", "cd", "conseil departemental", "collectivite", "collectivité", "metropole",
          "métropole", "fonds propres", "credits departementaux", "crédits départementaux"),
}
FUNDER_LOOKUP = {normalise(a): code for code, aliases in _FUNDER_ALIASES.items() for a in aliases}

STAGES = ("planned", "committed", "spent")
STAGE_LABELS = {"planned": "prévu", "committed": "engagé", "spent": "consommé"}
_STAGE_ALIASES = {
    "planned": ("prevu", "prévu", "montant prevu", "planned", "budget prevu", "montant programme prevu"),
    "committed": ("engage", "engagé", "montant engage", "engagement", "engagements", "committed"),
    "spent": ("consomme", "consommé", "montant consomme", "realise", "réalisé", "paye", "payé", "mandate",
              "mandaté", "spent"),
}
STAGE_LOOKUP = {normalise(a): s for s, aliases in _STAGE_ALIASES.items() for a in aliases}

NEW = "nouvelle"
REINFORCED = "renforcement"
NATURE_LABELS = {NEW: "mesure nouvelle", REINFORCED: "renforcement"}
_NATURE_ALIASES = {
    NEW: ("nouvelle", "mesure nouvelle", "action nouvelle", "nouveau", "new"),
    REINFORCED: ("renforcement", "renforcee", "renforcée", "action renforcee", "mesure renforcee", "existante renforcee",
                 "reinforced"),
}
NATURE_LOOKUP = {normalise(a): n for n, aliases in _NATURE_ALIASES.items() for a in aliases}

# The Stratégie pauvreté and the Pacte co-finance each action 50/50; a share of State money further than this from
# 50 % is reported (a warning: a département may legitimately put in more than its half).
COFINANCED_PROGRAMMES = {"CALPAE": 50.0, "PACTE": 50.0}
COFINANCING_TOLERANCE_POINTS = 10.0
FUNDED_PROGRAMMES = ("CALPAE", "CDPPE", "PACTE")

WAVE_SOURCE_DEFAULT = "déclaré dans le fichier importé"

_TERRITORY = ("territoire", "code territoire", "departement", "code departement", "dep", "code dep", "metropole")
_PROGRAMME = ("programme", "dispositif", "contrat")
_YEAR = ("annee", "exercice", "periode", "annee budgetaire")
_AMOUNT = ("montant", "montant eur", "montant en euros", "montant €", "montant (€)", "euros")
LONG_COLUMNS: dict[str, tuple[str, ...]] = {
    "territoire": _TERRITORY,
    "programme": _PROGRAMME,
    "axe": ("axe", "code axe"),
    "action": ("action", "code action", "fiche action"),
    "annee": _YEAR,
    "financeur": ("financeur", "source de financement", "financement", "origine des credits"),
    "prevu": _STAGE_ALIASES["planned"],
    "engage": _STAGE_ALIASES["committed"],
    "consomme": _STAGE_ALIASES["spent"],
    "etape": ("etape", "stade", "etape budgetaire"),
    "montant": _AMOUNT,
    "nature": ("nature", "nature de l'action", "type d'action", "mesure"),
    "commentaire": ("commentaire", "commentaires", "observations"),
}
REALLOCATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "territoire": _TERRITORY,
    "programme": _PROGRAMME,
    "annee": _YEAR,
    "action_origine": ("action_origine", "action d'origine", "action origine", "depuis l'action", "action source",
                       "de l'action"),
    "action_destination": ("action_destination", "action de destination", "action destination", "vers l'action",
                           "action beneficiaire", "action cible"),
    "financeur": LONG_COLUMNS["financeur"],
    "montant": _AMOUNT,
    "motif": ("motif", "commentaire", "justification", "raison"),
}
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "territoire": _TERRITORY,
    "programme": _PROGRAMME,
    "annee_signature": ("annee_signature", "annee de signature", "signature", "annee signature", "signe en"),
    "vague": ("vague",),
    "source": ("source", "source de la vague", "origine"),
}
_STAGE_COLUMNS = {"prevu": "planned", "engage": "committed", "consomme": "spent"}

FUNDING_COLUMNS = ["territory_level", "territory_code", "programme", "axis", "action", "year", "funder", "planned",
                   "committed", "spent", "comment", "source_sheet", "source_row"]
REALLOCATION_COLUMNS_DB = ["territory_level", "territory_code", "programme", "year", "from_action", "to_action",
                           "funder", "amount", "reason", "source_sheet", "source_row"]
FLAG_COLUMNS = ["territory_level", "territory_code", "programme", "action", "nature", "source_sheet", "source_row"]
CONTRACT_COLUMNS_DB = ["territory_level", "territory_code", "programme", "signed_year", "wave", "wave_source",
                       "source_row"]

_SHEET_LABELS = {
    "territory": {normalise(x) for x in ("territoire", "departement", "code territoire", "code departement", "metropole")},
    "programme": {normalise(x) for x in ("programme", "dispositif", "contrat")},
    "action": {normalise(x) for x in ("action", "code action", "fiche action")},
    "nature": {normalise(x) for x in ("nature", "nature de l'action", "type d'action")},
}


def _lookup(spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalise(alias): canon for canon, aliases in spec.items() for alias in aliases}


_LONG_LOOKUP = _lookup(LONG_COLUMNS)
_REALLOCATION_LOOKUP = _lookup(REALLOCATION_COLUMNS)
_CONTRACT_LOOKUP = _lookup(CONTRACT_COLUMNS)


# ---------------------------------------------------------------------------------------------------------------
# What validation needs from the store


@dataclass(frozen=True)
class FundingContext:
    territories: dict[str, str]  # code -> level
    years: dict[str, tuple[int, int]]  # programme -> (first, last)
    actions: pd.DataFrame  # programme, axis, code, label, territory
    action_lookup: dict[tuple[str, str], str] = field(default_factory=dict)  # (programme, normalised code|label) -> code

    @classmethod
    def load(cls, db: Database) -> FundingContext:
        with db.reader() as r:
            terr = r.df(Query.IMPORT_CONTEXT_TERRITORIES)
            prog = r.df(Query.PROGRAMME_YEARS)
            actions = r.df(Query.FUNDING_ACTIONS)
        return cls.build(dict(zip(terr["code"], terr["level"])), prog, actions)

    @classmethod
    def build(cls, territories: dict[str, str], programmes: pd.DataFrame, actions: pd.DataFrame) -> FundingContext:
        lookup: dict[tuple[str, str], str] = {}
        for prog, code, label in zip(actions["programme"], actions["code"], actions["label"]):
            lookup[(prog, normalise(code))] = code
            lookup.setdefault((prog, normalise(label)), code)
        years = {c: (int(a), int(b)) for c, a, b in zip(programmes["code"], programmes["first_year"], programmes["last_year"])}
        return cls(territories, years, actions.set_index("code", drop=False), lookup)


@dataclass
class ParsedFunding:
    funding: pd.DataFrame
    reallocations: pd.DataFrame
    flags: pd.DataFrame
    contracts: pd.DataFrame
    errors: list[Finding]
    warnings: list[Finding]
    file_format: str | None
    rows_read: int

    @property
    def rows_accepted(self) -> int:
        return len(self.funding) + len(self.reallocations) + len(self.flags) + len(self.contracts)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


# ---------------------------------------------------------------------------------------------------------------
# Layout detection


def _first_nonblank_row(cells: pd.DataFrame) -> int | None:
    if cells.empty:
        return None
    nonblank = cells.apply(lambda col: col.astype(str).str.strip().ne("")).any(axis=1)
    idx = np.flatnonzero(nonblank.to_numpy())
    return int(idx[0]) if len(idx) else None


def _header(cells: pd.DataFrame, lookup: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    h = _first_nonblank_row(cells)
    if h is None:
        return None
    mapping: dict[str, int] = {}
    for j, cell in enumerate(cells.iloc[h]):
        canon = lookup.get(normalise(cell))
        if canon and canon not in mapping:
            mapping[canon] = j
    return h, mapping


def _sheet_role(sheet: Sheet) -> tuple[str, tuple] | None:
    """('contrats' | 'reventilations' | 'long' | 'fiche', detail) for a recognised sheet, else None."""
    cells = sheet.cells
    head = _header(cells, _CONTRACT_LOOKUP)
    if head and {"territoire", "programme", "annee_signature"} <= set(head[1]):
        return FORMAT_CONTRACTS, head
    head = _header(cells, _REALLOCATION_LOOKUP)
    if head and {"action_origine", "action_destination", "montant"} <= set(head[1]):
        return FORMAT_REALLOCATIONS, head
    head = _header(cells, _LONG_LOOKUP)
    if head and {"territoire", "programme", "action", "annee", "financeur"} <= set(head[1]):
        return FORMAT_LONG, head
    fiche = _fiche_layout(cells)
    if fiche is not None:
        return "fiche", fiche
    return None


def _fiche_layout(cells: pd.DataFrame):
    """Header block (labels in one cell, value in the next non-empty one) and the Année × Financeur table."""
    norm = cells.iloc[:40].map(normalise)
    table = None
    for i in range(len(norm)):
        row = list(norm.iloc[i])
        year_col = next((j for j, v in enumerate(row) if _LONG_LOOKUP.get(v) == "annee"), None)
        funder_col = next((j for j, v in enumerate(row) if _LONG_LOOKUP.get(v) == "financeur"), None)
        stage_cols = {STAGE_LOOKUP[v]: j for j, v in enumerate(row) if v in STAGE_LOOKUP}
        if year_col is not None and funder_col is not None and stage_cols:
            table = (i, year_col, funder_col, stage_cols)
            break
    if table is None:
        return None
    meta: dict[str, tuple[str, int]] = {}
    for i in range(table[0]):
        row = [str(v).strip() for v in cells.iloc[i]]
        for j, v in enumerate(row):
            n = normalise(v)
            for key, labels in _SHEET_LABELS.items():
                if n in labels and key not in meta:
                    value = next((x for x in row[j + 1:] if x), "")
                    meta[key] = (value, i + 1)
    if "action" not in meta:
        return None
    return table, meta


def is_funding_file(data: bytes, file_name: str, *, workbook: Workbook | None = None) -> bool:
    """By shape: a `financeur` column, a re-allocation table or a contract list, in any sheet."""
    if workbook is not None:  # read once by detection: the top of each sheet is enough
        if workbook.format == "csv":
            cells = workbook.sheets[0].cells
            filled = cells.ne("").any(axis=1).to_numpy()
            if not filled.any():
                return False
            header = [normalise(str(c).strip()) for c in cells.iloc[int(filled.argmax())]]
            found = ({_LONG_LOOKUP.get(c) for c in header} | {_REALLOCATION_LOOKUP.get(c) for c in header}
                     | {_CONTRACT_LOOKUP.get(c) for c in header})
            return "financeur" in found or {"action_origine", "action_destination"} <= found or "annee_signature" in found
        return any(_sheet_role(Sheet(s.name, s.cells.iloc[:40])) is not None for s in workbook.sheets)
    try:
        return is_funding_file(data, file_name, workbook=read_workbook(data, file_name, settings().max_file_bytes))
    except UnreadableFile:  # reported by whichever importer reads the file
        return False


# ---------------------------------------------------------------------------------------------------------------
# Raw frames: every layout becomes one frame per table, text cells, located


def _col(body: pd.DataFrame, mapping: dict[str, int], name: str) -> pd.Series:
    j = mapping.get(name)
    return body[body.columns[j]].astype(str).str.strip() if j is not None else pd.Series("", index=body.index, dtype=object)


def _cell_types(sheet: Sheet, body: pd.DataFrame, j: int | None) -> pd.Series:
    """The reader's cell types of column j under the header ('' for a CSV): the one cell parser refuses a
    percentage-formatted amount or a formula without a value from them."""
    if j is None or sheet.types is None:
        return pd.Series("", index=body.index, dtype=object)
    return sheet.types.loc[body.index, sheet.types.columns[j]]


def _label(header: pd.Series, mapping: dict[str, int], name: str) -> str:
    j = mapping.get(name)
    return str(header.iloc[j]).strip() if j is not None else name


# Stage-long raw funding frame: one row per amount cell.
_RAW_FUNDING = ["territory", "programme", "action", "year", "funder", "stage", "amount", "nature", "comment",
                "sheet", "row", "c_territory", "c_programme", "c_action", "c_year", "c_funder", "c_amount", "c_nature"]


def _raw_long(sheet: Sheet, h: int, mapping: dict[str, int], file_name: str, errors: list[Finding],
              warnings: list[Finding]) -> pd.DataFrame:
    body = sheet.cells.iloc[h + 1:]
    header = sheet.cells.iloc[h]
    base = pd.DataFrame({
        "territory": _col(body, mapping, "territoire"),
        "programme": _col(body, mapping, "programme"),
        "action": _col(body, mapping, "action"),
        "year": _col(body, mapping, "annee"),
        "funder": _col(body, mapping, "financeur"),
        "nature": _col(body, mapping, "nature"),
        "comment": _col(body, mapping, "commentaire"),
    })
    base["sheet"] = sheet.name
    base["row"] = body.index.to_numpy() + 1
    for key, canon in (("c_territory", "territoire"), ("c_programme", "programme"), ("c_action", "action"),
                       ("c_year", "annee"), ("c_funder", "financeur"), ("c_nature", "nature")):
        base[key] = _label(header, mapping, canon)
    stage_cols = [c for c in _STAGE_COLUMNS if c in mapping]
    frames = []
    if stage_cols:
        for canon in stage_cols:
            part = base.copy()
            part["stage"] = _STAGE_COLUMNS[canon]
            part["amount"] = _col(body, mapping, canon)
            part["amount_type"] = _cell_types(sheet, body, mapping.get(canon))
            part["c_amount"] = _label(header, mapping, canon)
            frames.append(part)
    elif "etape" in mapping and "montant" in mapping:
        part = base.copy()
        part["stage"] = _col(body, mapping, "etape")
        part["amount"] = _col(body, mapping, "montant")
        part["amount_type"] = _cell_types(sheet, body, mapping.get("montant"))
        part["c_amount"] = _label(header, mapping, "montant")
        part["c_stage"] = _label(header, mapping, "etape")
        frames.append(part)
    else:
        errors.append(Finding(file_name, "colonnes de montants introuvables : attendu « prevu », « engage », "
                              "« consomme » (ou « etape » et « montant »).", sheet.name, h + 1))
        return pd.DataFrame(columns=_RAW_FUNDING)
    raw = pd.concat(frames, ignore_index=True)
    key_blank = raw[["territory", "programme", "action", "year", "funder"]].eq("").all(axis=1)
    raw = raw[~key_blank]
    # A line naming an action but carrying no amount at all (a template line left empty) is skipped, said once.
    amounts = raw["amount"].ne("").groupby(raw["row"]).transform("any")
    empty_rows = sorted(set(raw.loc[~amounts, "row"]))
    if empty_rows:
        warnings.append(Finding(file_name, f"{len(empty_rows)} ligne(s) sans aucun montant, ignorée(s) (première : "
                                f"ligne {empty_rows[0]}).", sheet.name, empty_rows[0]))
    return raw[raw["amount"].ne("")].reset_index(drop=True)


def _raw_fiche(sheet: Sheet, layout, file_name: str, errors: list[Finding]) -> pd.DataFrame:
    (h, year_col, funder_col, stage_cols), meta = layout
    cells = sheet.cells
    territory = meta.get("territory", ("", 0))[0]
    if not territory:
        errors.append(Finding(file_name, "territoire introuvable : indiquez son code dans une cellule « Territoire » "
                              "au-dessus du tableau.", sheet.name, 1))
        return pd.DataFrame(columns=_RAW_FUNDING)
    programme = meta.get("programme", ("", 0))[0]
    if not programme:
        errors.append(Finding(file_name, "programme introuvable : indiquez-le dans une cellule « Programme » "
                              "au-dessus du tableau (CALPAE, CDPPE ou PACTE).", sheet.name, 1))
        return pd.DataFrame(columns=_RAW_FUNDING)
    body = cells.iloc[h + 1:]
    frames = []
    for stage, j in stage_cols.items():
        frames.append(pd.DataFrame({
            "year": body[year_col].astype(str).str.strip(),
            "funder": body[funder_col].astype(str).str.strip(),
            "stage": stage,
            "amount": body[j].astype(str).str.strip(),
            "amount_type": _cell_types(sheet, body, j),
            "row": body.index.to_numpy() + 1,
            "c_amount": str(cells.iat[h, j]).strip(),
        }))
    raw = pd.concat(frames, ignore_index=True)
    raw = raw[~raw[["year", "funder"]].eq("").all(axis=1) & raw["amount"].ne("")]
    # Years may be merged cells in the template: a blank year continues the one above.
    raw["year"] = raw["year"].replace("", np.nan).groupby(raw["stage"]).ffill().fillna("")
    raw["territory"] = territory
    raw["programme"] = programme
    raw["action"] = meta["action"][0]
    raw["nature"] = meta.get("nature", ("", 0))[0]
    raw["comment"] = ""
    raw["sheet"] = sheet.name
    raw["c_territory"] = f"Territoire (ligne {meta['territory'][1]})"
    raw["c_programme"] = f"Programme (ligne {meta['programme'][1]})"
    raw["c_action"] = f"Action (ligne {meta['action'][1]})"
    raw["c_year"] = str(cells.iat[h, year_col]).strip()
    raw["c_funder"] = str(cells.iat[h, funder_col]).strip()
    raw["c_nature"] = f"Nature (ligne {meta['nature'][1]})" if "nature" in meta else "Nature"
    return raw.reset_index(drop=True)


def _raw_table(sheet: Sheet, h: int, mapping: dict[str, int], names: dict[str, str]) -> pd.DataFrame:
    body = sheet.cells.iloc[h + 1:]
    header = sheet.cells.iloc[h]
    raw = pd.DataFrame({key: _col(body, mapping, canon) for key, canon in names.items()})
    if "amount" in names:
        raw["amount_type"] = _cell_types(sheet, body, mapping.get(names["amount"]))
    raw["sheet"] = sheet.name
    raw["row"] = body.index.to_numpy() + 1
    for key, canon in names.items():
        raw[f"c_{key}"] = _label(header, mapping, canon)
    return raw[~raw[list(names)].eq("").all(axis=1)].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Validation


def _findings(raw: pd.DataFrame, mask, file_name: str, column: str, make, rule: str | None = None) -> Findings:
    """The rows flagged in `mask` as findings (report.row_findings: the first FINDINGS_KEPT built, the rest counted)."""
    return row_findings(raw, mask, file_name, column, make, rule)


def _per_value(series: pd.Series, fn) -> pd.Series:
    """fn applied once per distinct value (a national file repeats the same few labels thousands of times)."""
    uniques = pd.unique(series.astype(str))
    return series.astype(str).map({u: fn(u) for u in uniques}).astype(object)


def _key(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text key per row (vectorised: a row-wise join is slow on national files)."""
    out = frame[columns[0]].astype(str)
    for c in columns[1:]:
        out = out + "|" + frame[c].astype(str)
    return out


def _fmt(x: float) -> str:
    return fmt_number(x, 0 if float(x) == round(float(x)) else 2)


def _territories(raw: pd.DataFrame, ctx: FundingContext, file_name: str, errors: list[Finding]) -> pd.Series:
    terr = raw["territory"].str.strip().str.upper()
    raw["territory"] = terr
    level = terr.map(ctx.territories)
    errors += _findings(
        raw, level.isna().to_numpy(), file_name, "c_territory",
        lambda r: (
            f"code territoire « {r['territory']} » : le zéro initial a été perdu (un tableur l'a lu comme un nombre) ; "
            f"écrivez « {r['territory'].zfill(2)} »."
            if r["territory"].isdigit() and len(r["territory"]) < 2 and r["territory"].zfill(2) in ctx.territories
            else f"territoire inconnu « {r['territory']} » : attendu un code de département (01, 2A, 971…) "
            "ou le SIREN d'une métropole."
        ),
    )
    return level


def _programmes(raw: pd.DataFrame, ctx: FundingContext, file_name: str, errors: list[Finding]) -> pd.Series:
    prog = raw["programme"].str.strip().str.upper()
    raw["programme"] = prog
    ok = prog.isin([p for p in FUNDED_PROGRAMMES if p in ctx.years]).to_numpy()
    errors += _findings(
        raw, ~ok, file_name, "c_programme",
        lambda r: f"programme « {r['programme']} » inconnu : attendu {', '.join(FUNDED_PROGRAMMES)}.",
    )
    return prog.where(ok)


def _actions(raw: pd.DataFrame, column: str, ctx: FundingContext, file_name: str, errors: list[Finding],
             c_column: str) -> pd.Series:
    """Action codes by code or label within the row's programme; an action of another territory's contract is refused."""
    keys = list(zip(raw["programme"].fillna(""), _per_value(raw[column], normalise)))
    code = pd.Series([ctx.action_lookup.get(k) for k in keys], index=raw.index, dtype=object)
    known_prog = raw["programme"].notna().to_numpy()
    unknown = known_prog & code.isna().to_numpy() & raw[column].ne("").to_numpy()

    def message(r):
        codes = ctx.actions.loc[ctx.actions["programme"] == r["programme"], "code"].tolist()
        shown = ", ".join(codes[:10]) + ("…" if len(codes) > 10 else "")
        return f"action « {r[column]} » inconnue pour le programme {r['programme']} (codes attendus : {shown})."

    errors += _findings(raw, unknown, file_name, c_column, message)
    errors += _findings(raw, known_prog & raw[column].eq("").to_numpy(), file_name, c_column,
                        lambda r: "action manquante : indiquez le code de l'action (ex. CALPAE-3.1).")
    owners = {c: t for c, t in zip(ctx.actions["code"], ctx.actions["territory"]) if isinstance(t, str) and t}
    owner = code.map(owners)
    foreign = (owner.notna() & owner.ne(raw["territory"])).to_numpy()
    errors += _findings(raw, foreign, file_name, c_column,
                        lambda r: f"l'action « {r[column]} » appartient au contrat d'un autre territoire.")
    return code


def _years(raw: pd.DataFrame, column: str, ctx: FundingContext, file_name: str, errors: list[Finding],
           c_column: str) -> pd.Series:
    txt = raw[column].str.strip().str.replace(r"\.0+$", "", regex=True)
    ok = txt.str.fullmatch(r"(19|20)\d{2}").fillna(False).to_numpy()
    errors += _findings(raw, ~ok, file_name, c_column,
                        lambda r: f"année « {r[column]} » invalide : attendu une année sur quatre chiffres (AAAA).")
    year = pd.to_numeric(txt.where(ok, None), errors="coerce")
    first = raw["programme"].map(lambda p: ctx.years.get(p, (1900, 2100))[0] if isinstance(p, str) else 1900)
    last = raw["programme"].map(lambda p: ctx.years.get(p, (1900, 2100))[1] if isinstance(p, str) else 2100)
    out = (ok & raw["programme"].notna().to_numpy() & ((year < first) | (year > last)).to_numpy())
    errors += _findings(raw, out, file_name, c_column,
                        lambda r: f"année {r[column]} hors des années du programme {r['programme']} "
                        f"({ctx.years[r['programme']][0]}–{ctx.years[r['programme']][1]}).")
    return year


def _funders(raw: pd.DataFrame, file_name: str, errors: list[Finding], default: str | None = None) -> pd.Series:
    txt = raw["funder"].astype(str)
    funder = _per_value(txt, lambda v: FUNDER_LOOKUP.get(normalise(v)) if v.strip() else default)
    unknown = funder.isna().to_numpy()
    accepted = "« État », « Département », et pour la CDPPE « État – crédits budgétaires », « État – FIR », « État – ONDAM »"
    errors += _findings(raw, unknown, file_name, "c_funder",
                        lambda r: f"financeur « {r['funder']} » inconnu : attendu {accepted}.")
    cdppe_only = (funder.isin(CDPPE_STATE_LINES) & raw["programme"].ne("CDPPE") & raw["programme"].notna()).to_numpy()
    errors += _findings(raw, cdppe_only, file_name, "c_funder",
                        lambda r: f"la ligne « {r['funder']} » (crédits budgétaires, FIR, ONDAM) n'existe que pour la "
                        f"CDPPE, pas pour {r['programme']} : indiquez « État ».")
    return funder


def _validate_funding(raw: pd.DataFrame, ctx: FundingContext, file_name: str, errors: list[Finding],
                      warnings: list[Finding]) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = raw.reset_index(drop=True).copy()
    level = _territories(raw, ctx, file_name, errors)
    raw["programme"] = _programmes(raw, ctx, file_name, errors)
    raw["code"] = _actions(raw, "action", ctx, file_name, errors, "c_action")
    year = _years(raw, "year", ctx, file_name, errors, "c_year")
    funder = _funders(raw, file_name, errors)

    # Stage names, when the file gives one line per stage.
    stage = _per_value(raw["stage"], lambda s: s if s in STAGES else STAGE_LOOKUP.get(normalise(s)))
    if "c_stage" in raw.columns:
        errors += _findings(raw, stage.isna().to_numpy(), file_name, "c_stage",
                            lambda r: f"étape « {r['stage']} » inconnue : attendu « prévu », « engagé » ou « consommé ».")
    raw["stage"] = stage

    amounts = parse_column(raw["amount"], raw.get("amount_type"), unit=EURO_UNIT)
    values, bad = amounts.values, amounts.bad
    errors += _findings(raw, bad, file_name, "c_amount", lambda r: f"montant illisible : {amounts.why.at[r.name]}.")
    errors += _findings(raw, values < 0, file_name, "c_amount",
                        lambda r: f"montant négatif ({r['amount']}) : un montant prévu, engagé ou consommé est positif "
                        "ou nul (une annulation se déclare en diminuant le montant).")
    raw["value"] = values
    raw["level"] = level
    raw["year_n"] = year
    raw["funder_code"] = funder

    # Duplicates: the same amount twice for one key and stage.
    key_cols = ["territory", "programme", "code", "year_n", "funder_code"]
    complete = raw[key_cols + ["stage"]].notna().all(axis=1)
    key = _key(raw, key_cols + ["stage"]).where(complete)
    raw["first_row"] = raw["row"].groupby(key).transform("min")
    dup = (key.notna() & key.duplicated(keep="first")).to_numpy()
    errors += _findings(raw, dup, file_name, "c_amount",
                        lambda r: f"doublon : {r['territory']} / {r['code']} / {int(r['year_n'])} / "
                        f"{FUNDER_LABELS.get(r['funder_code'], r['funder_code'])} / {STAGE_LABELS.get(r['stage'], r['stage'])} "
                        f"figure déjà ligne {int(r['first_row'])}.")

    good = raw[complete & ~dup]
    if good.empty:
        return _empty(FUNDING_COLUMNS), raw
    indexed = good.set_index(key_cols + ["stage"])
    wide = indexed["value"].unstack("stage")
    rows = indexed["row"].unstack("stage")
    for s in STAGES:
        if s not in wide.columns:
            wide[s] = np.nan
        if s not in rows.columns:
            rows[s] = np.nan
    wide = wide[list(STAGES)]
    first = good.groupby(key_cols, dropna=False).agg(
        sheet=("sheet", "first"), row=("row", "min"), level=("level", "first"), comment=("comment", "first"),
        c_amount=("c_amount", "first"),
    )
    wide = wide.join(first).join(rows.add_prefix("row_")).reset_index()
    wide["c_spent"] = "consommé"
    wide["c_committed"] = "engagé"

    over = (wide["spent"] > wide["committed"]).to_numpy()
    sub = wide[over]
    errors += [Finding(file_name, f"montant consommé ({_fmt(r.spent)} €) supérieur au montant engagé "
                       f"({_fmt(r.committed)} €) pour {r.territory} / {r.code} / {int(r.year_n)} / "
                       f"{FUNDER_LABELS[r.funder_code]} : on ne peut consommer que ce qui a été engagé.",
                       r.sheet, int(r.row_spent), "consommé") for r in sub.itertuples()]
    over = (wide["committed"] > wide["planned"]).to_numpy()
    warnings += [Finding(file_name, f"montant engagé ({_fmt(r.committed)} €) supérieur au montant prévu "
                         f"({_fmt(r.planned)} €) pour {r.territory} / {r.code} / {int(r.year_n)} / "
                         f"{FUNDER_LABELS[r.funder_code]} : vérifiez la programmation ou déclarez une reventilation.",
                         r.sheet, int(r.row_committed), "engagé") for r in wide[over].itertuples()]
    generic = wide[(wide["programme"] == "CDPPE") & (wide["funder_code"] == STATE)]
    for terr, g in generic.groupby("territory"):
        warnings.append(Finding(file_name, f"{terr} : crédits de l'État de la CDPPE non ventilés entre crédits "
                                "budgétaires, FIR et ONDAM (ligne « État ») : le total est gardé, la ventilation manque.",
                                g["sheet"].iloc[0], int(g["row"].min()), "financeur"))
    warnings += _cofinancing_warnings(wide, file_name)

    funding = pd.DataFrame({
        "territory_level": wide["level"],
        "territory_code": wide["territory"],
        "programme": wide["programme"],
        "axis": wide["code"].map(dict(zip(ctx.actions["code"], ctx.actions["axis"]))),
        "action": wide["code"],
        "year": wide["year_n"].astype("int64"),
        "funder": wide["funder_code"],
        "planned": wide["planned"].astype(float),
        "committed": wide["committed"].astype(float),
        "spent": wide["spent"].astype(float),
        "comment": wide["comment"].where(wide["comment"].fillna("").ne(""), None),
        "source_sheet": wide["sheet"],
        "source_row": wide["row"].astype("int64"),
    })
    funding["axis"] = funding["axis"].where(funding["axis"].notna(), None)
    return funding, raw


def _cofinancing_warnings(wide: pd.DataFrame, file_name: str) -> list[Finding]:
    co = wide[wide["programme"].isin(list(COFINANCED_PROGRAMMES))].copy()
    if co.empty:
        return []
    co["group"] = np.where(co["funder_code"].isin(STATE_FUNDERS), STATE, OWN)
    keys = ["territory", "programme", "code", "year_n"]
    sums = co.pivot_table(index=keys, columns="group", values="planned", aggfunc="sum").reindex(columns=[STATE, OWN])
    where = co.groupby(keys).agg(sheet=("sheet", "first"), row=("row", "min"))
    sums = sums.join(where).reset_index()
    out = []
    for r in sums.itertuples():
        state, own = getattr(r, STATE), getattr(r, OWN)
        expected = COFINANCED_PROGRAMMES[r.programme]
        if pd.isna(state) or state <= 0:
            continue
        own = 0.0 if pd.isna(own) else own
        share = 100.0 * state / (state + own)
        if abs(share - expected) > COFINANCING_TOLERANCE_POINTS:
            detail = ("aucun cofinancement du département déclaré" if own == 0
                      else f"part de l'État {fmt_number(share, 1)} % des montants prévus")
            out.append(Finding(file_name, f"{r.territory} / {r.code} / {int(r.year_n)} : {detail}, loin des "
                               f"{expected:.0f} % du contrat (écart de plus de {COFINANCING_TOLERANCE_POINTS:.0f} points).",
                               r.sheet, int(r.row), "prévu"))
    return out


def _flags(raw: pd.DataFrame, file_name: str, errors: list[Finding]) -> pd.DataFrame:
    """The nature declared for each (territory, programme, action): one per action, consistent within the file."""
    if raw.empty or "nature" not in raw.columns:
        return _empty(FLAG_COLUMNS)
    sub = raw[raw["nature"].fillna("").ne("")].copy()
    if sub.empty:
        return _empty(FLAG_COLUMNS)
    sub["nature_code"] = _per_value(sub["nature"], lambda v: NATURE_LOOKUP.get(normalise(v)))
    errors += _findings(sub, sub["nature_code"].isna().to_numpy(), file_name, "c_nature",
                        lambda r: f"nature « {r['nature']} » inconnue : attendu « nouvelle » (mesure nouvelle) ou "
                        "« renforcement ».")
    sub = sub[sub["nature_code"].notna() & sub["code"].notna() & sub["level"].notna()]
    if sub.empty:
        return _empty(FLAG_COLUMNS)
    keys = ["territory", "programme", "code"]
    distinct = sub.groupby(keys)["nature_code"].nunique()
    for key in distinct[distinct > 1].index:
        g = sub.set_index(keys).loc[key]
        errors.append(Finding(file_name, f"{key[0]} / {key[2]} : nature de l'action contradictoire dans le fichier "
                              f"({', '.join(sorted(set(g['nature_code'])))}) ; une action est soit nouvelle, soit un "
                              "renforcement.", g["sheet"].iloc[0], int(g["row"].max()), str(g["c_nature"].iloc[0])))
    first = sub.sort_values("row").groupby(keys, as_index=False).first()
    return pd.DataFrame({
        "territory_level": first["level"], "territory_code": first["territory"], "programme": first["programme"],
        "action": first["code"], "nature": first["nature_code"], "source_sheet": first["sheet"],
        "source_row": first["row"].astype("int64"),
    })


def _validate_reallocations(raw: pd.DataFrame, ctx: FundingContext, file_name: str, errors: list[Finding],
                            warnings: list[Finding], planned: pd.DataFrame) -> pd.DataFrame:
    raw = raw.reset_index(drop=True).copy()
    level = _territories(raw, ctx, file_name, errors)
    raw["programme"] = _programmes(raw, ctx, file_name, errors)
    src = _actions(raw, "from_action", ctx, file_name, errors, "c_from_action")
    dst = _actions(raw, "to_action", ctx, file_name, errors, "c_to_action")
    year = _years(raw, "year", ctx, file_name, errors, "c_year")
    funder = _funders(raw, file_name, errors, default=STATE)
    same = (src.notna() & src.eq(dst)).to_numpy()
    errors += _findings(raw, same, file_name, "c_to_action",
                        lambda r: "action d'origine et action de destination identiques : ce n'est pas une reventilation.")
    amounts = parse_column(raw["amount"], raw.get("amount_type"), unit=EURO_UNIT)
    values, bad = amounts.values, amounts.bad
    errors += _findings(raw, bad, file_name, "c_amount", lambda r: f"montant illisible : {amounts.why.at[r.name]}.")
    missing = (np.isnan(values) & ~bad)
    errors += _findings(raw, missing | (values <= 0), file_name, "c_amount",
                        lambda r: f"montant reventilé « {r['amount']} » : attendu un montant positif (le sens va de "
                        "l'action d'origine vers l'action de destination).")
    out = pd.DataFrame({
        "territory_level": level, "territory_code": raw["territory"], "programme": raw["programme"], "year": year,
        "from_action": src, "to_action": dst, "funder": funder, "amount": values,
        "reason": raw["reason"].where(raw["reason"].ne(""), None), "source_sheet": raw["sheet"], "source_row": raw["row"],
    })
    key_cols = ["territory_code", "programme", "year", "from_action", "to_action", "funder"]
    complete = out[key_cols].notna().all(axis=1)
    key = _key(out, key_cols).where(complete)
    first = raw["row"].groupby(key).transform("min")
    dup = (key.notna() & key.duplicated(keep="first")).to_numpy()
    raw["first_row"] = first
    errors += _findings(raw, dup, file_name, "c_from_action",
                        lambda r: f"doublon : la même reventilation figure déjà ligne {int(r['first_row'])}.")
    ok = out[complete & ~dup & (out["amount"] > 0)]
    # A re-allocation larger than the State money planned on the origin action takes more than there was.
    state = ok[ok["funder"].isin(STATE_FUNDERS)]
    if len(state) and len(planned):
        moved = state.groupby(["territory_code", "programme", "year", "from_action"], as_index=False)["amount"].sum()
        check = moved.merge(planned.rename(columns={"action": "from_action"}),
                            on=["territory_code", "programme", "year", "from_action"], how="inner")
        for r in check[check["amount"] > check["planned"]].itertuples():
            row = int(state[(state["territory_code"] == r.territory_code) & (state["from_action"] == r.from_action)
                            & (state["year"] == r.year)]["source_row"].min())
            sheet = state["source_sheet"].iloc[0]
            warnings.append(Finding(file_name, f"{r.territory_code} / {int(r.year)} : {_fmt(r.amount)} € reventilés depuis "
                                    f"{r.from_action}, plus que les {_fmt(r.planned)} € de l'État prévus sur cette action.",
                                    sheet, row, "montant"))
    return ok.astype({"year": "int64", "source_row": "int64"}) if len(ok) else _empty(REALLOCATION_COLUMNS_DB)


def _validate_contracts(raw: pd.DataFrame, ctx: FundingContext, file_name: str, errors: list[Finding]) -> pd.DataFrame:
    raw = raw.reset_index(drop=True).copy()
    level = _territories(raw, ctx, file_name, errors)
    raw["programme"] = _programmes(raw, ctx, file_name, errors)
    year = _years(raw, "signed_year", ctx, file_name, errors, "c_signed_year")
    wave_txt = raw["wave"].str.strip().str.replace(r"\.0+$", "", regex=True)
    wave_ok = wave_txt.eq("") | wave_txt.str.fullmatch(r"\d{1,2}").fillna(False)
    errors += _findings(raw, ~wave_ok.to_numpy(), file_name, "c_wave",
                        lambda r: f"vague « {r['wave']} » invalide : attendu un numéro (1, 2, 3…).")
    wave = pd.to_numeric(wave_txt.where(wave_ok & wave_txt.ne(""), None), errors="coerce")
    # Without a wave number, waves are numbered by signing year within the programme (1 = the first year).
    ranks = year.groupby(raw["programme"]).rank(method="dense")
    wave = wave.fillna(ranks)
    key = (raw["territory"] + "|" + raw["programme"].fillna("")).where(level.notna() & raw["programme"].notna())
    raw["first_row"] = raw["row"].groupby(key).transform("min")
    dup = (key.notna() & key.duplicated(keep="first")).to_numpy()
    errors += _findings(raw, dup, file_name, "c_territory",
                        lambda r: f"doublon : le contrat {r['programme']} de {r['territory']} figure déjà ligne "
                        f"{int(r['first_row'])}.")
    out = pd.DataFrame({
        "territory_level": level, "territory_code": raw["territory"], "programme": raw["programme"],
        "signed_year": year, "wave": wave, "wave_source": raw["source"].where(raw["source"].ne(""), WAVE_SOURCE_DEFAULT),
        "source_row": raw["row"],
    })
    ok = out[out[["territory_level", "programme", "signed_year"]].notna().all(axis=1) & ~dup]
    return ok.astype({"signed_year": "int64", "wave": "int64", "source_row": "int64"}) if len(ok) else _empty(CONTRACT_COLUMNS_DB)


# ---------------------------------------------------------------------------------------------------------------
# Parsing a whole file


def parse_funding(data: bytes, file_name: str, ctx: FundingContext, db: Database | None = None, *,
                  workbook: Workbook | None = None) -> ParsedFunding:
    errors = Findings()
    warnings: list[Finding] = []
    empty = ParsedFunding(_empty(FUNDING_COLUMNS), _empty(REALLOCATION_COLUMNS_DB), _empty(FLAG_COLUMNS),
                          _empty(CONTRACT_COLUMNS_DB), errors, warnings, None, 0)
    try:
        book = workbook or read_workbook(data, file_name, settings().max_file_bytes)
    except UnreadableFile as exc:
        errors.append(Finding(file_name, str(exc), exc.sheet, exc.row))
        return empty
    sheets = book.sheets
    warnings += book.notes
    funding_raw, realloc_raw, contract_raw, formats = [], [], [], []
    for sheet in sheets:
        role = _sheet_role(sheet)
        if role is None:
            if _first_nonblank_row(sheet.cells) is not None and len(sheets) > 1:
                warnings.append(Finding(file_name, "feuille sans tableau de financement reconnu : ignorée.", sheet.name))
            continue
        kind, detail = role
        if kind == FORMAT_LONG:
            funding_raw.append(_raw_long(sheet, *detail, file_name, errors, warnings))
            formats.append(FORMAT_LONG)
        elif kind == "fiche":
            funding_raw.append(_raw_fiche(sheet, detail, file_name, errors))
            formats.append(FORMAT_SHEETS)
        elif kind == FORMAT_REALLOCATIONS:
            names = {"territory": "territoire", "programme": "programme", "year": "annee", "from_action": "action_origine",
                     "to_action": "action_destination", "funder": "financeur", "amount": "montant", "reason": "motif"}
            realloc_raw.append(_raw_table(sheet, *detail, names))
            formats.append(FORMAT_REALLOCATIONS)
        else:
            names = {"territory": "territoire", "programme": "programme", "signed_year": "annee_signature",
                     "wave": "vague", "source": "source"}
            contract_raw.append(_raw_table(sheet, *detail, names))
            formats.append(FORMAT_CONTRACTS)
    file_format = next((f for f in (FORMAT_SHEETS, FORMAT_LONG, FORMAT_REALLOCATIONS, FORMAT_CONTRACTS) if f in formats), None)
    if not formats:
        first = _first_nonblank_row(sheets[0].cells) if sheets else None
        errors.append(Finding(
            file_name,
            "le fichier ne contient aucune donnée." if first is None else
            "mise en page non reconnue : ni format long (colonnes territoire, programme, action, annee, financeur, "
            "prevu, engage, consomme), ni fiches actions (une feuille par action : Territoire, Programme, Action, puis "
            "un tableau Année × Financeur), ni reventilations (action_origine, action_destination, montant), ni "
            "contrats (territoire, programme, annee_signature). Voir docs/financements.md.",
            sheets[0].name if sheets else None, None if first is None else first + 1,
        ))
        return empty
    raw_f = pd.concat(funding_raw, ignore_index=True) if funding_raw else pd.DataFrame(columns=_RAW_FUNDING)
    raw_r = pd.concat(realloc_raw, ignore_index=True) if realloc_raw else pd.DataFrame()
    raw_c = pd.concat(contract_raw, ignore_index=True) if contract_raw else pd.DataFrame()
    rows_read = sum(int(r[["sheet", "row"]].drop_duplicates().shape[0]) for r in (raw_f, raw_r, raw_c) if len(r))

    funding, flags = _empty(FUNDING_COLUMNS), _empty(FLAG_COLUMNS)
    if len(raw_f):
        funding, validated = _validate_funding(raw_f, ctx, file_name, errors, warnings)
        flags = _flags(validated, file_name, errors)
    reallocations = _empty(REALLOCATION_COLUMNS_DB)
    if len(raw_r):
        planned = _planned_state(funding)
        if db is not None:
            stored = db.read(Query.FUNDING_STATE_PLANNED, {"codes": sorted(set(raw_r["territory"].str.strip().str.upper()))})
            planned = pd.concat([planned, stored], ignore_index=True).drop_duplicates(
                ["territory_code", "programme", "action", "year"], keep="first")
        reallocations = _validate_reallocations(raw_r, ctx, file_name, errors, warnings, planned)
    contracts = _empty(CONTRACT_COLUMNS_DB)
    if len(raw_c):
        contracts = _validate_contracts(raw_c, ctx, file_name, errors)
    errors = errors.unique_sorted()
    parsed = ParsedFunding(funding[FUNDING_COLUMNS].reset_index(drop=True), reallocations, flags, contracts, errors,
                           warnings, file_format, rows_read)
    if not errors and parsed.rows_accepted == 0:
        errors.append(Finding(file_name, "aucun montant à importer : le tableau est vide."))
    return parsed


def _planned_state(funding: pd.DataFrame) -> pd.DataFrame:
    state = funding[funding["funder"].isin(STATE_FUNDERS)]
    if state.empty:
        return pd.DataFrame(columns=["territory_code", "programme", "action", "year", "planned"])
    return state.groupby(["territory_code", "programme", "action", "year"], as_index=False)["planned"].sum(min_count=1)


# ---------------------------------------------------------------------------------------------------------------
# Writing


def import_funding(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    dry_run: bool = False,
    demo: bool = False,
    imported_by: str | None = None,
    ctx: FundingContext | None = None,
    workbook: Workbook | None = None,
) -> ImportReport:
    """Validates a funding file whole; writes it (journal + changed rows) in one transaction, or nothing at all."""
    started = now()
    ctx = ctx or FundingContext.load(db)
    parsed = parse_funding(data, file_name, ctx, db, workbook=workbook)
    report = ImportReport(
        file=file_name, kind=KIND_FUNDING, file_format=parsed.file_format, rows_read=parsed.rows_read,
        rows_accepted=parsed.rows_accepted, errors=parsed.errors, warnings=parsed.warnings,
    )
    changed: dict[str, int] = {}

    def write(w, import_id: int) -> int:
        params = {"import_id": import_id, "recorded_at": now(), "is_demo": demo}
        changed.update({
            "montants": w.insert(Query.FUNDING_INSERT, parsed.funding, params),
            "reventilations": w.insert(Query.FUNDING_REALLOCATION_INSERT, parsed.reallocations, params),
            "natures d'action": w.insert(Query.FUNDING_ACTION_FLAG_INSERT, parsed.flags, params),
            "contrats": w.insert(Query.CONTRACT_INSERT, parsed.contracts, params),
        })
        return sum(changed.values())

    report = finish_import(db, report, data, write, started=started, dry_run=dry_run, demo=demo,
                           imported_by=imported_by, noun="ligne(s) (montants, reventilations, natures, contrats)")
    if report.status == STATUS_IMPORTED:
        parts = [f"{n} {what}" for what, n in changed.items() if n]
        unchanged = report.rows_accepted - report.rows_changed
        report.message = (
            ("Enregistré : " + ", ".join(parts) if parts else "Aucune ligne nouvelle ni modifiée")
            + (f" ; {unchanged} ligne(s) identique(s) à celles déjà connues" if unchanged else "") + "."
        )
    return report
