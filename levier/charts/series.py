"""One small line chart per indicator: a territory's series over every published year beside the national and
regional medians, a series break drawn as two unjoined segments, provisional points hollow (pure: frames in, figure out).

Colours (DSFR): the territory in bleu France, the medians in greys, rouge Marianne only for an alert (a value a
quality check rejects: shown, marked, kept out of the medians). Numbers in French (levier.core.fmt; plotly's
`separators` via levier.charts.style.finish), the source and the years under every chart.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from levier.charts.style import (
    BLEU_FRANCE,
    CAPTION_LINE_PX,
    GREY,
    GREY_DARK,
    GREY_MEDIUM,
    ROUGE_MARIANNE,
    axis_format,
    finished_layout,
    source_caption,
    unchecked_figure,
)
from levier.core.fmt import fmt_value, value_decimals

PROVISIONAL_TEXT = "provisoire"
NATIONAL = "national"
REGIONAL = "regional"
# How each median is drawn: the national one dark grey dashed, the regional one mid grey dotted.
MEDIAN_STYLES = {NATIONAL: (GREY_DARK, "dash"), REGIONAL: (GREY, "dot")}
CHART_HEIGHT = 250  # plot area in px: two charts side by side stay readable on a 1280×720 projector
CAPTION_CHARS = 56  # caption characters per line under a half-width chart (≈ 330 px of text at 1280×720)
TITLE_CHARS = 46  # title characters per line, for the same width
LEGEND_PX = 48  # room for the legend above the plot: two rows when the three entries do not fit on one


def _hover_value(value: object, unit: str) -> str:
    return fmt_value(value, unit, value_decimals(value, unit))


def _segments(rows: Sequence[dict]) -> list[str]:
    """Segment codes in time order (the earliest series first)."""
    # A dict, not a groupby: a chart has a few dozen points and pandas' groupby costs more than drawing them. The
    # same order: segments by name, then stably by first year.
    first: dict = {}
    for seg, period in ((r["segment"], r["period"]) for r in rows):
        if pd.isna(seg) or pd.isna(period):
            continue
        first[seg] = period if seg not in first else min(first[seg], period)
    return [str(s) for s in sorted(sorted(first), key=first.__getitem__)]


def _true(value: object) -> bool:
    """A flag as pandas' fillna(False).astype(bool) reads it: missing is False."""
    return False if pd.isna(value) else bool(value)


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """The frame's rows as dictionaries of plain values (a column it lacks reads as missing)."""
    present = [c for c in columns if c in frame.columns]
    cols = [frame[c].tolist() for c in present]
    missing = {c: None for c in columns if c not in frame.columns}
    return [dict(zip(present, values), **missing) for values in zip(*cols)] if present else \
        [dict(missing) for _ in range(len(frame))]


