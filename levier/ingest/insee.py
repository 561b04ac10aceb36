"""What Levier knows of INSEE's published statistics, shared by the Filosofi reader (levier.ingest.filosofi), the
panorama reader and the mapping engine: INSEE variable names (year suffixes, breakdowns) and labels, territory codes,
EPCI published in an older geography, the fact frame every public-statistics reader yields, and the one reading of a
file named by its path."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from levier.core.config import CATALOGUE_DIR, settings
from levier.ingest.readers import Sheet, UnreadableFile, Workbook, read_workbook
from levier.ingest.readers import sniff_delimiter as readers_delimiter
from levier.ingest.report import Finding
from levier.core.text import normalise

STAT_CATALOGUE = CATALOGUE_DIR / "indicateurs_stat.csv"
FILOSOFI_SOURCE = "INSEE, Filosofi"
KIND_STAT = "statistique publique"

LEVEL_DEP = "departement"
LEVEL_EPCI = "epci"
LEVELS = (LEVEL_DEP, LEVEL_EPCI)


# Missing reason of a territory of the level that the INSEE file leaves out (levier.analysis.positions.NOT_PUBLISHED:
# « non publié par l'INSEE (secret statistique) »), never « aucune valeur transmise » as if it had failed to send it.
NOT_PUBLISHED = "np"

FACT_COLUMNS = [
    "territory_level", "territory_code", "indicator", "period", "measure", "value", "missing_reason",
    "comment", "submitted_on", "source_sheet", "source_row",
]

# Filosofi variables as INSEE names them, without the year suffix. A breakdown (AGE1, TYM5, TOL2…) is written
# after the variable in older files (TP60AGE116) and before it since Filosofi 2020 (AGE1TP6020).
_BASES = {
    "NBMEN", "NBPERS", "NBUC", "Q1", "Q2", "Q3", "Q3_Q1", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8", "D9",
    "RD", "S80S20", "GI", "PACT", "PTSA", "PTSAC", "PCHO", "PBEN", "PPEN", "PPAT", "PPSOC", "PPFAM", "PPMINI",
    "PPLOGT", "PIMPOT", "PIMP", "TP40", "TP50", "TP60", "TP60Q2", "TP60IP",
    # Names used by the "dossier complet" / comparateur de territoires for the same variables.
    "MED", "NBMENFISC", "NBPERSMENFISC",
}
_SYNONYMS = {"MED": "Q2", "NBMENFISC": "NBMEN", "NBPERSMENFISC": "NBPERS"}
_BREAKDOWN = r"(?:AGE[1-6]|TME[1-5]|TOL[12]|TLD[1-3]|TYM[1-6]|OPR[1-6])"
_PREFIXED = re.compile(rf"({_BREAKDOWN})(.+)")
_INFIXED = re.compile(rf"(.+?)({_BREAKDOWN})")
_YEAR_SUFFIX = re.compile(r"(.+?)(\d{2})")

_DEP_RE = re.compile(r"0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-6]")
_EPCI_RE = re.compile(r"\d{9}")
_LABEL_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")

_MAX_LISTED = 40

# EPCI that Filosofi 2018/2019 publish under a SIREN absent from the 2026 list, with their current successors
# (DGCL lists; checked against households in the files and populations in 2026). A median or a decile cannot be
# recomputed for a merged or split perimeter from the published figures, so these rows are reported, not converted.
KNOWN_SUCCESSORS: dict[str, tuple[str, ...]] = {
    "200035459": ("200096956",),  # CA d'Agen
    "200036572": ("200096956",),  # CC Porte d'Aquitaine en Pays de Serres
    "245900410": ("200093201",),  # Métropole Européenne de Lille (former SIREN)
    "245901061": ("200093201",),  # CC de la Haute-Deûle
    "200067221": ("200096675", "200096683"),  # CC Centre Morbihan Communauté (former perimeter)
    "200071157": ("200096634", "200096642"),  # CC des Hautes-Vosges
    "200012060": ("200090579",),  # CC Petite Montagne
    "243900412": ("200090579",),  # CC Jura Sud
    "243900719": ("200090579",),  # CC du Pays des Lacs
    "243901071": ("200090579",),  # CC de la Région d'Orgelet
    "200033207": ("200090561",),  # CC Vierzon-Sologne-Berry (former SIREN)
    "241800325": ("200090561",),  # CC Les Villages de la Forêt
    "200035665": ("200089456",),  # CA Seine Eure (former SIREN)
    "242700623": ("200089456",),  # CC Eure-Madrie-Seine
    "200077055": ("200090504",),  # CA Coulommiers Pays de Brie (former SIREN)
    "247700438": ("200090504",),  # CC Pays Créçois
    "246201149": ("200090751",),  # CA du Calaisis
    "200067510": ("242300135", "242320000", "242320109"),  # CC Monts et Vallées Ouest Creuse
}
SUCCESSOR_NAMES: dict[str, str] = {
    "200096956": "CA Agglomération d'Agen",
    "200093201": "Métropole Européenne de Lille",
    "200096675": "CC Baud Communauté",
    "200096683": "CC Centre Morbihan Communauté",
    "200096634": "CC des Hautes Vosges",
    "200096642": "CC Gérardmer Hautes Vosges",
    "200090579": "CC Terre d'Émeraude Communauté",
    "200090561": "CC Vierzon-Sologne-Berry",
    "200089456": "CA Seine-Eure",
    "200090504": "CA Coulommiers Pays de Brie",
    "200090751": "CA Grand Calais Terres et Mers",
    "242300135": "CC du Pays Sostranien",
    "242320000": "CC de Bénévent Grand Bourg",
    "242320109": "CC du Pays Dunois",
}


# --------------------------------------------------------------------------------------------------------------------
# Results


def empty_facts() -> pd.DataFrame:
    return facts_frame([])


@dataclass
class InseeResult:
    """What a public-statistics file yields. `facts` is empty whenever `findings` (errors) is not: a file with an
    error is refused whole."""

    facts: pd.DataFrame
    findings: list[Finding]
    warnings: list[Finding]
    income_year: int | None
    level: str | None
    unmatched: list[str]
    file: str = ""
    unmatched_facts: pd.DataFrame = field(default_factory=empty_facts)
    ignored_columns: list[str] = field(default_factory=list)
    header_format: str | None = None  # 'codes' | 'libellés' | 'mixte'
    rows_read: int = 0
    # One row per (territory of the level absent from the file, column read): value NaN, missing_reason NOT_PUBLISHED.
    not_published: pd.DataFrame = field(default_factory=empty_facts)
    profile: str | None = None  # the profile (data/profils) that recognised the layout, when one did

    @property
    def ok(self) -> bool:
        return not self.findings


def facts_frame(records: list[dict]) -> pd.DataFrame:
    """Records -> the fact columns with stable dtypes (codes text, period and row integers, values float)."""
    return typed_facts(pd.DataFrame.from_records(records, columns=FACT_COLUMNS))


def typed_facts(frame: pd.DataFrame) -> pd.DataFrame:
    """The fact columns of `frame` with stable dtypes: period and row integers, values float, every text column as
    objects with None (never NaN) for a missing text."""
    out = frame[FACT_COLUMNS].astype({"period": "int64", "value": "float64", "source_row": "int64"})
    for col in FACT_COLUMNS:
        if col not in ("period", "value", "source_row"):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


# --------------------------------------------------------------------------------------------------------------------
# Catalogue


def insee_catalogue_rows(path: Path | None = None) -> pd.DataFrame:
    """The STAT indicators (Filosofi and panoramas) as the indicator table expects them, codes as text."""
    frame = pd.read_csv(path or STAT_CATALOGUE, dtype=str, keep_default_na=False, encoding="utf-8")
    frame["sensitive"] = frame["sensitive"].str.lower().eq("true")
    return frame


# A parenthesised note that only states a unit: « (%) », « (€) », « (en euros) », « (% pop totale) », « (sans unité) ».
_UNIT_WORDS = {"%", "€", "en", "euro", "euros", "eur", "pop", "population", "totale", "total", "sans", "unite",
               "nombre", "nb", "pourcentage", "pct", "ratio"}
_PAREN = re.compile(r"\(([^()]*)\)")
# Statistics a producer may put in parentheses after the variable: « Revenu disponible par UC (Médiane) ».
_STAT_WORDS = ("mediane", "1er decile", "9e decile", "1er quartile", "3e quartile", "moyenne")
# INSEE's own ways of naming the same variable, rewritten to the catalogue's wording (normalised text, whole words).
_VARIANT_PHRASES = (
    ("revenu disponible par unite de consommation", "niveau de vie"),
    ("revenu disponible par uc", "niveau de vie"),
    ("revenus disponibles par uc", "niveau de vie"),
    ("niveau vie", "niveau de vie"),
    ("niveau de vie median metropolitain", "niveau de vie median"),
    ("9e decile 1er decile", "d9 d1"),
    ("rapport interdecile d9 d1", "rapport interdecile d9 d1"),
)


def _strip_unit_notes(text: str) -> str:
    def keep(m: re.Match) -> str:
        words = normalise(m.group(1)).replace("%", " % ").replace("€", " € ").split()
        return " " if words and set(words) <= _UNIT_WORDS else m.group(0)

    return _PAREN.sub(keep, text)


def label_key(text: object) -> tuple[str, int | None]:
    """An INSEE column label reduced for matching ('Taux de pauvreté-Ensemble (% pop totale)' ==
    'taux de pauvrete ensemble'): accents, case, punctuation and unit notes ignored, with the year it may carry
    ('Médiane du niveau de vie en 2020 (€)' -> 2020)."""
    s = "" if text is None else str(text)
    year = None
    m = _LABEL_YEAR_RE.search(s)
    if m:
        year = int(m.group(1))
        s = s[: m.start()] + " " + s[m.end():]
    s = _strip_unit_notes(s).replace("%", " ").replace("€", " ")
    words = normalise(s).split()
    if words and words[0] == "dont":
        words = words[1:]
    while words and words[-1] in {"en", "euros", "euro"}:
        words = words[:-1]
    return " ".join(words), year


def variant_key(text: object) -> str:
    """The label key with INSEE's own variants rewritten to one wording, so that « Médiane du revenu disponible par
    UC (en euros) », « Revenu disponible par unité de consommation (Médiane) », « Distribution des revenus (en
    euros) - Médiane du revenu disponible par unité de consommation » and « Médiane du niveau de vie (€) » meet.
    Plural marks are dropped (« Propriétaire » = « propriétaires »). Applied to the catalogue's labels too."""
    s = _strip_unit_notes("" if text is None else str(text))
    m = re.fullmatch(r"\s*(.*?)\s*\(([^()]*)\)\s*", s)
    if m and normalise(m.group(2)) in _STAT_WORDS:
        s = f"{m.group(2)} du {m.group(1)}"
    key, _ = label_key(s)
    key = f" {key} "
    for old, new in _VARIANT_PHRASES:
        key = key.replace(f" {old} ", f" {new} ")
    words = key.split()
    if words[:1] == ["distribution"] and words[1:3] == ["des", "revenus"]:
        words = words[3:]
    if words[:1] == ["revenus"] and words[1:2] in (["part"], ["dont"]):
        words = words[1:]
    if words[:1] == ["dont"]:
        words = words[1:]
    if " ".join(words) in _STAT_WORDS:
        words += ["du", "niveau", "de", "vie"]
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


