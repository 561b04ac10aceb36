"""Charts of the « France à mi-parcours » page: every département's target status on a map (categorical colours) and
the distribution of statuses per action (pure: frames in, plotly figures out)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from levier.analysis.positions import STATUS_AHEAD, STATUS_EXCLUDED, STATUS_LATE, STATUS_NO_DATA, STATUS_ON_TRACK
from levier.charts import maps
from levier.charts.style import BLEU_FRANCE, FONT, GREY, GREY_DARK, GREY_LIGHT, ROUGE_MARIANNE, finish
from levier.core.fmt import fmt_int, fmt_pct
from levier.geo.display import DisplayLayer

# One colour per status, DSFR-sober: the two favourable statuses in bleu France and a light blue, the late one in
# rouge Marianne, the ones that say nothing about performance in greys (« sans donnée » the lightest).
STATUS_COLORS = {
    STATUS_AHEAD: BLEU_FRANCE,
    STATUS_ON_TRACK: "#8585F6",
    STATUS_LATE: ROUGE_MARIANNE,
    STATUS_EXCLUDED: GREY,
    STATUS_NO_DATA: GREY_LIGHT,
}
ORDER = (STATUS_AHEAD, STATUS_ON_TRACK, STATUS_LATE, STATUS_EXCLUDED, STATUS_NO_DATA)
OUTSIDE_COLOR = "#FFFFFF"  # a département the map does not assess (out of the filter, out of the user's rights)
OUTSIDE_BORDER = "#B0B0B0"


def _subset(geojson: dict, codes: Sequence[str]) -> dict:
    wanted = set(codes)
    return {"type": "FeatureCollection", "features": [f for f in geojson["features"] if str(f.get("id")) in wanted]}


def status_map(frame: pd.DataFrame, layer: DisplayLayer, *, title: str, caption: Sequence[str],
               geojson_url: str | None = None, hover: Sequence[tuple[str, str]] = (), height: int = 620,
               highlight: Sequence[str] = ()) -> go.Figure:
    """Every département of `layer` coloured by its `status` (a key of STATUS_COLORS, or any other text, drawn
    white: a département out of the filter or of the user's rights). frame: code, name, status, and the text
    columns named in `hover` ((label, column) pairs). `caption`: the lines under the map (source, rule). `highlight`:
    the territories outlined in dark grey (the sidebar's selection; rouge Marianne already means « en retard »)."""
    # The layer's frame (insets, bounds, offline first trace) from the shared map builder, with no value at all; its
    # single grey class is then replaced by one trace per status.
    base = maps.france_departements_map(
        frame.assign(_none=np.nan), layer, value_col="_none", geojson_url=geojson_url, title=title,
        legend_title="Statut", height=height,
    )
    fig = go.Figure(layout=base.layout)
    for trace in base.data:
        if trace.type != "choropleth":
            fig.add_trace(trace)
    data = frame.set_index("code").reindex(layer.display["code"].astype(str))
    data["name"] = data["name"].where(data["name"].notna(), layer.display.set_index("code")["name"].reindex(data.index))
    data["status"] = data["status"].where(data["status"].notna(), "hors périmètre")
    codes = data.index.to_numpy(dtype=object)
    custom = [data["name"].astype(str).tolist(), data["status"].astype(str).tolist()]
    template = "<b>%{customdata[0]}</b><br>Statut : %{customdata[1]}"
    template = maps.add_text_hover(custom, template, data, hover) + "<extra></extra>"
    customdata = np.array(custom, dtype=object).T
    geojson = None if geojson_url else layer.geojson("display")
    others = [s for s in dict.fromkeys(data["status"]) if s not in STATUS_COLORS]
    for rank, status in enumerate([*ORDER, *others]):
        mask = (data["status"] == status).to_numpy()
        if not mask.any():
            continue
        locs = codes[mask].tolist()
        color = STATUS_COLORS.get(status, OUTSIDE_COLOR)
        fig.add_trace(go.Choropleth(
            geojson=geojson_url if geojson_url else _subset(geojson, locs),  # type: ignore[arg-type]
            locations=locs, z=np.zeros(len(locs)), featureidkey="id",
            colorscale=[[0, color], [1, color]], showscale=False,
            marker={"line": {"color": "#FFFFFF" if status in STATUS_COLORS else OUTSIDE_BORDER, "width": 0.5}},
            customdata=customdata[mask], hovertemplate=template,
            name=f"{status} ({fmt_int(int(mask.sum()))})", showlegend=True, legendrank=100 + rank,
        ))
    wanted = [c for c in map(str, highlight) if c in set(codes)]
    if wanted:
        fig.add_trace(go.Choropleth(
            geojson=geojson_url if geojson_url else _subset(geojson, wanted),  # type: ignore[arg-type]
            locations=wanted, z=np.zeros(len(wanted)), featureidkey="id",
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            marker={"line": {"color": GREY_DARK, "width": 3}}, hoverinfo="skip", showlegend=False, name="sélection",
        ))
    if fig.layout.annotations:
        fig.layout.annotations[0].text = "<br>".join(caption)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 48, "b": 16 + 16 * len(caption)})
    return fig


def action_distribution_figure(dist: pd.DataFrame, *, title: str, caption: str, unit_text: str) -> go.Figure:
    """One horizontal bar per action, its statuses stacked as shares of its (département × indicator) pairs, the
    counts written in the bars and in the hover; each action's label sits above its bar, so the bars keep the whole
    width. dist: action_label, status, n, share (%), one row per (action, status)."""
    fig = go.Figure()
    labels = list(dict.fromkeys(dist["action_label"]))
    for status in ORDER:
        part = dist[dist["status"] == status].set_index("action_label").reindex(labels)
        n = part["n"].fillna(0).astype(int)
        share = part["share"].fillna(0.0)
        fig.add_trace(go.Bar(
            y=labels, x=share, orientation="h", name=status, marker={"color": STATUS_COLORS[status]}, width=0.5,
            text=[fmt_int(v) if v else "" for v in n], textposition="inside", insidetextanchor="middle",
            textfont={"color": "#FFFFFF" if status in (STATUS_AHEAD, STATUS_LATE, STATUS_EXCLUDED) else GREY_DARK,
                      "family": FONT},
            customdata=np.array([[fmt_int(v) for v in n], [fmt_pct(s) for s in share]], dtype=object).T,
            hovertemplate=f"%{{y}}<br>{status} : %{{customdata[0]}} {unit_text} (%{{customdata[1]}})<extra></extra>",
        ))
    for label in labels:
        fig.add_annotation(x=0, xref="paper", y=label, yref="y", yshift=15, xanchor="left", yanchor="bottom",
                           text=label, showarrow=False, font={"size": 12, "color": GREY_DARK, "family": FONT})
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    ticks = [0, 25, 50, 75, 100]
    fig.update_xaxes(range=[0, 100], tickvals=ticks, ticktext=[fmt_pct(t, 0) for t in ticks], title=None)
    fig.update_yaxes(autorange="reversed", showgrid=False, showticklabels=False)
    return finish(fig, title, caption, height=max(200, 58 * len(labels)), bottom_px=30)
