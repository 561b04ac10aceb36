"""Plotly figures to PNG through kaleido 1.x and the system Chromium: one browser session for all figures of a pack,
opened in the background while the caller still builds them, its page loaded once for the whole batch, and kept open
a few minutes for the next pack; never a Chrome download, no CDN (plotly.js from the installed plotly package,
MathJax off). Knows nothing of packs."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import functools
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self

import plotly.graph_objects as go

PRINT_WIDTH = 1100  # px: fonts of 12–16 px read at 8–11 pt on a landscape A4 page
PRINT_SCALE = 1.6  # device pixels per px: sharp enough in print, lighter files and faster PDFs
RENDER_TIMEOUT = 90  # seconds per figure
# Seconds one figure's drawing is waited for (its turn for a tab not counted) before it is drawn again in a browser
# of its own: a figure takes 0.1–0.5 s. choreographer 1.4 sometimes loses a reply of Chromium (it logs « JSONError
# decoding message » when two DevTools messages reach it as one): the figure would wait RENDER_TIMEOUT for nothing,
# then fail the pack.
FIGURE_TIMEOUT = 30
# Figures drawn at once. One tab: a second costs as much to open as the first (it loads plotly.js too, 1.4 s on this
# 2-core machine) and saves less than that on a pack's nine charts (1.5 s in one tab, 1.1 s in two; 2026-12-06).
TABS = 1
CLOSE_TIMEOUT = 10  # seconds a closing browser is waited for when the process exits
ENV_CHROMIUM = "LEVIER_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by .ci/run


class PackRenderError(RuntimeError):
    """Charts could not be turned into images (no Chromium, or the browser failed)."""


def chromium_path() -> str:
    """The system Chromium (LEVIER_CHROMIUM, then BROWSER_PATH as kaleido reads it, then the PATH)."""
    candidates = [os.environ.get(ENV_CHROMIUM), os.environ.get("BROWSER_PATH"), shutil.which("chromium"),
                  shutil.which("chromium-browser"), DEFAULT_CHROMIUM]
    for cand in candidates:
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return str(cand)
    raise PackRenderError(
        "Chromium est introuvable : il sert à dessiner les graphiques du pack. Installez le paquet Debian « chromium » "
        f"(apt-get install chromium) ou indiquez son chemin dans la variable {ENV_CHROMIUM}."
    )


@functools.cache
def _kaleido_class():
    """kaleido's browser, except that a tab is not reloaded after each figure.

    kaleido reloads its page (and parses plotly.js again) after every image, to start each one from a clean page:
    two thirds of a pack's drawing time (9 charts: 3.7 s, 1.5 s without; 2026-12-06). plotly.js draws each image in a
    div of its own and removes it (`Plotly.toImage` on the figure's data), so within a batch the reload buys nothing:
    the PNGs are the same to the byte (tests/unit/report/test_images.py). Between two batches (a browser kept for
    the next pack) the page is loaded again (`refresh`), in the background. The hook overridden is kaleido's own; a
    test fails if kaleido renames it."""
    import kaleido  # kaleido and its browser driver take ~0.5 s to import, paid only by whoever draws a pack

    class Kaleido(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab) -> None:
            await self.tabs_ready.put(tab)

        async def refresh(self) -> None:
            """Every tab's page loaded again, as kaleido does after an image: a browser kept for the next pack
            starts it from a clean page (waits for a tab still drawing)."""
            tabs = [await self.tabs_ready.get() for _ in range(self._total_tabs)]
            try:
                await asyncio.gather(*(tab.reload() for tab in tabs))
            finally:
                for tab in tabs:
                    self.tabs_ready.put_nowait(tab)

    return Kaleido


def _size(fig: go.Figure, width: int) -> tuple[int, int]:
    height = fig.layout.height
    return width, int(height) if height else 500


async def _draw_alone(fig: go.Figure, opts: dict) -> bytes:
    """A figure drawn in a browser opened for it alone, then closed (its first browser lost the reply)."""
    browser = _kaleido_class()(n=1, timeout=RENDER_TIMEOUT, mathjax=False, path=chromium_path())
    await browser.open()
    try:
        return bytes(await asyncio.wait_for(browser.calc_fig(fig, opts=opts), FIGURE_TIMEOUT))
    finally:
        await browser.close()


def _failure(exc: BaseException) -> PackRenderError:
    """The browser's own errors are not for a comité's eyes: say what failed, in French."""
    if isinstance(exc, PackRenderError):
        return exc
    return PackRenderError(f"Les graphiques n'ont pas pu être dessinés par Chromium ({type(exc).__name__} : {exc}).")


_OPEN: set[Renderer] = set()  # renderers whose browser is still up, closed when the process exits


class Renderer:
    """One headless Chromium session for a batch of figures, started at once in a background thread: the caller keeps
    building figures while the browser opens (~1.5 s idle, the largest fixed cost of a pack), hands each one in as soon
    as it exists (`submit`), and collects the PNGs later (`Future.result`). Use it as a context manager, or `close()`.

    The PNG of a figure is exactly what `render_pngs` draws for it (same browser, page, width, height and scale)."""

    def __init__(self, width: int = PRINT_WIDTH, scale: float = PRINT_SCALE, tabs: int = TABS) -> None:
        path = chromium_path()
        self.width, self.scale = width, scale
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="levier-chromium", daemon=True)
        self._thread.start()
        self._closed = False
        self._failed = False  # a figure could not be drawn: this browser is not kept for another batch
        self._slots = asyncio.Semaphore(max(1, tabs))  # a figure's FIGURE_TIMEOUT starts when a tab is free for it
        # path= keeps choreographer on the system browser; mathjax=False keeps the page off the MathJax CDN.
        browser = _kaleido_class()(n=max(1, tabs), timeout=RENDER_TIMEOUT, mathjax=False, path=path)
        self._browser = asyncio.run_coroutine_threadsafe(self._open(browser), self._loop)
        _OPEN.add(self)

    def _run(self) -> None:
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    @staticmethod
    async def _open(browser):
        await browser.open()
        # Exit handlers run last-registered first: ours must close the browser before the finalizer that deletes its
        # profile folder (registered with the process's exit when the browser opened) runs.
        atexit.unregister(_close_all)
        atexit.register(_close_all)
        return browser

    async def _draw(self, fig: go.Figure, prepare: Callable[[go.Figure], go.Figure] | None) -> bytes:
        if prepare is not None:  # off the caller's thread: it goes on reading data meanwhile
            fig = await asyncio.to_thread(prepare, fig)
        browser = await asyncio.wrap_future(self._browser)
        w, h = _size(fig, self.width)
        opts = {"format": "png", "width": w, "height": h, "scale": self.scale}
        async with self._slots:
            try:
                return bytes(await asyncio.wait_for(browser.calc_fig(fig, opts=opts), FIGURE_TIMEOUT))
            except TimeoutError:
                self._failed = True  # its reply lost: this browser is not kept for another batch
        return await _draw_alone(fig, opts)

    def submit(self, fig: go.Figure, prepare: Callable[[go.Figure], go.Figure] | None = None
               ) -> concurrent.futures.Future[bytes]:
        """Start drawing `fig`, or `prepare(fig)` computed in the background (its PNG bytes arrive in the returned
        future; a failure raises PackRenderError there)."""
        if self._closed:
            raise RuntimeError("renderer closed")
        inner = asyncio.run_coroutine_threadsafe(self._draw(fig, prepare), self._loop)
        outer: concurrent.futures.Future[bytes] = concurrent.futures.Future()

        def done(f: concurrent.futures.Future) -> None:
            exc = f.exception()
            if exc is not None:
                self._failed = True
                outer.set_exception(_failure(exc))
            else:
                outer.set_result(f.result())

        inner.add_done_callback(done)
        return outer

    def browser_running(self) -> bool:
        """Its Chromium started and not ended."""
        if not self._browser.done() or self._browser.exception() is not None:
            return False
        process = getattr(self._browser.result(), "subprocess", None)  # choreographer's Chromium process
        return process is not None and process.poll() is None

    def usable(self) -> bool:
        """Open, its browser started and still running, and no figure of its failed."""
        return not (self._closed or self._failed) and self.browser_running()

    def refresh(self) -> concurrent.futures.Future[None]:
        """The browser's pages loaded again, in the background (see _kaleido_class)."""
        async def reload() -> None:
            browser = await asyncio.wrap_future(self._browser)
            await browser.refresh()

        return asyncio.run_coroutine_threadsafe(reload(), self._loop)

    def close(self, wait: bool = False) -> None:
        """Close the browser (in the background unless `wait`); the process's exit waits for it either way."""
        if self._closed:
            return
        self._closed = True

        async def shut() -> None:
            try:
                browser = await asyncio.wrap_future(self._browser)
                await browser.close()
            except Exception:  # noqa: BLE001, S110 - a browser that never opened or already died has nothing to close
                pass
            finally:
                await self._loop.shutdown_default_executor()  # the threads that prepared figures end too
                self._loop.call_soon(self._loop.stop)

        done = asyncio.run_coroutine_threadsafe(shut(), self._loop)
        done.add_done_callback(lambda _f: _OPEN.discard(self))
        if wait:
            self.join()

    def join(self, timeout: float = CLOSE_TIMEOUT) -> None:
        self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close_all() -> None:
    """No Chromium outlives the process that opened it (a close already started in the background is waited for)."""
    for renderer in list(_OPEN):
        renderer.close()
        renderer.join()


# The browser a pack leaves open for the next one. Opening Chromium and loading plotly.js is the largest fixed cost
# of a pack (1.7 s idle, up to 3 s while the pack's data are read on this 2-core machine): a server whose users
# prepare packs one after the other (a commissaire's départements before a comité) pays it once. The browser kept
# holds about 200 MB outside the server's process, for KEEP_SECONDS after the last pack; then it is closed.
KEEP_SECONDS = 300.0
_kept_lock = threading.Lock()
_kept: tuple[Renderer, threading.Timer] | None = None


def borrow_renderer(width: int = PRINT_WIDTH, scale: float = PRINT_SCALE) -> Renderer:
    """A browser for a batch of figures: the one the previous batch left (its page loaded again meanwhile), or a new
    one. Hand it back with `return_renderer` once every figure is drawn."""
    global _kept
    with _kept_lock:
        kept, _kept = _kept, None
    if kept is not None:
        found, timer = kept
        timer.cancel()
        if found.usable() and (found.width, found.scale) == (width, scale):
            return found
        found.close()
    return Renderer(width, scale)


def return_renderer(used: Renderer) -> None:
    """Done with `used`: kept for the next batch (its page loaded again now, in the background) for KEEP_SECONDS,
    closed at once if one of its figures failed or its browser is gone."""
    global _kept
    if not used.usable():
        used.close()
        return
    used.refresh()
    timer = threading.Timer(KEEP_SECONDS, _expire, args=(used,))
    timer.daemon = True
    with _kept_lock:
        previous, _kept = _kept, (used, timer)
    timer.start()
    if previous is not None:  # two packs finished together: one browser is enough
        previous[1].cancel()
        previous[0].close()


def _expire(kept: Renderer) -> None:
    global _kept
    with _kept_lock:
        if _kept is None or _kept[0] is not kept:
            return
        _kept = None
    kept.close()


def render_pngs(figures: Sequence[go.Figure], width: int = PRINT_WIDTH, scale: float = PRINT_SCALE) -> list[bytes]:
    """PNG bytes of every figure, in order, drawn in ONE headless Chromium session (the one a previous batch left
    open, or a new one: opening it costs ~1.7 s idle)."""
    if not figures:
        return []
    drawing = borrow_renderer(width, scale)
    try:
        futures = [drawing.submit(fig) for fig in figures]
        try:
            return [f.result() for f in futures]
        except PackRenderError:
            raise
        except Exception as exc:
            raise _failure(exc) from exc
    finally:
        return_renderer(drawing)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
