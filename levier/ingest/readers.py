"""Reading uploaded files safely, once: type sniffing, size and zip-bomb limits, CSV dialects, xlsx parts.

Workbooks with VBA macros (a vbaProject.bin part, i.e. .xlsm saved as anything) are refused whole rather than read
with the macros ignored: nothing here would ever run them (cell values only, and formula cells by the value
Excel cached), but a return has no use for macros, and a clear refusal asks for the plain .xlsx the
formats documentation promises."""

from __future__ import annotations

import csv
import html
import io
import math
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from levier.ingest.report import Finding

# An xlsx is a zip: declared sizes are checked before anything is decompressed, then verified while inflating.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 120


class UnreadableFile(Exception):
    """The file cannot be read at all; the message is French and names the file (and the sheet or line when one is
    at fault, also given as attributes for the report)."""

    def __init__(self, message: str, *, sheet: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.sheet = sheet
        self.row = row


@dataclass(frozen=True)
class Sheet:
    name: str | None  # None for a CSV
    cells: pd.DataFrame  # every cell as text ('' when blank); row i is spreadsheet row i+1, column j is column j+1
    # Same shape as cells, one code per cell (None for a CSV: all text): '' blank, 's' text, 'n' number ('.'
    # decimal, no grouping), 'p' number in a percentage format (cells holds the percent), 'd' date, 'b' boolean,
    # 'f' formula without a cached value (cells holds '=…'), 'e' Excel error ('#DIV/0!').
    types: pd.DataFrame | None = None
    merged: tuple[tuple[int, int, int, int], ...] = ()  # 0-based (first_row, first_col, last_row, last_col)


@dataclass
class Workbook:
    file_name: str
    format: str  # 'csv' | 'xlsx'
    sheets: list[Sheet]  # visible sheets only, in workbook order; hidden rows and columns blanked out
    notes: list[Finding] = field(default_factory=list)  # warnings from reading (hidden parts skipped…)


# Signatures of files people upload by mistake (a PDF or a picture renamed .csv): named in the message.
_MAGIC = (
    (b"%PDF-", "un document PDF"),
    (b"\x89PNG\r\n\x1a\n", "une image PNG"),
    (b"\xff\xd8\xff", "une image JPEG"),
    (b"GIF87a", "une image GIF"),
    (b"GIF89a", "une image GIF"),
    (b"\x1f\x8b", "un fichier compressé gzip"),
    (b"7z\xbc\xaf\x27\x1c", "une archive compressée 7-Zip"),
    (b"Rar!\x1a\x07", "une archive compressée RAR"),
    (b"{\\rtf", "un document RTF (traitement de texte)"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
MAX_ZIP_MEMBERS = 10_000


def sniff_format(data: bytes, file_name: str) -> str:
    """'xlsx' or 'csv', decided by the content, never by the extension."""
    if not data or not data.strip() or not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise UnreadableFile(f"Le fichier « {file_name} » est vide.")
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, ValueError, EOFError) as exc:
            raise UnreadableFile(f"Le fichier « {file_name} » est une archive corrompue ou tronquée.") from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            raise UnreadableFile(
                f"Le fichier « {file_name} » est un classeur OpenDocument (.ods) : enregistrez-le au format .xlsx."
            )
        if "xl/workbook.bin" in names:
            raise UnreadableFile(
                f"Le fichier « {file_name} » est un classeur Excel binaire (.xlsb) : enregistrez-le au format .xlsx."
            )
        raise UnreadableFile(f"Le fichier « {file_name} » est une archive zip, pas un classeur Excel.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            f"Le fichier « {file_name} » est au format Excel 97-2003 (.xls) ou chiffré : enregistrez-le au format .xlsx."
        )
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise UnreadableFile(f"Le fichier « {file_name} » est {what}, pas un tableau CSV ni un classeur Excel.")
    head = data[:4096]
    if data.startswith(_UTF16_BOMS) or (head.count(b"\x00") > len(head) // 4 and b"\x00\x00\x00" not in head[:64]):
        raise UnreadableFile(
            f"Le fichier « {file_name} » est encodé en UTF-16 (« Texte Unicode ») : enregistrez-le en "
            "« CSV UTF-8 » ou « CSV (séparateur : point-virgule) »."
        )
    if b"\x00" in head:
        raise UnreadableFile(f"Le fichier « {file_name} » n'est ni un classeur Excel ni un fichier texte CSV.")
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise UnreadableFile(
            f"Le fichier « {file_name} » contient un caractère nul (octet 0) ligne {line} : fichier texte altéré ou "
            "binaire, refusé."
        )
    return "csv"


def check_zip_limits(data: bytes, file_name: str) -> None:
    """Refuses archives that would unpack to far more than they weigh, nest other archives or carry macros.

    The declared sizes are checked first (instantly); then every part is inflated once, in bounded chunks, by
    zipfile, which stops at the declared size and checks the CRC: a part that lies about its size is caught
    before any reader, trusting the archive, opens it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise UnreadableFile(
                    f"Le fichier « {file_name} » contient {len(infos)} parties (plus de {MAX_ZIP_MEMBERS}) : refusé "
                    "par précaution (classeur anormalement compressé)."
                )
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            nested = [i.filename for i in infos if i.filename.lower().endswith((".zip", ".xlsx", ".xlsm", ".7z", ".rar", ".gz"))]
            macros = [i.filename for i in infos if i.filename.lower().endswith("vbaproject.bin")]
            if nested:
                raise UnreadableFile(f"Le fichier « {file_name} » contient une archive imbriquée ({nested[0]}) : refusé.")
            if macros:
                raise UnreadableFile(
                    f"Le fichier « {file_name} » contient des macros VBA ({macros[0]}) : Levier n'exécute jamais de "
                    "macro et refuse les classeurs qui en portent. Enregistrez-le au format « Classeur Excel (.xlsx) »."
                )
            if total > MAX_UNPACKED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
                raise UnreadableFile(
                    f"Le fichier « {file_name} » se décompresse en {total / 1e6:.0f} Mo (taux {total / packed:.0f}:1) : "
                    "refusé par précaution (classeur anormalement compressé)."
                )
            for info in infos:
                try:
                    with zf.open(info) as part:
                        while part.read(1 << 20):
                            pass
                except RuntimeError as exc:  # zipfile's word for an encrypted part
                    raise UnreadableFile(f"Le fichier « {file_name} » est chiffré (protégé par un mot de passe).") from exc
                except NotImplementedError as exc:
                    raise UnreadableFile(
                        f"Le fichier « {file_name} » utilise une compression non prise en charge : enregistrez-le de "
                        "nouveau au format .xlsx."
                    ) from exc
                except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
                    raise UnreadableFile(
                        f"Le fichier « {file_name} » est corrompu : la partie « {info.filename} » ne correspond pas aux "
                        "tailles déclarées par l'archive (fichier altéré ou tronqué)."
                    ) from exc
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise UnreadableFile(f"Le fichier « {file_name} » est une archive corrompue ou tronquée.") from exc


def check_upload(data: bytes, file_name: str, max_bytes: int) -> str:
    """Every check that needs no importer: size, type by content, and for a workbook the zip limits.

    Returns 'xlsx' or 'csv'; raises UnreadableFile with a French message naming the file."""
    if len(data) > max_bytes:
        raise UnreadableFile(
            f"Le fichier « {file_name} » pèse {_megabytes(len(data), up=True)}, au-delà de la limite de "
            f"{_megabytes(max_bytes)} (réglable par LEVIER_MAX_FILE_MB)."
        )
    kind = sniff_format(data, file_name)
    if kind == "xlsx":
        check_zip_limits(data, file_name)
    return kind


def _megabytes(n: int, up: bool = False) -> str:
    """In the unit of LEVIER_MAX_FILE_MB (2**20 bytes), decimal comma; a size just over the limit rounds up so it
    never reads as equal to it."""
    mb = n / 2**20
    shown = math.ceil(mb * 100) / 100 if up else round(mb, 2)
    return f"{shown:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " Mo"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; cp1252 (not latin-1: '€' and 'œ' differ) otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def decode_csv(data: bytes, file_name: str) -> str:
    """decode_text, except that a UTF-8 mark (BOM) followed by Windows-1252 bytes is refused with the line: the file
    says UTF-8 and is not, and guessing would put « Isère » or « 12,5 € » at risk."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise UnreadableFile(
                f"Le fichier « {file_name} » annonce l'encodage UTF-8 (marque BOM en tête) mais contient, ligne "
                f"{line}, des caractères d'un autre encodage (Windows-1252 / ANSI) : enregistrez-le de nouveau en "
                "« CSV UTF-8 (délimité par des virgules) » ou « CSV (séparateur : point-virgule) ».",
                row=line,
            ) from exc
    return decode_text(data)


def sniff_delimiter(text: str) -> str:
    """The one delimiter rule for every kind of file, from the first non-blank line, outside quotes: ';' when
    present (French spreadsheets and INSEE; labels may hold unquoted commas), else tab, else ',' (';' by default)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    bare = re.sub(r'"[^"]*"', "", first)
    for sep in (";", "\t", ","):
        if sep in bare:
            return sep
    return ";"


_SEP_NAMES = {",": "une virgule décimale non protégée par des guillemets ?",
              ";": "un point-virgule dans un texte non protégé par des guillemets ?",
              "\t": "une tabulation dans un texte ?"}


def read_csv_sheet(data: bytes, file_name: str) -> tuple[Sheet, list[Finding]]:
    text = decode_csv(data, file_name)
    sep = sniff_delimiter(text)
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
            engine="c",
        )
    except pd.errors.EmptyDataError as exc:
        raise UnreadableFile(f"Le fichier « {file_name} » est vide (aucune colonne).") from exc
    except (pd.errors.ParserError, ValueError):
        cells = _read_ragged(text, sep, file_name)
    return Sheet(None, cells), []


def read_csv_cells(data: bytes, file_name: str) -> Sheet:
    return read_csv_sheet(data, file_name)[0]


def _read_ragged(text: str, sep: str, file_name: str) -> pd.DataFrame:
    """Rows of different lengths, which pandas' fast parser refuses. The table's width is that of its first line
    with three filled fields or more (else two): a later line with more fields is refused by its number (an
    unquoted decimal comma, or a separator inside a comment, shifts every value after it), unless its extra
    fields are blank and most lines have them (a trailing separator on every line); short rows (a title,
    « Territoire;38 ») are padded with blanks."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        start = 1
        for row in reader:
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(
            f"Le fichier « {file_name} » n'est pas un CSV lisible (ligne {reader.line_num} : guillemet non fermé "
            "ou champ de plus de 131 072 caractères)."
        ) from exc
    filled = [sum(1 for c in r if c.strip()) for r in rows]
    ref = next((i for i, n in enumerate(filled) if n >= 3), None)
    ref = ref if ref is not None else next((i for i, n in enumerate(filled) if n >= 2), None)
    if ref is not None:
        width = len(rows[ref])
        lengths = Counter(len(r) for r, n in zip(rows[ref + 1:], filled[ref + 1:]) if n)
        usual = lengths.most_common(1)[0][0] if lengths else width
        for i in range(ref + 1, len(rows)):
            r = rows[i]
            if len(r) > width and (any(c.strip() for c in r[width:]) or len(r) != usual):
                raise UnreadableFile(
                    f"Le fichier « {file_name} », ligne {lines[i]} : {len(r)} champs au lieu de {width} — "
                    f"{_SEP_NAMES[sep]} (l'en-tête, ligne {lines[ref]}, en a {width}.) Mettez ce texte ou ce nombre "
                    "entre guillemets, ou enregistrez le fichier avec le séparateur point-virgule.",
                    row=lines[i],
                )
    width = max((len(r) for r in rows), default=0)
    if not width:
        raise UnreadableFile(f"Le fichier « {file_name} » est vide (aucune colonne).")
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype=str)


# ---------------------------------------------------------------------------------------------------------------
# xlsx: the parts are read directly (workbook.xml, styles.xml, sharedStrings.xml, the sheets), once, before any
# library allocates anything. calamine (fastexcel) sizes its grid from the extent of the filled cells (rows x
# columns x 32 bytes: two cells at A1 and XFD1048576 ask for 512 GiB and abort the process); it ignores the declared
# <dimension>. Reading the XML here is sparse: a lying dimension costs nothing, and a sheet whose real extent or
# number of cells is out of proportion is refused by name before a table is built.
# ---------------------------------------------------------------------------------------------------------------

MAX_SHEET_CELLS = 5_000_000  # rows x columns of the used range of one sheet (the table built in memory)
MAX_FILLED_CELLS = 2_000_000  # cells holding something, in one sheet
# A sheet wider than this (DREES repeats a note 16,000 columns to the right) is kept as one block of text objects:
# one text column per spreadsheet column would take seconds to build for cells nobody reads.
WIDE_SHEET_COLUMNS = 1_000

_NS_PREFIX = re.compile(rb"<(\w+):worksheet\b")
_CELL = re.compile(  # one cell: reference, attributes, formula, cached value, inline string (pretty-printed too)
    rb'<c r="([A-Z]{1,3})(\d+)"((?:\s+[\w:]+="[^"]*")*)\s*(?:/>|>\s*(?:<f([^>]*?)(?:/>|>([^<]*)</f>)\s*)?'
    rb"(?:<v>([^<]*)</v>\s*|<v/>\s*)?(?:<is>(.*?)</is>\s*)?</c>)",
    re.S,
)
_CELL_ANY = re.compile(  # the same, whatever the order of the attributes (rarer producers)
    rb"<c\b((?:\s+[\w:]+=\"[^\"]*\")*)\s*(?:/>|>\s*(?:<f([^>]*?)(?:/>|>([^<]*)</f>)\s*)?"
    rb"(?:<v>([^<]*)</v>\s*|<v/>\s*)?(?:<is>(.*?)</is>\s*)?</c>)",
    re.S,
)
_ATTR_R = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_ATTR_T = re.compile(rb'\bt="(\w+)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_HIDDEN_ROW = re.compile(rb'<row\b(?=[^>]*?\bhidden="(?:1|true)")[^>]*?\br="(\d+)"')
_HIDDEN_COL = re.compile(rb"<col\b([^>]*)/?>")
_MERGE = re.compile(rb'<mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_SHEET_TAG = re.compile(rb"<sheet\b([^>]*?)/?>")
_REL_TAG = re.compile(rb"<Relationship\b([^>]*?)/?>")
_XML_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_SI = re.compile(rb"<si>(.*?)</si>|<si/>", re.S)
_T_RUN = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>|<rPh\b.*?</rPh>", re.S)
_XF = re.compile(rb"<xf\b([^>]*?)/?>")
_NUMFMT = re.compile(rb'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"')
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DATE_FORMAT_IDS = set(range(14, 23)) | set(range(45, 48)) | set(range(27, 37)) | set(range(50, 59))
_PERCENT_FORMAT_IDS = {9, 10}
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_EPOCH_1904 = datetime(1904, 1, 1)


def column_letter(j: int) -> str:
    """0-based column index to its spreadsheet letters (0 -> A, 27 -> AB)."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_index(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1]: html.unescape(v.decode("utf-8", "replace")) for k, v in _XML_ATTR.findall(raw)}


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    if "\r" in text:  # a line break typed in a cell, stored as CR LF: one line break, as the spreadsheet shows it
        text = text.replace("\r\n", "\n")
    return text


def _runs(raw: bytes) -> str:
    """The text of a shared or inline string: its <t> runs, phonetic guides (<rPh>) left out."""
    return "".join(_xml_text(m.group(1)) for m in _T_RUN.finditer(raw) if m.group(1) is not None)


def _part_path(target: str) -> str:
    target = target.lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target.removeprefix("./")


def _format_kinds(styles: bytes) -> tuple[set[int], set[int]]:
    """Indices of the cell styles (cellXfs) that show a number as a percentage, and as a date or time."""
    custom = {int(i): _xml_text(code) for i, code in _NUMFMT.findall(styles)}
    block = styles.split(b"<cellXfs", 1)[1].split(b"</cellXfs>", 1)[0] if b"<cellXfs" in styles else b""
    percent, dates = set(), set()
    for k, raw in enumerate(_XF.findall(block)):
        fmt = int(_attrs(raw).get("numFmtId", "0") or 0)
        code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", custom.get(fmt, "")).lower()
        if fmt in _PERCENT_FORMAT_IDS or "%" in code:
            percent.add(k)
        elif fmt in _DATE_FORMAT_IDS or (code and re.search(r"[dmyhs]", code) and not re.search(r"[0#?]", code)):
            dates.add(k)
    return percent, dates


_DATE_TEXT = re.compile(r"^((?:19|20)\d{2})-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?$")


def date_cell_year(text: object, kind: object) -> int | None:
    """The year of a date-typed cell (kind 'd', its text as _excel_date writes it: 2022-01-01[ 00:00:00]) in
    1900–2099, None for any other cell: a year header typed as a date reads as its year (the importers say so)."""
    m = _DATE_TEXT.match(str(text).strip()) if kind == "d" else None
    return int(m.group(1)) if m else None


def _excel_date(serial: str, epoch: datetime) -> str | None:
    try:
        days = float(serial)
    except ValueError:
        return None
    if epoch == _EXCEL_EPOCH and days < 61:
        # Excel's 1900 system counts a 29 February 1900 that never was (serial 60, after Lotus 1-2-3): the epoch
        # above is right from 1 March 1900 on; before, a serial is one day later than it says.
        if days >= 60:
            return "1900-02-29"
        days += 1
    try:
        moment = epoch + timedelta(days=days)
    except OverflowError:
        return None
    moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if (moment.hour or moment.minute or moment.second) else moment.strftime("%Y-%m-%d")


def _plain_number(number: str) -> str:
    """A number in scientific notation as Python shows it (repr): '1e+20', '-0.048967634297438715'."""
    try:
        return repr(float(number))
    except ValueError:
        return number


def _percent(number: str) -> str:
    """The percent a percentage cell shows: the shortest text of its stored number, shifted two places in decimal.
    openpyxl and xlsxwriter write « 7,1 % » as 0.07099999999999999 (16 digits of the double 0.071): 7.1, never
    7.099999999999999."""
    try:
        shifted = Decimal(repr(float(number))).scaleb(2).normalize()
    except (InvalidOperation, ValueError):
        return number
    return format(shifted, "f")


def _sheet_too_big(file_name: str, name: str, message: str) -> UnreadableFile:
    return UnreadableFile(
        f"Le classeur « {file_name} » : {message} Levier refuse une feuille de cette taille par "
        "précaution ; supprimez les lignes et colonnes inutilisées (ou les cellules isolées très loin du tableau) "
        "puis enregistrez de nouveau.",
        sheet=name,
    )


def _check_extent(part: bytes, file_name: str, name: str) -> None:
    """The one check on the bytes before they are parsed: the number of cells bounds the parser's memory (the used
    range, last row times last column, is checked by _place before any grid is built)."""
    filled = part.count(b"<c ")
    if filled > MAX_FILLED_CELLS:
        raise _sheet_too_big(file_name, name, f"la feuille « {name} » compte {_int_fr(filled)} cellules (plus de {_int_fr(MAX_FILLED_CELLS)}).")


def _int_fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


@dataclass
class _Book:
    """What every sheet needs from the workbook parts."""

    sheets: list[tuple[str, str, str]]  # (name, state, part path), in workbook order
    strings: list[str]
    percent_styles: set[int]
    date_styles: set[int]
    epoch: datetime
    stale_formulas: bool  # the producer asked for a full recalculation on load: cached values are not results


def _read_book(zf: zipfile.ZipFile, file_name: str) -> _Book:
    names = set(zf.namelist())
    workbook = zf.read("xl/workbook.xml")
    rels_path = "xl/_rels/workbook.xml.rels"
    rels = {}
    if rels_path in names:
        for raw in _REL_TAG.findall(zf.read(rels_path)):
            a = _attrs(raw)
            rels[a.get("Id", "")] = _part_path(a.get("Target", ""))
    sheets = []
    for raw in _SHEET_TAG.findall(workbook.split(b"<sheets", 1)[-1].split(b"</sheets>", 1)[0]):
        a = _attrs(raw)
        sheets.append((a.get("name", ""), a.get("state", "visible"), rels.get(a.get("id", ""), "")))
    strings = []
    if "xl/sharedStrings.xml" in names:
        strings = [_runs(m.group(1)) if m.group(1) is not None else "" for m in _SI.finditer(zf.read("xl/sharedStrings.xml"))]
    percent, dates = _format_kinds(zf.read("xl/styles.xml")) if "xl/styles.xml" in names else (set(), set())
    pr = _attrs(m.group(1)) if (m := re.search(rb"<workbookPr\b([^>]*)", workbook)) else {}
    calc = _attrs(m.group(1)) if (m := re.search(rb"<calcPr\b([^>]*)", workbook)) else {}
    return _Book(
        sheets=sheets,
        strings=strings,
        percent_styles=percent,
        date_styles=dates,
        epoch=_EXCEL_EPOCH_1904 if pr.get("date1904") in ("1", "true") else _EXCEL_EPOCH,
        stale_formulas=calc.get("fullCalcOnLoad") in ("1", "true"),
    )


def _cell_kinds(attrs: bytes, book: _Book, cache: dict) -> tuple[str, str]:
    """(XML type, style kind '' | 'p' | 'd') of a cell's attributes; a workbook has few distinct ones."""
    kinds = cache.get(attrs)
    if kinds is None:
        t = _ATTR_T.search(attrs)
        s = _ATTR_S.search(attrs)
        style = int(s.group(1)) if s else 0
        kinds = (t.group(1).decode() if t else "n",
                 "p" if style in book.percent_styles else "d" if style in book.date_styles else "")
        cache[attrs] = kinds
    return kinds


_CODES = np.array(["", "s", "n", "p", "d", "b", "f", "e"], dtype=object)
_XML_TYPES = {"s": 0, "inlineStr": 1, "str": 2, "b": 3, "e": 4, "n": 5, "d": 2}  # t="d" (ISO text date): as text
_STYLE_KINDS = {"": 0, "p": 1, "d": 2}


def _find_cells(part: bytes, file_name: str, name: str) -> list[tuple]:
    """Every <c> element of a sheet part as (column letters, row, attributes, formula attributes, formula, cached
    value, inline string); every cell must be understood, or the sheet is refused rather than read in part."""
    found = _CELL.findall(part)
    expected = part.count(b"<c ")
    if len(found) < expected:
        found = []
        for attrs, f_attrs, f_text, v, inline in _CELL_ANY.findall(part):
            ref = _ATTR_R.search(attrs)
            if ref is not None:
                found.append((ref.group(1), ref.group(2), attrs, f_attrs, f_text, v, inline))
        if len(found) < expected:
            raise UnreadableFile(
                f"Le classeur « {file_name} », feuille « {name} » : {expected - len(found)} cellule(s) dans une forme "
                "que Levier ne sait pas lire (classeur produit par un outil inhabituel) : ouvrez-le dans un tableur "
                "et enregistrez-le de nouveau au format .xlsx.",
                sheet=name,
            )
    return found


# Cells are parsed a slice of the sheet at a time (cut after a </row>): the regex's tuples of bytes cost about 300
# bytes a cell, so a whole national sheet at once would hold some 70 MB at the reader's peak for a 1 MB file.
_SLICE_BYTES = 1 << 20


def _slices(part: bytes) -> Iterator[bytes]:
    """The sheet part cut into slices of about _SLICE_BYTES, each ending after a </row> (no cell is cut in two)."""
    start = 0
    while start < len(part):
        end = part.find(b"</row>", start + _SLICE_BYTES)
        end = len(part) if end < 0 else end + len(b"</row>")
        yield part[start:end]
        start = end


def _place(part: bytes, book: _Book, file_name: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The parsed cells as two aligned grids (text, type code). The used range is checked before the grids exist."""
    found = [_slice_cells(piece, book, file_name, name) for piece in _slices(part)] or [_no_cells()]
    rows, cols, text, code = (np.concatenate([f[i] for f in found]) for i in range(4))
    return _grids(rows, cols, text, code, file_name, name)


def _no_cells() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), np.zeros(0, dtype=np.int8)


def _slice_cells(part: bytes, book: _Book, file_name: str, name: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, text, type code) of every cell of a slice, column by column of the findall tuples: a Python
    step per distinct value only where it cannot be avoided."""
    # (cells, 7) at once: far quicker than transposing with zip(*found), and the list of tuples is freed here.
    grid = np.array(_find_cells(part, file_name, name), dtype=object)
    if not len(grid):
        return _no_cells()
    col_b, row_b, attrs_b, fa_b, ft_b, v_b, is_b = grid.T
    n = len(grid)
    rows = row_b.astype("S7").astype(np.int64) - 1
    inv, uniq = pd.factorize(col_b)  # hashing, not sorting: a sheet has few distinct columns and attribute sets
    cols = np.array([_column_index(u) for u in uniq], dtype=np.int64)[inv]
    inv, uniq = pd.factorize(attrs_b)
    cache: dict = {}
    pairs = [_cell_kinds(bytes(u), book, cache) for u in uniq]
    xml_t = np.array([_XML_TYPES.get(p[0], 5) for p in pairs], dtype=np.int8)[inv]
    style = np.array([_STYLE_KINDS[p[1]] for p in pairs], dtype=np.int8)[inv]
    has_v = v_b.astype(bool)
    formula = (fa_b.astype(bool) | ft_b.astype(bool)) & (~has_v | book.stale_formulas)
    text = np.full(n, "", dtype=object)
    code = np.zeros(n, dtype=np.int8)

    def fill(mask: np.ndarray, kind: int, source: np.ndarray, convert) -> None:
        if mask.any():
            text[mask] = [convert(x) for x in source[mask]]
            code[mask] = kind

    fill(formula, 6, ft_b, lambda f: "=" + _xml_text(f) if f else "=…")
    rest = ~formula
    shared = rest & (xml_t == 0) & has_v
    if shared.any():
        idx = v_b[shared].astype("S12").astype(np.int64)
        table = np.array(book.strings + [""], dtype=object)
        text[shared] = table[np.where(idx < len(book.strings), idx, len(book.strings))]
        code[shared] = 1
    fill(rest & (xml_t == 1), 1, is_b, lambda x: _runs(x) if x else "")
    fill(rest & (xml_t == 2) & has_v, 1, v_b, _xml_text)
    fill(rest & (xml_t == 3), 5, v_b, lambda x: "true" if x in (b"1", b"true") else "false")
    fill(rest & (xml_t == 4), 7, v_b, _xml_text)
    number = rest & (xml_t == 5) & has_v
    if number.any():
        # One decode for every number of the slice (a <v> holds digits, '.', '-', 'E' only).
        joined = b"\x00".join(v_b[number].tolist()).decode()
        shown = np.array(joined.split("\x00"), dtype=object)
        if "E" in joined or "e" in joined:  # Excel writes -4.8967634297438715E-2: shown as Python does, -0.0489…
            sci = np.flatnonzero([("E" in x or "e" in x) for x in shown])
            shown[sci] = [_plain_number(x) for x in shown[sci]]
        kind = np.full(len(shown), 2, dtype=np.int8)
        kinds_of = style[number]
        for k, convert in ((1, _percent), (2, lambda s: _excel_date(s, book.epoch))):
            mask = kinds_of == k
            if mask.any():
                uniq, inv = np.unique(shown[mask].astype(str), return_inverse=True)
                done = np.array([convert(u) for u in uniq], dtype=object)[inv]
                ok = np.array([d is not None for d in done], dtype=bool)
                where = np.flatnonzero(mask)[ok]
                shown[where] = done[ok]
                kind[where] = 3 if k == 1 else 4
        text[number] = shown
        code[number] = kind
    keep = (code != 0) & ~((code == 1) & (text == ""))  # a blank shared string is no cell
    return rows[keep], cols[keep], text[keep], code[keep]


def _grids(rows: np.ndarray, cols: np.ndarray, text: np.ndarray, code: np.ndarray, file_name: str, name: str
           ) -> tuple[np.ndarray, np.ndarray]:
    """The cells placed on the sheet's grid (values, kind codes), once the used range is known to be bounded."""
    shape = (int(rows.max(initial=-1)) + 1, int(cols.max(initial=-1)) + 1)
    if shape[0] * shape[1] > MAX_SHEET_CELLS:
        far = int(np.argmax((rows + 1) * (cols + 1)))
        raise _sheet_too_big(
            file_name, name,
            f"la plage utilisée de la feuille « {name} » s'étend jusqu'à la cellule {column_letter(int(cols[far]))}{int(rows[far]) + 1} "
            f"({_int_fr(shape[0])} lignes × {_int_fr(shape[1])} colonnes, pour {_int_fr(len(rows))} cellules "
            "remplies).",
        )
    values = np.full(shape, "", dtype=object)
    kinds = np.full(shape, "", dtype=object)
    values[rows, cols] = text
    kinds[rows, cols] = _CODES[code]
    return values, kinds


def _read_sheet(part: bytes, name: str, book: _Book, file_name: str, notes: list[Finding]) -> Sheet:
    if (m := _NS_PREFIX.search(part[:2000])) is not None:  # <x:worksheet>: the OpenXML SDK's prefixed tags
        prefix = m.group(1)
        part = part.replace(b"<" + prefix + b":", b"<").replace(b"</" + prefix + b":", b"</")
    _check_extent(part, file_name, name)
    values, kinds = _place(part, book, file_name, name)
    _blank_hidden(part, name, values, kinds, file_name, notes)
    merged = tuple(
        (int(r1) - 1, _column_index(c1), int(r2 or r1) - 1, _column_index(c2 or c1))
        for c1, r1, c2, r2 in _MERGE.findall(part)
    )
    dtype = object if values.shape[1] > WIDE_SHEET_COLUMNS else None
    return Sheet(name, pd.DataFrame(values, dtype=dtype), pd.DataFrame(kinds, dtype=dtype), merged)


def _blank_hidden(part: bytes, name: str, values: np.ndarray, kinds: np.ndarray, file_name: str,
                  notes: list[Finding]) -> None:
    """Hidden rows and columns are not read: blanked out, with one note naming those that held something."""
    if b' hidden="1"' not in part and b' hidden="true"' not in part:
        return
    n_rows, n_cols = values.shape
    rows = sorted({int(r) - 1 for r in _HIDDEN_ROW.findall(part)} & set(range(n_rows)))
    cols: set[int] = set()
    if b"<cols" in part:
        for raw in _HIDDEN_COL.findall(part.split(b"<cols", 1)[1].split(b"</cols>", 1)[0]):
            a = _attrs(raw)
            if a.get("hidden") in ("1", "true"):
                first, last = int(a.get("min", "1")) - 1, min(int(a.get("max", "1")), n_cols) - 1
                cols.update(range(first, last + 1))
    cols_sorted = sorted(c for c in cols if c < n_cols)
    held_rows = [r for r in rows if (kinds[r] != "").any()]
    held_cols = [c for c in cols_sorted if (kinds[:, c] != "").any()]
    if rows:
        values[rows, :] = ""
        kinds[rows, :] = ""
    if cols_sorted:
        values[:, cols_sorted] = ""
        kinds[:, cols_sorted] = ""
    if held_rows:
        shown = ", ".join(str(r + 1) for r in held_rows[:10]) + (" …" if len(held_rows) > 10 else "")
        notes.append(Finding(file_name, f"{len(held_rows)} ligne(s) masquée(s) ignorée(s) : {shown}.", name,
                             held_rows[0] + 1))
    if held_cols:
        shown = ", ".join(column_letter(c) for c in held_cols[:10]) + (" …" if len(held_cols) > 10 else "")
        notes.append(Finding(file_name, f"{len(held_cols)} colonne(s) masquée(s) ignorée(s) : {shown}.", name,
                             None, column_letter(held_cols[0])))


def read_xlsx_workbook(data: bytes, file_name: str, only: Collection[str] | None = None
                       ) -> tuple[list[Sheet], list[Finding]]:
    """Visible sheets as cells with their types; the bytes must have passed check_upload (read_workbook does it).
    `only`: the names (stripped) of the sheets wanted, the others are not parsed (a reader that knows its sheets)."""
    notes: list[Finding] = []
    sheets: list[Sheet] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            book = _read_book(zf, file_name)
            names = set(zf.namelist())
            for name, state, path in book.sheets:
                if state in ("hidden", "veryHidden"):
                    notes.append(Finding(file_name, f"feuille masquée « {name} » ignorée.", name))
                    continue
                if path not in names or "/worksheets/" not in path:  # a chart or dialog sheet, a dangling relation
                    continue
                if only is not None and name.strip() not in only:
                    continue
                sheets.append(_read_sheet(zf.read(path), name, book, file_name, notes))
    except UnreadableFile:
        raise
    except (KeyError, ValueError, IndexError, zipfile.BadZipFile) as exc:
        raise UnreadableFile(f"Le classeur « {file_name} » est illisible ou corrompu ({type(exc).__name__}).") from exc
    return sheets, notes


def read_xlsx_sheets(data: bytes, file_name: str) -> list[Sheet]:
    """Every visible sheet as text cells (kept for callers that do not need the notes)."""
    return read_xlsx_workbook(data, file_name)[0]


def read_workbook(data: bytes, file_name: str, max_bytes: int, only: Collection[str] | None = None) -> Workbook:
    """The one reader: container checks, then every visible sheet once (of a workbook, those named in `only` when
    given), as cells with types; raises UnreadableFile."""
    kind = check_upload(data, file_name, max_bytes)
    if kind == "xlsx":
        sheets, notes = read_xlsx_workbook(data, file_name) if only is None else read_xlsx_workbook(data, file_name, only)
        return Workbook(file_name, kind, sheets, notes)
    sheet, notes = read_csv_sheet(data, file_name)
    return Workbook(file_name, kind, [sheet], notes)


def read_cells(data: bytes, file_name: str, max_bytes: int) -> tuple[str, list[Sheet]]:
    book = read_workbook(data, file_name, max_bytes)
    return book.format, book.sheets


def shorten(value: object, limit: int = 80) -> object:
    """A cell quoted in a message: a 2 MB cell would otherwise be copied into the report, the journal and the page."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[: limit - 20]}… ({len(value)} caractères)"
    return value
