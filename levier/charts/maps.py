"""Map builders, pure (frames in, plotly Figure out) and offline: SVG choropleths, no tiles, no world topojson.

Offline rules, all checked by tests/unit/charts/test_maps.py:
- go.Choropleth with `geojson=` (a dict, or the URL of a file from levier.geo.display.write_static), `geo.visible=False`
  (no land, coastline, country or lake layer) and `fitbounds`.
- plotly.js fetches its world topojson from a CDN when the FIRST trace of a geo subplot has a `locationmode`
  (a choropleth always has one). So the first trace of every map here is a scattergeo drawn from lon/lat (the inset
  frames, or one invisible point), and PLOTLY_CONFIG points `topojsonURL` at the app's own static folder as a
  second guard.
- One trace per class, so the legend is a real French legend ('12,3 – 15,8 %') and missing or secret values are a
  grey class of their own ('Secret statistique / non disponible'), never drawn as zero.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from levier.charts.style import (
    BLEU_FRANCE,
    FONT,
    GREY,
    GREY_DARK,
    GREY_LIGHT,
    GREY_MEDIUM,
    ROUGE_MARIANNE,
    unchecked_figure,
)
from levier.core.fmt import SEPARATORS, fmt_int, fmt_range, fmt_value
from levier.geo.display import STATIC_URL, DisplayLayer, Inset

MISSING_LABEL = "Secret statistique / non disponible"
MISSING_COLOR = GREY_LIGHT
# A value shown but kept out of the classes (a published floor « ≤ 5,0 % », a count without denominator): its own
# legend entry, never a class of the colour scale (classes « 5,0 – 10,5 % » and « 5,0 % » would overlap).
UNCLASSED_COLOR = "#d9d2c3"
HIGHLIGHT_COLOR = ROUGE_MARIANNE  # the selected territory stands out from the blues
FRAME_COLOR = GREY
BORDER_COLOR = "#FFFFFF"
TEXT_COLOR = GREY_DARK
# DSFR bleu France tints, light to dark; every palette ends on bleu France.
_PALETTE_ANCHORS = ("#E3E3FD", "#CACAFB", "#8585F6", "#5A5AE8", BLEU_FRANCE)

METHODS = {"quantiles": "quantiles", "jenks": "seuils naturels (Jenks)", "equal": "intervalles égaux"}

# For st.plotly_chart(fig, config=PLOTLY_CONFIG): the topojson URL points at the app itself, never at a CDN.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "topojsonURL": f"{STATIC_URL}/topojson/",
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"],
    "scrollZoom": False,
}

# Matches levier.geo.display.DISPLAY_CRS: unrotated, so the Lambert-93 layout is drawn as it is (see levier.geo.display).
FRANCE_PROJECTION = {"type": "conic conformal", "parallels": [44, 49], "rotation": {"lon": 0, "lat": 0, "roll": 0}}


# ---------------------------------------------------------------------------------------------------------------
# Classes


@dataclass(frozen=True)
class Classes:
    """Discrete classes of a map: bins are upper bounds (inclusive), `index` is -1 for a missing value."""

    method: str
    bins: list[float]
    lower: list[float]
    labels: list[str]
    colors: list[str]
    index: np.ndarray
    counts: list[int]

    @property
    def k(self) -> int:
        return len(self.bins)


def palette(k: int) -> list[str]:
    """k sequential blues, light to dark, the darkest being bleu France #000091."""
    if k <= 0:
        return []
    if k == 1:
        return [_PALETTE_ANCHORS[-1]]
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in _PALETTE_ANCHORS], dtype=float)
    pos = np.linspace(0, len(rgb) - 1, k)
    out = []
    for p in pos:
        lo = int(np.floor(p))
        hi = min(lo + 1, len(rgb) - 1)
        c = rgb[lo] + (rgb[hi] - rgb[lo]) * (p - lo)
        out.append("#" + "".join(f"{int(round(v)):02X}" for v in c))
    return out


