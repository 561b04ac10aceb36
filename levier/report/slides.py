"""Figures resized for a projected screen or a printed page, and the slides of the presentation mode (pure builders:
a pack in, figures and captions out; a deck built in the background, each slide shown as soon as it exists)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import plotly.graph_objects as go

from levier.report.background import Build
from levier.report.pack import DEMO_MENTION, Pack, PackFigure

BASE_FONT = 12  # plotly's default size when a figure sets none
PROJECTION_SCALE = 1.45
PROJECTION_HEIGHT = 560  # px: the chart, its title and its source fit one projected screen
SLIDE_CHROME_PX = 205  # px of a slide's screen that are not the chart: header line, slide title, source (PAGE_CSS)
SLIDE_PLOT_MIN_PX = 250  # px of plot area left to bars on a 1280×720 screen, once legend and axis are drawn
SLIDE_LABEL_CHARS = 56  # characters of a bar's label on a slide
SLIDE_LINE_FACTOR = 1.45  # a label's line height over its font size, gap to the next included
SLIDE_TICK_MAX = 15  # px: larger labels would take half the width of two panels
SLIDE_TICK_MIN = 11  # px: the smallest label still read from the back of a room
PRINT_SCALE = 1.2
SHOW_PAUSE_SECONDS = 1.5  # the longest a deck's build waits for the page to draw the slide it waited for
PRINT_MAX_HEIGHT = 680  # px: taller figures would be shrunk on an A4 page until their text is unreadable
PRINT_CAPTION_CHARS = 88  # a caption starts where the plot starts (after the axis labels): wrap it short
CAPTION_LINE_PX = 16
_FONT_KEYS = ("font", "tickfont", "textfont", "insidetextfont", "outsidetextfont", "titlefont", "grouptitlefont")


def _scale_fonts(node: object, factor: float) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _FONT_KEYS and isinstance(value, dict) and isinstance(value.get("size"), (int, float)):
                value["size"] = round(value["size"] * factor, 1)
            _scale_fonts(value, factor)
    elif isinstance(node, list):
        for item in node:
            _scale_fonts(item, factor)


def _is_caption(annotation: dict) -> bool:
    """The source caption every Levier chart and map writes under its plot (charts.style.finish, maps.choropleth)."""
    return (annotation.get("name") == "source"
            or (annotation.get("yref") == "paper" and annotation.get("yanchor") == "top"
                and float(annotation.get("y", 1)) <= 0.0 and str(annotation.get("text", "")).startswith("Source")))


def caption_text(fig: go.Figure) -> str:
    """The figure's own source caption, as one line of plain text ('' when it has none)."""
    for ann in fig.layout.annotations or ():
        if _is_caption(ann.to_plotly_json()):
            lines = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part)).strip()
                     for part in re.split(r"<br\s*/?>", str(ann.text))]
            # Lines that start a sentence get a full stop before them ("… quantiles. Données fictives …", not
            # "… quantiles Données …"); a line wrapped inside a sentence is joined back as it was ("Taux de
            # consommation", not "Taux de. consommation").
            lines = [line for line in lines if line]
            out = ""
            for i, line in enumerate(lines):
                if out:
                    out += ". " if line[:1].isupper() and not out.endswith((".", "!", "?", ":")) else " "
                out += line
            return out if not out or out.endswith((".", "!", "?")) else out + "."
    return ""


