"""The own-spending chart of the Effet levier page: lines cut where a reader must not read a change."""

from __future__ import annotations

import pandas as pd

from levier.charts.lever import execution_chart, own_spending_chart
from levier.core.fmt import SEPARATORS


def test_own_spending_lines_are_cut_at_the_population_change_and_at_a_missing_year():
    # Planted: 2012–2016 with 2015 missing (ND), population change in 2014 -> cuts before 2014 and around 2015.
    series = pd.DataFrame({"year": [2012, 2013, 2014, 2016], "per_inhabitant": [10.0, 11.0, 12.0, 13.0]})
    medians = pd.DataFrame({"year": [2012, 2013, 2014, 2015, 2016], "median": [20.0, 21.0, 22.0, 23.0, 24.0]})
    fig = own_spending_chart(series, medians, name="Nord (59)", title="Dépenses d'insertion du RSA par habitant",
                             subtitle="réel", source="DREES", year=(2012, 2016), break_year=2014, contract_start=2016,
                             contract_label="contrat CALPAE (2016)")
    median, territory = fig.data
    assert list(territory.x) == [2012, 2013, None, 2014, None, 2016]
    assert list(median.x) == [2012, 2013, None, 2014, 2015, 2016]
    texts = [a.text for a in fig.layout.annotations]
    assert "autre population de référence" in texts and "contrat CALPAE (2016)" in texts
    assert any(t.startswith("Source : DREES, 2012–2016") for t in texts)


def test_execution_chart_axes_read_whole_euros_in_french():
    stages = ("planned", "committed", "spent")
    table = pd.DataFrame([{"action": "A1", **{f"{g}_{s}": 480_000.0 for g in ("etat", "departement") for s in stages}}])
    fig = execution_chart(table, {"A1": "Premier accueil"}, {}, title="Financements", source="Levier")
    assert fig.layout.separators == SEPARATORS  # decimal comma, non-breaking space between thousands
    for axis in (fig.layout.xaxis, fig.layout.xaxis2):
        assert axis.tickformat == ",~f" and axis.ticksuffix == "\u00a0€"  # « 500 000 € », never d3's « 500k »