def _jenks_bins(y: np.ndarray, k: int) -> np.ndarray:
    """Exact Fisher-Jenks breaks (what mapclassify.FisherJenks computes), vectorised with numpy.

    mapclassify's own version runs in pure Python without numba (1.8 s for 1,255 EPCI); this one takes about
    0.1 s. It holds n x n matrices, so above 2,000 values (communes) the sorted values are first thinned to 2,000
    evenly spaced quantiles, and the breaks are then approximate.
    """
    y = np.sort(np.asarray(y, dtype=float))
    if len(y) > 2000:
        y = np.quantile(y, np.linspace(0, 1, 2000))
    n = len(y)
    z = (y - y.mean()) / (y.std() or 1.0)  # centred and scaled: prefix sums of squares stay well conditioned
    s1 = np.concatenate([[0.0], np.cumsum(z)])
    s2 = np.concatenate([[0.0], np.cumsum(z * z)])
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        count = (j - i + 1).astype(float)
        seg = s1[j + 1] - s1[i]
        ssd = (s2[j + 1] - s2[i]) - seg * seg / count
    ssd[i > j] = np.inf
    np.maximum(ssd, 0.0, out=ssd)  # rounding can leave -1e-16 for a one-value class
    cost = ssd[0].copy()  # cost[j]: best sum of squared deviations of y[0..j] in c+1 classes
    starts = np.zeros((k, n), dtype=int)
    for c in range(1, k):
        candidates = cost[:-1][:, None] + ssd[1:, :]  # last class starts at i (1..n-1)
        best = np.argmin(candidates, axis=0)
        cost = candidates[best, np.arange(n)]
        starts[c] = best + 1
    # Walk back from the last value to find where each class starts.
    bins = []
    end = n - 1
    for c in range(k - 1, -1, -1):
        bins.append(y[end])
        if c == 0:
            break
        start = starts[c, end]
        end = start - 1
    return np.array(sorted(bins))


# Quantile and equal-interval bounds are computed here rather than by mapclassify: importing mapclassify loads
# scipy.stats and scikit-learn (about 80 MB resident in the server, 2 s at start) for these few lines of arithmetic.
# Both give mapclassify's bounds bit for bit (tests/unit/charts/test_maps.py compares them).


def _quantile_bins(y: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of k quantile classes, as mapclassify.Quantiles: linear interpolation between order statistics
    with scipy.stats.scoreatpercentile's arithmetic (np.quantile's differs in the last bit), repeated bounds merged."""
    w = 100.0 / k
    pct = np.arange(w, 100 + w, w)
    pct[-1] = min(pct[-1], 100.0)
    s = np.sort(y)
    bounds = []
    for p in pct:
        idx = p / 100.0 * (len(s) - 1)
        i = int(idx)
        if i == idx:
            bounds.append(s[i])
        else:
            weights = np.array([i + 1 - idx, idx - i])
            bounds.append(np.add.reduce(s[i:i + 2] * weights) / weights.sum())
    return np.unique(bounds)


def _equal_bins(y: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of k classes of equal width, as mapclassify.EqualInterval."""
    lo, hi = float(y.min()), float(y.max())
    width = (hi - lo) / k
    cuts = np.arange(lo + width, hi + width, width)[:k]  # arange can overshoot by one
    cuts[-1] = hi
    return cuts


