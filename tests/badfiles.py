"""A deterministic corpus of bad input files, each with the importer it targets and a French fragment its report
must contain (tests/unit/ingest/test_bad_files.py runs them all through levier.ingest.detect.import_file)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import xlsxwriter

# Every importer kind of levier.ingest.detect (KIND_AUTO excepted): a container-level case runs through all of them.
KINDS = ("retours", "insee", "panorama", "services", "variantes", "financements")
ALL = "*"

NE = "CALPAE-3.1.1-NE"  # nouveaux entrants RSA (a count)
COUV = "CALPAE-2.1.1-COUV"  # taux de couverture (a typed percentage)
LONG_HEADER = ["territoire", "indicateur", "periode", "valeur", "cible", "annee_cible", "commentaire", "date_transmission"]
FUNDING_HEADER = ["territoire", "programme", "action", "annee", "financeur", "prevu", "engage", "consomme", "nature"]
SERVICES_HEADER = ["type", "nom", "latitude", "longitude", "code_commune"]
VARIANTS_HEADER = ["territoire", "indicateur", "variante", "description", "depuis"]
DDE = "=cmd|' /C calc'!A0"
_FIXED_DATE = datetime(2024, 1, 1)


@dataclass(frozen=True)
class BadFile:
    """One bad file. `kind` is the importer it is meant for (ALL: refused before any importer reads it, with the
    same message whatever the kind). `expected` must appear in one error message for that kind; `auto_expected`
    for kind="auto" (None: any French error naming the file will do, because detection may route the file
    elsewhere). `where` lists Finding fields that must be set on the matching error (sheet, row, column)."""

    id: str
    name: str
    kind: str
    expected: str
    auto_expected: str | None = None
    where: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)  # environment the case needs (e.g. a lower LEVIER_MAX_FILE_MB)

    @property
    def data(self) -> bytes:
        return _BUILDERS[self.id]()

    @property
    def kinds(self) -> tuple[str, ...]:
        return KINDS if self.kind == ALL else (self.kind,)


# ---------------------------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------------------------


def csv_bytes(header: list[str], rows: list[list[str]], *, sep: str = ";", encoding: str = "utf-8-sig") -> bytes:
    lines = [sep.join(header)] + [sep.join(r + [""] * (len(header) - len(r))) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def long_csv(rows: list[list[str]], **kwargs) -> bytes:
    return csv_bytes(LONG_HEADER, rows, **kwargs)


def xlsx_bytes(sheets: dict[str, list[list]], *, strings: bool = True) -> bytes:
    """A workbook, cell by cell; text cells are written as strings (never turned into formulas or numbers)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": not strings})
    wb.set_properties({"created": _FIXED_DATE})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write_number(r, c, v)
    wb.close()
    return buf.getvalue()


def good_long_xlsx() -> bytes:
    return xlsx_bytes({"retours": [LONG_HEADER, ["38", NE, "2021", "5 412"], ["2A", NE, "2021", "310"]]})


def rezip(data: bytes, extra: dict[str, bytes] | None = None, *, level: int = 6) -> bytes:
    """The same zip members (fixed timestamps, so the bytes are deterministic) plus `extra` ones."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        members = [(i.filename, src.read(i.filename)) for i in src.infolist()]
        for name, payload in members + list((extra or {}).items()):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, payload, compresslevel=level)
    return out.getvalue()


def patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrites the uncompressed size a zip declares for one member, in its local and central headers (a forged
    archive: the content itself is unchanged)."""
    buf = bytearray(data)
    encoded = member.encode()
    pos = 0
    while (pos := buf.find(b"PK\x03\x04", pos)) != -1:
        n = struct.unpack_from("<H", buf, pos + 26)[0]
        if bytes(buf[pos + 30 : pos + 30 + n]) == encoded:
            struct.pack_into("<I", buf, pos + 22, size)
        pos += 4
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos)) != -1:
        n = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46 : pos + 46 + n]) == encoded:
            struct.pack_into("<I", buf, pos + 24, size)
        pos += 4
    return bytes(buf)


def plain_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), payload)
    return out.getvalue()


