"""Chart builders of the lever-effect and evaluation pages, pure (DataFrames in, plotly Figure out), with the
project's DSFR colours, French number formats and the source caption under every chart (levier.charts.indicators)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.charts.indicators import distribution_chart
from levier.charts.style import (
    BLEU_FRANCE,
    CAPTION_LINE_PX,
    GREY,
    GREY_DARK,
    GREY_LIGHT,
    GREY_MEDIUM,
    SELECTED_COLOR,
    finish,
    finished_layout,
    source_caption,
    wrap_caption,
)
from levier.core.fmt import NBSP, fmt_number

# Stages from light to dark: prévu → engagé → consommé. The State in bleu France, the département in a teal
# (red is kept for the selected territory everywhere else).
STATE_COLORS = {"planned": "#CACAFB", "committed": "#6A6AF4", "spent": BLEU_FRANCE}
OWN_COLORS = {"planned": "#B8E2D7", "committed": "#3BA58C", "spent": "#00695C"}
STAGE_NAMES = {"planned": "Prévu", "committed": "Engagé", "spent": "Consommé"}
PRE_COLOR = GREY_MEDIUM
POST_COLOR = BLEU_FRANCE
CONTRACT_COLOR = "#18753C"


NARROW_CAPTION = 88  # characters per caption line for a chart in a column beside the limits box


def _narrow(fig: go.Figure, width: int = NARROW_CAPTION, bottom_px: int = 60) -> go.Figure:
    """Re-wraps the source caption of a chart drawn in a narrow column, so no line runs past its edge."""
    for ann in fig.layout.annotations:
        if ann.name == "source":
            text = ann.text.replace("<br>", " ")
            lines = textwrap.wrap(text, width=width, break_long_words=False) or [""]
            old_b = fig.layout.margin.b
            new_b = bottom_px + 20 + CAPTION_LINE_PX * len(lines)
            ann.text = "<br>".join(lines)
            fig.update_layout(margin={"b": new_b}, height=fig.layout.height + new_b - old_b)
    return fig


def _narrow_lines(caption: str, width: int = NARROW_CAPTION) -> list[str]:
    """The source caption's lines for a chart in a narrow column: what `_narrow` makes of a finished figure's caption,
    for a builder that makes its figure in one go."""
    text = "<br>".join(wrap_caption(caption)).replace("<br>", " ")
    return textwrap.wrap(text, width=width, break_long_words=False) or [""]


def _title(title: str, subtitle: str = "") -> str:
    """A title with the indicator on a second, smaller line (long labels do not fit one line of a half page)."""
    if not subtitle:
        return title
    sub = "<br>".join(textwrap.wrap(subtitle, width=80, break_long_words=False))
    return f"{title}<br><span style='font-size:12px;color:{GREY_MEDIUM}'>{sub}</span>"


def _wrap_label(text: str, width: int = 46) -> str:
    return "<br>".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def _euros(x: float) -> str:
    return f"{fmt_number(x, 0)}{NBSP}€"


def execution_chart(table: pd.DataFrame, labels: dict[str, str], axes: dict[str, str], *, title: str, source: str,
                    year: object = None, own_label: str = "Département") -> go.Figure:
    """State and département euros per action, prévu → engagé → consommé as grouped horizontal bars, one panel per
    funder. table: action_totals() (action, etat_planned … departement_spent). `own_label` names the holder of the
    own euros (« Métropole » for a métropole's contract)."""
    own = own_label
    t = table.iloc[::-1].reset_index(drop=True)  # first action at the top
    names = [_wrap_label((f"Axe {axes[a]} · " if axes.get(a) else "") + labels.get(a, a)) for a in t["action"]]
    traces = []
    for col, (group, colors) in enumerate((("etat", STATE_COLORS), ("departement", OWN_COLORS)), start=1):
        # Horizontal grouped bars stack the first trace lowest: spent is added first so prévu reads on top.
        for rank, stage in ((3, "spent"), (2, "committed"), (1, "planned")):
            values = pd.to_numeric(t[f"{group}_{stage}"], errors="coerce")
            traces.append(go.Bar(
                y=names, x=values, orientation="h", name=f"{STAGE_NAMES[stage]} ({'État' if group == 'etat' else own.lower()})",
                marker={"color": colors[stage]}, legendrank=rank + (0 if group == "etat" else 3),
                hovertext=[f"<b>{n}</b><br>{'État' if group == 'etat' else own} – {STAGE_NAMES[stage].lower()} : "
                           f"{_euros(v)}" for n, v in zip(names, values)],
                hovertemplate="%{hovertext}<extra></extra>",
                xaxis="x" if col == 1 else "x2", yaxis="y" if col == 1 else "y2",
            ))
    spent_rate = _rate(table, "spent")
    extra = (f"Taux de consommation de l'ensemble (État + {own.lower()}) : {fmt_number(spent_rate, 1)}{NBSP}% du prévu."
             if not math.isnan(spent_rate) else "")
    height = max(320, 78 * len(t))
    # The whole layout in one dict, the figure made once (make_subplots and plotly's update calls cost more than the
    # chart): two panels side by side sharing the actions' axis, as make_subplots(1, 2, shared_yaxes=True,
    # horizontal_spacing=0.04) lays them out.
    layout = finished_layout(title, wrap_caption(source_caption(source, year, extra)), height)
    grid = layout.pop("xaxis")
    layout.pop("yaxis")
    # Whole euros with French grouping (« 500 000 € »): d3's SI format would print the English « 500k ».
    money = {"ticksuffix": f"{NBSP}€", "tickformat": ",~f", "exponentformat": "none"}
    # One scale for both panels: a longer bar is more money, whichever the funder.
    top = pd.to_numeric(t[[f"{g}_{s}" for g in ("etat", "departement") for s in STAGE_NAMES]].stack(),
                        errors="coerce").max()
    scale = {"range": [0, 1.05 * float(top)]} if top and not math.isnan(top) else {}
    width = (1 - 0.04) / 2
    layout["xaxis"] = {"anchor": "y", "domain": [0.0, width], **money,
                       "title": {"text": "<b>État</b> (€)", "font": {"color": BLEU_FRANCE}}, **scale, **grid}
    layout["xaxis2"] = {"anchor": "y2", "domain": [width + 0.04, 1.0], **money,
                        "title": {"text": f"<b>{own}</b> (€)", "font": {"color": OWN_COLORS["spent"]}}, **scale, **grid}
    layout["yaxis"] = {"anchor": "x", "domain": [0.0, 1.0], "automargin": True, **grid}
    layout["yaxis2"] = {"anchor": "x2", "domain": [0.0, 1.0], "matches": "y", "showticklabels": False,
                        "automargin": True, **grid}
    layout.update(barmode="group", bargap=0.25, bargroupgap=0.05)
    # Two legend rows (State, then département) sit between the title and the bars.
    layout["margin"]["t"] = 110
    layout["legend"].update({"y": 1.01, "yanchor": "bottom", "x": 0, "xanchor": "left"})
    layout["title"].update({"y": 0.995, "yanchor": "top"})
    return go.Figure(data=traces, layout=layout)


def _rate(table: pd.DataFrame, stage: str) -> float:
    planned = pd.to_numeric(table.get("total_planned"), errors="coerce").sum()
    value = pd.to_numeric(table.get(f"total_{stage}"), errors="coerce").sum()
    return 100.0 * value / planned if planned > 0 else math.nan


def reallocation_sankey(flows: pd.DataFrame, labels: dict[str, str], *, title: str, source: str,
                        year: object = None) -> go.Figure:
    """Credits moved between actions: origin actions on the left, destination actions on the right.
    flows: from_action, to_action, amount, moves."""
    origins = list(dict.fromkeys(flows["from_action"]))
    targets = list(dict.fromkeys(flows["to_action"]))
    nodes = [f"{a} – {labels.get(a, a)}" for a in origins] + [f"→ {a} – {labels.get(a, a)}" for a in targets]
    short = [_wrap_label(n, 38) for n in nodes]
    src = [origins.index(a) for a in flows["from_action"]]
    dst = [len(origins) + targets.index(a) for a in flows["to_action"]]
    total = float(flows["amount"].sum())
    sankey = go.Sankey(
        arrangement="snap",
        valueformat=",.0f", valuesuffix=f"{NBSP}€",
        node={"label": short, "pad": 18, "thickness": 16, "line": {"color": "white", "width": 0.5},
              "color": [BLEU_FRANCE] * len(origins) + ["#6A6AF4"] * len(targets),
              "hovertemplate": "%{label}<br>%{value}<extra></extra>"},
        link={"source": src, "target": dst, "value": flows["amount"].astype(float).tolist(),
              "color": "rgba(0,0,145,0.22)",
              "customdata": [f"{int(m)} décision(s)" for m in flows["moves"]],
              "hovertemplate": "%{source.label} → %{target.label}<br>%{value} (%{customdata})<extra></extra>"},
    )
    extra = (f"{len(flows)} flux, {_euros(total)} reventilés au total ; à gauche l'action qui cède des crédits, à "
             "droite celle qui les reçoit.")
    height = max(300, 46 * max(len(origins), len(targets)))
    # The whole layout in one dict, the figure made once (plotly's update calls cost more than the chart).
    layout = finished_layout(title, wrap_caption(source_caption(source, year, extra)), height, legend=False)
    layout["margin"].update({"l": 10, "r": 10})
    return go.Figure(data=[sankey], layout=layout)


def leverage_distribution(values: pd.DataFrame, selected: str | None, peers: Sequence[str] = (), *,
                          stage_label: str, source: str, year: object = None, noun: str = "départements") -> go.Figure:
    """Every département's (or, noun « métropoles », every contracting métropole's) leverage (total € ÷ State €) as
    a strip over a box, the selected one in red, the contract's 2 as a green line."""
    fig = distribution_chart(values, selected, peers, label=f"Effet levier (€ total ÷ € État, {stage_label})",
                             unit="ratio", source=source, year=year, direction="hausse",
                             title=f"Effet levier comparé aux autres {noun} ({stage_label})",
                             noun=noun)
    fig.add_vline(x=2.0, line={"color": CONTRACT_COLOR, "width": 2},
                  annotation={"text": "Contrat : 50 % État (levier 2)", "font": {"color": CONTRACT_COLOR, "size": 11},
                              "bgcolor": "rgba(255,255,255,0.85)"}, annotation_position="bottom right")
    return fig


def per_poor_distribution(values: pd.DataFrame, selected: str | None, peers: Sequence[str] = (), *,
                          stage_label: str, source: str, year: object = None) -> go.Figure:
    return distribution_chart(values, selected, peers, label=f"€ (État + département, {stage_label}) par habitant pauvre",
                              unit="€", source=source, year=year, direction=None,
                              title="€ par habitant pauvre comparés aux autres départements", noun="départements")


# ---------------------------------------------------------------------------------------------------------------
# Evaluation


def event_study_chart(coefs: pd.DataFrame, *, title: str, effect_label: str, source: str, year: object = None,
                      extra: str = "", subtitle: str = "") -> go.Figure:
    """Estimated effect by year relative to contracting with its 95 % interval; years before the contract (pre-trend
    tests) in grey, after in blue, the reference year (−1) as a hollow marker at zero.
    coefs: event_time, estimate, low, high, n_treated, reference (bool)."""
    c = coefs.sort_values("event_time")
    fig = go.Figure()
    fig.add_hline(y=0, line={"color": GREY_DARK, "width": 1})
    fig.add_vline(x=-0.5, line={"color": GREY, "dash": "dash", "width": 1},
                  annotation={"text": "signature du contrat", "font": {"size": 11, "color": GREY_MEDIUM}},
                  annotation_position="top right")
    for kind, color, name in (("pre", PRE_COLOR, "Avant le contrat (test de tendances antérieures)"),
                              ("post", POST_COLOR, "Après le contrat (écart estimé)")):
        part = c[(~c["reference"]) & ((c["event_time"] < 0) if kind == "pre" else (c["event_time"] >= 0))]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["event_time"], y=part["estimate"], mode="markers", name=name,
            marker={"color": color, "size": 11},
            error_y={"type": "data", "symmetric": False, "array": part["high"] - part["estimate"],
                     "arrayminus": part["estimate"] - part["low"], "color": color, "thickness": 2, "width": 6},
            hovertext=[f"Année {int(e):+d} : {fmt_number(v, 2)} [{fmt_number(lo, 2)} ; {fmt_number(hi, 2)}]<br>"
                       f"{int(n)} départements contractants" for e, v, lo, hi, n in
                       zip(part["event_time"], part["estimate"], part["low"], part["high"], part["n_treated"])],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    ref = c[c["reference"]]
    if len(ref):
        fig.add_trace(go.Scatter(
            x=ref["event_time"], y=[0.0] * len(ref), mode="markers", name="Année de référence (−1)",
            marker={"color": "white", "size": 11, "line": {"color": GREY_DARK, "width": 2}},
            hovertemplate="Année de référence : effet fixé à 0<extra></extra>",
        ))
    ticks = sorted(int(e) for e in c["event_time"])
    fig.update_xaxes(title="Années par rapport à la signature (0 = année de signature)", tickmode="array",
                     tickvals=ticks, ticktext=[f"{e:+d}" if e else "0" for e in ticks], zeroline=False)
    fig.update_yaxes(title=effect_label, separatethousands=True, exponentformat="none")
    fig = finish(fig, _title(title, subtitle), source_caption(source, year, extra), height=380)
    fig.update_layout(margin={"t": 110 if subtitle else 70}, legend={"y": 1.02})
    return _narrow(fig)


def cohort_counts_chart(counts: pd.DataFrame, *, title: str, source: str, year: object = None) -> go.Figure:
    """Per calendar year, départements already contracted (treated) and not yet contracted (controls) with a value.
    counts: year, treated, not_yet_treated."""
    traces = [
        go.Bar(x=counts["year"], y=counts["treated"], name="Contrat signé (traités)",
               marker={"color": BLEU_FRANCE}, text=counts["treated"], textposition="outside", cliponaxis=False,
               hovertemplate="%{x} : %{y} départements sous contrat<extra></extra>"),
        go.Bar(x=counts["year"], y=counts["not_yet_treated"], name="Pas encore de contrat (témoins)",
               marker={"color": GREY_LIGHT, "line": {"color": GREY, "width": 1}},
               text=counts["not_yet_treated"], textposition="outside", cliponaxis=False,
               hovertemplate="%{x} : %{y} départements pas encore sous contrat<extra></extra>"),
    ]
    top = float(max(counts["treated"].max(), counts["not_yet_treated"].max())) if len(counts) else 1.0
    # The whole layout in one dict, the figure made once (plotly's update calls cost more than the chart).
    layout = finished_layout(title, _narrow_lines(source_caption(source, year)), 280)
    layout["barmode"] = "group"
    layout["xaxis"].update({"tickmode": "array", "tickvals": list(counts["year"]), "title": "Année"})
    layout["yaxis"].update({"title": "Départements avec une valeur", "range": [0, 1.18 * top]})
    return go.Figure(data=traces, layout=layout)


def dose_response_chart(points: pd.DataFrame, fit: pd.DataFrame, selected: str | None, *, title: str, x_label: str,
                        y_label: str, source: str, year: object = None, extra: str = "",
                        subtitle: str = "") -> go.Figure:
    """Change in the result indicator against State € per poor inhabitant, the fitted line and its 95 % band.
    points: code, name, dose, change; fit: dose, fitted, low, high."""
    traces = []
    if len(fit):
        f = fit.sort_values("dose")
        traces.append(go.Scatter(x=np.concatenate([f["dose"], f["dose"][::-1]]),
                                 y=np.concatenate([f["high"], f["low"][::-1]]), fill="toself",
                                 fillcolor="rgba(0,0,145,0.12)", line={"width": 0}, name="Intervalle à 95 %",
                                 hoverinfo="skip"))
        traces.append(go.Scatter(x=f["dose"], y=f["fitted"], mode="lines", name="Droite ajustée",
                                 line={"color": BLEU_FRANCE, "width": 2}, hoverinfo="skip"))
    others = points[points["code"] != selected]
    traces.append(go.Scatter(
        x=others["dose"], y=others["change"], mode="markers", name="Départements",
        marker={"color": GREY, "size": 8, "opacity": 0.75},
        hovertext=[f"<b>{n} ({c})</b><br>{fmt_number(d, 1)} € par habitant pauvre<br>évolution : {fmt_number(v, 2)}"
                   for n, c, d, v in zip(others["name"], others["code"], others["dose"], others["change"])],
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    sel = points[points["code"] == selected]
    if len(sel):
        traces.append(go.Scatter(
            x=sel["dose"], y=sel["change"], mode="markers+text", name=str(sel["name"].iloc[0]), text=sel["name"],
            textposition="top center", textfont={"color": SELECTED_COLOR},
            marker={"color": SELECTED_COLOR, "size": 14, "line": {"color": "white", "width": 2}},
            hovertemplate=f"<b>{sel['name'].iloc[0]}</b><br>%{{x:,.1f}} €<br>%{{y:,.2f}}<extra></extra>",
        ))
    # The whole layout in one dict, the figure made once (plotly's update calls cost more than the chart); the grid
    # settings last, as finish() sets them over the axes' own (no zero line).
    layout = finished_layout(_title(title, subtitle), _narrow_lines(source_caption(source, year, extra)), 420)
    layout["xaxis"] = {"title": x_label, "ticksuffix": f"{NBSP}€", "separatethousands": True, **layout["xaxis"]}
    layout["yaxis"] = {"title": y_label, "zeroline": True, "zerolinecolor": GREY_LIGHT, **layout["yaxis"]}
    layout["margin"]["t"] = 130 if subtitle else 90
    layout["legend"]["y"] = 1.02
    return go.Figure(data=traces, layout=layout)


# ---------------------------------------------------------------------------------------------------------------
# The départements' own money (DREES)


def _gapped(frame: pd.DataFrame, column: str, break_year: int | None) -> tuple[list, list]:
    """x, y of one line, cut (a None point) across a year without value and between the last year before
    `break_year` and `break_year`."""
    f = frame.dropna(subset=[column]).sort_values("year")
    xs, ys, last = [], [], None
    for year, value in zip(f["year"], f[column]):
        crosses = break_year is not None and last is not None and last < break_year <= int(year)
        if last is not None and (crosses or int(year) - last > 1):
            xs.append(None)
            ys.append(None)
        last = int(year)
        xs.append(int(year))
        ys.append(float(value))
    return xs, ys


def own_spending_chart(series: pd.DataFrame, medians: pd.DataFrame, *, name: str, title: str, subtitle: str,
                       source: str, year: object = None, break_year: int | None = None,
                       contract_start: int | None = None, contract_label: str = "") -> go.Figure:
    """The territory's own spending per inhabitant over the published years (series: year, per_inhabitant) against
    the départements' median (medians: year, median); the lines are cut at `break_year` (the population used as
    denominator changes there) and the contract's first year is marked when it falls in the range."""
    traces = []
    mx, my = _gapped(medians, "median", break_year)
    traces.append(go.Scatter(
        x=mx, y=my, mode="lines+markers", name="Médiane des départements", connectgaps=False,
        line={"color": GREY, "width": 2}, marker={"size": 5, "color": GREY},
        hovertemplate="Médiane des départements<br>%{x} : %{y:,.1f} €<extra></extra>"))
    sx, sy = _gapped(series, "per_inhabitant", break_year)
    traces.append(go.Scatter(
        x=sx, y=sy, mode="lines+markers", name=name, connectgaps=False,
        line={"color": SELECTED_COLOR, "width": 3}, marker={"size": 7, "color": SELECTED_COLOR},
        hovertemplate=f"<b>{name}</b><br>%{{x}} : %{{y:,.1f}} €<extra></extra>"))
    years = [x for x in sx + mx if x is not None]
    # Vertical marks as plain shapes and annotations (add_vline costs ~30 ms each on this page's budget).
    marks = []
    if break_year is not None and years and min(years) < break_year <= max(years):
        marks.append((break_year - 0.5, GREY_MEDIUM, "dot", "autre population de référence", 1.0, "right"))
    if contract_start is not None and years and min(years) <= contract_start <= max(years):
        marks.append((contract_start, CONTRACT_COLOR, "dash", contract_label or f"début du contrat ({contract_start})",
                      0.0, "right"))
    # The whole layout in one dict, the figure made once (plotly's update calls cost more than the chart).
    layout = finished_layout(_title(title, subtitle), wrap_caption(source_caption(source, year)), 300)
    layout["shapes"] = [{"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                         "line": {"color": c, "dash": d, "width": 1}} for x, c, d, _, _, _ in marks]
    layout["annotations"] = [{"x": x, "y": y, "xref": "x", "yref": "paper", "text": t, "showarrow": False,
                              "xanchor": a, "yanchor": "bottom" if y == 0 else "top", "font": {"size": 10, "color": c}}
                             for x, c, _, t, y, a in marks] + layout["annotations"]
    layout["xaxis"].update({"title": "Année", "tickmode": "linear", "dtick": 2 if len(set(years)) > 12 else 1,
                            "tickformat": "d"})
    layout["yaxis"].update({"title": "€ par habitant", "separatethousands": True, "exponentformat": "none",
                            "ticksuffix": f"{NBSP}€", "rangemode": "tozero"})
    layout["margin"]["t"] = 100 if subtitle else 70
    layout["legend"]["y"] = 1.02
    return go.Figure(data=traces, layout=layout)