def classify(
    values: Iterable[float] | pd.Series,
    method: str = "quantiles",
    k: int = 5,
    *,
    unit: str = "",
    decimals: int = 1,
) -> Classes:
    """Discrete classes as mapclassify draws them: 'quantiles', 'jenks' (Fisher-Jenks, exact) or 'equal' intervals.

    Missing values (NaN, None) get index -1 and no class. With fewer distinct values than k, there are fewer classes.
    """
    if method not in METHODS:
        raise ValueError(f"Méthode de classes inconnue : {method!r} (attendu : {', '.join(METHODS)}).")
    y_all = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values), errors="coerce")
    y_all = y_all.astype(float).to_numpy()
    valid = np.isfinite(y_all)
    y = y_all[valid]
    index = np.full(len(y_all), -1, dtype=int)
    if len(y) == 0:
        return Classes(method, [], [], [], [], index, [])
    k = int(max(1, min(k, len(np.unique(y)))))
    if k == 1:
        bins = np.array([y.max()])
    elif method == "quantiles":
        bins = _quantile_bins(y, k)
    elif method == "equal":
        bins = _equal_bins(y, k)
    else:
        bins = _jenks_bins(y, k)
    bins = np.unique(np.asarray(bins, dtype=float))  # ties in quantiles can repeat a bound
    bins[-1] = max(bins[-1], y.max())
    yb = np.searchsorted(bins, y, side="left")  # class i holds bins[i-1] < v <= bins[i], as mapclassify
    yb = np.minimum(yb, len(bins) - 1)
    index[valid] = yb
    lower = [float(y.min())] + [float(b) for b in bins[:-1]]
    # The legend prints the values the territories of a class really have (its lowest and highest member), never a
    # class bound: a quantile or Jenks bound is often a value no territory has, and a class of one territory was
    # drawn under the next territory's value (Isère 11,3 % under « 13,4 % »). A class whose members share one value
    # is labelled with it ('11,3 %', not '11,3 – 11,3 %'); an empty class (equal intervals) keeps its bounds.
    labels = []
    for c, (lo, hi) in enumerate(zip(lower, bins, strict=True)):
        members = y[yb == c]
        if len(members):
            lo, hi = float(members.min()), float(members.max())
        same = fmt_value(lo, "", decimals) == fmt_value(hi, "", decimals)
        labels.append(fmt_value(hi, unit, decimals) if same else fmt_range(lo, hi, unit, decimals))
    counts = [int((yb == c).sum()) for c in range(len(bins))]
    return Classes(method, [float(b) for b in bins], lower, labels, palette(len(bins)), index, counts)


# ---------------------------------------------------------------------------------------------------------------
# Figures


def _subset_geojson(geojson: dict, codes: Sequence[str]) -> dict:
    wanted = set(codes)
    return {"type": "FeatureCollection", "features": [f for f in geojson["features"] if str(f.get("id")) in wanted]}


def add_text_hover(custom: list[list[str]], template: str, data: pd.DataFrame,
                   pairs: Sequence[tuple[str, str]]) -> str:
    """Hover lines « label : text » for the text columns `pairs` ((label, column)) that `data` has: each column's texts
    (« – » where missing) appended to `custom` (the customdata columns); returns the template with their lines."""
    for label, col in pairs:
        if col in data:
            custom.append(data[col].astype(object).where(data[col].notna(), "–").astype(str).tolist())
            template += f"<br>{label} : %{{customdata[{len(custom) - 1}]}}"
    return template


def _ranks(values: np.ndarray) -> np.ndarray:
    """1 = highest value; ties share the best rank; NaN has no rank (0)."""
    s = pd.Series(values)
    return s.rank(ascending=False, method="min").fillna(0).astype(int).to_numpy()


def _inset_traces(insets: Sequence[Inset]) -> list[dict]:
    lon: list[float | None] = []
    lat: list[float | None] = []
    for inset in insets:
        lon.extend([*inset.lon, None])
        lat.extend([*inset.lat, None])
    frames = dict(
        type="scattergeo",
        lon=lon,
        lat=lat,
        mode="lines",
        line={"color": FRAME_COLOR, "width": 1},
        hoverinfo="skip",
        showlegend=False,
        name="encarts",
    )
    labels = dict(
        type="scattergeo",
        lon=[i.label_lon for i in insets],
        lat=[i.label_lat for i in insets],
        text=[i.label for i in insets],
        mode="text",
        textposition="bottom right",
        textfont={"size": 11, "color": TEXT_COLOR, "family": FONT},
        hoverinfo="skip",
        showlegend=False,
        name="libellés des encarts",
    )
    return [frames, labels]


def _anchor_trace(lon: float, lat: float) -> dict:
    # An invisible first trace drawn from lon/lat: see the module docstring (no topojson fetch).
    return dict(
        type="scattergeo", lon=[lon], lat=[lat], mode="markers", marker={"size": 1, "opacity": 0}, hoverinfo="skip", showlegend=False
    )