# A minimal but well-formed PDF and PNG (magic numbers and structure; no NUL byte in the PDF, so only its
# signature tells it from text).
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >>"
       b" endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
PNG = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
       + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))))
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"Workbook"
BOMB_MEMBER = "xl/media/padding.bin"


@cache
def _bomb_ratio() -> bytes:
    # 40 MB of zeros deflate to ~40 kB (ratio ~1000:1): under the 200 MB total, far over the 120:1 ratio.
    return rezip(good_long_xlsx(), {BOMB_MEMBER: bytes(40 * 1024 * 1024)}, level=9)


@cache
def _bomb_declared() -> bytes:
    # A 10 kB workbook that declares 4 GB for one of its parts.
    return patch_declared_size(good_long_xlsx(), "xl/worksheets/sheet1.xml", 0xFFFFFFF0)


@cache
def _bomb_lying() -> bytes:
    # The opposite forgery: 64 MB of content declared as 900 bytes, so no declared figure looks abnormal.
    return patch_declared_size(rezip(good_long_xlsx(), {BOMB_MEMBER: bytes(64 * 1024 * 1024)}, level=1), BOMB_MEMBER, 900)


@cache
def _huge() -> bytes:
    # Just over the default 20 MB of LEVIER_MAX_FILE_MB (and of server.maxUploadSize): a valid long CSV, padded
    # with one comment.
    head = long_csv([["38", NE, "2021", "12"]])
    return head + ("38;" + NE + ";2020;13;;;" + "x" * (20 * 1024 * 1024 - len(head) + 10) + ";\r\n").encode()


def _xlsm() -> bytes:
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"Attribute VB_Name = \"ThisWorkbook\"\r\nSub Workbook_Open()\r\nShell \"calc.exe\"\r\nEnd Sub\r\n"
    return rezip(good_long_xlsx(), {"xl/vbaProject.bin": vba})


def _nested_zip() -> bytes:
    inner = plain_zip({"retours.csv": long_csv([["38", NE, "2021", "12"]])})
    return rezip(good_long_xlsx(), {"xl/embeddings/autre.zip": inner})


def _long_line() -> bytes:
    return long_csv([["38", NE, "2021", "9" * 3 + "x" * 2_000_000]])


def _nul_inside() -> bytes:
    deps = [f"{i:02d}" for i in range(1, 20)] + [str(i) for i in range(21, 42)]
    rows = [[dep, NE, "2021", str(i), "", "", "commentaire " * 40] for i, dep in enumerate(deps)]
    data = bytearray(long_csv(rows))
    data[6000:6000] = b"\x00\x00"  # after the first 4 kB, where a cheap sniff would not look
    return bytes(data)