def _number(value: object) -> float:
    """A cell as pandas' to_numeric(errors='coerce') reads it, as a float: anything that is not a number is NaN."""
    if value is None or value is pd.NA:
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _plotted(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """The rows with a number to draw (`value` as a float), in the order of their year."""
    rows = _rows(frame, columns)
    for r in rows:
        r["value"] = _number(r["value"])
    # Within one segment and scope a year comes once: the order of two rows of the same year never shows.
    return sorted((r for r in rows if not math.isnan(r["value"])), key=lambda r: r["period"])


def series_chart(
    own: pd.DataFrame,
    medians: pd.DataFrame,
    *,
    name: str,
    label: str,
    unit: str,
    source: str,
    breaks: Sequence[tuple[int, str]] = (),
    note: str = "",
    title: str | None = None,
) -> go.Figure:
    """The chart of one indicator (or of a series and the series it continues after a break).

    own: period, value (the drawn figure), segment (indicator code of the series the point belongs to), optional
    provisional (bool), alert (bool: rejected by a quality check), shown (the value as published, for the hover),
    excluded (French reason the point is kept out of the medians, '' or None when it is not).
    medians: period, value, segment, scope ('national' | 'regional'), scope_label (« Médiane nationale »…), n.
    breaks: (year, French note) — a dashed vertical line at the year; the segments on either side are separate traces,
    never joined. Traces: per segment, the territory then each median (legend once per kind)."""
    # Plain lists: a chart has a few dozen points, and a pandas step (a filter per segment and scope, even the
    # sorts) cost more than the whole figure.
    own_rows = _plotted(own, ("segment", "period", "value", "provisional", "alert", "shown", "excluded"))
    med_rows = _plotted(medians, ("segment", "scope", "period", "value", "scope_label", "n"))
    traces: list[dict] = []
    shown_legend: set[str] = set()
    years: list[int] = []
    segments = list(dict.fromkeys(_segments(own_rows) + _segments(med_rows)))
    for seg in segments:
        for scope in (REGIONAL, NATIONAL):
            m = [r for r in med_rows if str(r["segment"]) == seg and r["scope"] == scope]
            if not m:
                continue
            scope_label = str(m[0]["scope_label"])
            color, dash = MEDIAN_STYLES[scope]
            traces.append(dict(type="scatter",
                x=[int(r["period"]) for r in m], y=[float(r["value"]) for r in m], mode="lines+markers",
                name=scope_label, legendgroup=scope,
                showlegend=scope not in shown_legend, line={"color": color, "dash": dash, "width": 2},
                marker={"size": 5, "color": color},
                hovertext=[f"{scope_label}<br>{int(r['period'])} : {_hover_value(r['value'], unit)}"
                           + (f"<br>sur {int(r['n'])} départements" if pd.notna(r["n"]) else "")
                           for r in m],
                hovertemplate="%{hovertext}<extra></extra>",
            ))
            shown_legend.add(scope)
            years += [int(r["period"]) for r in m]
        d = [r for r in own_rows if str(r["segment"]) == seg]
        if not d:
            continue
        provisional = [_true(r["provisional"]) for r in d]
        alert = [_true(r["alert"]) for r in d]
        hover = []
        for r, prov in zip(d, provisional):
            shown = r["shown"] if "shown" in own.columns else _hover_value(r["value"], unit)
            why = r["excluded"] if "excluded" in own.columns and not pd.isna(r["excluded"]) else ""
            text = f"<b>{name}</b><br>{int(r['period'])} : {shown}"
            if prov:
                text += f" ({PROVISIONAL_TEXT})"
            if why:
                text += f"<br>non compté dans les médianes : {why}"
            hover.append(text)
        traces.append(dict(type="scatter",
            x=[int(r["period"]) for r in d], y=[float(r["value"]) for r in d], mode="lines+markers", name=name,
            legendgroup="territory",
            showlegend="territory" not in shown_legend, line={"color": BLEU_FRANCE, "width": 3},
            marker={
                "size": [11 if a else 9 for a in alert],
                "symbol": ["x" if a else ("circle-open" if pr else "circle") for a, pr in zip(alert, provisional)],
                "color": [ROUGE_MARIANNE if a else BLEU_FRANCE for a in alert],
                "line": {"width": 2, "color": [ROUGE_MARIANNE if a else BLEU_FRANCE for a in alert]},
            },
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        ))
        shown_legend.add("territory")
        years += [int(r["period"]) for r in d]
    extra = []
    shapes, labels = [], []
    for year, text in breaks:
        # Drawn as layout shapes in one go (add_vline per break costs more than the whole chart).
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": int(year), "x1": int(year), "y0": 0, "y1": 1,
                       "line": {"color": GREY_MEDIUM, "dash": "dash", "width": 1.5}})
        labels.append({"x": int(year), "y": 0.98, "xref": "x", "yref": "paper", "yanchor": "top", "xanchor": "left",
                       "xshift": 3, "text": f"rupture {int(year)}", "showarrow": False,
                       "font": {"size": 11, "color": GREY_MEDIUM}, "name": "rupture"})
        extra.append(text)
    if any(_true(r["provisional"]) for r in own_rows):
        extra.append("Marqueur creux : valeur provisoire.")
    if any(_true(r["alert"]) for r in own_rows):
        extra.append("Croix rouge : valeur rejetée par un contrôle de qualité, montrée mais hors médianes.")
    if note:
        extra.append(note)
    if not own_rows:
        extra.append("Aucune valeur pour ce territoire.")
    caption = source_caption(source, years or None, " ".join(extra))
    # Half-width charts: the caption wrapped at CAPTION_CHARS instead of the full-width default, margin to match.
    # Codes such as STAT-RSA-ALLOCATAIRES stay whole (never cut at a hyphen).
    lines = textwrap.wrap(caption, width=CAPTION_CHARS, break_long_words=False, break_on_hyphens=False) or [""]
    margin_b = 30 + 20 + CAPTION_LINE_PX * len(lines)
    # The title wrapped to the half width, then the legend (up to two rows) between it and the plot: neither is cut
    # nor drawn over the other on a 1280×720 projector.
    title_lines = textwrap.wrap(title or label, width=TITLE_CHARS, break_long_words=False) or [""]
    top = 16 + 20 * len(title_lines) + LEGEND_PX
    # The whole layout in one dict, the figure made once (plotly's update calls cost more than the chart).
    layout = finished_layout("<br>".join(title_lines), lines, CHART_HEIGHT, bottom_px=30)
    layout["title"].update({"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 10}})
    layout["title"]["font"]["size"] = 15
    layout["legend"]["font"] = {"size": 12}
    layout["margin"].update({"t": top, "b": margin_b})
    layout["height"] = CHART_HEIGHT + margin_b + top - 60
    layout["annotations"] = labels + layout["annotations"]
    if shapes:
        layout["shapes"] = shapes
    layout["xaxis"].update({"tickformat": "d",
                            "dtick": max(1, (max(years) - min(years)) // 6) if years else 1})
    layout["yaxis"].update(axis_format(unit))
    return unchecked_figure(traces, layout)