def choropleth(
    frame: pd.DataFrame,
    geojson: dict | None = None,
    *,
    value_col: str,
    name_col: str = "name",
    id_col: str = "code",
    unit: str = "",
    title: str = "",
    source: str = "",
    year: int | str | None = None,
    method: str = "quantiles",
    k: int = 5,
    highlight: Sequence[str] | None = None,
    geojson_url: str | None = None,
    dep_value_col: str | None = None,
    france_value_col: str | None = None,
    decimals: int = 1,
    insets: Sequence[Inset] = (),
    anchor: tuple[float, float] | None = None,
    projection: dict | None = None,
    fitbounds: str = "geojson",
    bounds: Sequence[float] | None = None,
    value_label: str = "Valeur",
    legend_title: str | None = None,
    vintage: int | None = None,
    height: int = 680,
    rank_col: str | None = None,
    rank_note: str = "1 = valeur la plus élevée",
    status_col: str | None = None,
    dep_label: str = "Département",
    france_label: str = "France",
    hover_extra: Sequence[tuple[str, str]] = (),
    note: str = "",
    unclassed_col: str | None = None,
) -> go.Figure:
    """A choropleth in discrete classes, one row of `frame` per territory to draw (NaN value = grey, not zero).

    `geojson_url`, when given, is referenced by every trace instead of inlining `geojson` (fetched once by the
    browser). `anchor` (lon, lat) places the invisible first trace when there are no `insets` (by default a point
    of the first feature of `geojson`). `bounds`
    (lon_min, lat_min, lon_max, lat_max) sets the view explicitly instead of `fitbounds` (needed for the conic
    France view: plotly's fitbounds tilts it).
    Hover: name, value with unit, rank (1 = highest, or `rank_col`'s ranks with `rank_note` saying what 1 means),
    département and France values when their columns are given (labelled `dep_label`, `france_label`), then the
    (label, text column) pairs of `hover_extra`. A missing value reads as `status_col`'s text when given (« secret
    statistique », « aucune valeur publiée »), else MISSING_LABEL. `note` is added to the caption under the map.
    A row whose `unclassed_col` holds a text (« valeur plancher publiée par l'INSEE : ≤ 5,0 % ») keeps its value in
    the hover but enters no class and no rank: it is drawn in its own legend entry, labelled with that text.
    """
    if geojson is None and geojson_url is None:
        raise ValueError("Il faut un GeoJSON (dictionnaire) ou son URL.")
    data = frame.reset_index(drop=True)
    codes = data[id_col].astype(str).to_numpy()
    shown = pd.to_numeric(data[value_col], errors="coerce").astype(float).to_numpy()
    if unclassed_col and unclassed_col in data:
        why = data[unclassed_col].astype(object)
        unclassed = (why.map(lambda t: isinstance(t, str) and bool(t)).to_numpy(dtype=bool)) & np.isfinite(shown)
    else:
        why, unclassed = pd.Series([None] * len(data), dtype=object), np.zeros(len(data), dtype=bool)
    values = np.where(unclassed, np.nan, shown)
    classes = classify(values, method, k, unit=unit, decimals=decimals)
    ranks = _ranks(values)
    n_ranked = int(np.isfinite(values).sum())

    if rank_col and rank_col in data:
        ranks = pd.to_numeric(data[rank_col], errors="coerce").fillna(0).astype(int).to_numpy()
    names = data[name_col].astype(str).tolist() if name_col in data else list(codes)
    status = (
        data[status_col].astype(object).where(data[status_col].notna(), MISSING_LABEL).tolist()
        if status_col and status_col in data
        else [MISSING_LABEL] * len(data)
    )
    value_text = [fmt_value(v, unit, decimals) if np.isfinite(v) else str(status[i]) for i, v in enumerate(values)]
    for i in np.flatnonzero(unclassed):
        value_text[i] = f"{fmt_value(shown[i], unit, decimals)} ({why.iloc[i]})"
    rank_text = [f"{fmt_int(r)} sur {fmt_int(n_ranked)}" if r else "–" for r in ranks]
    custom = [names, value_text, rank_text]
    template = f"<b>%{{customdata[0]}}</b><br>{value_label} : %{{customdata[1]}}<br>Rang : %{{customdata[2]}}"
    template += f" ({rank_note})" if rank_note else ""
    for col, label in ((dep_value_col, dep_label), (france_value_col, france_label)):
        if col and col in data:
            vals = pd.to_numeric(data[col], errors="coerce").astype(float)
            custom.append([fmt_value(v, unit, decimals) for v in vals])
            template += f"<br>{label} : %{{customdata[{len(custom) - 1}]}}"
    template = add_text_hover(custom, template, data, hover_extra)
    template += "<extra></extra>"
    customdata = np.array(custom, dtype=object).T

    # Traces and layout gathered first, the figure made once: plotly's add_trace and update_layout calls cost
    # more than the map itself.
    traces: list = []
    if insets:
        traces.extend(_inset_traces(insets))
    else:
        if anchor is None and geojson is not None and geojson.get("features"):
            first = shapely.from_geojson(json.dumps(geojson["features"][0]["geometry"]))
            rep = shapely.point_on_surface(first)
            anchor = (rep.x, rep.y)
        if anchor is None:
            raise ValueError("Il faut des encarts ou un point d'ancrage (voir la docstring du module).")
        traces.append(_anchor_trace(*anchor))

    def add_class(mask: np.ndarray, color: str, label: str, legend_rank: int) -> None:
        if not mask.any():
            return
        locs = codes[mask].tolist()
        traces.append(
            dict(
                type="choropleth",
                geojson=geojson_url if geojson_url else _subset_geojson(geojson, locs),  # type: ignore[arg-type]
                locations=locs,
                z=np.zeros(len(locs)),
                featureidkey="id",
                colorscale=[[0, color], [1, color]],
                showscale=False,
                marker={"line": {"color": BORDER_COLOR, "width": 0.5}},
                customdata=customdata[mask],
                hovertemplate=template,
                name=label,
                showlegend=True,
                legendrank=legend_rank,
            )
        )

    add_class((classes.index == -1) & ~unclassed, MISSING_COLOR, MISSING_LABEL, 1000)
    for text in dict.fromkeys(why[unclassed].tolist()):
        add_class(unclassed & (why == text).to_numpy(dtype=bool), UNCLASSED_COLOR, f"{text} (hors classes)", 999)
    for c in range(classes.k):
        # Highest class first in the legend, the grey class last.
        add_class(classes.index == c, classes.colors[c], classes.labels[c], 100 + classes.k - c)

    if highlight:
        wanted = [c for c in map(str, highlight) if c in set(codes)]
        if wanted:
            traces.append(
                dict(
                    type="choropleth",
                    geojson=geojson_url if geojson_url else _subset_geojson(geojson, wanted),  # type: ignore[arg-type]
                    locations=wanted,
                    z=np.zeros(len(wanted)),
                    featureidkey="id",
                    colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                    showscale=False,
                    marker={"line": {"color": HIGHLIGHT_COLOR, "width": 2.5}},
                    hoverinfo="skip",
                    showlegend=False,
                    name="sélection",
                )
            )

    # Two lines under the map, so that neither is cut on a narrow screen: the source, then how it is drawn.
    first = ""
    if source:
        first = f"Source : {source}" + (f", {year}" if year is not None else "")
    elif year is not None:
        first = f"Année : {year}"
    drawn = []
    if vintage is not None:
        drawn.append(f"géographie au 1er janvier {vintage}")
    drawn.append(f"classes : {METHODS[method]}" if classes.k > 1 else "classe unique")
    if note:
        drawn.append(note)
    how = " — ".join(drawn)
    how = how[:1].upper() + how[1:] + "."  # two sentences, on a slide's single line as under the map
    caption = [first + ".", how] if first else [how]
    layout = dict(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 17, "family": FONT}} if title else None,
        height=height,
        margin={"l": 0, "r": 0, "t": 48 if title else 8, "b": 52},
        paper_bgcolor="white",
        font={"family": FONT, "color": TEXT_COLOR},
        separators=SEPARATORS,
        legend={
            "title": {"text": legend_title if legend_title is not None else (f"En {unit}" if unit else "Classes")},
            "x": 1,
            "xanchor": "right",
            "y": 0.5,
            "yanchor": "middle",
            "bgcolor": "rgba(255,255,255,0.85)",
            "itemclick": "toggle",
        },
        geo=_geo_layout(projection or FRANCE_PROJECTION, fitbounds, bounds),
        annotations=[
            {
                "text": "<br>".join(caption),
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "xanchor": "left",
                "yanchor": "top",
                "align": "left",
                "yshift": -6,
                "font": {"size": 11, "color": GREY_MEDIUM},
            }
        ],
        hoverlabel={"bgcolor": "white", "font": {"family": FONT, "size": 13}},
        dragmode=False,
    )
    return unchecked_figure(traces, {k: v for k, v in layout.items() if v is not None})