_BUILDERS = {
    # Container level: refused before any importer reads the content.
    "empty": lambda: b"",
    "bom_only": lambda: b"\xef\xbb\xbf",
    "blank_lines": lambda: b"\r\n  \r\n\t\r\n",
    "truncated_xlsx": lambda: good_long_xlsx()[: len(good_long_xlsx()) // 2],
    "zip_renamed_xlsx": lambda: plain_zip({"retours.csv": long_csv([["38", NE, "2021", "12"]])}),
    "nested_zip": _nested_zip,
    "zip_bomb_ratio": _bomb_ratio,
    "zip_bomb_declared": _bomb_declared,
    "zip_bomb_lying": _bomb_lying,
    "xlsm_macros": _xlsm,
    "xls_binary": lambda: OLE2,
    "pdf_renamed": lambda: PDF,
    "png_renamed": lambda: PNG,
    "utf16": lambda: long_csv([["38", NE, "2021", "12"]], encoding="utf-16"),
    "nul_bytes": _nul_inside,
    "huge": _huge,
    "ods": lambda: plain_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}),
    "gzip_renamed": lambda: b"\x1f\x8b\x08\x00" + bytes(20),
    # Returns (long and grille layouts).
    "header_only": lambda: long_csv([]),
    "wrong_layout": lambda: "nom;prénom;âge\r\nDupont;Jean;42\r\n".encode(),
    "truncated_csv": lambda: long_csv([["38", NE, "2021", "5412"], ["2A", NE, "2021", "310"]])[:-12],
    "lost_zero": lambda: long_csv([["1", NE, "2021", "12"]]),
    "lost_zero_xlsx": lambda: xlsx_bytes({"retours": [LONG_HEADER, [1, NE, 2021, 12], ["2A", NE, 2021, 10]]}),
    "semester_period": lambda: long_csv([["38", NE, "2021-S1", "12"]]),
    "float_year": lambda: long_csv([["38", NE, "2021.5", "12"]]),
    "negative_count": lambda: long_csv([["38", NE, "2021", "-3"]]),
    "percent_range": lambda: long_csv([["38", COUV, "2021", "140"]]),
    "unknown_territory": lambda: long_csv([["99", NE, "2021", "12"]]),
    "unknown_indicator": lambda: long_csv([["38", "CALPAE-9.9.9-XX", "2021", "12"]]),
    "duplicate_keys": lambda: long_csv([["38", NE, "2021", "12"], ["38", NE.lower(), "2021", "13"]]),
    "formula_value": lambda: long_csv([["38", NE, "2021", DDE.replace(";", ",")]]),
    "injection_territory": lambda: long_csv([["=HYPERLINK(\"http://x\",\"clic\")", NE, "2021", "12"]]),
    "injection_plus_minus": lambda: long_csv([["38", NE, "2021", "+1+cmd|' /C calc'!A0"], ["2A", NE, "2021", "-2+3"],
                                              ["971", NE, "2021", "@SUM(1+1)"]]),
    "formula_xlsx": lambda: xlsx_bytes({"retours": [LONG_HEADER, ["38", NE, "2021", DDE]]}),
    "cp1252_euro": lambda: long_csv([["38", NE, "2021", "12 €", "", "", "cœur de cible"]], encoding="cp1252"),
    "long_line": _long_line,
    "odd_sheet": lambda: xlsx_bytes({"=cmd|'x'!A1 <b>": [["Code", "Indicateur", 2021], [NE, "", 12]]}),
    "grille_bad_value": lambda: xlsx_bytes({"38 - Isère": [["Code", "Indicateur", 2020, 2021], [NE, "", "douze", 12]]}),
    # Cell values, one parser for every importer (levier.ingest.cells).
    "lone_thousands_dot": lambda: long_csv([["38", NE, "2021", "5.412"]]),
    "lone_thousands_euros": lambda: csv_bytes(FUNDING_HEADER, [["38", "CALPAE", "CALPAE-3.1", "2020", "État", "480.000", "0", "0", "renforcement"]]),
    "percent_for_count": lambda: long_csv([["38", NE, "2021", "12,3 %"]]),
    "fraction_for_rate": lambda: long_csv([["38", COUV, "2021", "0,45"]]),
    "unicode_minus_count": lambda: long_csv([["38", NE, "2021", "\u22123"]]),
    "excel_error_text": lambda: long_csv([["38", NE, "2021", "#DIV/0!"]]),
    "amount_multiplier": lambda: csv_bytes(FUNDING_HEADER, [["38", "CALPAE", "CALPAE-3.1", "2020", "État", "12 k€", "0", "0", "renforcement"]]),
    "insee_fractions": lambda: "CODGEO;TP6020\r\n01;0,142\r\n2A;0,163\r\n".encode(),
    "panorama_formula_text": lambda: xlsx_bytes({"donnees": [["siren_epci", "nom_epci", "annee", "STAT-PAN-JEUNES"],
                                                             ["200000172", "CC x", 2020, "=B2/C2"]]}),
    # Plausibility (data/catalogue/regles.csv and programmes.csv): readable values that cannot be meant.
    "fractional_persons": lambda: long_csv([["38", NE, "2021", "5 412,7"]]),
    "persons_1e20": lambda: xlsx_bytes({"retours": [LONG_HEADER, ["38", NE, "2021", 1e20]]}),
    "tenfold_context_count": lambda: long_csv([["38", NE, "2020", "5000"], ["38", NE, "2021", "50 001"]]),
    "target_year_2099": lambda: long_csv([["38", NE, "2021", "5000", "6000", "2099"]]),
    # INSEE Filosofi.
    "insee_no_codgeo": lambda: "DEP;TP6020\r\n01;14,2\r\n".encode(),
    "insee_lost_zero": lambda: "CODGEO;TP6020\r\n1;14,2\r\n2A;16,3\r\n".encode(),
    "insee_bad_number": lambda: "CODGEO;TP6020\r\n01;beaucoup\r\n".encode(),
    # Panorama.
    "panorama_no_sheet": lambda: xlsx_bytes({"Feuil1": [["siren_epci", "annee", "STAT-PAN-JEUNES"], ["200000172", 2020, 12]]}),
    "panorama_percent": lambda: xlsx_bytes({"donnees": [["siren_epci", "nom_epci", "annee", "STAT-PAN-JEUNES"],
                                                        ["200000172", "CC x", 2020, 140]]}),
    # Service lists.
    "services_missing_columns": lambda: csv_bytes(["type", "nom"], [["CCAS", "CCAS de Grenoble"]]),
    "services_bad_coordinates": lambda: csv_bytes(SERVICES_HEADER, [["CCAS", "CCAS de Grenoble", "abc", "5,7245", ""]]),
    # Definition variants.
    "variants_unknown": lambda: csv_bytes(VARIANTS_HEADER, [["38", "CALPAE-9.9.9-XX", "J45", "?", "2020"]]),
    # Funding.
    "funding_negative": lambda: csv_bytes(FUNDING_HEADER, [["38", "CALPAE", "CALPAE-3.1", "2020", "État", "-100000", "0", "0", "renforcement"]]),
    "funding_unknown_territory": lambda: csv_bytes(FUNDING_HEADER, [["99", "CALPAE", "CALPAE-3.1", "2020", "État", "100", "0", "0", "renforcement"]]),
}

