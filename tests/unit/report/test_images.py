"""The chart renderer: one Chromium opened in the background, figures drawn as they are handed in, PNGs of the print
size, a failure said in French, and no browser left running once it is closed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time

import pandas as pd
import plotly.graph_objects as go
import pytest

from levier.charts.maps import choropleth

from levier.report import images
from levier.report.images import (
    PRINT_SCALE,
    PRINT_WIDTH,
    PackRenderError,
    Renderer,
    borrow_renderer,
    png_size,
    render_pngs,
    return_renderer,
)


def _chromium_descendants() -> int:
    """Chromium processes started by this test process (through choreographer's wrapper) still running."""
    out = subprocess.run(["ps", "-o", "pid=,ppid=,comm=", "-e"], capture_output=True, text=True, check=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines() if len(line.split(None, 2)) == 3]
    children: dict[int, list[tuple[int, str]]] = {}
    for pid, ppid, comm in rows:
        children.setdefault(int(ppid), []).append((int(pid), comm))
    found, todo = 0, [os.getpid()]
    while todo:
        for pid, comm in children.get(todo.pop(), []):
            found += "chrom" in comm
            todo.append(pid)
    return found


def _bar(title: str, height: int) -> go.Figure:
    return go.Figure(go.Bar(x=["Ain", "Isère"], y=[12.5, 11.2]), layout={"title": title, "height": height})


def test_figures_handed_in_are_drawn_in_order_at_print_size():
    figs = [_bar("Taux de pauvreté", 400), _bar("Part des jeunes", 300)]
    with Renderer() as renderer:
        futures = [renderer.submit(figs[0]), renderer.submit(figs[1], lambda f: f.update_layout(height=350))]
        pngs = [f.result(timeout=120) for f in futures]
    assert [png_size(p) for p in pngs] == [(int(PRINT_WIDTH * PRINT_SCALE), int(400 * PRINT_SCALE)),
                                           (int(PRINT_WIDTH * PRINT_SCALE), int(350 * PRINT_SCALE))]
    assert render_pngs([figs[0]]) == pngs[:1]  # the one-shot helper draws the very same image


def test_a_failure_is_said_in_french_and_no_browser_is_left_running():
    # Other tests of the same run may keep a browser of their own (the browser tests' session): counted apart.
    before = _chromium_descendants()
    renderer = Renderer()

    def broken(_fig):
        raise ValueError("figure illisible")

    future = renderer.submit(_bar("x", 300), broken)
    with pytest.raises(PackRenderError, match="n'ont pas pu être dessinés"):
        future.result(timeout=120)
    assert png_size(renderer.submit(_bar("y", 300)).result(timeout=120))[0] == int(PRINT_WIDTH * PRINT_SCALE)
    renderer.close(wait=True)
    deadline = time.monotonic() + 15  # processes take a moment to be reaped once the browser is told to quit
    while _chromium_descendants() > before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _chromium_descendants() <= before
    with pytest.raises(RuntimeError):
        renderer.submit(_bar("z", 300))


def _map() -> go.Figure:
    """A choropleth as Levier draws them (offline: no world topojson)."""
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {"code": code},
         "geometry": {"type": "Polygon", "coordinates": [[[x, 45], [x + 1, 45], [x + 1, 46], [x, 46], [x, 45]]]}}
        for code, x in (("38", 5.0), ("73", 6.0), ("74", 7.0))]}
    frame = pd.DataFrame({"code": ["38", "73", "74"], "name": ["Isère", "Savoie", "Haute-Savoie"],
                          "valeur": [14.2, 11.0, 9.1]})
    return choropleth(frame, geo, value_col="valeur", unit="%", title="Taux de pauvreté", k=3, height=420)


def _reloads(monkeypatch) -> list:
    """Every reload of a kaleido tab from now on (kaleido reloads its page after each image; Levier does not)."""
    from kaleido._kaleido_tab._tab import _KaleidoTab

    reloads: list = []
    reload = _KaleidoTab.reload

    async def counted(self):
        reloads.append(self)
        return await reload(self)

    monkeypatch.setattr(_KaleidoTab, "reload", counted)
    return reloads