# --------------------------------------------------------------------------------------------------------------------
# INSEE column codes


@dataclass(frozen=True)
class InseeVariable:
    """A Filosofi column: base variable (TP60, Q2…), optional breakdown (AGE1, TYM5…) and income year."""

    base: str
    breakdown: str | None
    year: int | None

    @property
    def name(self) -> str:
        """INSEE name without the year, breakdown written after the variable as in TP60AGE1."""
        return self.base + (self.breakdown or "")

    @property
    def code(self) -> str:
        """The catalogue code: STAT-TP60-AGE1, STAT-Q2."""
        return "STAT-" + self.base + (f"-{self.breakdown}" if self.breakdown else "")


def _split_breakdown(name: str) -> tuple[str, str | None] | None:
    if name in _BASES:
        return _SYNONYMS.get(name, name), None
    for pattern, base_group, bd_group in ((_PREFIXED, 2, 1), (_INFIXED, 1, 2)):
        m = pattern.fullmatch(name)
        if m and m.group(base_group) in _BASES:
            return _SYNONYMS.get(m.group(base_group), m.group(base_group)), m.group(bd_group)
    return None


def split_year_suffix(name: str) -> tuple[str, int | None] | None:
    """'TP6020' -> ('TP60', 2020); 'TP60AGE120' -> ('TP60AGE1', 2020); 'S80S2019' -> ('S80S20', 2019);
    'RD' -> ('RD', None); None when the name is not a Filosofi variable. The suffix is the last two digits, kept
    only when what remains is a known variable, so the 60 of TP60 or the 20 of S80S20 is never taken for a year."""
    token = str(name).strip().upper()
    m = _YEAR_SUFFIX.fullmatch(token)
    if m and _split_breakdown(m.group(1)) is not None:
        return m.group(1), 2000 + int(m.group(2))
    if _split_breakdown(token) is not None:
        return token, None
    return None


