"""Plotly figures to PNG through kaleido 1.x and the system Chromium: one browser session for all figures of a pack,
never a Chrome download, no CDN (plotly.js from the installed plotly package, MathJax off). Knows nothing of packs."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go

PRINT_WIDTH = 1100  # px: fonts of 12–16 px read at 8–11 pt on a landscape A4 page
PRINT_SCALE = 1.6  # device pixels per px: sharp enough in print, lighter files and faster PDFs
RENDER_TIMEOUT = 90  # seconds per figure
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


def _size(fig: go.Figure, width: int) -> tuple[int, int]:
    height = fig.layout.height
    return width, int(height) if height else 500


def render_pngs(figures: Sequence[go.Figure], width: int = PRINT_WIDTH, scale: float = PRINT_SCALE) -> list[bytes]:
    """PNG bytes of every figure, in order, drawn in ONE headless Chromium session (opening it costs ~3 s)."""
    if not figures:
        return []
    # Imported here: kaleido and its browser driver take ~0.5 s to import, paid only by whoever draws a pack.
    import kaleido
    from kaleido._sync_server import oneshot_async_run  # kaleido's one-browser batch runner (same reason)

    path = chromium_path()
    jobs = [(fig, _size(fig, width)) for fig in figures]

    async def run() -> list[bytes]:
        out = []
        # path= keeps choreographer on the system browser; mathjax=False keeps the page off the MathJax CDN.
        async with kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT, mathjax=False, path=path) as k:
            for fig, (w, h) in jobs:
                out.append(await k.calc_fig(fig, opts={"format": "png", "width": w, "height": h, "scale": scale}))
        return out

    try:
        images = oneshot_async_run(run, (), {})
    except PackRenderError:
        raise
    except Exception as exc:  # the browser's own errors are not for a comité's eyes; say what failed
        raise PackRenderError(f"Les graphiques n'ont pas pu être dessinés par Chromium ({type(exc).__name__} : {exc}).") from exc
    return [bytes(b) for b in images]


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
