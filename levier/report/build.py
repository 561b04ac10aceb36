"""The pack written in the format a user asked for: its charts drawn once as print images, then the PDF or the PPTX
(the only module that knows every format; the model, the writers and the image renderer know nothing of each other
beyond what they import). A pack made from scratch (`make`) takes the browser a previous pack left open, or opens
Chromium first, and draws every chart as soon as its section is built, so the browser's start and the drawing
overlap the reading of the data and the page layout; the model is read in a background thread (`Prepared`, started
by the click) while Chromium draws what is built."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator, Mapping

from levier.report.images import borrow_renderer, render_pngs, return_renderer
from levier.report.background import Build
from levier.report.pack import Pack, PackFigure
from levier.report.slides import for_print

FORMATS = {"pdf": ("application/pdf", "pdf"),
           "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")}


def writer(fmt: str) -> Callable[..., bytes]:
    """The format's writer, imported on the first file asked for: fpdf (with fontTools), python-pptx and lxml hold
    about 30 MB in a server whose users may never make a pack (bench/bench_browser.py, 2026-12-06)."""
    if fmt not in FORMATS:
        raise ValueError(f"Format inconnu : {fmt}")
    if fmt == "pdf":
        from levier.report.pdf import pack_pdf  # fpdf and fontTools: loaded by the first PDF only
        return pack_pdf
    from levier.report.pptx import pack_pptx  # python-pptx and lxml: loaded by the first PowerPoint only
    return pack_pptx


def render_images(model: Pack) -> dict[str, bytes]:
    """Every chart of a pack as a print PNG keyed by figure key, in one Chromium session (shared by PDF and PPTX)."""
    figs = model.figures
    pngs = render_pngs([for_print(f.figure) for f in figs])
    return {f.key: png for f, png in zip(figs, pngs)}


def export(model: Pack, fmt: str, images: dict[str, bytes] | None = None) -> tuple[bytes, dict[str, bytes]]:
    """The pack as PDF or PPTX bytes, and the chart images drawn for it (hand them back to draw the other format
    without starting Chromium again)."""
    write = writer(fmt)
    images = images if images is not None and set(images) >= {f.key for f in model.figures} else render_images(model)
    return write(model, images), images


class _Drawing(Mapping[str, bytes]):
    """Chart images still being drawn: reading one waits for it (a writer lays out the pages before it while the
    browser finishes the later ones)."""

    def __init__(self, futures: dict[str, concurrent.futures.Future[bytes]]) -> None:
        self._futures = futures

    def __getitem__(self, key: str) -> bytes:
        return self._futures[key].result()

    def __iter__(self) -> Iterator[str]:
        return iter(self._futures)

    def __len__(self) -> int:
        return len(self._futures)


def make(build_model: Callable[[Callable[[PackFigure], None]], Pack], fmt: str) -> tuple[Pack, bytes, dict[str, bytes]]:
    """A pack made from scratch in `fmt`: its model, the file's bytes and the chart images (for the other format).

    `build_model(on_figure)` builds the model (levier.report.pack.build_pack with `on_figure=on_figure`): each figure
    it hands over is drawn at once while the next sections are read. The images are exactly export()'s."""
    write = writer(fmt)
    renderer = borrow_renderer()  # the browser a previous pack left, or Chromium opens now, while the data are read
    drawn: dict[str, concurrent.futures.Future[bytes]] = {}
    ready: dict[str, concurrent.futures.Future] = {}  # drawn, and for a PDF decoded for its page
    # One worker prepares the PDF document (its fonts), then decodes the PNGs in the order they were asked for (zlib
    # and Pillow work outside the GIL), while the model is read.
    reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="levier-pdf-images")
    blank = None
    if fmt == "pdf":
        from levier.report import pdf  # already loaded by writer(fmt): fpdf on the first PDF only
        blank = reader.submit(pdf.document)
    try:
        def on_figure(fig: PackFigure) -> None:
            if fig.key in drawn:
                return
            drawn[fig.key] = png = renderer.submit(fig.figure, for_print)
            ready[fig.key] = (reader.submit(lambda: pdf.preload(blank.result().image_cache, png.result()))
                              if blank is not None else png)

        model = build_model(on_figure)
        for fig in model.figures:  # a builder that handed nothing over still gets every chart drawn
            on_figure(fig)
        data = write(model, _Drawing(ready), blank.result()) if blank is not None else write(model, _Drawing(ready))
        images = {key: f.result() for key, f in drawn.items()}
    finally:
        return_renderer(renderer)  # kept for the next pack, or closed in the background: no one's wait
        reader.shutdown(wait=False, cancel_futures=True)
        for f in drawn.values():
            f.cancel()
    return model, data, images


class Prepared(Build[PackFigure]):
    """A pack model built in a background thread, started before anyone asks for a file: `build(on_figure)` (the
    argument `make` expects) waits for it, handing over at once the figures already built and the next ones as they
    come, in the caller's thread. The model is exactly what `build_model` returns; a failure is raised to the caller.

    `build_model(on_figure)` is levier.report.pack.build_pack with `on_figure=on_figure`."""

    thread_name = "levier-pack-model"

    def __init__(self, build_model: Callable[[Callable[[PackFigure], None]], Pack]) -> None:
        super().__init__(build_model)

    def _item(self, fig: PackFigure) -> PackFigure:
        return fig

    def build(self, on_figure: Callable[[PackFigure], None]) -> Pack:
        """The model, once built; every figure handed to `on_figure` as soon as it exists (already, or later)."""
        handed = 0
        while True:
            with self._cond:
                self._cond.wait_for(lambda: len(self._items) > handed or self._done)
                new, finished = self._items[handed:], self._done
                handed += len(new)
            for fig in new:
                on_figure(fig)
            if finished:
                break
        if self._error is not None:
            raise self._error
        if self._result is None:
            raise RuntimeError("pack preparation cancelled")
        return self._result


def file_name(model: Pack, fmt: str) -> str:
    return f"{model.stem}.{FORMATS[fmt][1]}"