def parse_insee_column(name: str) -> InseeVariable | None:
    """'AGE1TP6020' and 'TP60AGE120' both give InseeVariable('TP60', 'AGE1', 2020)."""
    split = split_year_suffix(name)
    if split is None:
        return None
    variable, year = split
    base, breakdown = _split_breakdown(variable)  # type: ignore[misc]
    return InseeVariable(base, breakdown, year)


# --------------------------------------------------------------------------------------------------------------------
# Cells


def cell_text(raw: object) -> str:
    """A cell as stripped text, '' for a blank (None or NaN)."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    return str(raw).strip()


def classify_code(raw: object) -> tuple[str | None, str, str | None]:
    """(level or None, code as text, French error message or None). Codes stay text: '01', '2A', '974'."""
    code = cell_text(raw).upper()
    if code.endswith(".0") and code[:-2].isdigit():
        code = code[:-2]
    if _EPCI_RE.fullmatch(code):
        return LEVEL_EPCI, code, None
    if _DEP_RE.fullmatch(code):
        return LEVEL_DEP, code, None
    if re.fullmatch(r"[1-9]", code):
        return None, code, (f"code « {code} » : le zéro initial a été perdu (un tableur a converti le code en "
                            f"nombre) ; écrire « 0{code} »")
    if re.fullmatch(r"\d{8}", code):
        return None, code, f"code « {code} » : un SIREN d'EPCI a 9 chiffres (zéro perdu ou chiffre manquant ?)"
    return None, code, (f"code « {code} » non reconnu : attendu un code de département (01…95, 2A, 2B, 971…976) "
                        "ou un SIREN d'EPCI à 9 chiffres")


# --------------------------------------------------------------------------------------------------------------------
# Raw tables (CSV or xlsx) as (line number, cells)


Rows = list[tuple[int, list[object]]]


def sniff_delimiter(first_line: str) -> str:
    """The one delimiter rule of levier.ingest.readers: ';' when present outside quotes (INSEE never quotes labels
    holding commas, 'Part des pensions, retraites…'), else tab, else ','."""
    return readers_delimiter(first_line)


_LAST_READ: dict[tuple, Workbook] = {}


def workbook_of(path: Path) -> Workbook:
    """The file through the one reader (container checks, hidden sheets left out), read once per path and content:
    the sheet names and then a sheet are asked for in turn. A file named on the command line or shipped as
    reference data is not held to the upload size limit."""
    data = path.read_bytes()
    key = (str(path.resolve()), len(data), hash(data))
    book = _LAST_READ.get(key)
    if book is None:
        book = read_workbook(data, path.name, max(settings().max_file_bytes, len(data)))
        _LAST_READ.clear()
        _LAST_READ[key] = book
    return book


def prime_reading(path: Path, data: bytes, workbook: Workbook) -> None:
    """Lets the readers below use a file already read by read_workbook (an upload, read once by detection and
    written to a temporary path for these path-based readers)."""
    _LAST_READ.clear()
    _LAST_READ[(str(Path(path).resolve()), len(data), hash(data))] = workbook


def rows_from_sheet(sheet: Sheet) -> Rows:
    """A sheet's cells as Rows: every row numbered as the spreadsheet (or the CSV line) shows it, blank cells None."""
    return [(i, [v if v != "" else None for v in values])
            for i, values in enumerate(sheet.cells.itertuples(index=False, name=None), start=1)]


