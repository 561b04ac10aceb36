"""Chart builders: traces, highlighted territory and peers, the source and year under every chart, French numbers
in hover text, ranking order and missing territories, the dashed target trajectory."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from levier.analysis.positions import trajectory
from levier.charts import indicators as c
from levier.charts import style

NBSP = "\u00a0"

VALUES = pd.DataFrame(
    {
        "code": ["01", "02", "03", "04", "05", "06"],
        "name": ["Ain", "Aisne", "Allier", "Alpes-de-Haute-Provence", "Hautes-Alpes", "Alpes-Maritimes"],
        "value": [11.3, 14.25, 9.0, 1234.5, 20.0, None],
        "missing_reason": [None, None, None, None, None, "s"],
    }
)


def caption(fig: go.Figure) -> str:
    texts = [a.text for a in fig.layout.annotations if a.name == "source"]
    assert len(texts) == 1, "one source caption per chart"
    return texts[0].replace("<br>", " ")


def trace(fig: go.Figure, name: str):
    hits = [t for t in fig.data if t.name == name]
    assert hits, f"no trace named {name!r} in {[t.name for t in fig.data]}"
    return hits[0]


def colors_of(tr) -> list[str]:
    color = tr.marker.color
    return list(color) if isinstance(color, (list, tuple)) else [color]


def test_distribution_highlights_the_territory_and_its_peers():
    fig = c.distribution_chart(VALUES, "01", ["02", "03"], label="Taux de pauvreté", unit="%", source="INSEE, Filosofi",
                               year=2020, direction="baisse")
    assert [t.type for t in fig.data] == ["box", "scatter", "scatter", "scatter"]
    assert style.ROUGE_MARIANNE in colors_of(trace(fig, "Ain"))
    assert style.BLEU_FRANCE in colors_of(trace(fig, "Pairs"))
    assert sorted(trace(fig, "Pairs").x) == [9.0, 14.25]
    text = caption(fig)
    assert "Source : INSEE, Filosofi, 2020." in text
    assert "Alpes-Maritimes (06)" in text and "secret statistique" in text
    hover = trace(fig, "Ain").hovertext[0]
    assert f"11,3{NBSP}%" in hover and "rang 2 / 5" in hover  # lower is better: 9.0 is first
    assert f"1{NBSP}234,5{NBSP}%" in " ".join(trace(fig, "Autres départements").hovertext)
    assert fig.layout.separators == f",{NBSP}"


def test_distribution_without_peers_or_selected_value_has_fewer_traces():
    fig = c.distribution_chart(VALUES, "06", [], label="Taux", unit="%", source="INSEE", year=2020)
    assert len(fig.data) == 2  # box + others: the selected territory has no value, no peers
    assert "Alpes-Maritimes (06)" in caption(fig)


def test_ranking_orders_best_first_and_lists_missing_in_the_caption():
    fig = c.ranking_chart(VALUES, "01", ["05"], label="Taux de pauvreté", unit="%", direction="baisse",
                          source="INSEE, Filosofi", year=2020)
    assert [t.type for t in fig.data] == ["bar", "bar", "bar"]
    order = list(fig.layout.yaxis.categoryarray)
    assert order[0] == "1. Allier" and order[-1] == "5. Alpes-de-Haute-Provence"
    assert "Ain" in order[1] and style.ROUGE_MARIANNE in order[1]  # the selected tick label, in red
    assert fig.layout.yaxis.autorange == "reversed"  # rank 1 at the top
    assert colors_of(trace(fig, "Ain")) == [style.ROUGE_MARIANNE]
    assert colors_of(trace(fig, "Pairs")) == [style.BLEU_FRANCE]
    text = caption(fig)
    assert "2020" in text and "INSEE, Filosofi" in text
    assert "Sans donnée (1 département – secret statistique) : Alpes-Maritimes (06)" in text
    assert "du plus bas (le plus favorable)" in text
    up = c.ranking_chart(VALUES, "01", (), label="Taux", unit="%", direction="hausse", source="INSEE", year=2020)
    assert list(up.layout.yaxis.categoryarray)[0] == "1. Alpes-de-Haute-Provence"


def test_ranking_hover_shows_each_territorys_last_years():
    history = pd.DataFrame({"code": ["01"] * 5 + ["03"], "period": [2016, 2017, 2018, 2019, 2020, 2020],
                            "value": [12.0, 11.5, None, 11.0, 11.3, 9.0]})
    fig = c.ranking_chart(VALUES, "01", (), label="Taux de pauvreté", unit="%", direction="baisse",
                          source="INSEE, Filosofi", year=2020, history=history)
    ain = trace(fig, "Ain").hovertext[0]
    # The last four years with a value, in order; a year without one is left out.
    assert f"Série : 2016 : 12,0{NBSP}% · 2017 : 11,5{NBSP}% · 2019 : 11,0{NBSP}% · 2020 : 11,3{NBSP}%" in ain
    others = " ".join(trace(fig, "Autres départements").hovertext)
    assert "Série" not in others  # one year only (Allier) or none: no series line
    # The years in time order whatever the order of the rows read.
    shuffled = c.series_hover(history.sample(frac=1, random_state=3), "%")
    assert shuffled == {"01": f"2016 : 12,0{NBSP}% · 2017 : 11,5{NBSP}% · 2019 : 11,0{NBSP}% · 2020 : 11,3{NBSP}%"}


def test_series_draws_the_dashed_trajectory_to_the_target_and_milestones():
    series = pd.DataFrame({"period": [2021, 2022, 2023, 2024, 2025], "value": [3000, 3100, 3200, 3400, 3500]})
    path = trajectory(2023, 3200, 2027, 4500, milestones=[(2025, 3600)])
    national = pd.DataFrame({"period": [2021, 2023, 2025], "value": [2800.0, 2900, 3000]})
    fig = c.series_chart(series, name="Isère", label="Nouveaux entrants orientés", unit="personnes",
                         source="Département – rapport annuel", references={"Médiane nationale": national}, trajectory=path)
    assert [t.name for t in fig.data] == ["Médiane nationale", "Trajectoire vers la cible", "Cible 2027",
                                          "Cibles intermédiaires", "Isère"]
    traj = trace(fig, "Trajectoire vers la cible")
    assert traj.line.dash == "dash" and list(traj.x) == [2023, 2024, 2025, 2026, 2027]
    assert list(trace(fig, "Cibles intermédiaires").x) == [2025]
    assert trace(fig, "Isère").line.color == style.ROUGE_MARIANNE
    assert f"2025 : 3{NBSP}500{NBSP}personnes" in trace(fig, "Isère").hovertext[-1]
    assert f"4{NBSP}500{NBSP}personnes" in trace(fig, "Cible 2027").hovertext[0]
    # Years of the data, not of the target.
    assert "Source : Département – rapport annuel, 2021–2025." in caption(fig)
    assert fig.layout.xaxis.dtick == 1


def test_series_title_stays_whole_above_its_legend_and_the_axis_says_the_unit():
    series = pd.DataFrame({"period": [2023, 2024, 2025], "value": [408, 425, 431]})
    national = pd.DataFrame({"period": [2023, 2025], "value": [380.0, 400]})
    label = ("Nombre d'enfants de familles en situation de pauvreté accueillis en mode d'accueil du jeune enfant "
             "(effectif : pas de médiane tracée, comparaison en taux ci-dessous)")
    fig = c.series_chart(series, name="Isère", label=label, unit="personnes", source="CAF",
                         references={"Médiane nationale": national, "Médiane Auvergne-Rhône-Alpes": national},
                         trajectory=trajectory(2023, 408, 2027, 434, milestones=[(2025, 420)]))
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) >= 2 and " ".join(lines) == label  # wrapped, not cut at the chart's edge
    # The title's lines and two legend rows (six entries) fit in the top margin, the legend under the title.
    assert fig.layout.margin.t >= 14 + 21 * len(lines) + 2 * 24
    assert fig.layout.title.yref == "container" and fig.layout.legend.yanchor == "bottom"
    assert fig.layout.yaxis.title.text == "En personnes"  # the label is the title: the axis keeps the unit, whole


def test_scatter_highlights_selected_and_peers_and_lists_incomplete_points():
    frame = pd.DataFrame({"code": ["01", "02", "03", "04"], "name": ["Ain", "Aisne", "Allier", "Ardèche"],
                          "x": [11.3, 14.2, 9.0, None], "y": [23580.0, 20100, 21000, 20500]})
    fig = c.scatter_chart(frame, "01", ["03"], x_label="Taux de pauvreté", y_label="Niveau de vie médian",
                          x_unit="%", y_unit="€", source="INSEE, Filosofi", year=2020)
    assert len(fig.data) == 3
    assert colors_of(trace(fig, "Ain")) == [style.ROUGE_MARIANNE] and colors_of(trace(fig, "Pairs")) == [style.BLEU_FRANCE]
    hover = trace(fig, "Ain").hovertext[0]
    assert f"11,3{NBSP}%" in hover and f"23{NBSP}580{NBSP}€" in hover
    text = caption(fig)
    assert "INSEE, Filosofi, 2020" in text and "Ardèche (04)" in text


def test_small_multiples_one_panel_per_territory_on_one_scale():
    rows = []
    for code, name, base in (("38", "Isère", 10.0), ("73", "Savoie", 12.0), ("74", "Haute-Savoie", 9.0), ("01", "Ain", 11.0)):
        rows += [{"code": code, "name": name, "period": p, "value": base + i} for i, p in enumerate(range(2016, 2021))]
    series = pd.DataFrame(rows)
    ref = pd.DataFrame({"period": range(2016, 2021), "value": [14.0, 14.1, 14.2, 14.3, 14.4]})
    fig = c.small_multiples(series, ["38", "73", "74", "01"], "38", label="Taux de pauvreté", unit="%",
                            source="INSEE, Filosofi", reference=ref, columns=2)
    panels = [t for t in fig.data if t.name != "Médiane nationale"]
    assert [t.name for t in panels] == ["Isère", "Savoie", "Haute-Savoie", "Ain"]
    assert len(fig.data) == 8  # one reference line per panel
    assert panels[0].line.color == style.ROUGE_MARIANNE and panels[1].line.color == style.BLEU_FRANCE
    assert {a.text for a in fig.layout.annotations} >= {"Isère", "Savoie", "Haute-Savoie", "Ain"}
    assert fig.layout.yaxis2.matches == "y"
    assert "INSEE, Filosofi, 2016–2020" in caption(fig)
    assert f"13,0{NBSP}%" in " ".join(panels[0].hovertext)


def test_source_caption_and_png_export_config():
    assert style.source_caption("INSEE, Filosofi.", [2014, 2020, 2017]) == "Source : INSEE, Filosofi, 2014–2020."
    assert style.source_caption("", None) == "Source : non précisée."
    cfg = style.png_config("classement_tp60")
    assert cfg["toImageButtonOptions"]["format"] == "png"
    assert "toImage" not in cfg.get("modeBarButtonsToRemove", [])


def test_axes_hovers_and_captions_share_one_style():
    assert style.axis_format("%")["ticksuffix"] == f"{NBSP}%"
    assert style.axis_format("€") == {"separatethousands": True, "exponentformat": "none", "ticksuffix": f"{NBSP}€",
                                      "tickformat": ",.0f"}
    assert style.axis_format("personnes")["tickformat"] == ",~f" and "ticksuffix" not in style.axis_format("ratio")
    assert c.fmt_hover(1234.7, "€") == f"1{NBSP}235{NBSP}€" and c.fmt_hover(0.25812, "ratio") == "0,258"
    fig = style.finish(go.Figure(), "Titre", "Source : INSEE, 2020.", height=300)
    assert fig.layout.separators == f",{NBSP}" and fig.layout.font.family.startswith("Marianne")
    assert [a.text for a in fig.layout.annotations if a.name == "source"] == ["Source : INSEE, 2020."]
    assert style.rgb(style.BLEU_FRANCE) == (0, 0, 145)  # the PDF and PPTX writers take the same colours
