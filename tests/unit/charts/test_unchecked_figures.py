"""The charts made without plotly's validation on every page view (style.unchecked_figure) are valid plotly: made
again with validation, on the real département and EPCI geometry and on planted series, each gives the same figure,
and an unknown property or a bad value would be refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from levier.charts import maps
from levier.charts import series as charts
from levier.charts.style import unchecked_figure
from levier.core.config import settings
from levier.geo import display as geo

REF_DIR = settings().reference_dir
needs_reference = pytest.mark.skipif(
    not (REF_DIR / geo.REFERENCE_FILES[geo.LEVEL_EPCI]).is_file(), reason=f"reference data not found in {REF_DIR}"
)


def _validated(fig: go.Figure) -> None:
    """Plotly's own check of every property (raises ValueError on an unknown name or a bad value), and the checked
    figure draws exactly what the unchecked one draws."""
    checked = go.Figure(fig.to_dict())
    assert json.loads(checked.to_json()) == json.loads(fig.to_json())


def test_the_check_refuses_an_unknown_property_and_a_bad_value():
    with pytest.raises(ValueError, match="colour"):
        _validated(unchecked_figure([{"type": "scatter", "x": [1], "y": [2], "colour": "red"}], {}))
    with pytest.raises(ValueError):
        _validated(unchecked_figure([{"type": "scatter", "x": [1], "y": [2], "mode": "dots"}], {}))
    with pytest.raises(ValueError):
        _validated(unchecked_figure([], {"height": "tall"}))


def test_series_charts_are_valid_plotly():
    years = [2014, 2015, 2016, 2016, 2017, 2018, 2019]
    own = pd.DataFrame({
        "period": years, "value": [30.1, 31.2, 31.9, 35.4, 35.0, 34.6, 34.2],
        "segment": ["A", "A", "A", "B", "B", "B", "B"],
        "provisional": [False] * 6 + [True], "alert": [False, True] + [False] * 5,
        "excluded": ["", "contrôle qualité : unité douteuse", "", "", "", "", ""],
        "shown": [f"{v} %" for v in range(7)],
    })
    medians = pd.DataFrame([
        {"period": y, "value": 25.0, "segment": s, "scope": scope, "scope_label": label, "n": 100}
        for s, ys in (("A", (2014, 2015, 2016)), ("B", (2016, 2017, 2018, 2019))) for y in ys
        for scope, label in ((charts.NATIONAL, "Médiane nationale"), (charts.REGIONAL, "Médiane régionale"))
    ])
    for kw in ({}, {"breaks": [(2016, "Rupture de série en 2016")], "note": "Une note."}):
        fig = charts.series_chart(own, medians, name="Isère (38)", label="Allocataires du RSA", unit="%",
                                  source="DREES", **kw)
        assert len(fig.data) == 6
        _validated(fig)
    empty = charts.series_chart(own.iloc[0:0], medians.iloc[0:0], name="Isère (38)", label="x", unit="", source="")
    _validated(empty)


@needs_reference
@pytest.mark.parametrize("level", [geo.LEVEL_DEP, geo.LEVEL_EPCI])
def test_maps_are_valid_plotly(level):
    layer = geo.prepare_display(geo.read_layer(level, REF_DIR), level)
    codes = layer.display["code"].astype(str).tolist()
    rng = np.random.default_rng(7)
    values = rng.uniform(5, 30, len(codes))
    values[::9] = np.nan  # a missing class
    frame = pd.DataFrame({"code": codes, "name": layer.display["name"].tolist(), "value": values})
    figures = [
        maps.france_map(frame, layer, value_col="value", unit="%", title="Taux", source="INSEE", year=2021,
                        highlight=codes[:2]),
        maps.france_map(frame, layer, value_col="value", geojson_url=geo.static_url(level, layer.vintage)),
        maps.zoom_map(frame, layer, codes[:5], value_col="value", unit="%"),
    ]
    for fig in figures:
        assert any(t.type == "choropleth" for t in fig.data)
        _validated(fig)


def test_distribution_charts_are_valid_plotly():
    from levier.charts import indicators

    values = pd.DataFrame({"code": [f"{i:02d}" for i in range(1, 31)], "name": [f"Dép. {i}" for i in range(1, 31)],
                           "value": [10.0 + i * 0.7 for i in range(30)], "missing_reason": [None] * 30})
    values.loc[3, "value"] = np.nan
    values.loc[3, "missing_reason"] = "secret"
    for selected, peers in (("05", ("06", "07", "04")), (None, ()), ("04", ())):
        fig = indicators.distribution_chart(values, selected, peers, label="Taux de pauvreté", unit="%",
                                            source="INSEE", year=2021, direction="lower_is_better")
        assert fig.data[0].type == "box" and len(fig.layout.shapes) == 1  # the median line
        _validated(fig)
    _validated(indicators.distribution_chart(values.iloc[0:0], None, label="x", source="y"))


def test_small_multiples_are_valid_plotly():
    from levier.charts import indicators

    codes = ["38", "59", "13", "69", "75"]
    series = pd.DataFrame([{"code": c, "name": f"Dép. {c}", "period": y, "value": 10.0 + i + (y - 2015) * 0.3}
                           for i, c in enumerate(codes[:-1]) for y in range(2015, 2023)])
    reference = pd.DataFrame({"period": list(range(2015, 2023)), "value": [11.0 + 0.2 * k for k in range(8)]})
    fig = indicators.small_multiples(series, codes, "59", label="Taux de pauvreté", unit="%", source="INSEE",
                                     reference=reference)
    assert len(fig.data) == 10 and {t.xaxis for t in fig.data} == {"x", "x2", "x3", "x4", "x5"}
    assert fig.layout.xaxis5.matches == "x" and fig.layout.yaxis5.matches == "y"  # one scale for every panel
    _validated(fig)
    _validated(indicators.small_multiples(series, ["38"], None, label="x", source="y"))