def _geo_layout(projection: dict, fitbounds: str, bounds: Sequence[float] | None) -> dict:
    layout = {"visible": False, "showframe": False, "bgcolor": "white", "projection": projection}
    if bounds is None:
        layout["fitbounds"] = fitbounds
        return layout
    x0, y0, x1, y1 = (float(v) for v in bounds)
    layout.update(
        fitbounds=False,
        center={"lon": (x0 + x1) / 2, "lat": (y0 + y1) / 2},
        lonaxis={"range": [x0, x1]},
        lataxis={"range": [y0, y1]},
    )
    return layout


def _frame_for_layer(frame: pd.DataFrame, territories: pd.DataFrame, id_col: str, name_col: str) -> pd.DataFrame:
    """One row per territory of the layer, in the layer's order: a territory absent from `frame` becomes missing."""
    base = pd.DataFrame({"code": territories["code"].astype(str), "_layer_name": territories["name"].astype(str)})
    data = frame.copy()
    data["code"] = data[id_col].astype(str)
    data = data.drop_duplicates("code", keep="last")
    merged = base.merge(data.drop(columns=[c for c in ("_layer_name",) if c in data]), on="code", how="left")
    if name_col in merged:
        merged[name_col] = merged[name_col].astype("object").where(merged[name_col].notna(), merged["_layer_name"])
    else:
        merged[name_col] = merged["_layer_name"]
    return merged.drop(columns="_layer_name")


