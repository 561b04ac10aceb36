"""The comité de suivi pack as a landscape A4 PDF (fpdf2, DejaVu fonts for French text), DSFR colours, charts as PNG."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from PIL import Image
from fpdf.enums import XPos, YPos
from fpdf.image_datastructures import ImageCache
from fpdf.image_parsing import preload_image

from levier.charts.style import BLEU_FRANCE, GREY_MEDIUM, ROUGE_MARIANNE, rgb
from levier.report.images import PackRenderError
from levier.report.pack import (
    DEMO_MENTION,
    DEMO_SHORT,
    Pack,
    PackFigure,
    PackSection,
    SECRET_TEXT,
    PackTable,
)
from levier.report.slides import caption_text

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
FONT = "DejaVu"

BLEU = rgb(BLEU_FRANCE)
ROUGE = rgb(ROUGE_MARIANNE)
TEXT = (30, 30, 30)
GREY = rgb(GREY_MEDIUM)
LIGHT = (245, 245, 254)
TILE = (227, 227, 253)
ZEBRA = (246, 246, 246)

MARGIN = 14.0
TOP = 20.0
BOTTOM = 16.0

TABLE_FONT = 8.8  # pt
TABLE_LINE = 4.6  # mm per line of a table's cell
TABLE_PADDING = 1.4  # mm around a cell's text


@dataclass(frozen=True)
class _Cell:
    lines: list[str]
    style: str  # "", "B" or "I"
    secret: bool  # a value masked by the small-count rule


def register_fonts(pdf: FPDF, font_dir: Path = FONT_DIR) -> None:
    """DejaVu regular, bold and oblique: every French character (é, œ, €, « », espaces insécables) prints."""
    missing = [name for name in FONT_FILES.values() if not (font_dir / name).is_file()]
    if missing:
        raise PackRenderError(
            f"Polices DejaVu absentes de {font_dir} ({', '.join(missing)}) : installez le paquet Debian "
            "« fonts-dejavu-core » (apt-get install fonts-dejavu-core) pour produire le PDF."
        )
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(font_dir / name))


class _PackPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.pack: Pack | None = None  # set by `use`, before the first page
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM + 2)
        self.set_author("Levier")
        self.set_creator("Levier")
        self._widths: dict[tuple[str, str, float], float] = {}

    def use(self, pack: Pack) -> None:
        self.pack = pack
        self.set_title(f"Pack du comité de suivi – {pack.cover.territory}")
        self.set_subject(pack.cover.subtitle)

    @property
    def content_width(self) -> float:
        return self.w - 2 * MARGIN

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_fill_color(*BLEU)
        self.rect(0, 0, self.w, 3, style="F")
        self.set_xy(MARGIN, 6)
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*GREY)
        self.cell(self.content_width / 2, 5, f"Pack du comité de suivi – {self.pack.cover.territory}")
        self.cell(self.content_width / 2, 5, self.pack.cover.date_text, align="R")
        self.set_y(TOP)

    def footer(self) -> None:
        self.set_y(-BOTTOM + 4)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(self.content_width / 3, 5, "Levier – suivi des contrats État–départements")
        if self.pack.demo:
            self.set_text_color(*ROUGE)
            self.set_font(FONT, "B", 8)
            self.cell(self.content_width / 3, 5, DEMO_SHORT, align="C")
        else:
            self.cell(self.content_width / 3, 5, "")
        self.set_text_color(*GREY)
        self.set_font(FONT, "", 8)
        self.cell(self.content_width / 3, 5, f"Page {self.page_no()} / {{nb}}", align="R")

    # -- blocks ---------------------------------------------------------------------------------------------

    def text_block(self, text: str, size: float = 10.5, style: str = "", color=TEXT, after: float = 2.0) -> None:
        self.set_font(FONT, style, size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(after)

    def heading(self, text: str) -> None:
        self.set_font(FONT, "B", 19)
        self.set_text_color(*BLEU)
        self.multi_cell(0, 9, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_fill_color(*ROUGE)
        self.rect(MARGIN, self.get_y() + 0.5, 22, 1.2, style="F")
        self.ln(5)

    def subheading(self, text: str) -> None:
        self.set_font(FONT, "B", 12.5)
        self.set_text_color(*BLEU)
        self.multi_cell(0, 6.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def facts(self, items: Sequence[tuple[str, str]]) -> None:
        if not items:
            return
        per_row = min(len(items), 6)
        gap = 4.0
        w = (self.content_width - gap * (per_row - 1)) / per_row
        h = 24.0
        for start in range(0, len(items), per_row):
            if self.get_y() + h > self.h - BOTTOM - 4:
                self.add_page()
            y = self.get_y()
            for i, (label, value) in enumerate(items[start:start + per_row]):
                x = MARGIN + i * (w + gap)
                self.set_fill_color(*TILE)
                self.rect(x, y, w, h, style="F")
                self.set_fill_color(*BLEU)
                self.rect(x, y, 1.4, h, style="F")
                self.set_xy(x + 4, y + 3)
                self.set_font(FONT, "B", 15 if len(value) < 16 else 12)
                self.set_text_color(*BLEU)
                self.cell(w - 6, 8, value)
                self.set_xy(x + 4, y + 12)
                self.set_font(FONT, "", 8.5)
                self.set_text_color(*TEXT)
                self.multi_cell(w - 6, 4, label, max_line_height=4)
            self.set_y(y + h + 5)

    def pack_table(self, table: PackTable) -> None:
        """A table laid out by Levier, not by fpdf2's `table()`: that one measures a cell's text again for every
        letter it adds to a line, twice per row (2.5 of the PDF's 3.5 s for Isère's ten tables, 2026-12-06). The
        look is the same: headings in white on bleu France, repeated on every page the table spans; every other row
        grey; thin horizontal rules; text from the left, centred in its row's height; « s (secret) » in red italics."""
        frame = table.frame
        if self.get_y() > self.h - BOTTOM - 40:
            self.add_page()
        self.subheading(table.title)
        widths = table.widths if len(table.widths) == len(frame.columns) else tuple(1.0 for _ in frame.columns)
        widths = self.word_widths(frame, widths)
        heading = self._cells(widths, [str(c) for c in frame.columns], "B")
        rows = [self._cells(widths, [str(v) for v in row], "") for row in frame.itertuples(index=False)]
        self.set_draw_color(210, 210, 210)
        self.set_line_width(0.2)
        self._row(widths, heading, fill=BLEU, color=(255, 255, 255), rule_below=bool(rows))
        for i, cells in enumerate(rows):
            height = self._row_height(cells)
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                self._row(widths, heading, fill=BLEU, color=(255, 255, 255), rule_below=True)
            self._row(widths, cells, fill=ZEBRA if i % 2 == 0 else None, color=TEXT, rule_below=i < len(rows) - 1)
        self.set_x(MARGIN)
        self.ln(2)
        if table.note:
            self.text_block(table.note, size=8, color=GREY, after=3)

    def _cells(self, widths: Sequence[float], texts: Sequence[str], style: str) -> list[_Cell]:
        cells = []
        for w, text in zip(widths, texts):
            emphasis = "I" if text == SECRET_TEXT else style
            cells.append(_Cell(self.wrap(text, w - 2 * TABLE_PADDING, emphasis), emphasis, text == SECRET_TEXT))
        return cells

    @staticmethod
    def _row_height(cells: Sequence[_Cell]) -> float:
        return max(max(len(c.lines), 1) for c in cells) * TABLE_LINE + 2 * TABLE_PADDING

    def _row(self, widths: Sequence[float], cells: Sequence[_Cell], fill, color, rule_below: bool) -> None:
        y, height = self.get_y(), self._row_height(cells)
        if fill is not None:
            self.set_fill_color(*fill)
            self.rect(MARGIN, y, sum(widths), height, style="F")
        if rule_below:  # every row but the table's last, as on the page that continues it
            self.line(MARGIN, y + height, MARGIN + sum(widths), y + height)
        x = MARGIN
        for w, cell in zip(widths, cells):
            self.set_font(FONT, cell.style, TABLE_FONT)
            self.set_text_color(*(ROUGE if cell.secret else color))
            top = y + (height - len(cell.lines) * TABLE_LINE) / 2
            for n, line in enumerate(cell.lines):
                # fpdf2's cell() puts a line's baseline here: half its height down, plus 0.3 of the font's size.
                self.text(x + TABLE_PADDING, top + n * TABLE_LINE + TABLE_LINE / 2 + 0.3 * self.font_size, line)
            x += w
        self.set_y(y + height)

    def measure(self, text: str, style: str, size: float = TABLE_FONT) -> float:
        """Width (mm) of `text` in DejaVu `style` at `size` pt, each string measured once per document."""
        key = (text, style, size)
        width = self._widths.get(key)
        if width is None:
            self.set_font(FONT, style, size)
            width = self._widths[key] = self.get_string_width(text)
        return width

    def wrap(self, text: str, width: float, style: str, size: float = TABLE_FONT) -> list[str]:
        """`text` in lines no wider than `width` (mm), broken at ordinary spaces and line breaks only: the
        non-breaking spaces of French numbers and units (« 1 234,5 », « 12,3 % ») hold their parts together. A
        word wider than the line is cut between letters, as fpdf2 would."""
        lines: list[str] = []
        space = self.measure(" ", style, size)
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                w = self.measure(word, style, size)
                if line and used + space + w <= width:
                    line, used = f"{line} {word}", used + space + w
                    continue
                if line:
                    lines.append(line)
                while w > width and len(word) > 1:  # a word alone wider than its column
                    cut = next(k for k in range(len(word), 0, -1)
                               if k == 1 or self.measure(word[:k], style, size) <= width)
                    lines.append(word[:cut])
                    word = word[cut:]
                    w = self.measure(word, style, size)
                line, used = word, w
            lines.append(line)
        return lines

    def word_widths(self, frame, widths: Sequence[float], size: float = TABLE_FONT,
                    padding: float = TABLE_PADDING) -> list[float]:
        """Column widths (mm, summing to the page's width) in which every word of a column, heading included, fits
        on one line: fpdf2 cuts a word wider than its cell between two letters (« (consomm / é) », « personne / s »).
        The columns that need more take it from the others, in proportion to what those have to spare."""
        total = self.content_width
        share = [total * w / sum(widths) for w in widths]
        need = []
        for i, col in enumerate(frame.columns):
            widest = max((self.measure(w, "B", size) for w in str(col).split()), default=0.0)
            for value in frame.iloc[:, i].astype(str):
                style = "I" if value == SECRET_TEXT else ""
                widest = max([widest] + [self.measure(w, style, size) for w in value.split()])
            need.append(widest + 2 * padding + 1.0)
        if sum(need) >= total:  # no room for every word: widths by need (fpdf2 then cuts the longest)
            return [total * n / sum(need) for n in need]
        for _ in range(len(share)):
            short = [i for i, (w, n) in enumerate(zip(share, need)) if w < n]
            if not short:
                break
            missing = sum(need[i] - share[i] for i in short)
            for i in short:
                share[i] = need[i]
            spare = {i: share[i] - need[i] for i in range(len(share)) if i not in short and share[i] > need[i]}
            room = sum(spare.values())
            for i, extra in spare.items():
                share[i] -= missing * extra / room
        return share

    def figure(self, fig: PackFigure, png: bytes | Image.Image) -> None:
        """A chart under its title, as large as the page allows; `png` is its print PNG, or that PNG already decoded
        by `preload`."""
        image = png if isinstance(png, Image.Image) else opaque(png)
        px_w, px_h = image.size
        ratio = px_h / px_w
        title_h, caption_h = 9.0, 9.0 if fig.demo else 3.0
        max_h = self.h - TOP - BOTTOM - title_h - caption_h - 4
        w = self.content_width
        h = w * ratio
        if h > max_h:
            h = max_h
            w = h / ratio
        room = self.h - BOTTOM - self.get_y() - title_h - caption_h - 2
        if h > room >= 0.62 * h:  # a little smaller rather than a half-empty page
            h, w = room, room / ratio
        elif h > room:
            self.add_page()
        self.subheading(fig.title)
        x = MARGIN + (self.content_width - w) / 2
        self.image(image, x=x, y=self.get_y(), w=w, h=h)
        self.set_y(self.get_y() + h + 1.5)
        if fig.demo and "fictive" not in caption_text(fig.figure):
            self.text_block(DEMO_MENTION, size=8, style="I", color=ROUGE, after=4)
        else:
            self.ln(4)


