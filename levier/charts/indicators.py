"""Chart builders, pure (DataFrames in, plotly Figure out): distribution, series with target, ranking, scatter,
small multiples. DSFR colours, French number formats, and the source and year under every chart.

Colour code, the same in every chart: the selected territory in rouge Marianne, its peers in bleu France, every
other territory in grey; medians and reference lines in dark greys; the target trajectory dashed in bleu France.
Pages pass `png_config(name)` to st.plotly_chart so each chart can be downloaded as PNG from the modebar. Colours,
fonts, axis formats and the caption come from levier.charts.style.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from levier.analysis.positions import MISSING_LABELS, direction_of, rank_values
from levier.charts.style import (
    BLEU_FRANCE,
    GREY,
    GREY_DARK,
    GREY_MEDIUM,
    MEDIAN_COLOR,
    OTHER_COLOR,
    PEER_COLOR,
    SELECTED_COLOR,
    TARGET_COLOR,
    axis_format,
    finish,
    finished_layout,
    label_with_unit,
    source_caption,
    unchecked_figure,
    wrap_caption,
)
from levier.core.fmt import fmt_value, value_decimals


def fmt_hover(value: object, unit: str) -> str:
    """A value in a hover label, as the tables show it: '12,3 %', '1 234 €', '0,258'."""
    return fmt_value(value, unit, value_decimals(value, unit))


HOVER_YEARS = 4  # the last years of a territory's series its hover label shows


def series_hover(history: pd.DataFrame | None, unit: str, years: int = HOVER_YEARS) -> dict[str, str]:
    """Each territory's last years as one hover line, « 2019 : 14,1 % · 2020 : 14,3 % · 2021 : 14,5 % », so a value
    is never read alone. history: code, period, value (the figure the chart draws, a count's rate)."""
    if history is None or history.empty:
        return {}
    h = history[pd.to_numeric(history["value"], errors="coerce").notna()].sort_values("period")
    # Plain Python over the whole columns: a pandas group per territory cost more than the ranking chart itself.
    points: dict[str, list[tuple[object, object]]] = {}
    for code, period, value in zip(h["code"].astype(str).tolist(), h["period"].tolist(), h["value"].tolist()):
        points.setdefault(code, []).append((period, value))
    last = {code: pts[-years:] if years else [] for code, pts in points.items()}  # as pandas tail(years)
    return {code: " · ".join(f"{int(p)} : {fmt_hover(v, unit)}" for p, v in pts)
            for code, pts in last.items() if len(pts) > 1}


def _clean(values: pd.DataFrame) -> pd.DataFrame:
    frame = values.copy()
    frame["code"] = frame["code"].astype("str")
    if "name" not in frame.columns:
        frame["name"] = frame["code"]
    frame["name"] = frame["name"].fillna(frame["code"]).astype("str")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    return frame


def _count(n: int, noun: str) -> str:
    """'1 département', '98 départements' (noun given in the plural; 'EPCI' is invariable)."""
    if n == 1 and noun.endswith("s"):
        noun = noun[:-1]
    return f"{n} {noun}"


def _display_name(name: str, code: str) -> str:
    return f"{name} ({code})"


def missing_sentence(frame: pd.DataFrame, noun: str = "territoires") -> str:
    """'Sans donnée (3 territoires) : Guadeloupe (971), Guyane (973), Mayotte (976).' — '' when none missing."""
    missing = frame[frame["value"].isna()]
    if missing.empty:
        return ""
    names = [_display_name(n, c) for n, c in zip(missing["name"], missing["code"])]
    reasons = ""
    if "missing_reason" in missing.columns:
        labels = sorted({MISSING_LABELS.get(r, r) for r in missing["missing_reason"].dropna() if r})
        if labels:
            reasons = " – " + ", ".join(labels)
    return f"Sans donnée ({_count(len(names), noun)}{reasons}) : " + ", ".join(names) + "."


def _jitter(n: int, spread: float = 0.28) -> np.ndarray:
    """Deterministic vertical offsets (golden-ratio sequence): the same data always draws the same strip."""
    return ((np.arange(n) * 0.6180339887) % 1.0 - 0.5) * 2 * spread


def _rank_text(ranks: pd.Series, n: int, direction: object) -> list[str]:
    if direction_of(direction) is None:
        return [f"rang {int(r)} / {n} (valeurs décroissantes)" if not pd.isna(r) else "" for r in ranks]
    return [f"rang {int(r)} / {n}" if not pd.isna(r) else "" for r in ranks]


# ---------------------------------------------------------------------------------------------------------------
# Distribution (strip + box)


def distribution_chart(
    values: pd.DataFrame,
    selected: str | None,
    peers: Sequence[str] = (),
    *,
    label: str,
    unit: str = "",
    source: str,
    year: object = None,
    direction: object = None,
    title: str | None = None,
    noun: str = "départements",
) -> go.Figure:
    """Every territory's value as a point on a horizontal strip over a box plot, the selected territory in red and
    its peers in blue, the median as a dashed line. values: code, name, value[, missing_reason].

    Traces: box, other territories, peers (only when a peer has a value), selected (only when it has a value)."""
    frame = _clean(values)
    have = frame[frame["value"].notna()].reset_index(drop=True)
    n = len(have)
    have["rank"] = rank_values(have["value"], direction)
    have["y"] = _jitter(n)
    have["hover"] = [
        f"<b>{_display_name(nm, c)}</b><br>{fmt_hover(v, unit)}<br>{rt}"
        for nm, c, v, rt in zip(have["name"], have["code"], have["value"], _rank_text(have["rank"], n, direction))
    ]
    peer_set = {p for p in peers if p != selected}
    is_sel = have["code"] == selected
    is_peer = have["code"].isin(peer_set) & ~is_sel
    others = have[~is_sel & ~is_peer]

    # Traces and layout as plain dicts, the figure made once (style.unchecked_figure): the chart is on every T0 view.
    traces: list[dict] = [
        dict(type="box", x=have["value"].to_numpy(), y0=0, orientation="h", name="Distribution", boxpoints=False,
             hoverinfo="skip", fillcolor="rgba(206,206,206,0.35)", line={"color": GREY, "width": 1}, showlegend=False,
             width=0.8),
        dict(type="scatter", x=others["value"].to_numpy(), y=others["y"].to_numpy(), mode="markers",
             name=f"Autres {noun}", marker={"color": OTHER_COLOR, "size": 7, "opacity": 0.7},
             hovertext=others["hover"].tolist(), hovertemplate="%{hovertext}<extra></extra>"),
    ]
    peer_rows = have[is_peer]
    if len(peer_rows):
        traces.append(dict(
            type="scatter", x=peer_rows["value"].to_numpy(), y=peer_rows["y"].to_numpy(), mode="markers", name="Pairs",
            marker={"color": PEER_COLOR, "size": 10, "symbol": "diamond", "line": {"color": "white", "width": 1}},
            hovertext=peer_rows["hover"].tolist(), hovertemplate="%{hovertext}<extra></extra>",
        ))
    sel = have[is_sel]
    if len(sel):
        traces.append(dict(
            type="scatter", x=sel["value"].to_numpy(), y=sel["y"].to_numpy(), mode="markers+text",
            name=str(sel["name"].iloc[0]), text=sel["name"].tolist(), textposition="top center",
            textfont={"color": SELECTED_COLOR},
            marker={"color": SELECTED_COLOR, "size": 14, "line": {"color": "white", "width": 2}},
            hovertext=sel["hover"].tolist(), hovertemplate="%{hovertext}<extra></extra>",
        ))
    median_text = ""
    shapes = []
    if n:
        median = float(have["value"].median())
        # What add_vline draws: a line across the plot's height at the median.
        shapes.append({"type": "line", "x0": median, "x1": median, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                       "line": {"color": MEDIAN_COLOR, "dash": "dash", "width": 1}})
        median_text = f"Trait pointillé : médiane ({fmt_hover(median, unit)}). "
    gender = "e" if noun.startswith(("métropole", "collectivité")) else ""  # « 22 métropoles représentées »
    extra = f"{_count(n, noun)} représenté{gender}{'' if n == 1 else 's'}. {median_text}" + missing_sentence(frame, noun)
    layout = finished_layout(title or label, wrap_caption(source_caption(source, year, extra)), 300)
    layout["xaxis"].update({"title": {"text": label_with_unit(label, unit)}, **axis_format(unit)})
    layout["yaxis"].update({"visible": False, "range": [-0.6, 0.6]})
    if shapes:
        layout["shapes"] = shapes
    return unchecked_figure(traces, layout)


# ---------------------------------------------------------------------------------------------------------------
# Time series with target


def series_chart(
    series: pd.DataFrame,
    *,
    name: str,
    label: str,
    unit: str = "",
    source: str,
    year: object = None,
    references: Mapping[str, pd.DataFrame] | None = None,
    trajectory: pd.DataFrame | None = None,
    target: tuple[int, float] | None = None,
    milestones: Sequence[tuple[int, float]] = (),
    title: str | None = None,
) -> go.Figure:
    """The territory's value over every available year (series: period, value), reference lines (e.g.
    {'Médiane nationale': frame, 'Médiane des pairs': frame}, each period, value), and, when given, the dashed
    trajectory from T0 to the target (trajectory: period, expected — metrics.trajectory()) with the target and the
    milestones as markers.

    Traces: the territory, one per reference, then trajectory, target, milestones when given."""
    s = series.copy()
    s["value"] = pd.to_numeric(s["value"], errors="coerce").astype("float64")
    s = s.dropna(subset=["value"]).sort_values("period")
    fig = go.Figure()
    ref_styles = [(GREY, "solid"), (GREY_MEDIUM, "dot"), (GREY_DARK, "dashdot")]
    years: list[int] = [int(p) for p in s["period"]]
    for i, (ref_name, ref) in enumerate((references or {}).items()):
        r = ref.copy()
        r["value"] = pd.to_numeric(r["value"], errors="coerce").astype("float64")
        r = r.dropna(subset=["value"]).sort_values("period")
        color, dash = ref_styles[i % len(ref_styles)]
        fig.add_trace(
            go.Scatter(
                x=r["period"], y=r["value"], mode="lines+markers", name=ref_name,
                line={"color": color, "dash": dash, "width": 2}, marker={"size": 5, "color": color},
                hovertext=[f"{ref_name}<br>{int(p)} : {fmt_hover(v, unit)}" for p, v in zip(r["period"], r["value"])],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
        years += [int(p) for p in r["period"]]
    if trajectory is not None and len(trajectory):
        t = trajectory.sort_values("period")
        fig.add_trace(
            go.Scatter(
                x=t["period"], y=t["expected"], mode="lines", name="Trajectoire vers la cible",
                line={"color": TARGET_COLOR, "dash": "dash", "width": 2},
                hovertext=[f"Trajectoire<br>{int(p)} : {fmt_hover(v, unit)} attendu" for p, v in zip(t["period"], t["expected"])],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
        if target is None and len(t):
            target = (int(t["period"].iloc[-1]), float(t["expected"].iloc[-1]))
        if not milestones and "kind" in t.columns:
            milestones = [(int(p), float(v)) for p, v, k in zip(t["period"], t["expected"], t["kind"]) if k == "jalon"]
    if target is not None:
        fig.add_trace(
            go.Scatter(
                x=[target[0]], y=[target[1]], mode="markers", name=f"Cible {target[0]}",
                marker={"color": TARGET_COLOR, "size": 14, "symbol": "star"},
                hovertext=[f"Cible {target[0]} : {fmt_hover(target[1], unit)}"], hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    if milestones:
        fig.add_trace(
            go.Scatter(
                x=[p for p, _ in milestones], y=[v for _, v in milestones], mode="markers", name="Cibles intermédiaires",
                marker={"color": TARGET_COLOR, "size": 10, "symbol": "diamond-open", "line": {"width": 2}},
                hovertext=[f"Cible intermédiaire {p} : {fmt_hover(v, unit)}" for p, v in milestones],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    # The territory last, so its line is drawn on top.
    fig.add_trace(
        go.Scatter(
            x=s["period"], y=s["value"], mode="lines+markers", name=name,
            line={"color": SELECTED_COLOR, "width": 3}, marker={"size": 8, "color": SELECTED_COLOR},
            hovertext=[f"<b>{name}</b><br>{int(p)} : {fmt_hover(v, unit)}" for p, v in zip(s["period"], s["value"])],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    fig.update_xaxes(title="Année", tickmode="linear", dtick=1, tickformat="d")
    # The label is the chart's title: the axis says the unit only, so it is never cut (a 120-character label ran
    # off the plot's height) and leaves its tick values room.
    fig.update_yaxes(title=unit_axis_title(unit), automargin=True, **axis_format(unit))
    caption = source_caption(source, year if year is not None else (years or None))
    if s.empty:
        caption += " Aucune valeur connue pour ce territoire."
    fig = finish(fig, title or label, caption, height=380)
    return title_above_legend(fig, title or label)


SERIES_TITLE_CHARS = 88  # title characters per line: the chart's column at 1280×720 with the menu open (≈ 820 px)
LEGEND_ROW_PX = 760  # px of legend entries on one row at that width
TITLE_LINE_PX = 21


def unit_axis_title(unit: str) -> str:
    """A value axis titled by its unit alone: 'En %', 'En €', 'Nombre', 'En jours'."""
    unit = (unit or "").strip()
    if not unit or unit == "ratio":
        return ""
    if unit == "nombre":
        return "Nombre"
    return f"En {unit}"


def title_above_legend(fig: go.Figure, title: str, chars: int = SERIES_TITLE_CHARS) -> go.Figure:
    """The title wrapped and pinned to the top, the horizontal legend below it and above the plot, the top margin
    grown to hold both: a long title or a legend of two rows no longer runs over the other."""
    lines = textwrap.wrap(title, width=chars, break_long_words=False) or [""]
    entries = [t.name for t in fig.data if t.showlegend is not False and t.name]
    widths = [40 + 7 * len(str(n)) for n in entries]
    rows, used = (1 if widths else 0), 0
    for w in widths:
        if used and used + w > LEGEND_ROW_PX:
            rows, used = rows + 1, 0
        used += w
    top = 14 + TITLE_LINE_PX * len(lines) + 24 * rows + 6
    old_top = fig.layout.margin.t or 0
    height = (fig.layout.height or 0) + top - old_top
    # 12 px below the top edge, as a position (Streamlit's chart theme drops the title's pad).
    fig.update_layout(
        title={"text": "<br>".join(lines), "yref": "container", "y": 1 - 12 / height if height else 1,
               "yanchor": "top"},
        margin={"t": top}, height=height,
    )
    return fig


# ---------------------------------------------------------------------------------------------------------------
# Ranking


def ranking_chart(
    values: pd.DataFrame,
    selected: str | None,
    peers: Sequence[str] = (),
    *,
    label: str,
    unit: str = "",
    direction: object = None,
    source: str,
    year: object = None,
    title: str | None = None,
    noun: str = "départements",
    history: pd.DataFrame | None = None,
) -> go.Figure:
    """Horizontal bars of every territory with a value, best first (metrics.rank_values: rank 1 at the top),
    the selected one in red, its peers in blue, the median as a dashed line; territories without a value are
    listed in the caption. values: code, name, value[, missing_reason]; history (code, period, value): the
    territories' series, whose last years each hover label shows.

    Traces: other territories, peers (when a peer has a value), selected (when it has a value)."""
    frame = _clean(values)
    have = frame[frame["value"].notna()].copy()
    n = len(have)
    have["rank"] = rank_values(have["value"], direction)
    have = have.sort_values(["rank", "code"], kind="stable").reset_index(drop=True)
    # The selected territory's tick label in bold red, so it is found without the colour legend (e.g. in print).
    have["label"] = [
        f'<b><span style="color:{SELECTED_COLOR}">{int(r)}. {nm}</span></b>' if c == selected else f"{int(r)}. {nm}"
        for r, nm, c in zip(have["rank"], have["name"], have["code"])
    ]
    trends = series_hover(history, unit)
    have["hover"] = [
        f"<b>{_display_name(nm, c)}</b><br>{fmt_hover(v, unit)}<br>{rt}"
        + (f"<br>Série : {trends[c]}" if c in trends else "")
        for nm, c, v, rt in zip(have["name"], have["code"], have["value"], _rank_text(have["rank"], n, direction))
    ]
    peer_set = {p for p in peers if p != selected}
    is_sel = have["code"] == selected
    is_peer = have["code"].isin(peer_set) & ~is_sel
    fig = go.Figure()
    groups = [(f"Autres {noun}", have[~is_sel & ~is_peer], OTHER_COLOR), ("Pairs", have[is_peer], PEER_COLOR)]
    if is_sel.any():
        groups.append((str(have.loc[is_sel, "name"].iloc[0]), have[is_sel], SELECTED_COLOR))
    for trace_name, rows, color in groups:
        if trace_name == "Pairs" and rows.empty:
            continue
        fig.add_trace(
            go.Bar(
                x=rows["value"], y=rows["label"], orientation="h", name=trace_name,
                marker={"color": color}, hovertext=rows["hover"], hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    median_text = ""
    if n:
        median = float(have["value"].median())
        fig.add_vline(x=median, line={"color": MEDIAN_COLOR, "dash": "dash", "width": 1})
        median_text = f"Trait pointillé : médiane ({fmt_hover(median, unit)}). "
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_yaxes(
        categoryorder="array", categoryarray=list(have["label"]), autorange="reversed", tickfont={"size": 10},
        showgrid=False,
    )
    fig.update_xaxes(title=label_with_unit(label, unit), **axis_format(unit))
    rule = {
        "baisse": "Classement du plus bas (le plus favorable) au plus élevé.",
        "hausse": "Classement du plus élevé (le plus favorable) au plus bas.",
    }.get(direction_of(direction) or "", "Classement par valeur décroissante (sans sens favorable défini).")
    extra = f"{_count(n, noun)} classé{'' if n == 1 else 's'}. {rule} {median_text}" + missing_sentence(frame, noun)
    return finish(fig, title or label, source_caption(source, year, extra), height=max(300, 16 * n + 40))


# ---------------------------------------------------------------------------------------------------------------
# Scatter of two indicators


def scatter_chart(
    frame: pd.DataFrame,
    selected: str | None,
    peers: Sequence[str] = (),
    *,
    x_label: str,
    y_label: str,
    x_unit: str = "",
    y_unit: str = "",
    source: str,
    year: object = None,
    title: str | None = None,
    noun: str = "départements",
) -> go.Figure:
    """Two indicators against each other (frame: code, name, x, y), the selected territory in red, its peers in
    blue, dashed medians on both axes. Traces: others, peers (when any has both values), selected (when it has)."""
    f = frame.copy()
    f["code"] = f["code"].astype("str")
    if "name" not in f.columns:
        f["name"] = f["code"]
    f["x"] = pd.to_numeric(f["x"], errors="coerce").astype("float64")
    f["y"] = pd.to_numeric(f["y"], errors="coerce").astype("float64")
    both = f[f["x"].notna() & f["y"].notna()].copy()
    both["hover"] = [
        f"<b>{_display_name(nm, c)}</b><br>{x_label} : {fmt_hover(x, x_unit)}<br>{y_label} : {fmt_hover(y, y_unit)}"
        for nm, c, x, y in zip(both["name"], both["code"], both["x"], both["y"])
    ]
    peer_set = {p for p in peers if p != selected}
    is_sel = both["code"] == selected
    is_peer = both["code"].isin(peer_set) & ~is_sel
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=both.loc[~is_sel & ~is_peer, "x"], y=both.loc[~is_sel & ~is_peer, "y"], mode="markers",
            name=f"Autres {noun}", marker={"color": OTHER_COLOR, "size": 8, "opacity": 0.7},
            hovertext=both.loc[~is_sel & ~is_peer, "hover"], hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    if is_peer.any():
        p = both[is_peer]
        fig.add_trace(
            go.Scatter(
                x=p["x"], y=p["y"], mode="markers", name="Pairs",
                marker={"color": PEER_COLOR, "size": 11, "symbol": "diamond", "line": {"color": "white", "width": 1}},
                hovertext=p["hover"], hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    if is_sel.any():
        s = both[is_sel]
        fig.add_trace(
            go.Scatter(
                x=s["x"], y=s["y"], mode="markers+text", name=str(s["name"].iloc[0]), text=s["name"],
                textposition="top center", textfont={"color": SELECTED_COLOR},
                marker={"color": SELECTED_COLOR, "size": 15, "line": {"color": "white", "width": 2}},
                hovertext=s["hover"], hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    if len(both):
        fig.add_vline(x=float(both["x"].median()), line={"color": MEDIAN_COLOR, "dash": "dash", "width": 1})
        fig.add_hline(y=float(both["y"].median()), line={"color": MEDIAN_COLOR, "dash": "dash", "width": 1})
    fig.update_xaxes(title=label_with_unit(x_label, x_unit), **axis_format(x_unit))
    fig.update_yaxes(title=label_with_unit(y_label, y_unit), **axis_format(y_unit))
    lacking = f[~(f["x"].notna() & f["y"].notna())]
    extra = f"{_count(len(both), noun)} ; lignes pointillées : médianes."
    if len(lacking):
        extra += f" Sans l'une des deux valeurs ({len(lacking)}) : " + ", ".join(
            _display_name(nm, c) for nm, c in zip(lacking["name"], lacking["code"])
        ) + "."
    return finish(fig, title or f"{y_label} selon {x_label.lower()}", source_caption(source, year, extra), height=460)


# ---------------------------------------------------------------------------------------------------------------
# Small multiples


def small_multiples(
    series: pd.DataFrame,
    codes: Sequence[str],
    selected: str | None = None,
    *,
    label: str,
    unit: str = "",
    source: str,
    year: object = None,
    reference: pd.DataFrame | None = None,
    reference_name: str = "Médiane nationale",
    columns: int = 3,
    title: str | None = None,
) -> go.Figure:
    """One small panel per territory (in the order of `codes`), same axes everywhere, the selected territory in red
    and the others in bleu France, the reference line (period, value) repeated in grey in every panel.
    series: code, name, period, value. Traces: one per territory, plus one reference per panel when given."""
    s = series.copy()
    s["code"] = s["code"].astype("str")
    if "name" not in s.columns:
        s["name"] = s["code"]
    s["value"] = pd.to_numeric(s["value"], errors="coerce").astype("float64")
    codes = [str(c) for c in codes]
    names = {c: (s.loc[s["code"] == c, "name"].iloc[0] if (s["code"] == c).any() else c) for c in codes}
    n = max(1, len(codes))
    cols = max(1, min(columns, n))
    rows = math.ceil(n / cols)
    # make_subplots gives the panels' axes and titles; the traces and the rest of the layout are plain dicts and the
    # figure is made once (style.unchecked_figure): add_trace per panel and the update calls cost most of the chart.
    grid = make_subplots(
        rows=rows, cols=cols, shared_xaxes=True, shared_yaxes=True, subplot_titles=[str(names[c]) for c in codes],
        vertical_spacing=0.12 if rows > 1 else 0.05, horizontal_spacing=0.04,
    )
    traces: list[dict] = []
    years: list[int] = []
    for i, code in enumerate(codes):
        axes = grid._grid_ref[i // cols][i % cols][0].trace_kwargs  # {'xaxis': 'x2', 'yaxis': 'y2'}
        if reference is not None and len(reference):
            ref = reference.sort_values("period")
            traces.append(dict(
                type="scatter", x=ref["period"].to_numpy(), y=pd.to_numeric(ref["value"], errors="coerce").to_numpy(),
                mode="lines", name=reference_name, line={"color": GREY, "width": 1.5, "dash": "dot"}, showlegend=False,
                hovertext=[f"{reference_name}<br>{int(p)} : {fmt_hover(v, unit)}" for p, v in zip(ref["period"], ref["value"])],
                hovertemplate="%{hovertext}<extra></extra>", **axes,
            ))
            years += [int(p) for p in ref["period"]]
        d = s[(s["code"] == code) & s["value"].notna()].sort_values("period")
        color = SELECTED_COLOR if code == selected else BLEU_FRANCE
        traces.append(dict(
            type="scatter", x=d["period"].to_numpy(), y=d["value"].to_numpy(), mode="lines+markers",
            name=str(names[code]), line={"color": color, "width": 2.5 if code == selected else 2},
            marker={"size": 5, "color": color}, showlegend=False,
            hovertext=[f"<b>{names[code]}</b><br>{int(p)} : {fmt_hover(v, unit)}" for p, v in zip(d["period"], d["value"])],
            hovertemplate="%{hovertext}<extra></extra>", **axes,
        ))
        years += [int(p) for p in d["period"]]
    empty = [names[c] for c in codes if not (s[(s["code"] == c)]["value"].notna().any())]
    extra = f"Pointillés gris : {reference_name.lower()}. " if reference is not None and len(reference) else ""
    if empty:
        extra += "Sans donnée : " + ", ".join(map(str, empty)) + "."
    caption = source_caption(source, year if year is not None else (years or None), extra)
    layout = finished_layout(title or label_with_unit(label, unit), wrap_caption(caption), 220 * rows + 40,
                             legend=False)
    x_style, y_style = layout.pop("xaxis"), layout.pop("yaxis")
    panels = grid.layout.to_plotly_json()
    layout["annotations"] = list(panels.pop("annotations", [])) + layout["annotations"]  # panel titles, then source
    for name, axis in panels.items():
        if name.startswith("xaxis"):
            # One scale for every panel, or the eye compares slopes wrongly.
            layout[name] = {**axis, "tickformat": "d", "dtick": 2, "matches": "x", **x_style}
        elif name.startswith("yaxis"):
            layout[name] = {**axis, "matches": "y", **axis_format(unit), **y_style}
        else:
            layout[name] = axis
    return unchecked_figure(traces, layout)