CASES: list[BadFile] = [
    BadFile("empty", "vide.csv", ALL, "est vide"),
    BadFile("bom_only", "bom_seul.csv", ALL, "est vide"),
    BadFile("blank_lines", "lignes_blanches.csv", ALL, "est vide"),
    BadFile("truncated_xlsx", "tronque.xlsx", ALL, "corrompue ou tronquée"),
    BadFile("zip_renamed_xlsx", "archive.xlsx", ALL, "pas un classeur Excel"),
    BadFile("nested_zip", "imbrique.xlsx", ALL, "archive imbriquée"),
    BadFile("zip_bomb_ratio", "bombe.xlsx", ALL, "anormalement compressé"),
    BadFile("zip_bomb_declared", "bombe_declaree.xlsx", ALL, "anormalement compressé"),
    BadFile("zip_bomb_lying", "bombe_menteuse.xlsx", ALL, "tailles déclarées"),
    BadFile("xlsm_macros", "macros.xlsx", ALL, "macros"),
    BadFile("xls_binary", "ancien.xlsx", ALL, "Excel 97-2003"),
    BadFile("pdf_renamed", "rapport.csv", ALL, "document PDF"),
    BadFile("png_renamed", "image.csv", ALL, "image"),
    BadFile("utf16", "unicode.csv", ALL, "UTF-16"),
    BadFile("nul_bytes", "nul.csv", ALL, "caractère nul"),
    BadFile("huge", "enorme.csv", ALL, "au-delà de la limite"),
    BadFile("ods", "classeur.ods", ALL, "OpenDocument"),
    BadFile("gzip_renamed", "compresse.csv", ALL, "compressé"),
    BadFile("header_only", "entete_seule.csv", "retours", "aucune ligne"),
    BadFile("wrong_layout", "autre.csv", "retours", "mise en page non reconnue", where={"row": 1}),
    BadFile("truncated_csv", "coupe.csv", "retours", "période « 20 » invalide", where={"row": 3, "column": "periode"}),
    BadFile("lost_zero", "zero.csv", "retours", "zéro initial", where={"row": 2, "column": "territoire"}),
    BadFile("lost_zero_xlsx", "zero.xlsx", "retours", "zéro initial", where={"sheet": "retours", "row": 2, "column": "territoire"}),
    BadFile("semester_period", "semestre.csv", "retours", "AAAA", where={"row": 2, "column": "periode"}),
    BadFile("float_year", "annee_decimale.csv", "retours", "AAAA", where={"row": 2, "column": "periode"}),
    BadFile("negative_count", "negatif.csv", "retours", "négative", where={"row": 2, "column": "valeur"}),
    BadFile("percent_range", "pourcentage.csv", "retours", "0–100", where={"row": 2, "column": "valeur"}),
    BadFile("unknown_territory", "territoire.csv", "retours", "territoire inconnu « 99 »", where={"row": 2}),
    BadFile("unknown_indicator", "indicateur.csv", "retours", "indicateur inconnu", where={"row": 2, "column": "indicateur"}),
    BadFile("duplicate_keys", "doublon.csv", "retours", "doublon", where={"row": 3}),
    BadFile("formula_value", "formule.csv", "retours", "formule sans valeur calculée", where={"row": 2, "column": "valeur"}),
    BadFile("injection_territory", "injection.csv", "retours", "territoire inconnu", where={"row": 2, "column": "territoire"}),
    BadFile("injection_plus_minus", "plus_moins.csv", "retours", "n'est pas un nombre", where={"row": 2, "column": "valeur"}),
    BadFile("formula_xlsx", "formule.xlsx", "retours", "formule sans valeur calculée", where={"sheet": "retours", "row": 2}),
    BadFile("cp1252_euro", "euro.csv", "retours", "« 12 € » : montant en euros pour un indicateur en personnes", where={"row": 2}),
    BadFile("long_line", "ligne_longue.csv", "retours", "n'est pas un nombre", where={"row": 2, "column": "valeur"}),
    BadFile("odd_sheet", "feuille.xlsx", "retours", "territoire introuvable", where={"sheet": "=cmd|'x'!A1 <b>"}),
    BadFile("grille_bad_value", "grille.xlsx", "retours", "« douze » n'est pas un nombre",
            where={"sheet": "38 - Isère", "row": 2, "column": "2020"}),
    BadFile("lone_thousands_dot", "personnes.csv", "retours",
            "« 5.412 » : séparateur de milliers ou décimale ? Écrivez 5412 ou 5,412", where={"row": 2, "column": "valeur"}),
    BadFile("lone_thousands_euros", "financements.csv", "financements", "« 480.000 » : séparateur de milliers ou décimale ?",
            where={"row": 2, "column": "prevu"}),
    BadFile("percent_for_count", "pourcent.csv", "retours", "« 12,3 % » : pourcentage pour un indicateur en personnes",
            where={"row": 2, "column": "valeur"}),
    BadFile("fraction_for_rate", "fraction.csv", "retours",
            f"indicateur {COUV} : toutes les valeurs sont entre 0 et 1 : des fractions ? Levier attend des pourcentages",
            where={"row": 2, "column": "valeur"}),
    BadFile("unicode_minus_count", "moins.csv", "retours", "valeur négative (\u22123)", where={"row": 2, "column": "valeur"}),
    BadFile("excel_error_text", "erreur.csv", "retours", "« #DIV/0! » : erreur de calcul du tableur (#DIV/0!)",
            where={"row": 2, "column": "valeur"}),
    BadFile("amount_multiplier", "financements.csv", "financements", "« 12 k€ » : multiplicateur d'unité",
            where={"row": 2, "column": "prevu"}),
    BadFile("insee_fractions", "FILO2020_DISP_DEP.csv", "insee", "toutes les valeurs sont entre 0 et 1 : des fractions ?",
            where={"row": 1, "column": "TP6020"}),
    BadFile("panorama_formula_text", "panorama.xlsx", "panorama", "« =B2/C2 » : formule sans valeur calculée",
            where={"sheet": "donnees", "row": 2, "column": "STAT-PAN-JEUNES"}),
    BadFile("fractional_persons", "personnes_decimales.csv", "retours",
            f"valeur 5\u00a0412,7 pour {NE} : un nombre entier est attendu (l'indicateur compte des personnes, sans "
            "décimale).", where={"row": 2, "column": "valeur"}),
    BadFile("persons_1e20", "personnes_1e20.xlsx", "retours",
            "valeur 100" + "\u00a0000" * 6 + f" invraisemblable pour {NE} : au plus 100\u00a0000\u00a0000 selon le "
            "catalogue (data/catalogue/regles.csv) ; vérifiez l'unité et les séparateurs.",
            where={"sheet": "retours", "row": 2, "column": "valeur"}),
    BadFile("tenfold_context_count", "decuple.csv", "retours",
            f"valeur 50\u00a0001 pour {NE} en 2021 : plus de 10 fois celle de 2020 (5\u00a0000, même fichier) pour 38 "
            "(data/catalogue/regles.csv) ; vérifiez l'unité ou une erreur de saisie.",
            where={"row": 3, "column": "valeur"}),
    BadFile("target_year_2099", "cible_2099.csv", "retours",
            "année de cible 2099 hors des années du programme CALPAE (2019–2022) : une cible porte sur une année du "
            "programme.", where={"row": 2, "column": "annee_cible"}),
    BadFile("insee_no_codgeo", "FILO2020_DISP_DEP.csv", "insee", "CODGEO"),
    BadFile("insee_lost_zero", "FILO2020_DISP_DEP.csv", "insee", "zéro initial", where={"row": 2}),
    BadFile("insee_bad_number", "FILO2020_DISP_DEP.csv", "insee", "beaucoup", where={"row": 2, "column": "TP6020"}),
    BadFile("panorama_no_sheet", "panorama.xlsx", "panorama", "donnees"),
    BadFile("panorama_percent", "panorama.xlsx", "panorama", "0", where={"sheet": "donnees", "row": 2}),
    BadFile("services_missing_columns", "lieux.csv", "services", "colonne obligatoire absente", where={"row": 1}),
    BadFile("services_bad_coordinates", "lieux.csv", "services", "abc", where={"row": 2}),
    BadFile("variants_unknown", "variantes.csv", "variantes", "CALPAE-9.9.9-XX", where={"row": 2}),
    BadFile("funding_negative", "financements.csv", "financements", "négati", where={"row": 2}),
    BadFile("funding_unknown_territory", "financements.csv", "financements", "99", where={"row": 2}),
]


