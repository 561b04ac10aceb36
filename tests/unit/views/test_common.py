"""ranking_values on the demo database: what every page ranks is a rate for a count, never the size of the territory,
and a value published at INSEE's floor is shown « ≤ 5,0 % » without rank (issue 14, part 1 and censored values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from levier.analysis import positions
from levier.core.fmt import NBSP
from levier.views import comparer, t0
from levier.views.common import catalogue, load_territories, load_values, ranking_values

MIN_RANKED = 10  # an indicator-year ranked among fewer territories says little about anything


def _count_population_correlations(db) -> tuple[list[float], list[float]]:
    """Per count indicator with a direction, at its latest year with ≥ MIN_RANKED ranked départements: Spearman ρ
    of the raw count and of the ranked figure with the population."""
    cat = catalogue(db)
    counts = [c for c in cat.index if cat.at[c, "unit"] in ("personnes", "nombre")
              and positions.direction_of(cat.at[c, "direction"])]
    terr = load_territories(db, "departement")
    population = terr.set_index("code")["population"].astype(float)
    frame = ranking_values(db, load_values(db, "departement", counts), cat, territories=terr)
    raw_rho, ranked_rho = [], []
    for _indicator, rows in frame[frame["raw_value"].notna()].groupby("indicator"):
        ranked = rows[rows["unranked_reason"].isna()]
        years = ranked.groupby("period").size()
        years = years[years >= MIN_RANKED]
        if years.empty:
            continue
        year = int(years.index.max())
        at, ranked_at = rows[rows["period"] == year], ranked[ranked["period"] == year]
        raw_rho.append(spearmanr(at["raw_value"], at["code"].map(population)).statistic)
        ranked_rho.append(spearmanr(ranked_at["value"], ranked_at["code"].map(population)).statistic)
    return raw_rho, ranked_rho


def test_ranked_figures_do_not_follow_population_on_the_demo(demo_db):
    # Acceptance test of issue 14: raw, the counts follow population (median ρ ≈ 0.84 on the demo); ranked on their
    # rates, the median ρ over the ranked count indicators is below 0.3 (≈ 0.0 measured).
    raw_rho, ranked_rho = _count_population_correlations(demo_db)
    assert len(ranked_rho) >= 40
    assert float(np.median(raw_rho)) > 0.7  # the test can fail: the raw counts do follow population
    assert abs(float(np.median(ranked_rho))) < 0.3


def test_nord_is_ranked_on_its_rate_of_young_people_not_on_its_size(demo_db):
    cat = catalogue(demo_db)
    terr = load_territories(demo_db, "departement")
    table = t0.load_t0_table(demo_db, "59", 2021).set_index("Code")
    ref = table.loc["CALPAE-1.1.1-REF"]
    # What is ranked is REF ÷ MAJ × 100, the very ratio CALPAE-1.1.1-REF-TX shows: same rank, same year.
    assert ref["Rang"] == table.loc["CALPAE-1.1.1-REF-TX", "Rang"]
    assert ref["Valeur classée"] == pytest.approx(table.loc["CALPAE-1.1.1-REF-TX", "Valeur"])
    assert "jeunes devenus majeurs" in ref["Classé sur"] and ref["Unité classée"].startswith("pour 100 ")
    # Raw, Nord's count would rank among the first few (it is the most populous département but Paris).
    raw = load_values(demo_db, "departement", ["CALPAE-1.1.1-REF"])
    raw = raw[(raw["period"] == int(ref["Année"])) & raw["value"].notna()]
    raw_rank = int(positions.rank_values(raw["value"], "hausse")[raw["code"] == "59"].iloc[0])
    assert raw_rank <= 3 and ref["Rang"] != raw_rank
    assert ref["Valeur"] == float(raw.loc[raw["code"] == "59", "value"].iloc[0])  # the count is still shown
    view = comparer.ranking_view(demo_db, "CALPAE-1.1.1-REF", int(ref["Année"]), "59")
    assert "Valeur classée" in view.table.columns and "dénominateur" in view.caveats[0]
    assert cat.at["CALPAE-1.1.1-REF", "rate_base"] == "CALPAE-1.1.1-MAJ" and len(terr) == 101


def test_the_floor_of_the_40_percent_poverty_rate_is_shown_le_and_not_ranked(demo_db):
    view = t0.t0_view(demo_db, "38", "departement", 2021)
    row = view.display.set_index("Indicateur").loc["Taux de pauvreté au seuil de 40 %"]
    assert row["Valeur"] == f"≤ 5,0{NBSP}%"
    assert row["Rang"] == "non classé" and row["Quartile"] == "–"
    assert row["Situation / médiane nationale"] == "non classé"
    number = view.table.set_index("Code").loc["STAT-TP40"]
    assert bool(number["Valeur plancher"]) and pd.isna(number["Rang"])


def test_a_count_without_denominator_has_no_rank_on_the_demo(demo_db):
    table = t0.load_t0_table(demo_db, "59", 2022).set_index("Code")
    inst = table.loc["CDPPE-3-INST"]
    assert pd.isna(inst["Rang"]) and pd.isna(inst["Quartile"])
    assert inst["Motif de non-classement"] == "effectif sans dénominateur : non classé"
    assert inst["Situation / médiane nationale"] == "non classé"


def test_a_departement_change_draws_the_ranking_from_values_read_once(demo_db):
    """Comparer's ranking of one indicator and year is read once for every département: each département's view
    drawn from it is the view read for that département alone (its bar, its peers, the same table and caveats),
    with or without the reference-definition filter, and the values read are left as they were."""
    from levier.views.common import load_peer_inputs, peer_group_of

    inputs = load_peer_inputs(demo_db)
    for reference_only in (False, True):
        data = comparer.ranking_data(demo_db, "CALPAE-1.1.1-REF", 2021, reference_only)
        before = data.pos.table.copy()
        for code in ("38", "59", "971", None):
            peers = tuple(peer_group_of(inputs, code).codes) if code else ()
            shared = comparer.ranking_view_of(data, code, peers)
            fresh = comparer.ranking_view(demo_db, "CALPAE-1.1.1-REF", 2021, code, peers, reference_only)
            pd.testing.assert_frame_equal(shared.table, fresh.table)
            assert shared.caveats == fresh.caveats and shared.figure.to_json() == fresh.figure.to_json()
            if code:
                bar = next(t for t in shared.figure.data if t.type == "bar")
                assert len(set(bar.marker.color)) > 1  # the département and its peers stand out
        pd.testing.assert_frame_equal(data.pos.table, before)


@pytest.mark.parametrize("indicator, period", [("CALPAE-1.1.1-REF", 2021), ("STAT-TP60", 2020)])
def test_the_rankings_caveats_from_declarations_read_once_are_those_read_again(demo_db, indicator, period):
    """ranking_data reads an indicator's declarations once for who is compared and who is ranked: the caveats are
    those comparison_caveats gives reading the declarations and the catalogue itself."""
    data = comparer.ranking_data(demo_db, indicator, period)
    again = comparer.comparison_caveats(demo_db, [indicator], data.pos.ranked["code"].tolist(), period=period)
    assert list(data.caveats) == again
    assert len(again) == (2 if indicator.startswith("CALPAE") else 0)  # variants mixed, declarative data
    read_again = comparer.comparability(demo_db, indicator, data.pos.table["code"].tolist(), period)
    for name in ("indicator", "period", "mixed", "reference_only", "undeclared"):
        assert getattr(data.comp, name) == getattr(read_again, name)
    for name in ("variants", "matrix"):
        pd.testing.assert_frame_equal(getattr(data.comp, name), getattr(read_again, name))
