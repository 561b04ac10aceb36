"""The series chart: a break splits the territory's line in two unjoined segments, provisional points are hollow and
said « provisoire », the medians are drawn in grey beside the territory in bleu France, labels and numbers in French.
Planted frames; every expected value is written in the frame itself."""

from __future__ import annotations

import pandas as pd

from levier.charts import series as charts
from levier.charts.style import BLEU_FRANCE, GREY, GREY_DARK, ROUGE_MARIANNE
from levier.core.fmt import NBSP, SEPARATORS

OLD, NEW = "STAT-RSA-SOCLE-ALLOCATAIRES", "STAT-RSA-ALLOCATAIRES"


def _own():
    # RSA socle 2014–2016 (first 2016 column), RSA 2016 (second column) – 2019, 2019 provisional; 2015 rejected.
    return pd.DataFrame({
        "period": [2014, 2015, 2016, 2016, 2017, 2018, 2019],
        "value": [30.1, 31.2, 31.9, 35.4, 35.0, 34.6, 34.2],
        "segment": [OLD, OLD, OLD, NEW, NEW, NEW, NEW],
        "provisional": [False, False, False, False, False, False, True],
        "alert": [False, True, False, False, False, False, False],
        "excluded": ["", "contrôle qualité : unité douteuse", "", "", "", "", ""],
    })


def _medians():
    rows = []
    for seg, years in ((OLD, (2014, 2015, 2016)), (NEW, (2016, 2017, 2018, 2019))):
        for y in years:
            rows.append({"period": y, "value": 1234.5 if y == 2017 else 25.0, "segment": seg, "scope": charts.NATIONAL,
                         "scope_label": "Médiane nationale", "n": 100})
            rows.append({"period": y, "value": 27.0, "segment": seg, "scope": charts.REGIONAL,
                         "scope_label": "Médiane Auvergne-Rhône-Alpes", "n": 12})
    return pd.DataFrame(rows)


def _figure(**kw):
    return charts.series_chart(
        _own(), _medians(), name="Isère (38)", label="Allocataires du RSA", unit="%", source="DREES, minima sociaux — T11",
        breaks=[(2016, "Rupture de série en 2016 : « RSA socle » jusqu'en 2016, puis « RSA »")], **kw)


def test_a_break_splits_the_territory_line_in_two_segments_never_joined():
    fig = _figure()
    own = [t for t in fig.data if t.name == "Isère (38)"]
    assert len(own) == 2
    assert list(own[0].x) == [2014, 2015, 2016] and list(own[1].x) == [2016, 2017, 2018, 2019]
    assert list(own[0].y)[-1] == 31.9 and list(own[1].y)[0] == 35.4  # the two 2016 columns, each on its own line
    # The medians are split the same way: no median line crosses the break either.
    national = [t for t in fig.data if t.name == "Médiane nationale"]
    assert [list(t.x) for t in national] == [[2014, 2015, 2016], [2016, 2017, 2018, 2019]]
    lines = [s for s in fig.layout.shapes if s.line.dash == "dash"]
    assert len(lines) == 1 and lines[0].x0 == 2016 and lines[0].x1 == 2016
    caption = next(a.text for a in fig.layout.annotations if a.name == "source")
    assert "Rupture de série en 2016" in caption.replace("<br>", " ")
    assert max(len(line) for line in caption.split("<br>")) <= charts.CAPTION_CHARS  # wrapped for a half-width chart
    assert any(a.text == "rupture 2016" for a in fig.layout.annotations)


def test_a_provisional_point_is_hollow_and_said_provisoire():
    fig = _figure()
    new = [t for t in fig.data if t.name == "Isère (38)"][1]
    assert list(new.marker.symbol) == ["circle", "circle", "circle", "circle-open"]
    assert new.hovertext[-1].endswith("(provisoire)")
    assert "provisoire" not in new.hovertext[0]
    caption = next(a.text for a in fig.layout.annotations if a.name == "source").replace("<br>", " ")
    assert "Marqueur creux : valeur provisoire." in caption


def test_medians_in_grey_territory_in_bleu_france_rouge_only_for_the_rejected_value():
    fig = _figure()
    by_name = {}
    for t in fig.data:
        by_name.setdefault(t.name, []).append(t)
    assert set(by_name) == {"Isère (38)", "Médiane nationale", "Médiane Auvergne-Rhône-Alpes"}
    assert by_name["Médiane nationale"][0].line.color == GREY_DARK
    assert by_name["Médiane Auvergne-Rhône-Alpes"][0].line.color == GREY
    old = by_name["Isère (38)"][0]
    assert old.line.color == BLEU_FRANCE
    assert list(old.marker.color) == [BLEU_FRANCE, ROUGE_MARIANNE, BLEU_FRANCE]
    assert list(old.marker.symbol)[1] == "x"
    assert "non compté dans les médianes : contrôle qualité" in old.hovertext[1]
    # One legend entry per kind, though each kind has two traces.
    assert sum(bool(t.showlegend) for t in fig.data) == 3


def test_french_numbers_source_and_years():
    fig = _figure()
    assert fig.layout.separators == SEPARATORS
    national = [t for t in fig.data if t.name == "Médiane nationale"][1]
    assert f"2017 : 1{NBSP}234,5{NBSP}%" in national.hovertext[1]
    assert "sur 100 départements" in national.hovertext[1]
    assert fig.layout.yaxis.ticksuffix == f"{NBSP}%"
    caption = next(a.text for a in fig.layout.annotations if a.name == "source").replace("<br>", " ")
    assert caption.startswith("Source : DREES, minima sociaux — T11, 2014–2019.")
    assert fig.layout.title.text == "Allocataires du RSA"


def test_no_value_for_the_territory_still_draws_the_medians_and_says_so():
    fig = charts.series_chart(_own().iloc[0:0], _medians(), name="Région", label="x", unit="%", source="INSEE, Filosofi")
    assert {t.name for t in fig.data} == {"Médiane nationale", "Médiane Auvergne-Rhône-Alpes"}
    caption = next(a.text for a in fig.layout.annotations if a.name == "source").replace("<br>", " ")
    assert "Aucune valeur pour ce territoire." in caption