# ---------------------------------------------------------------------------------------------------------------
# Reading once (levier.ingest.readers): the container's sheets, CSV field counts, encodings, grille layouts
# ---------------------------------------------------------------------------------------------------------------


def edit_sheet_xml(data: bytes, edit, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The workbook with one sheet part rewritten by `edit` (bytes -> bytes), as a hand-edited or odd producer's
    file would be; every other part is kept as is."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)),
                         edit(payload) if info.filename == member else payload)
    return out.getvalue()


def _far_cell(ref: str, row: int) -> bytes:
    """A 5 kB workbook with one more filled cell at `ref`: its used range is A1:`ref` (two filled cells at the
    corners of a whole worksheet made calamine ask for 512 GiB and abort the process)."""
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    return edit_sheet_xml(xlsx_bytes({"retours": [LONG_HEADER, ["38", NE, "2021", "5412"]]}),
                          lambda b: b.replace(b"</sheetData>", cell + b"</sheetData>"))


def _merged_years() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": _FIXED_DATE})
    ws = wb.add_worksheet("38 - Isère")
    ws.write_row(0, 0, ["Code", "Indicateur", 2020, 2021])
    ws.write_row(1, 0, [NE, "nouveaux entrants"])
    ws.merge_range(1, 2, 1, 3, 5412)
    ws.write_row(2, 0, [NE.replace("NE", "XX"), "autre"])
    wb.close()
    return buf.getvalue()


