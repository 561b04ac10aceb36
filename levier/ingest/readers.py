"""Reading uploaded files safely: type sniffing, size and zip-bomb limits, CSV dialects, xlsx via fastexcel.

Workbooks with VBA macros (a vbaProject.bin part, i.e. .xlsm saved as anything) are refused whole rather than read
with the macros ignored: nothing here would ever run them (fastexcel reads cell values only, and formula cells by
the value Excel cached), but a return has no use for macros, and a clear refusal asks for the plain .xlsx the
formats documentation promises."""

from __future__ import annotations

import csv
import io
import math
import zipfile
import zlib
from dataclasses import dataclass

import fastexcel
import pandas as pd


# An xlsx is a zip: declared sizes are checked before anything is decompressed, then verified while inflating.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 120


class UnreadableFile(Exception):
    """The file cannot be read at all; the message is French and names the file."""


@dataclass(frozen=True)
class Sheet:
    name: str | None  # None for a CSV
    cells: pd.DataFrame  # every cell as text (empty string when blank); row i is spreadsheet row i+1


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
    before fastexcel, which trusts the archive, ever opens it."""
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


def sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def read_csv_cells(data: bytes, file_name: str) -> Sheet:
    text = decode_text(data)
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
    return Sheet(None, cells)


def _read_ragged(text: str, sep: str, file_name: str) -> pd.DataFrame:
    """Rows longer than the first one (a trailing separator, a note beside the table), which pandas' fast parser
    refuses: the csv module reads any shape, and short rows are padded with blanks."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise UnreadableFile(
            f"Le fichier « {file_name} » n'est pas un CSV lisible (ligne {reader.line_num} : guillemet non fermé "
            "ou champ de plus de 131 072 caractères)."
        ) from exc
    width = max((len(r) for r in rows), default=0)
    if not width:
        raise UnreadableFile(f"Le fichier « {file_name} » est vide (aucune colonne).")
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype=str)


def read_xlsx_sheets(data: bytes, file_name: str) -> list[Sheet]:
    """Every sheet as text cells; the bytes must have passed check_upload (read_cells does it)."""
    try:
        reader = fastexcel.read_excel(data)
        sheets = []
        for name in reader.sheet_names:
            loaded = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
            frame = loaded.to_pandas()
            frame = frame.astype(object).where(frame.notna(), "").astype(str)
            frame.columns = range(frame.shape[1])
            sheets.append(Sheet(name, frame))
    except Exception as exc:  # fastexcel raises its own types for corrupt parts
        raise UnreadableFile(f"Le classeur « {file_name} » est illisible ou corrompu ({type(exc).__name__}).") from exc
    return sheets


def read_cells(data: bytes, file_name: str, max_bytes: int) -> tuple[str, list[Sheet]]:
    kind = check_upload(data, file_name, max_bytes)
    if kind == "xlsx":
        return kind, read_xlsx_sheets(data, file_name)
    return kind, [read_csv_cells(data, file_name)]


def shorten(value: object, limit: int = 80) -> object:
    """A cell quoted in a message: a 2 MB cell would otherwise be copied into the report, the journal and the page."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[: limit - 20]}… ({len(value)} caractères)"
    return value