def _cover(pdf: _PackPDF, pack: Pack) -> None:
    pdf.add_page()
    c = pack.cover
    pdf.set_fill_color(*BLEU)
    pdf.rect(0, 0, pdf.w, 8, style="F")
    pdf.set_fill_color(*ROUGE)
    pdf.rect(0, 8, 40, 2, style="F")
    pdf.set_xy(MARGIN, 24)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*GREY)
    pdf.cell(0, 6, "Levier – suivi des contrats État–départements de lutte contre la pauvreté",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(14)
    pdf.set_font(FONT, "B", 32)
    pdf.set_text_color(*BLEU)
    pdf.multi_cell(0, 14, c.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 24)
    pdf.set_text_color(*TEXT)
    pdf.multi_cell(0, 11, c.territory, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, "", 14)
    pdf.multi_cell(0, 7, c.subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 7, f"Comité de suivi – édition du {c.date_text}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    if c.rights_text:
        pdf.set_fill_color(*LIGHT)
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(*TEXT)
        pdf.multi_cell(pdf.content_width * 0.7, 6, f"Droits de consultation : {c.rights_text}", fill=True, padding=3,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
    if c.demo:
        pdf.set_draw_color(*ROUGE)
        pdf.set_text_color(*ROUGE)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(pdf.content_width * 0.7, 6.5, DEMO_MENTION, border=1, padding=3,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
    pdf.set_text_color(*BLEU)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, "Sommaire", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    pdf.set_text_color(*TEXT)
    for i, sec in enumerate(pack.sections, start=1):
        pdf.cell(0, 6, f"{i}. {sec.title}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FONT, "I", 9)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 5, "Sous chaque graphique et chaque tableau : la source et l'année des données. « s (secret) » "
                         "signale une valeur masquée par la règle des petits effectifs.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _section(pdf: _PackPDF, sec: PackSection, images: Mapping[str, bytes]) -> None:
    pdf.add_page()
    pdf.heading(sec.title)
    for para in sec.intro:
        pdf.text_block(para)
    pdf.facts(sec.facts)
    figures = list(sec.figures)
    if figures:
        pdf.figure(figures[0], images[figures[0].key])
    for table in sec.tables:
        pdf.pack_table(table)
    for fig in figures[1:]:
        pdf.figure(fig, images[fig.key])
    if sec.notes:
        if pdf.get_y() > pdf.h - BOTTOM - 30:
            pdf.add_page()
        pdf.set_font(FONT, "B", 9.5)
        pdf.set_text_color(*GREY)
        pdf.cell(0, 6, "Notes et méthode", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for note in sec.notes:
            pdf.text_block(note, size=8.5, color=GREY, after=1.5)


def document() -> _PackPDF:
    """A blank pack document, its fonts registered: parsing them is 0.3 s of the layout, done by `make` while the
    pack's data are still read. `pack_pdf` lays the pack out in it; charts decoded ahead (`preload`) wait for their
    page in its `image_cache`."""
    pdf = _PackPDF()
    register_fonts(pdf)
    return pdf


def opaque(png: bytes) -> Image.Image:
    """A chart's PNG decoded, without its alpha channel when every pixel is opaque (plotly paints a white paper).

    fpdf2 would drop that channel itself, one byte in four through a Python slice, holding the interpreter while
    the pack's model is still read in another thread; Pillow does it in C. The page embeds the same pixels, and no
    transparency mask either way."""
    image = Image.open(io.BytesIO(png))
    if image.mode == "RGBA" and image.getextrema()[3] == (255, 255):
        return image.convert("RGB")
    image.load()
    return image


def preload(cache: ImageCache, png: bytes) -> Image.Image:
    """Decode and compress one chart for the PDF before its page is laid out; the decoded image is returned, for
    the page to place (fpdf finds it again in `cache` by its pixels)."""
    image = opaque(png)
    _name, _img, info = preload_image(cache, image)
    info["usages"] = 0  # counted when a page places it, as if it had not been read ahead
    return image


def pack_pdf(pack: Pack, images: Mapping[str, bytes | Image.Image], blank: _PackPDF | None = None) -> bytes:
    """The pack as PDF bytes; `images` are its charts as print PNGs keyed by figure key (build.render_images, shared
    with the PPTX so Chromium draws them once), or already decoded by `preload`; `blank`, a `document()` made ahead
    (its charts preloaded in it), used once."""
    pdf = blank if blank is not None else document()
    pdf.use(pack)
    _cover(pdf, pack)
    for sec in pack.sections:
        _section(pdf, sec, images)
    return bytes(pdf.output())