def scaled(fig: go.Figure, factor: float, *, drop_caption: bool = False, drop_title: bool = False,
           min_height: int | None = None, max_height: int | None = None, width: int | None = None,
           caption_chars: int | None = None, autosize: bool = False) -> go.Figure:
    """A copy of `fig` with every font `factor` times larger, margins and height grown to match; optionally without
    its title or source caption (when the page or slide prints them as text instead); `autosize`: no fixed height, as
    tall as its container."""
    spec = fig.to_plotly_json()  # a deep copy already (plotly's to_dict): nothing below touches `fig`
    layout = spec.setdefault("layout", {})
    _scale_fonts(spec, factor)
    font = layout.setdefault("font", {})
    if "size" not in font:  # already scaled above when the figure set it
        font["size"] = round(BASE_FONT * factor, 1)
    # Streamlit's chart theme sizes legends and ticks itself: explicit sizes keep them readable from the back row.
    size = font["size"]
    legend = layout.setdefault("legend", {})
    legend.setdefault("font", {}).setdefault("size", size)
    if isinstance(legend.get("title"), dict):
        legend["title"].setdefault("font", {}).setdefault("size", size)
    for key, axis in list(layout.items()):
        if (key.startswith("xaxis") or key.startswith("yaxis")) and isinstance(axis, dict):
            axis.setdefault("tickfont", {}).setdefault("size", size)
            if isinstance(axis.get("title"), dict):
                axis["title"].setdefault("font", {}).setdefault("size", size)
    margin = layout.setdefault("margin", {})
    for side in ("l", "r", "t", "b"):
        if isinstance(margin.get(side), (int, float)):
            margin[side] = int(margin[side] * factor)
    anns = layout.get("annotations") or []
    caption_b = 0
    if drop_caption:
        kept = [a for a in anns if not _is_caption(a)]
        if len(kept) != len(anns):
            caption_b = max(0, int(margin.get("b", 0)) - int(60 * factor))
            margin["b"] = int(60 * factor) if margin.get("b") else margin.get("b")
        if kept:
            layout["annotations"] = kept
        else:  # as a validated figure drops an empty list
            layout.pop("annotations", None)
    else:
        for a in anns:
            if not _is_caption(a):
                continue
            if isinstance(a.get("yshift"), (int, float)):
                a["yshift"] = a["yshift"] * factor
            if caption_chars and any(len(line) > caption_chars for line in str(a.get("text", "")).split("<br>")):
                old = str(a.get("text", "")).split("<br>")
                lines = textwrap.wrap(" ".join(old), width=caption_chars, break_long_words=False) or [""]
                a["text"] = "<br>".join(lines)
                caption_b = -int((len(lines) - len(old)) * CAPTION_LINE_PX * factor)  # grows the figure
                if isinstance(margin.get("b"), (int, float)):
                    margin["b"] = int(margin["b"]) - caption_b
    title = layout.get("title")
    if drop_title and isinstance(title, dict):
        title["text"] = ""
        if isinstance(margin.get("t"), (int, float)):
            margin["t"] = max(int(margin["t"] * 0.55), 30)
    height = layout.get("height")
    if isinstance(height, (int, float)):
        height = int(height * factor) - caption_b
    if min_height:
        height = max(int(height or 0), min_height)
    if max_height and height:
        height = min(int(height), max_height)
    if autosize:
        layout.pop("height", None)
        layout["autosize"] = True
    elif height:
        layout["height"] = height
    if width:
        layout["width"] = width
    # The spec comes from a valid figure: validating each property again took half the time of a slide or a printed
    # chart, and changes nothing (None values are left out above, as validation would).
    return go.Figure(spec, _validate=False)


