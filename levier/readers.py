"""Reading uploaded files safely: type sniffing, size and zip-bomb limits, CSV dialects, xlsx via fastexcel."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from levier.report import Finding

MISSING_MARKERS = {"s": "s", "nd": "nd", "nc": "nc", "so": "so", "n.d.": "nd", "n.c.": "nc", "s.o.": "so"}

# An xlsx is a zip: declared sizes are checked before anything is decompressed.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 120


class UnreadableFile(Exception):
    """The file cannot be read at all; the message is French and names the file."""


@dataclass(frozen=True)
class Sheet:
    name: str | None  # None for a CSV
    cells: pd.DataFrame  # every cell as text (empty string when blank); row i is spreadsheet row i+1


def sniff_format(data: bytes, file_name: str) -> str:
    """'xlsx' or 'csv', decided by the content, never by the extension."""
    if not data or not data.strip():
        raise UnreadableFile(f"Le fichier « {file_name} » est vide.")
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile as exc:
            raise UnreadableFile(f"Le fichier « {file_name} » est une archive corrompue ou tronquée.") from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            raise UnreadableFile(
                f"Le fichier « {file_name} » est un classeur OpenDocument (.ods) : enregistrez-le au format .xlsx."
            )
        raise UnreadableFile(f"Le fichier « {file_name} » est une archive zip, pas un classeur Excel.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            f"Le fichier « {file_name} » est au format Excel 97-2003 (.xls) ou chiffré : enregistrez-le au format .xlsx."
        )
    if b"\x00" in data[:4096]:
        raise UnreadableFile(f"Le fichier « {file_name} » n'est ni un classeur Excel ni un fichier texte CSV.")
    return "csv"


def check_zip_limits(data: bytes, file_name: str) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        nested = [i.filename for i in infos if i.filename.lower().endswith((".zip", ".xlsx"))]
    if nested:
        raise UnreadableFile(f"Le fichier « {file_name} » contient une archive imbriquée ({nested[0]}) : refusé.")
    if total > MAX_UNPACKED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
        raise UnreadableFile(
            f"Le fichier « {file_name} » se décompresse en {total / 1e6:.0f} Mo (taux {total / packed:.0f}:1) : "
            "refusé par précaution (classeur anormalement compressé)."
        )


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
    except (pd.errors.ParserError, ValueError) as exc:
        raise UnreadableFile(f"Le fichier « {file_name} » n'est pas un CSV lisible : {exc}") from exc
    return Sheet(None, cells)


def read_xlsx_sheets(data: bytes, file_name: str) -> list[Sheet]:
    import fastexcel

    check_zip_limits(data, file_name)
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
    if len(data) > max_bytes:
        raise UnreadableFile(
            f"Le fichier « {file_name} » pèse {len(data) / 1e6:.1f} Mo, au-delà de la limite de "
            f"{max_bytes / 1e6:.1f} Mo (réglable par LEVIER_MAX_FILE_MB)."
        )
    kind = sniff_format(data, file_name)
    if kind == "xlsx":
        return kind, read_xlsx_sheets(data, file_name)
    return kind, [read_csv_cells(data, file_name)]


_SPACE_CHARS = re.compile(r"[\s\u00a0\u202f']")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _parse_one(text: str) -> float | None:
    """The rare shapes the vectorised path leaves: '1.234,5', '1,234.5', '1.234.567'."""
    t = _SPACE_CHARS.sub("", text)
    if "," in t and "." in t:
        t = t.replace(".", "") if t.rfind(",") > t.rfind(".") else t.replace(",", "")
    elif t.count(".") > 1:
        t = t.replace(".", "")
    t = t.replace(",", ".")
    return float(t) if _PLAIN.match(t) else None


def parse_numbers(raw: pd.Series) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """French or English numbers to floats, vectorised.

    Returns (values, missing_reason, bad): blank cells are NaN with no reason; markers s/nd/nc/so are NaN with
    their reason; anything else that is not a finite number is flagged in `bad`.
    """
    s = raw.astype(str).str.strip()
    blank = s.eq("")
    if blank.all():  # an absent optional column (e.g. `cible`) costs nothing
        return np.full(len(s), np.nan), pd.Series(np.nan, index=raw.index, dtype=object), np.zeros(len(s), dtype=bool)
    reason = s.str.lower().map(MISSING_MARKERS)
    t = s.str.replace(_SPACE_CHARS, "", regex=True).str.replace(",", ".", regex=False)
    values = pd.to_numeric(t, errors="coerce").to_numpy(dtype=float, copy=True)
    retry = np.isnan(values) & ~blank.to_numpy() & reason.isna().to_numpy()
    if retry.any():
        values[retry] = [v if v is not None else np.nan for v in map(_parse_one, s[retry])]
    bad = (np.isnan(values) | np.isinf(values)) & ~blank.to_numpy() & reason.isna().to_numpy()
    values[np.isinf(values)] = np.nan
    return values, reason, bad
