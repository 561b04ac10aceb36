"""The comité de suivi pack as a 16:9 PowerPoint (python-pptx): a cover, then per section its key figures, one chart
per slide with its source under it, and tables split so every row stays readable on a projected screen."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from levier.charts.style import BLEU_FRANCE, GREY_MEDIUM, ROUGE_MARIANNE
from levier.report.images import png_size
from levier.report.pack import (
    DEMO_MENTION,
    DEMO_SHORT,
    Pack,
    PackFigure,
    PackSection,
    PackTable,
)
from levier.report.slides import caption_text

BLEU = RGBColor.from_string(BLEU_FRANCE[1:])
ROUGE = RGBColor.from_string(ROUGE_MARIANNE[1:])
TEXT = RGBColor(0x1E, 0x1E, 0x1E)
GREY = RGBColor.from_string(GREY_MEDIUM[1:])
TILE = RGBColor(0xE3, 0xE3, 0xFD)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
ZEBRA = RGBColor(0xF6, 0xF6, 0xF6)
FONT = "Arial"

W, H = Inches(13.333), Inches(7.5)
LEFT = Inches(0.5)
CONTENT_W = Inches(12.333)
TITLE_ONLY = 5
MAX_TABLE_CHARS = 1100  # characters of cell text per slide before the table continues on the next one
MAX_TABLE_ROWS = 10


def _text(frame, text: str, size: float, *, bold: bool = False, color: RGBColor = TEXT, italic: bool = False,
          align=None, first: bool = True):
    para = frame.paragraphs[0] if first else frame.add_paragraph()
    run = para.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.name = FONT
    run.font.color.rgb = color
    if align is not None:
        para.alignment = align
    return para


def _box(slide, x, y, w, h, text: str = "", size: float = 14, **kw):
    shape = slide.shapes.add_textbox(x, y, w, h)
    tf = shape.text_frame
    tf.word_wrap = True
    if text:
        _text(tf, text, size, **kw)
    return shape


def _rect(slide, x, y, w, h, color: RGBColor):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, y, w, h)
    shape.fill.solid()
    shape.fill.fore_color.rgb = color
    shape.line.fill.background()
    shape.shadow.inherit = False
    return shape


def _slide(prs: Presentation, pack: Pack, title: str):
    """A Title Only slide: the title placeholder restyled (bleu France, left), a thin band and the footer."""
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    t = slide.shapes.title
    t.left, t.top, t.width, t.height = LEFT, Inches(0.3), CONTENT_W, Inches(0.85)
    t.text_frame.clear()
    t.text_frame.word_wrap = True
    _text(t.text_frame, title, 26 if len(title) < 70 else 20, bold=True, color=BLEU, align=PP_ALIGN.LEFT)
    _rect(slide, 0, 0, W, Inches(0.08), BLEU)
    footer = f"{pack.cover.territory} – comité de suivi du {pack.cover.date_text}"
    _box(slide, LEFT, Inches(7.05), Inches(7), Inches(0.35), footer, 10, color=GREY)
    if pack.demo:
        _box(slide, Inches(8.3), Inches(7.05), Inches(4.5), Inches(0.35), DEMO_SHORT, 10, bold=True, color=ROUGE,
             align=PP_ALIGN.RIGHT)
    return slide


def _cover(prs: Presentation, pack: Pack) -> None:
    c = pack.cover
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    _rect(slide, 0, 0, W, Inches(0.35), BLEU)
    _rect(slide, 0, Inches(0.35), Inches(1.6), Inches(0.08), ROUGE)
    t = slide.shapes.title
    t.left, t.top, t.width, t.height = LEFT, Inches(1.3), CONTENT_W, Inches(1.0)
    t.text_frame.clear()
    _text(t.text_frame, c.title, 40, bold=True, color=BLEU, align=PP_ALIGN.LEFT)
    box = _box(slide, LEFT, Inches(2.4), CONTENT_W, Inches(2.2), c.territory, 30, bold=True)
    _text(box.text_frame, c.subtitle, 18, first=False)
    _text(box.text_frame, f"Comité de suivi – édition du {c.date_text}", 16, color=GREY, first=False)
    y = Inches(4.7)
    if c.rights_text:
        _box(slide, LEFT, y, Inches(9), Inches(0.7), f"Droits de consultation : {c.rights_text}", 13)
        y += Inches(0.8)
    if c.demo:
        demo = _box(slide, LEFT, y, Inches(9), Inches(0.7), DEMO_MENTION, 14, bold=True, color=ROUGE)
        demo.line.color.rgb = ROUGE
    _box(slide, LEFT, Inches(6.6), CONTENT_W, Inches(0.5),
         "Levier – suivi des contrats État–départements de lutte contre la pauvreté", 11, color=GREY)


def _overview(prs: Presentation, pack: Pack, sec: PackSection) -> None:
    slide = _slide(prs, pack, sec.title)
    y = Inches(1.3)
    if sec.intro:
        box = _box(slide, LEFT, y, CONTENT_W, Inches(1.3), sec.intro[0], 16)
        for para in sec.intro[1:]:
            _text(box.text_frame, para, 16, first=False)
        y += Inches(1.5)
    if sec.facts:
        per_row = min(len(sec.facts), 3)
        gap = Inches(0.3)
        w = int((CONTENT_W - gap * (per_row - 1)) / per_row)
        h = Inches(1.35)
        for i, (label, value) in enumerate(sec.facts[:6]):
            x = LEFT + (i % per_row) * (w + gap)
            yy = y + (i // per_row) * (h + Inches(0.25))
            _rect(slide, x, yy, w, h, TILE)
            _rect(slide, x, yy, Inches(0.08), h, BLEU)
            tile = _box(slide, x + Inches(0.2), yy + Inches(0.1), w - Inches(0.3), h - Inches(0.2), value,
                        28 if len(value) < 18 else 20, bold=True, color=BLEU)
            _text(tile.text_frame, label, 13, first=False)


def _figure(prs: Presentation, pack: Pack, fig: PackFigure, png: bytes) -> None:
    slide = _slide(prs, pack, fig.title)
    px_w, px_h = png_size(png)
    max_w, max_h = CONTENT_W, Inches(5.45)
    w = max_w
    h = int(w * px_h / px_w)
    if h > max_h:
        h = max_h
        w = int(h * px_w / px_h)
    x = LEFT + int((CONTENT_W - w) / 2)
    slide.shapes.add_picture(io.BytesIO(png), x, Inches(1.2), width=w, height=h)
    if fig.demo and "fictive" not in caption_text(fig.figure):
        _box(slide, LEFT, Inches(6.68), CONTENT_W, Inches(0.35), DEMO_MENTION, 10, italic=True, color=ROUGE)
    slide.notes_slide.notes_text_frame.text = fig.caption


def _chunks(frame: pd.DataFrame) -> list[pd.DataFrame]:
    out, start, chars = [], 0, 0
    for i, row in enumerate(frame.itertuples(index=False)):
        size = sum(len(str(v)) for v in row)
        if i > start and (chars + size > MAX_TABLE_CHARS or i - start >= MAX_TABLE_ROWS):
            out.append(frame.iloc[start:i])
            start, chars = i, 0
        chars += size
    out.append(frame.iloc[start:])
    return [c for c in out if len(c)]


def _table(prs: Presentation, pack: Pack, table: PackTable) -> None:
    frame = table.frame
    widths = table.widths if len(table.widths) == len(frame.columns) else tuple(1.0 for _ in frame.columns)
    notes = [table.note] if table.note else []
    if "Définition" in frame.columns:
        # Full definitions do not fit a projected slide: they go to the speaker notes (and the PDF's appendix).
        keep = [c != "Définition" for c in frame.columns]
        notes = [f"{c} – {d}" for c, d in zip(frame.iloc[:, 0], frame["Définition"])] + notes
        widths = tuple(w for w, k in zip(widths, keep) if k)
        frame = frame.loc[:, keep]
    total = float(sum(widths))
    parts = _chunks(frame)
    for n, part in enumerate(parts):
        title = table.title + (f" ({n + 1}/{len(parts)})" if len(parts) > 1 else "")
        slide = _slide(prs, pack, title)
        longest = max((len(str(v)) for v in part.to_numpy().ravel()), default=0)
        size = 12 if longest < 120 else 10
        rows, cols = len(part) + 1, len(frame.columns)
        shape = slide.shapes.add_table(rows, cols, LEFT, Inches(1.25), CONTENT_W, Inches(0.4) * rows)
        tbl = shape.table
        for j, wgt in enumerate(widths):
            tbl.columns[j].width = Emu(int(CONTENT_W * wgt / total))
        for j, col in enumerate(frame.columns):
            c = tbl.cell(0, j)
            c.fill.solid()
            c.fill.fore_color.rgb = BLEU
            c.text_frame.clear()
            _text(c.text_frame, str(col), size, bold=True, color=WHITE)
        for i, row in enumerate(part.itertuples(index=False), start=1):
            for j, value in enumerate(row):
                c = tbl.cell(i, j)
                c.fill.solid()
                c.fill.fore_color.rgb = ZEBRA if i % 2 == 0 else WHITE
                c.text_frame.clear()
                c.text_frame.word_wrap = True
                text = str(value)
                secret = text == "s (secret)"
                _text(c.text_frame, text, size, italic=secret, color=ROUGE if secret else TEXT)
        if notes:
            slide.notes_slide.notes_text_frame.text = "\n".join(notes)


def _notes(prs: Presentation, pack: Pack, sec: PackSection) -> None:
    slide = _slide(prs, pack, f"{sec.title} : notes et méthode")
    box = _box(slide, LEFT, Inches(1.25), CONTENT_W, Inches(5.6), "", 12)
    first = True
    for note in sec.notes:
        _text(box.text_frame, note if len(note) < 900 else note[:897] + "…", 12 if len(sec.notes) < 4 else 10.5,
              color=TEXT, first=first)
        first = False


def pack_pptx(pack: Pack, images: Mapping[str, bytes]) -> bytes:
    """The pack as PPTX bytes; `images` are its charts as print PNGs keyed by figure key (build.render_images, shared
    with the PDF)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = W, H
    prs.core_properties.title = f"Pack du comité de suivi – {pack.cover.territory}"
    prs.core_properties.author = "Levier"
    _cover(prs, pack)
    for sec in pack.sections:
        _overview(prs, pack, sec)
        figures = list(sec.figures)
        if figures:
            _figure(prs, pack, figures[0], images[figures[0].key])
        for table in sec.tables:
            _table(prs, pack, table)
        for fig in figures[1:]:
            _figure(prs, pack, fig, images[fig.key])
        if sec.notes:
            _notes(prs, pack, sec)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