def _fit_categories(fig: go.Figure, plot_px: int = SLIDE_PLOT_MIN_PX, wrap: int = SLIDE_LABEL_CHARS) -> None:
    """Horizontal bars read on a slide: each category label on one line (shortened with « … » past `wrap`
    characters: the full name is in the pack's table) in a tick font small enough that n labels fit the plot's height
    on the smallest screen, so they never overlap (the funding slide's eleven actions ran into each other)."""
    axes: dict[str, list[str]] = {}
    for trace in fig.data:
        if trace.type != "bar" or trace.orientation != "h" or trace.y is None:
            continue
        axis_name = "yaxis" + (trace.yaxis[1:] if trace.yaxis and trace.yaxis != "y" else "")
        axes.setdefault(axis_name, []).extend(str(v) for v in trace.y)
    for axis_name, all_names in axes.items():
        names = list(dict.fromkeys(all_names))
        # Lines wrapped for a half page joined back ("petits-<br>déjeuners" is one word again).
        flat = {n: re.sub(r"\s*<br\s*/?>\s*", " ", re.sub(r"-<br\s*/?>", "-", n)) for n in names}
        short = {n: f if len(f) <= wrap else textwrap.shorten(f, width=wrap, placeholder="…") for n, f in flat.items()}
        size = max(SLIDE_TICK_MIN, min(int(fig.layout.font.size or BASE_FONT), SLIDE_TICK_MAX,
                                       int(plot_px / (len(names) * SLIDE_LINE_FACTOR))))
        axis = fig.layout[axis_name]
        axis.tickfont.size = size
        if axis.type != "category" and not axis.categoryarray:
            axis.tickmode, axis.tickvals = "array", names  # one label per category, none skipped
        else:
            axis.tickmode, axis.tickvals = "array", list(axis.categoryarray or names)
        axis.ticktext = [short.get(n, n) for n in axis.tickvals]


def for_projection(fig: go.Figure) -> go.Figure:
    """Large fonts for a room reading a projected screen; the caption moves under the chart as text. No fixed
    height: the slide's chart takes the height the screen leaves it (PAGE_CSS), at 1280×720 as at 1920×1080."""
    out = scaled(fig, PROJECTION_SCALE, drop_caption=True, drop_title=True, autosize=True)
    _fit_categories(out)
    return out


def for_print(fig: go.Figure) -> go.Figure:
    """Slightly larger fonts for a printed page; the title is the page's heading, the caption stays in the image."""
    return scaled(fig, PRINT_SCALE, drop_title=True, max_height=PRINT_MAX_HEIGHT, caption_chars=PRINT_CAPTION_CHARS)


@dataclass(frozen=True)
class Slide:
    key: str
    title: str
    caption: str  # source, year, and the demo mention when the data are fictitious
    section: str
    figure: PackFigure
    projected: go.Figure | None = field(default=None, compare=False, repr=False)  # for_projection, made once


def slide(section: str, f: PackFigure, project: bool = False) -> Slide:
    """The slide of one chart of the pack, under its section's title (with its projected figure made at once when
    `project`: a deck makes it in the background, the page's reruns then only send it)."""
    text = caption_text(f.figure) or f.caption
    if f.demo and "fictive" not in text:
        text += f" {DEMO_MENTION}"
    return Slide(f.key, f.title, text, section, f, for_projection(f.figure) if project else None)


def slides(pack: Pack) -> list[Slide]:
    """One slide per chart of the pack, in the pack's order."""
    return [slide(sec.title, f) for sec in pack.sections for f in sec.figures]


class Deck(Build[Slide]):
    """The slides of a pack, built in a background thread and each available as soon as its chart exists: the
    presentation shows slide 1 while the next ones are read and drawn, and waits only for a slide not built yet.

    `build(on_slide)` builds the pack (levier.report.pack.build_pack with `on_slide=on_slide`) and hands over each
    chart, in the pack's order, as `on_slide(section title, figure)`. A build that failed raises its error to whoever
    waits for a slide it did not make."""

    thread_name = "levier-deck"

    def __init__(self, build: Callable[[Callable[[str, PackFigure], None]], object]) -> None:
        self._showing = 0  # the slides the page waited for and is drawing (0: none)
        super().__init__(build)

    def _item(self, section: str, fig: PackFigure) -> Slide:
        return slide(section, fig, project=True)

    def _add(self, *args) -> None:
        super()._add(*args)
        # The page has what it waited for and is drawing it: the build lets it have the interpreter until the slide is
        # shown (shown()), instead of halving its speed; at most SHOW_PAUSE_SECONDS, should the page never say so.
        with self._cond:
            self._cond.wait_for(lambda: not self._showing or len(self._items) < self._showing or self._cancelled,
                                SHOW_PAUSE_SECONDS)

    def wait(self, n: int, timeout: float | None = None) -> list[Slide]:
        """The first `n` slides, waiting until they are built (fewer when the pack has fewer charts). The build pauses
        at its next slide until shown() is called."""
        with self._cond:
            self._showing = n
            self._cond.wait_for(lambda: len(self._items) >= n or self._done, timeout)
            if len(self._items) < n and self._error is not None:
                raise self._error
            return list(self._items[:n])

    def shown(self) -> None:
        """The page has drawn the slides it waited for: the build goes on."""
        with self._cond:
            self._showing = 0
            self._cond.notify_all()

    def cancel(self) -> None:
        super().cancel()
        with self._cond:  # a build paused for the page stops now, not after its pause
            self._cond.notify_all()

    def all(self, timeout: float | None = None) -> list[Slide]:
        """Every slide, once the deck is complete."""
        with self._cond:
            self._cond.wait_for(lambda: self._done, timeout)
            if self._error is not None:
                raise self._error
            return list(self._items)