def read_csv_rows(path: Path) -> Rows:
    book = workbook_of(Path(path))
    if book.format != "csv":
        raise ValueError("le fichier n'est pas un CSV lisible (fichier binaire)")
    return rows_from_sheet(book.sheets[0])


def unreadable_reason(exc: Exception) -> str:
    """A reader's failure in French: our own ValueErrors and the reader's refusals are already worded for the user;
    the csv module's and other libraries' (English, with temporary paths) are not shown."""
    if isinstance(exc, UnreadableFile):
        return str(exc)
    if isinstance(exc, csv.Error):
        return "CSV mal formé (guillemet non fermé ou champ de plus de 131 072 caractères)"
    if type(exc) is ValueError:
        return str(exc)
    return f"classeur ou texte corrompu ({type(exc).__name__})"


def xlsx_sheet_names(path: Path) -> list[str]:
    """The visible sheets of a workbook (hidden ones are never imported)."""
    return [s.name or "" for s in workbook_of(Path(path)).sheets]


def read_xlsx_rows(path: Path, sheet: str | int = 0) -> Rows:
    """Every cell as text (or None), numbered as the spreadsheet shows rows (leading blank rows kept)."""
    return rows_from_sheet(read_xlsx_sheet(path, sheet))


def read_xlsx_sheet(path: Path, sheet: str | int = 0) -> Sheet:
    """One visible sheet as the reader gives it, with its cell types (a percentage-formatted number, a date…), from
    the same single reading of the file as read_xlsx_rows."""
    sheets = workbook_of(Path(path)).sheets
    if isinstance(sheet, int):
        if sheet >= len(sheets):
            raise ValueError("le classeur ne contient aucune feuille visible")
        return sheets[sheet]
    found = next((s for s in sheets if s.name == sheet), None)
    if found is None:
        raise ValueError(f"feuille « {sheet} » introuvable")
    return found