def france_map(
    frame: pd.DataFrame,
    layer: DisplayLayer,
    *,
    value_col: str,
    id_col: str = "code",
    name_col: str = "name",
    geojson_url: str | None = None,
    **kwargs,
) -> go.Figure:
    """All départements or all EPCI of France (`layer` from levier.geo.display.prepare_display), with the insets."""
    data = _frame_for_layer(frame, layer.display, id_col, name_col)
    return choropleth(
        data,
        None if geojson_url else layer.geojson("display"),
        value_col=value_col,
        name_col=name_col,
        id_col="code",
        geojson_url=geojson_url,
        insets=layer.insets,
        projection=FRANCE_PROJECTION,
        bounds=layer.bounds,
        vintage=kwargs.pop("vintage", layer.vintage),
        **kwargs,
    )


def france_departements_map(frame: pd.DataFrame, layer: DisplayLayer, **kwargs) -> go.Figure:
    """The 101 départements, overseas and Paris insets included."""
    return france_map(frame, layer, **kwargs)


def zoom_map(
    frame: pd.DataFrame,
    layer: DisplayLayer,
    codes: Sequence[str],
    *,
    value_col: str,
    id_col: str = "code",
    name_col: str = "name",
    geojson_url: str | None = None,
    **kwargs,
) -> go.Figure:
    """Some territories of a layer (a département's or a région's EPCI, a région's départements), zoomed on them:
    true positions, Mercator, fitbounds on the locations.

    With `geojson_url`, give the URL of the layer's true-position file (levier.geo.display.static_url(..., kind='true')).
    """
    wanted = {str(c) for c in codes}
    members = layer.true[layer.true["code"].astype(str).isin(wanted)]
    if members.empty:
        raise ValueError("Aucun territoire à cartographier.")
    data = _frame_for_layer(frame, members, id_col, name_col)
    # The same territories always give the same view: made once per layer (every rerun and every later visit of
    # the territory reuses it).
    (lon, lat), bounds = layer.kept(("zoom", frozenset(members["code"].astype(str))), lambda: _zoom_view(members))
    return choropleth(
        data,
        None if geojson_url else _subset_geojson(layer.geojson("true"), data["code"].tolist()),
        value_col=value_col,
        name_col=name_col,
        id_col="code",
        geojson_url=geojson_url,
        anchor=(lon, lat),
        projection={"type": "mercator"},
        bounds=bounds,
        vintage=kwargs.pop("vintage", layer.vintage),
        **{"height": 600, **kwargs},
    )


def _zoom_view(members: gpd.GeoDataFrame) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """The centre (lon, lat) of some territories' union, and their zoom_bounds."""
    # Territories do not overlap: their union's centroid is their centroids weighted by their areas (the same point
    # to a micrometre), found without merging the shapes (17 ms for a région's départements).
    shapes = members.to_crs(3857).geometry
    area = shapes.area.to_numpy()
    if area.sum() > 0:
        centroids = shapes.centroid
        point = shapely.Point(*(float((v.to_numpy() * area).sum() / area.sum()) for v in (centroids.x, centroids.y)))
    else:
        point = shapes.union_all().centroid
    centre = gpd.GeoSeries([point], crs=3857).to_crs(4326).iloc[0]
    return (float(centre.x), float(centre.y)), zoom_bounds(members)


