"""The pack's PDF tables, laid out by Levier: lines broken at ordinary spaces only (French numbers and units stay
whole), a word too wide cut between letters, headings repeated on every page a long table spans, masked values in
red italics, and the same layout whatever order the tables are measured in."""

from __future__ import annotations

import re
import subprocess

import pandas as pd

from levier.report import pack
from levier.report.pdf import FONT, TABLE_FONT, document, pack_pdf


def _stub(sections: list[pack.PackSection] | None = None) -> pack.Pack:
    cover = pack.Cover("Pack du comité de suivi", "Isère (38)", "", "6 décembre 2026", "", False)
    return pack.Pack("38", "departement", "Isère (38)", "PACTE", cover, sections or [], False, False, "")


def _text(data: bytes, page: int | None = None) -> str:
    span = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *span, "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def test_lines_break_at_ordinary_spaces_and_never_inside_a_french_number():
    pdf = document()
    number = "1\u202f234\u202f567,5\u00a0personnes"  # narrow and plain non-breaking spaces, as the formatter writes
    width = pdf.measure(number, "") + 1.0
    lines = pdf.wrap(f"Allocataires du RSA : {number} au 31 décembre", width, "")
    assert number in lines
    assert all(pdf.measure(line, "") <= width for line in lines)
    assert " ".join(lines) == f"Allocataires du RSA : {number} au 31 décembre"
    # A word alone wider than its column is cut between letters, every piece within the width.
    cut = pdf.wrap("anticonstitutionnellement", 12.0, "B")
    assert len(cut) > 1 and "".join(cut) == "anticonstitutionnellement"
    assert all(pdf.measure(piece, "B") <= 12.0 for piece in cut)
    assert pdf.wrap("première ligne\nseconde", 200.0, "") == ["première ligne", "seconde"]
    pdf.set_font(FONT, "I", TABLE_FONT)
    assert pdf.measure("s (secret)", "I") == pdf.get_string_width("s (secret)")


def test_a_long_table_repeats_its_headings_on_every_page_and_shows_masked_values():
    rows = [{"Indicateur": f"Indicateur de suivi numéro {i} du contrat", "Valeur": f"{i},5\u00a0%",
             "Effectif": "s (secret)" if i == 7 else f"{i * 100}\u00a0personnes"} for i in range(1, 61)]
    table = pack.PackTable("Indicateurs présentés", pd.DataFrame(rows), (3.0, 1.0, 1.0), note="Note sous le tableau.")
    section = pack.PackSection("definitions", "Définitions", tables=[table])
    data = pack_pdf(_stub([section]), {})
    pages = [_text(data, n) for n in range(2, 5)]
    assert all("Indicateur" in p and "Valeur" in p and "Effectif" in p for p in pages)  # headings on each page
    text = _text(data)
    # Every row once, on one line, in order: none split across two pages, none lost.
    found = [int(m) for m in re.findall(r"Indicateur de suivi numéro (\d+) du contrat +(?:\d+),5 % +", text)]
    assert found == list(range(1, 61))
    assert re.search(r"numéro 7 du contrat +7,5 % +s \(secret\)", text)
    assert re.search(r"numéro 60 du contrat +60,5 % +6000 personnes", text)
    assert "Note sous le tableau." in text
    pdf = document()
    masked, shown = pdf._cells([40.0, 40.0], ["s (secret)", "12,5\u00a0%"], "")
    assert (masked.style, masked.secret) == ("I", True) and (shown.style, shown.secret) == ("", False)
