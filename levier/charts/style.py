"""The look every Levier chart and map shares: DSFR colours, the Marianne font, French separators, axis formats,
and the source caption under the plot (pure: a figure in, the same figure styled out)."""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go

from levier.core.fmt import COUNT_UNITS, SEPARATORS, fmt_years, unit_suffix

# DSFR colours (système de design de l'État).
BLEU_FRANCE = "#000091"
ROUGE_MARIANNE = "#E1000F"
GREY_LIGHT = "#CECECE"
GREY = "#929292"
GREY_MEDIUM = "#666666"
GREY_DARK = "#3A3A3A"
GRID_COLOR = "#EEEEEE"
# The colour code, the same in every chart: the selected territory in rouge Marianne, its peers in bleu France,
# every other territory in grey; medians and reference lines in dark greys; the target trajectory in bleu France.
SELECTED_COLOR = ROUGE_MARIANNE
PEER_COLOR = BLEU_FRANCE
OTHER_COLOR = GREY
MEDIAN_COLOR = GREY_DARK
TARGET_COLOR = BLEU_FRANCE
FONT = "Marianne, Arial, sans-serif"


def rgb(color: str) -> tuple[int, int, int]:
    """'#000091' -> (0, 0, 145): the same DSFR colours in the PDF and PPTX writers."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


CAPTION_WIDTH = 118  # characters per caption line before wrapping: fits the plot width at 1280×720
CAPTION_LINE_PX = 16  # height of one caption line under a chart


def png_config(filename: str) -> dict:
    """Config for st.plotly_chart: the modebar's camera button downloads a PNG named after the chart."""
    return {
        "displaylogo": False,
        "modeBarButtonsToRemove": ["select2d", "lasso2d"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def source_caption(source: str, year: object = None, extra: str = "") -> str:
    """'Source : INSEE, Filosofi, 2020.' plus an optional second sentence (missing territories…)."""
    src = (source or "").strip().rstrip(".")
    years = fmt_years(year)
    text = "Source : " + (src or "non précisée")
    if years:
        text += f", {years}"
    text += "."
    if extra:
        text += " " + extra.strip()
    return text


def wrap_caption(text: str, width: int = CAPTION_WIDTH) -> list[str]:
    """A caption cut into lines of at most `width` characters, words kept whole."""
    return textwrap.wrap(text, width=width, break_long_words=False) or [""]


def axis_format(unit: str) -> dict:
    """Tick format for a value axis: thousands separated, ' %' or ' €' after the number, whole counts."""
    unit = unit or ""
    out: dict = {"separatethousands": True, "exponentformat": "none"}
    if unit_suffix(unit):
        out["ticksuffix"] = unit_suffix(unit)
    if unit == "€":
        out["tickformat"] = ",.0f"
    elif unit in COUNT_UNITS:
        out["tickformat"] = ",~f"
    return out


def label_with_unit(label: str, unit: str) -> str:
    """An axis title with its unit: 'Taux de pauvreté (%)'; counts and ratios carry none."""
    # A rate's label already says its unit (« … (pour 1 000 habitants, …) »): never twice.
    if unit and unit not in {"nombre", "ratio"} and f"({unit}" not in label:
        return f"{label} ({unit})"
    return label


def finished_layout(title: str, caption_lines: list[str], height: int, bottom_px: int = 60,
                    legend: bool = True) -> dict:
    """What `finish` sets, as one layout dict (the source caption as the last annotation, the grid on `xaxis` and
    `yaxis`): a builder that makes its figure in one go passes it to go.Figure, where finish's update calls cost
    plotly ten times more than the figure itself."""
    margin_b = bottom_px + 20 + CAPTION_LINE_PX * len(caption_lines)
    axis = {"showgrid": True, "gridcolor": GRID_COLOR, "zeroline": False, "linecolor": GREY_LIGHT}
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16, "color": GREY_DARK}},
        "font": {"family": FONT, "color": GREY_DARK, "size": 12},
        "separators": SEPARATORS,
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "height": height + margin_b,
        "margin": {"l": 10, "r": 20, "t": 60, "b": margin_b},
        "showlegend": legend,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        "hoverlabel": {"font": {"family": FONT}},
        "annotations": [{
            "text": "<br>".join(caption_lines), "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left",
            "yanchor": "top", "yshift": -bottom_px, "showarrow": False, "align": "left",
            "font": {"size": 11, "color": GREY_MEDIUM}, "name": "source",
        }],
        "xaxis": dict(axis),
        "yaxis": dict(axis),
    }


def unchecked_figure(data: list[dict], layout: dict) -> go.Figure:
    """The figure made from plain trace and layout dicts without plotly's validation, which costs ten times the
    chart on every page view. The builders that use it are validated once instead, by a test that makes their charts
    again with validation (tests/unit/charts/test_unchecked_figures.py)."""
    return go.Figure(data=data, layout=layout, _validate=False)


def finish(fig: go.Figure, title: str, caption: str, height: int, bottom_px: int = 60, legend: bool = True) -> go.Figure:
    """Title, fonts, separators, and the source caption as an annotation under the plot (so PNG exports keep it)."""
    lines = wrap_caption(caption)
    margin_b = bottom_px + 20 + CAPTION_LINE_PX * len(lines)
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16, "color": GREY_DARK}},
        font={"family": FONT, "color": GREY_DARK, "size": 12},
        separators=SEPARATORS,
        plot_bgcolor="white",
        paper_bgcolor="white",
        height=height + margin_b,
        margin={"l": 10, "r": 20, "t": 60, "b": margin_b},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top", yshift=-bottom_px,
        showarrow=False, align="left", font={"size": 11, "color": GREY_MEDIUM},
        name="source",
    )
    fig.update_xaxes(showgrid=True, gridcolor=GRID_COLOR, zeroline=False, linecolor=GREY_LIGHT)
    fig.update_yaxes(showgrid=True, gridcolor=GRID_COLOR, zeroline=False, linecolor=GREY_LIGHT)
    return fig
