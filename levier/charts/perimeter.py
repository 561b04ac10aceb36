"""A métropole's perimeter map, pure: its area zoomed (true positions), its member communes as points sized by
population with the most populous named — what the pack and slides of a métropole open on, instead of its
département's neighbours."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.charts import maps
from levier.charts.style import BLEU_FRANCE, FONT, GREY_DARK
from levier.core.fmt import fmt_int, fmt_value
from levier.geo.display import DisplayLayer

AREA_COLOR = "#E3E3FD"  # the lightest blue of the map palette: the points read over it
LABELLED_COMMUNES = 6  # the most populous communes are named on the map (a printed pack has no hover)
MEMBER_COLUMNS = ["code_commune", "name", "population", "lon", "lat"]


def marker_sizes(population: pd.Series, smallest: float = 5.0, largest: float = 30.0) -> list[float]:
    """Marker diameters in px, area proportional to population (the largest commune at `largest`)."""
    pop = pd.to_numeric(population, errors="coerce").fillna(0).clip(lower=0).to_numpy(dtype=float)
    top = float(pop.max()) if len(pop) else 0.0
    if top <= 0:
        return [smallest] * len(pop)
    return [round(smallest + (largest - smallest) * math.sqrt(p / top), 1) for p in pop]


def perimeter_map(members: pd.DataFrame, layer: DisplayLayer, code: str, name: str, *, title: str, source: str,
                  year: int, height: int = 620) -> go.Figure:
    """The EPCI `code` of `layer` (its true geometry) with its member communes.

    members: MEMBER_COLUMNS, one row per member commune (lon/lat NaN for a commune without a point: counted in the
    caption, not drawn). The area is one class, labelled with the communes' total population of `year`; it is not
    compared with anything, so it has no rank. Raises ValueError when the EPCI is not in the layer."""
    members = members.reindex(columns=MEMBER_COLUMNS)
    population = pd.to_numeric(members["population"], errors="coerce")
    total = float(population.sum(min_count=1)) if len(members) else math.nan
    placed = members[members["lon"].notna() & members["lat"].notna()].copy()
    unplaced = len(members) - len(placed)
    note = f"{fmt_int(len(members))} communes membres, points de taille proportionnelle à la population"
    if unplaced:
        note += f" ({fmt_int(unplaced)} sans point, non dessinée(s))"
    frame = pd.DataFrame({"code": [str(code)], "name": [name], "value": [total], "rank": [0]})
    fig = maps.zoom_map(
        frame, layer, [str(code)], value_col="value", unit="habitants", decimals=0, k=1, title=title, source=source,
        year=year, legend_title=f"Population municipale {year}", highlight=[str(code)], rank_col="rank", rank_note="",
        value_label="Population municipale", note=note, height=height,
    )
    for trace in fig.data:  # the one class drawn light, so that the communes read over it
        if isinstance(trace, go.Choropleth) and trace.name != "sélection":
            trace.colorscale = [[0, AREA_COLOR], [1, AREA_COLOR]]
    _widen(fig)
    if placed.empty:
        return fig
    placed = placed.sort_values("population", ascending=False, kind="stable")
    pop_text = [fmt_value(p, "habitants", 0) for p in pd.to_numeric(placed["population"], errors="coerce")]
    fig.add_trace(go.Scattergeo(
        lon=placed["lon"].astype(float).round(5).tolist(), lat=placed["lat"].astype(float).round(5).tolist(),
        mode="markers",
        marker={"size": marker_sizes(placed["population"]), "color": BLEU_FRANCE, "opacity": 0.75,
                "line": {"color": "white", "width": 1}},
        text=[f"{n} ({c}) : {p}" for n, c, p in zip(placed["name"], placed["code_commune"], pop_text)],
        customdata=placed["code_commune"].astype(str).tolist(),
        hovertemplate="%{text}<extra></extra>",
        name=f"Communes membres ({fmt_int(len(members))})",
        showlegend=True, legendrank=50,
    ))
    top = placed.head(LABELLED_COMMUNES)
    # Invisible markers of the same sizes carry the names, so that plotly sets each name off its point.
    fig.add_trace(go.Scattergeo(
        lon=top["lon"].astype(float).round(5).tolist(), lat=top["lat"].astype(float).round(5).tolist(),
        mode="markers+text", text=top["name"].astype(str).tolist(),
        textposition=label_positions(top["lon"], top["lat"], _span(placed)),
        marker={"size": marker_sizes(placed["population"])[: len(top)], "opacity": 0},
        textfont={"size": 12, "color": GREY_DARK, "family": FONT}, hoverinfo="skip", showlegend=False,
        name="noms des communes les plus peuplées",
    ))
    return fig


def _span(points: pd.DataFrame) -> float:
    return max(float(np.ptp(points["lon"].astype(float))), float(np.ptp(points["lat"].astype(float)))) or 1.0


def _widen(fig: go.Figure, share: float = 0.12, aspect: float = 1.3) -> None:
    """More room around the area, so that a name written beside a point near its edge is not cut: at least `share`
    of the width on each side, and a frame at least `aspect` times wider than tall (a tall métropole drawn on a wide
    slide or page keeps the names of its eastern and western communes)."""
    lon, lat = fig.layout.geo.lonaxis.range, fig.layout.geo.lataxis.range
    if lon is None or lat is None:
        return
    (x0, x1), (y0, y1) = (tuple(float(v) for v in lon), tuple(float(v) for v in lat))
    width_needed = aspect * (y1 - y0) / max(math.cos(math.radians((y0 + y1) / 2)), 0.1)
    pad = max((x1 - x0) * share, (width_needed - (x1 - x0)) / 2)
    fig.update_geos(lonaxis={"range": [x0 - pad, x1 + pad]},
                    lataxis={"range": [y0 - (y1 - y0) * 0.04, y1 + (y1 - y0) * 0.04]})


def label_positions(lon: pd.Series, lat: pd.Series, span: float | None = None) -> list[str]:
    """Where each name goes around its point, so that names do not run over each other: the first (the most
    populous) above it; each other away from the nearest point already named — left or right, or above or below
    when that point is close (within 12 % of `span`, the map's extent in degrees: a name to the side would cover it)."""
    x = pd.to_numeric(lon, errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(lat, errors="coerce").to_numpy(dtype=float)
    if span is None:
        span = max(float(np.ptp(x)) if len(x) else 0.0, float(np.ptp(y)) if len(y) else 0.0) or 1.0
    out = []
    for i in range(len(x)):
        if i == 0:
            out.append("top center")
            continue
        near = int(np.argmin(np.hypot(x[:i] - x[i], y[:i] - y[i])))
        dx, dy = x[i] - x[near], y[i] - y[near]
        if math.hypot(dx, dy) < 0.12 * span or abs(dy) > abs(dx):
            out.append("top center" if dy > 0 else "bottom center")
        else:
            out.append("middle right" if dx > 0 else "middle left")
    return out


def commune_codes(fig: go.Figure) -> list[str]:
    """The commune codes drawn as points on a perimeter map (what a test checks the map against)."""
    for trace in fig.data:
        if isinstance(trace, go.Scattergeo) and trace.customdata is not None and str(trace.name).startswith("Communes"):
            return [str(c) for c in np.asarray(trace.customdata).ravel()]
    return []