def _draw(renderer: Renderer, figs: list[go.Figure]) -> list[bytes]:
    return [f.result(timeout=120) for f in [renderer.submit(fig) for fig in figs]]


def _figures() -> list[go.Figure]:
    return [_map(), _bar("Taux de pauvreté", 400),
            go.Figure(go.Scatter(x=[2019, 2020, 2021], y=[14.1, 14.6, 14.3], mode="lines+markers"),
                      layout={"height": 380})]


def test_one_tab_draws_every_figure_as_a_fresh_browser_would_and_is_never_reloaded(monkeypatch):
    """kaleido reloads its page after each image; Levier's renderer does not (two thirds of a pack's drawing time).
    The images are the same to the byte as those of a browser opened for each figure alone, and if kaleido ever
    renames the hook Levier overrides, the reload comes back and this test says so."""
    reloads = _reloads(monkeypatch)
    figs = _figures()
    with Renderer() as renderer:
        together = _draw(renderer, figs)
    assert reloads == []
    alone = []
    for fig in figs:
        with Renderer() as renderer:
            alone += _draw(renderer, [fig])
    assert together == alone


def test_a_figure_whose_reply_is_lost_is_drawn_again_in_a_browser_of_its_own(monkeypatch):
    """choreographer 1.4 sometimes loses a reply of Chromium (« JSONError decoding message »): the figure would wait
    90 s for nothing and fail the pack. After FIGURE_TIMEOUT it is drawn in a browser opened for it alone: the pack
    gets the same images as ever, the other figures are drawn as usual, and the browser is not kept."""
    monkeypatch.setattr(images, "FIGURE_TIMEOUT", 3)
    real = images._kaleido_class()
    lost: list = []

    class Losing(real):
        async def calc_fig(self, *args, **kwargs):
            if not lost:  # the first figure's reply never comes
                lost.append(self)
                await asyncio.Event().wait()
            return await super().calc_fig(*args, **kwargs)

    monkeypatch.setattr(images, "_kaleido_class", lambda: Losing)
    figs = _figures()
    started = time.monotonic()
    renderer = Renderer()
    pngs = _draw(renderer, figs)
    assert len(lost) == 1 and time.monotonic() - started < 60
    assert not renderer.usable()  # not kept for another pack
    renderer.close(wait=True)
    monkeypatch.setattr(images, "_kaleido_class", lambda: real)
    alone = []
    for fig in figs:
        with Renderer() as fresh:
            alone += _draw(fresh, [fig])
    assert pngs == alone


def test_a_browser_is_kept_for_the_next_pack_its_page_loaded_again_then_closed(monkeypatch):
    """The browser a pack used is kept for the next one (no Chromium to open again), its page loaded again in
    between (no state carried from one pack to the next), and closed KEEP_SECONDS after the last pack."""
    monkeypatch.setattr(images, "KEEP_SECONDS", 2.0)
    first = borrow_renderer()  # a browser kept by an earlier test may be handed over: it is as good
    reloads = _reloads(monkeypatch)
    fig = _figures()[0]
    [png] = _draw(first, [fig])
    return_renderer(first)
    second = borrow_renderer()
    assert second is first and second.usable()
    assert _draw(second, [fig]) == [png]
    assert len(reloads) == images.TABS  # each tab's page loaded again between the two packs, not between images
    return_renderer(second)
    assert second.usable()  # kept: still open right after the pack
    deadline = time.monotonic() + 20
    while second.usable() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not second.usable()  # closed once no pack asked for it within KEEP_SECONDS
    second.join()
    assert not second.browser_running()  # its Chromium has ended
    third = borrow_renderer()
    assert third is not first
    third.close(wait=True)


def test_a_browser_whose_figure_failed_is_not_kept():
    renderer = borrow_renderer()

    def broken(_fig):
        raise ValueError("figure illisible")

    with pytest.raises(PackRenderError):
        renderer.submit(_bar("x", 300), broken).result(timeout=120)
    assert not renderer.usable()
    return_renderer(renderer)
    kept = borrow_renderer()
    assert kept is not renderer
    kept.close(wait=True)
