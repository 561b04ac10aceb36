"""The perimeter map's pure parts: point sizes by population, and where the communes' names go."""

from __future__ import annotations

import pandas as pd

from levier.charts import perimeter


def test_marker_area_follows_population():
    sizes = perimeter.marker_sizes(pd.Series([160_000, 40_000, 0]), smallest=5, largest=30)
    assert sizes == [30.0, 17.5, 5.0]  # a quarter of the population: half the diameter above the smallest
    assert perimeter.marker_sizes(pd.Series([0, 0])) == [5.0, 5.0]


def test_names_are_set_away_from_the_nearest_named_point():
    # The largest first (above its point); one far to its east (right), one far to its west (left), one just north
    # of the east one (too close for a name beside it: above), one far south (below).
    lon = pd.Series([5.00, 5.40, 4.60, 5.42, 5.01])
    lat = pd.Series([45.00, 45.01, 44.99, 45.03, 44.50])
    assert perimeter.label_positions(lon, lat, span=1.0) == [
        "top center", "middle right", "middle left", "top center", "bottom center"]