def _one_typed_value(write) -> bytes:
    """A long-format workbook of one row (Isère, new RSA entrants, 2021) whose value cell `write(workbook, sheet)`
    fills with a typed cell the text tools cannot show: a percentage format, a formula."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": _FIXED_DATE})
    ws = wb.add_worksheet("retours")
    ws.write_row(0, 0, LONG_HEADER)
    ws.write_row(1, 0, ["38", NE, "2021"])
    write(wb, ws)
    wb.close()
    return buf.getvalue()


def _percent_cell_for_count() -> bytes:
    """12,3 % typed in an Excel percentage cell (stored 0.123) for a count of persons: neither 0,123 nor 12,3."""
    return _one_typed_value(lambda wb, ws: ws.write_number(1, 3, 0.123, wb.add_format({"num_format": "0.0%"})))


def _percent_amount() -> bytes:
    """A funding line whose planned amount sits in an Excel percentage cell (a copied share): not 12,3 €."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": _FIXED_DATE})
    ws = wb.add_worksheet("financements")
    ws.write_row(0, 0, FUNDING_HEADER)
    ws.write_row(1, 0, ["38", "CALPAE", "CALPAE-3.1", "2020", "État"])
    ws.write_number(1, 5, 0.123, wb.add_format({"num_format": "0.0%"}))
    ws.write_row(1, 6, [0, 0, "renforcement"])
    wb.close()
    return buf.getvalue()