def listing(items: list[str]) -> str:
    """A comma-separated list for a message, cut after a few dozen names."""
    shown = ", ".join(items[:_MAX_LISTED])
    return shown + (f"… ({len(items)} au total)" if len(items) > _MAX_LISTED else "")


def current_epci_sirens(year: int = 2026, reference_dir: Path | None = None) -> set[str]:
    """SIRENs of the EPCI à fiscalité propre of a given list year, from the reference data (cog/)."""
    ref = reference_dir or settings().reference_dir
    frame = pd.read_csv(ref / "cog" / "epci_2023_2024_2026.csv", dtype=str, keep_default_na=False)
    return set(frame.loc[frame["annee"] == str(year), "siren_epci"])


def describe_unmatched(code: str, current: set[str] | None = None) -> str:
    """Why an EPCI code of an older geography has no current counterpart, in French."""
    successors = KNOWN_SUCCESSORS.get(code)
    if not successors:
        return ("absent de la liste actuelle des EPCI : probablement fusionné, scindé ou renuméroté depuis la "
                "publication ; aucune correspondance connue")
    names = ", ".join(f"{s} {SUCCESSOR_NAMES.get(s, '')}".strip() for s in successors)
    partners = [old for old, new in KNOWN_SUCCESSORS.items() if new == successors and old != code]
    if len(successors) > 1:
        what = f"scindé depuis entre {names}"
    elif partners:
        what = f"regroupé depuis avec {', '.join(partners)} dans {names}"
    else:
        what = f"remplacé depuis par {names}"
    missing = [s for s in successors if current is not None and s not in current]
    if missing:
        what += f" (successeur(s) {', '.join(missing)} absent(s) de la liste fournie)"
    return (f"{what} ; une médiane, un décile ou une part ne se recalculent pas sur le nouveau périmètre à partir "
            "de ce seul fichier")