def zoom_bounds(members: gpd.GeoDataFrame, pad: float = 0.04) -> tuple[float, float, float, float]:
    """The view of a zoomed map: the territories' bounds plus a small margin. Set explicitly rather than with
    fitbounds, because fitbounds would also fit the service points drawn over the map and shrink the territory."""
    x0, y0, x1, y1 = (float(v) for v in members.to_crs(4326).total_bounds)
    dx, dy = (x1 - x0) * pad, (y1 - y0) * pad
    return (x0 - dx, y0 - dy, x1 + dx, y1 + dy)


def departement_epci_map(
    frame: pd.DataFrame,
    layer: DisplayLayer,
    dep: str,
    *,
    value_col: str,
    id_col: str = "code",
    name_col: str = "name",
    geojson_url: str | None = None,
    **kwargs,
) -> go.Figure:
    """The EPCI whose principal département is `dep`, zoomed on them (true positions, Mercator, fitbounds).

    With `geojson_url`, give the URL of the layer's true-position file (levier.geo.display.static_url(..., kind='true')).
    """
    members = layer.true[layer.true["dep"].astype(str) == str(dep)]
    if members.empty:
        raise ValueError(f"Aucune intercommunalité dont le département principal est {dep}.")
    return zoom_map(
        frame, layer, members["code"].tolist(), value_col=value_col, id_col=id_col, name_col=name_col,
        geojson_url=geojson_url, **kwargs,
    )


# ---------------------------------------------------------------------------------------------------------------
# Points over a map, and the chart config


# Distinct from the blue classes and from each other, readable on a projector; symbols differ too (colour-blind).
POINT_STYLES = (
    (ROUGE_MARIANNE, "circle"),
    ("#FF9940", "diamond"),  # orange
    ("#18753C", "square"),  # green
    ("#A558A0", "triangle-up"),  # purple
    ("#695240", "cross"),  # brown
)


def add_points(
    fig: go.Figure,
    points: pd.DataFrame,
    *,
    group_col: str = "label",
    text_col: str = "text",
    size: int = 7,
    dense: bool = False,
) -> go.Figure:
    """One scattergeo trace per group (a type of service), drawn from `lon`/`lat` over the choropleth, with a
    legend entry '<group> (n)'. `text_col` is the hover text of each point (already formatted).

    `dense` (thousands of points on the France map): small dots without outline, so the classes stay readable."""
    if points is None or points.empty:
        return fig
    for i, (group, sub) in enumerate(points.groupby(group_col, sort=True)):
        color, symbol = POINT_STYLES[i % len(POINT_STYLES)]
        count = int(sub["count_as"].sum()) if "count_as" in sub else len(sub)
        digits = 3 if dense else 5  # 100 m is plenty at the scale of France, and halves the figure
        fig.add_trace(
            go.Scattergeo(
                lon=sub["lon"].round(digits).tolist(),
                lat=sub["lat"].round(digits).tolist(),
                mode="markers",
                marker=(
                    {"size": 3, "color": color, "symbol": symbol, "opacity": 0.85, "line": {"width": 0}}
                    if dense
                    else {"size": size, "color": color, "symbol": symbol, "line": {"color": "white", "width": 1}}
                ),
                text=sub[text_col].tolist() if text_col in sub else None,
                hovertemplate=f"%{{text}}<br>{group}<extra></extra>",  # the type once per trace, not per point
                name=f"{group} ({fmt_value(count, 'nombre', 0)})",
                legendrank=10 + i,
                showlegend=True,
            )
        )
    return fig


def map_config(name: str) -> dict:
    """PLOTLY_CONFIG plus the camera button, exporting a PNG named after the map (for the printed pack)."""
    removed = [b for b in PLOTLY_CONFIG["modeBarButtonsToRemove"] if b != "toImage"]
    return {
        **PLOTLY_CONFIG,
        "modeBarButtonsToRemove": removed,
        "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
    }