def chosen(deck: list[Slide], keys: list[str] | tuple[str, ...]) -> list[Slide]:
    """The slides the presenter kept, in the deck's order (none kept: the whole deck rather than a blank screen)."""
    kept = [s for s in deck if s.key in set(keys)]
    return kept or list(deck)


def slide_figure(slide: Slide) -> go.Figure:
    """The slide's chart for a projected screen (never mutated by its readers: Streamlit sends a copy)."""
    return slide.projected if slide.projected is not None else for_projection(slide.figure.figure)


def clamp(index: int, n: int) -> int:
    """A slide number kept within the deck (0 when it is empty)."""
    return 0 if n <= 0 else max(0, min(int(index), n - 1))


PAGE_CSS = f"""
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
button[data-testid="stExpandSidebarButton"], [data-testid="stSidebarNav"] {{ display: none !important; }}
header[data-testid="stHeader"] {{ display: none !important; }}
/* app.py's demo banner (its keyed container): each slide of fictitious data says so in its source line. */
.st-key-demo_banner {{ display: none !important; }}
div[data-testid="stMainBlockContainer"] div[data-testid="stElementContainer"] {{ flex-shrink: 0; }}
div[data-testid="stMainBlockContainer"], .block-container {{ max-width: 100% !important; padding: 0.6rem 2rem 0.4rem 2rem !important; }}
div[data-testid="stMainBlockContainer"] div[data-testid="stVerticalBlock"] {{ gap: 0.35rem; }}
div[data-testid="stAppViewContainer"] p, div[data-testid="stAppViewContainer"] li {{ font-size: 1.2rem; }}
div[data-testid="stAppViewContainer"] h1 {{ font-size: 1.6rem; color: #000091; padding: 0; line-height: 1.25; }}
div[data-testid="stAppViewContainer"] h2 {{ font-size: 1.55rem; color: #000091; padding: 0.1rem 0 0 0; line-height: 1.25; }}
div[data-testid="stCaptionContainer"] p {{ font-size: 1.0rem !important; color: #3A3A3A !important; line-height: 1.3; }}
div[data-testid="stButton"] button p, div[data-testid="stPageLink"] p, div[data-testid="stPopover"] button p {{ font-size: 1.05rem !important; }}
div[data-testid="stMarkdownContainer"]:has(h1, h2) {{ margin-bottom: 0 !important; }}
div[data-testid="stLayoutWrapper"]:has(> .st-key-pres_slide), .st-key-pres_slide {{
  height: calc(100vh - {SLIDE_CHROME_PX}px) !important; min-height: 320px; }}
.st-key-pres_slide div[data-testid="stElementContainer"], .st-key-pres_slide div[data-testid="stFullScreenFrame"],
.st-key-pres_slide div[data-testid="stPlotlyChart"] {{ height: 100% !important; }}
</style>
"""