def _formula_no_cache() -> bytes:
    """An xlsxwriter workbook never opened in a spreadsheet: its formula's cached value is a placeholder 0 and the
    workbook asks for a full recalculation on load (fullCalcOnLoad)."""
    return _one_typed_value(lambda wb, ws: ws.write_formula(1, 3, "=SUM(E5:E9)"))


_BUILDERS.update({
    "dense_range": lambda: _far_cell("XFD1048576", 1048576),
    "far_range": lambda: _far_cell("ZZ400000", 400000),
    "csv_decimal_comma": lambda: csv_bytes(LONG_HEADER[:4], [["2A", NE, "2021", "310"], ["38", NE, "2021", "12,5"]],
                                           sep=","),
    "csv_semicolon_comment": lambda: long_csv([["2A", NE, "2021", "310"],
                                               ["38", NE, "2021", "12", "", "", "hausse; voir note"]]),
    "bom_cp1252": lambda: b"\xef\xbb\xbf" + long_csv([["38", NE, "2021", "12", "", "", "Isère"]], encoding="cp1252"),
    "formula_no_cache": _formula_no_cache,
    "percent_cell_for_count": _percent_cell_for_count,
    "percent_amount": _percent_amount,
    "merged_years": _merged_years,
    "two_codes_sheet": lambda: xlsx_bytes({"Onglet 05 - Isère (38)": [["Code", "Indicateur", 2021], [NE, "", 12]]}),
})

CASES += [
    BadFile("dense_range", "plage_entiere.xlsx", ALL, "s'étend jusqu'à la cellule XFD1048576", where={"sheet": "retours"}),
    BadFile("far_range", "plage_lointaine.xlsx", ALL, "s'étend jusqu'à la cellule ZZ400000", where={"sheet": "retours"}),
    BadFile("csv_decimal_comma", "virgules.csv", ALL, "ligne 3 : 5 champs au lieu de 4 — une virgule décimale",
            where={"row": 3}),
    BadFile("csv_semicolon_comment", "commentaire.csv", ALL, "ligne 3 : 9 champs au lieu de 8 — un point-virgule",
            where={"row": 3}),
    BadFile("bom_cp1252", "bom_ansi.csv", ALL, "annonce l'encodage UTF-8", where={"row": 2}),
    BadFile("formula_no_cache", "formule_sans_valeur.xlsx", "retours", "=SUM(E5:E9)",
            where={"sheet": "retours", "row": 2, "column": "valeur"}),
    BadFile("percent_cell_for_count", "pourcentage_excel.xlsx", "retours",
            "« 12,3 % » : pourcentage pour un indicateur en personnes", where={"sheet": "retours", "row": 2, "column": "valeur"}),
    BadFile("percent_amount", "financements_pourcentage.xlsx", "financements", "pourcentage",
            where={"sheet": "financements", "row": 2, "column": "prevu"}),
    BadFile("merged_years", "fusion.xlsx", "retours", "valeur fusionnée sur C2:D2",
            where={"sheet": "38 - Isère", "row": 2, "column": "C"}),
    BadFile("two_codes_sheet", "onglets.xlsx", "retours", "plusieurs codes de territoire (05, 38)",
            where={"sheet": "Onglet 05 - Isère (38)", "row": 1}),
]

assert set(_BUILDERS) == {c.id for c in CASES}, "every builder has its case"
