"""Series loaded from a database: planted DREES RSA facts with the 2016 break and provisional 2019 values (the codes
the drees slice imports), medians over départements only, counts drawn as rates; then real Filosofi on the demo.

Planted counts are population × rate ÷ 1 000 with the real COG populations, so each rate per 1 000 inhabitants is the
round number written below, and every median and change is computed by hand from them."""

from __future__ import annotations

import pandas as pd
import pytest

from levier.core.periods import PROVISIONAL_COMMENT
from levier.store.db import Database, Query
from levier.views import series
from levier.views.t0 import load_t0_data
from tests.queries import ProbeQuery

OLD, NEW, MONTHLY = "STAT-RSA-SOCLE-ALLOCATAIRES", "STAT-RSA-ALLOCATAIRES", "STAT-RSA-MOIS"
# Rates per 1 000 inhabitants. RSA socle 2014–2016; RSA 2016–2019 (2019 provisional).
OLD_RATES = {"38": (10, 11, 12), "69": (20, 21, 22), "01": (5, 6, 7), "73": (8, 9, 10), "59": (40, 41, 42)}
NEW_RATES = {"38": (15, 16, 17, 19), "69": (25, 26, 26, 26), "01": (9, 10, 11, 12), "73": (11, 12, 13, 13),
             "59": (50, 51, 50, 49)}


def _indicator(code: str, label: str, before: str | None = None, periodicity: str = "annuelle") -> dict:
    return {"code": code, "label": label, "programme": "STAT", "kind": "contexte", "unit": "personnes",
            "direction": "baisse", "periodicity": periodicity, "source": "DREES, minima sociaux",
            "definition": label, "source_table": "Minima sociaux - données départementales, tableau T11",
            "series_before": before, "rate_base": "population", "rate_scale": 1000.0, "rate_noun": "habitants"}


def plant(db: Database) -> dict[str, float]:
    pop = db.read(Query.TERRITORIES_OF_LEVEL, {"level": "departement"}).set_index("code")["population"]
    facts = []

    def fact(level, code, indicator, period, value, comment=None):
        facts.append({"territory_level": level, "territory_code": code, "indicator": indicator, "period": period,
                      "measure": "valeur", "value": value, "missing_reason": None, "comment": comment})

    for dep, rates_ in OLD_RATES.items():
        for year, r in zip((2014, 2015, 2016), rates_):
            fact("departement", dep, OLD, year, pop[dep] * r / 1000)
    for dep, rates_ in NEW_RATES.items():
        for year, r in zip((2016, 2017, 2018, 2019), rates_):
            fact("departement", dep, NEW, year, pop[dep] * r / 1000, PROVISIONAL_COMMENT if year == 2019 else None)
    # The Métropole de Lyon as DREES gives it (level collectivite): never in a median over départements.
    fact("collectivite", "69M", NEW, 2017, 1e9)
    for dep in ("38", "69"):  # a monthly series: kept out of the yearly charts
        for month in (201901, 201902, 201903):
            fact("departement", dep, MONTHLY, month, 1000.0)
    cat = pd.DataFrame([_indicator(OLD, "Allocataires du RSA socle"), _indicator(NEW, "Allocataires du RSA", OLD),
                        _indicator(MONTHLY, "Allocataires du RSA (mois)", periodicity="mensuelle")])
    with db.transaction() as w:
        w.execute(ProbeQuery.DELETE_INDICATORS_BY_CODE, {"codes": [OLD, NEW, MONTHLY]})
        w.insert(Query.INSERT_CATALOGUE_INDICATOR, cat)
        w.insert_facts(pd.DataFrame(facts), 9001, pd.Timestamp("2026-12-05"), False)
    return pop.to_dict()


@pytest.fixture
def planted(db):
    plant(db)
    return db


def test_a_series_and_the_one_it_continues_form_one_family(planted):
    cat = series.load_catalogue(planted)
    fam = series.families(cat)
    assert fam[NEW] == [OLD, NEW] and OLD not in fam
    choices = series.series_choices(planted, "38")
    row = choices.set_index("head").loc[NEW]
    assert row["periods"] == [2014, 2015, 2016, 2017, 2018, 2019]
    assert MONTHLY not in set(choices["head"])  # monthly values are not a yearly series


def test_medians_are_of_rates_over_departements_only(planted):
    data = series.load_series_data(planted, [NEW])
    m = data.medians[(data.medians["indicator"] == NEW) & (data.medians["period"] == 2017)]
    nat = m[m["scope"] == "national"].iloc[0]
    # 2017 rates 16, 26, 10, 12, 51 → median 16 over 5 départements; the 69M billion is not one of them.
    assert nat["value"] == pytest.approx(16.0) and nat["n"] == 5
    ara = m[(m["scope"] == "regional") & (m["reg"] == "84")].iloc[0]
    assert ara["value"] == pytest.approx(14.0) and ara["n"] == 4  # 16, 26, 10, 12


def test_the_chart_draws_the_rate_in_two_segments_with_the_published_count_in_the_hover(planted):
    pop = plant(planted)
    data = series.load_series_data(planted, [NEW])
    fig = series.series_figure(data, NEW, "38", "Isère (38)", "84", "Auvergne-Rhône-Alpes")
    assert fig.layout.title.text == "Allocataires du RSA (pour 1\u00a0000 habitants)"
    own = [t for t in fig.data if t.name == "Isère (38)"]
    assert [list(t.x) for t in own] == [[2014, 2015, 2016], [2016, 2017, 2018, 2019]]
    assert list(own[1].y) == pytest.approx([15, 16, 17, 19])
    assert list(own[1].marker.symbol)[-1] == "circle-open" and "(provisoire)" in own[1].hovertext[-1]
    count_2017 = round(pop["38"] * 16 / 1000)
    assert f"{count_2017:,}".replace(",", "\u00a0") in own[1].hovertext[1]
    caption = next(a.text for a in fig.layout.annotations if a.name == "source").replace("<br>", " ")
    assert "Source : DREES, minima sociaux — Minima sociaux - données départementales, tableau T11, 2014–2019." in caption
    assert "Rupture de série en 2016" in caption and "pour 1\u00a0000 habitants" in caption
    assert {t.name for t in fig.data} == {"Isère (38)", "Médiane nationale", "Médiane Auvergne-Rhône-Alpes"}


def test_a_change_is_refused_across_the_break_and_ranked_within_a_series(planted):
    data = series.load_series_data(planted, [NEW])
    refused = series.change_view(data, NEW, 2014, 2019, "38")
    assert refused.figure is None
    assert refused.refusal.startswith("Évolution refusée : une rupture de série sépare 2014 et 2019.")
    assert "Rupture de série en 2016" in refused.refusal
    assert "Aucune valeur publiée en 2013" in series.change_view(data, NEW, 2013, 2019, "38").refusal
    assert series.change_view(data, NEW, 2014, 2016, "38").indicator == OLD  # both in the socle series
    view = series.change_view(data, NEW, 2016, 2019, "38")
    assert view.refusal == "" and view.indicator == NEW
    # Changes in rate points: 59 −1, 69 +1, 73 +2, 01 +3, 38 +4; a fall is favourable (direction « baisse »).
    assert list(view.table["Code"]) == ["59", "69", "73", "01", "38"]
    assert list(view.table["Évolution (pour 1\u00a0000 habitants)"]) == pytest.approx([-1, 1, 2, 3, 4])
    # Médiane des évolutions: ARA (38 +4, 69 +1, 01 +3, 73 +2) → +2,5; France (and 59 −1) → +2.
    assert view.caveats[0] == ("Isère : +4,0\u00a0pour 1\u00a0000 habitants, rang 5 / 5 ; médiane des évolutions : "
                               "Auvergne-Rhône-Alpes +2,5\u00a0pour 1\u00a0000 habitants, France +2,0\u00a0pour "
                               "1\u00a0000 habitants.")
    assert any("Valeurs provisoires" in c and "2019" in c for c in view.caveats)


def test_real_filosofi_median_income_of_isere_from_2015_to_2020(demo_db):
    # FILO2015_DISP_DEP.csv Q215 for 38: 21 672,9 €; FILO2020_DISP_DEP.csv Q220: 23 580 € → +1 907,1 €.
    data = series.load_series_data(demo_db, ["STAT-Q2"])
    view = series.change_view(data, "STAT-Q2", 2015, 2020, "38")
    isere = view.table.set_index("Code").loc["38"]
    assert isere["Valeur 2015"] == pytest.approx(21672.9) and isere["Valeur 2020"] == pytest.approx(23580.0)
    assert isere["Évolution (€)"] == pytest.approx(1907.1)
    fig = series.series_figure(data, "STAT-Q2", "38", "Isère (38)", "84", "Auvergne-Rhône-Alpes")
    own = next(t for t in fig.data if t.name == "Isère (38)")
    assert list(own.x) == list(range(2014, 2021)) and own.y[1] == pytest.approx(21672.9)
    caption = next(a.text for a in fig.layout.annotations if a.name == "source").replace("<br>", " ")
    assert caption.startswith("Source : INSEE, Filosofi, 2014–2020.")


def test_a_value_a_quality_check_rejects_is_drawn_red_and_left_out_of_the_medians(demo_db):
    # Demo Gironde 2021: 35 « orientés en 1 mois » typed for 7 428 new entrants (0,5 %), rejected by the checks.
    code = "CALPAE-3.1.1-OR1M-TX"
    data = series.load_series_data(demo_db, [code])
    v = data.values[(data.values["indicator"] == code) & (data.values["period"] == 2021)]
    rankable = v[v["value"].notna() & v["unranked_reason"].isna()]
    assert "33" in set(v["code"]) and "33" not in set(rankable["code"])
    nat = data.medians[(data.medians["indicator"] == code) & (data.medians["period"] == 2021)
                       & (data.medians["scope"] == "national")].iloc[0]
    assert nat["n"] == len(rankable) and nat["value"] == pytest.approx(rankable["value"].median())
    fig = series.series_figure(data, code, "33", "Gironde (33)", "75", "Nouvelle-Aquitaine")
    own = next(t for t in fig.data if t.name == "Gironde (33)")
    i = list(own.x).index(2021)
    assert own.y[i] == pytest.approx(100 * 35 / 7428)
    assert own.marker.symbol[i] == "x" and own.marker.color[i] == "#E1000F"
    assert "non compté dans les médianes : contrôle qualité" in own.hovertext[i]
    assert sum(c == "#E1000F" for c in own.marker.color) == 1  # the only red point of the chart


def test_a_count_without_denominator_is_drawn_as_published_without_medians(db):
    code = "STAT-TEST-EFFECTIF"  # planted: a count the catalogue gives no denominator (rate_base « aucun »)
    ind = {**_indicator(code, "Effectif planté"), "rate_base": "aucun", "rate_scale": None, "rate_noun": None}
    facts = pd.DataFrame([{"territory_level": "departement", "territory_code": dep, "indicator": code,
                           "period": year, "measure": "valeur", "value": float(v), "missing_reason": None,
                           "comment": None}
                          for dep, vals in (("38", (1200, 1300)), ("01", (300, 310))) for year, v in zip((2018, 2019), vals)])
    with db.transaction() as w:
        w.execute(ProbeQuery.DELETE_INDICATORS_BY_CODE, {"codes": [code]})
        w.insert(Query.INSERT_CATALOGUE_INDICATOR, pd.DataFrame([ind]))
        w.insert_facts(facts, 9002, pd.Timestamp("2026-12-05"), False)
    data = series.load_series_data(db, [code])
    fig = series.series_figure(data, code, "38", "Isère (38)", "84", "Auvergne-Rhône-Alpes")
    assert [t.name for t in fig.data] == ["Isère (38)"]  # no median of counts
    assert list(fig.data[0].y) == [1200.0, 1300.0] and fig.layout.title.text == "Effectif planté"
    caption = next(a.text for a in fig.layout.annotations if a.name == "source").replace("<br>", " ")
    assert "Effectif sans dénominateur : montré tel que publié, sans médiane" in caption
    assert "Médianes sur les départements" not in caption
    refused = series.change_view(data, code, 2018, 2019, "38")
    assert refused.figure is None and refused.refusal.startswith("Effectif sans dénominateur")


def test_the_t0_pages_ranked_values_give_the_same_series(planted):
    base = load_t0_data(planted, "departement")
    reused = series.series_data_from(planted, base.values, base.territories, [NEW])
    loaded = series.load_series_data(planted, [NEW])
    cols = ["indicator", "period", "scope", "reg", "value", "n"]
    key = ["indicator", "period", "scope", "reg"]
    pd.testing.assert_frame_equal(reused.medians[cols].sort_values(key).reset_index(drop=True),
                                  loaded.medians[cols].sort_values(key).reset_index(drop=True), check_dtype=False)
    flags = reused.values[reused.values["provisional"]]
    assert set(flags["period"]) == {2019} and len(flags) == 5


def test_every_familys_series_read_from_the_stored_positions_are_the_ones_ranked_from_the_values(demo_db):
    """Panorama draws its series from the positions stored at publication when they serve the user (as the T0
    page does): for every family of the demo, the same values, bases, reasons, provisional marks and medians as the
    values read and ranked; a départemental user, whom they do not serve, gets the values ranked."""
    from levier.rights.scope import Role, Scope
    from levier.views import common

    assert series.positions_serve(demo_db)
    cat = series.load_catalogue(demo_db)
    rows = common.level_rows(demo_db, "departement")
    heads = list(series.families(cat))
    assert len(heads) > 100
    drawn = ["code", "indicator", "period", "value", "raw_value", "missing_reason", "unranked_reason", "rank_basis",
             "rank_unit", "censored", "quality_warning", "provisional", "is_demo"]
    key, med_key = ["indicator", "code", "period"], ["indicator", "period", "scope", "reg"]
    compared = 0
    for start in range(0, len(heads), 20):
        chunk = heads[start:start + 20]
        ranked = series.load_series_data(demo_db, chunk, cat=cat, terr=rows[0])
        stored = series.load_series_data_positioned(demo_db, chunk, cat=cat, rows=rows)
        _same(ranked.values[drawn].sort_values(key), stored.values[drawn].sort_values(key))
        _same(ranked.medians.sort_values(med_key), stored.medians[list(ranked.medians.columns)].sort_values(med_key))
        compared += len(ranked.values)
    assert compared > 50_000
    isere = demo_db.with_scope(Scope.territorial("d@x.fr", Role.DEPARTEMENTAL, {"38"}))
    assert not series.positions_serve(isere)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Frame equality where a missing text is missing whether pandas holds it as None or NaN."""
    def norm(f):
        f = f.reset_index(drop=True).copy()
        for col in f.columns:
            if not pd.api.types.is_numeric_dtype(f[col]) and not pd.api.types.is_bool_dtype(f[col]):
                f[col] = f[col].astype(object).where(f[col].notna(), None)
        return f
    pd.testing.assert_frame_equal(norm(a), norm(b), check_dtype=False)


def test_provisional_marks_are_looked_up_only_for_the_indicators_that_hold_some(planted, demo_db, reads):
    """The series look up provisional marks only for the indicators the data version lists as holding some (the
    list is every indicator a look-up of all of them finds marked): a family without any reads none, and the marks
    of a family that has some are all found."""
    for db in (planted, demo_db):
        codes = list(series.load_catalogue(db)["code"])
        every = db.read(Query.PROVISIONAL_VALUES, {"level": series.LEVEL, "codes": codes,
                                                   "provisional": PROVISIONAL_COMMENT})
        with db.reader() as r:
            listed = {i for level, i in r.rows(Query.PROVISIONAL_INDICATORS) if level == series.LEVEL}
        assert listed and set(every["indicator"]) == listed
    reads.clear()
    cat = series.load_catalogue(demo_db)
    heads = [h for h, chain in series.families(cat).items() if not set(chain) & listed][:6]  # the demo's monthly
    plain = series.load_series_data_positioned(demo_db, heads, cat=cat)                   # series hold the marks
    assert "indicators/provisional_values" not in reads and len(plain.values) > 500
    assert not plain.values["provisional"].any()
    marked = series.load_series_data_positioned(planted, [NEW], cat=series.load_catalogue(planted))
    assert "indicators/provisional_values" in reads
    flags = marked.values[marked.values["provisional"]]
    assert set(zip(flags["code"], flags["period"])) == {(d, 2019) for d in NEW_RATES}


@pytest.mark.parametrize("code", ["38", "976", "2A", "59"])
def test_a_departements_t0_series_from_its_own_rows_are_the_ones_drawn_from_every_departement(demo_db, code):
    """A département's T0 page draws its series from the rows its T0 table was read with (its own and its peers'
    values, the statistics of its set and région), not every département's values again: for every family of the
    demo, the same figure as drawn from the whole level (medians, published years and breaks, ranking basis)."""
    from levier.views import common

    cat = series.load_catalogue(demo_db)
    rows = common.level_rows(demo_db, "departement")
    peers = common.peer_group_of(common.load_peer_inputs(demo_db, rows=rows), code)
    own = load_t0_data(demo_db, "departement", territories=(code, *peers.codes), rows=rows, tables_for=[code])
    terr = rows[0].set_index("code")
    heads = list(series.families(cat))
    compared = 0
    for start in range(0, len(heads), 60):
        chunk = tuple(sorted(heads[start:start + 60]))
        level = series.load_series_data_positioned(demo_db, chunk, cat=cat, rows=rows)
        mine = series.series_data_of_territories(demo_db, own, chunk, cat=cat)
        assert set(mine.values["code"]) <= {code, *peers.codes}
        # The years every département published (Mayotte's peers published fewer than the level).
        pd.testing.assert_frame_equal(mine.published_span, level.published_span)
        args = (code, terr.at[code, "name"], terr.at[code, "reg"], terr.at[code, "reg_name"])
        for (h1, f1), (h2, f2) in zip(series.series_figures(level, chunk, *args),
                                      series.series_figures(mine, chunk, *args), strict=True):
            assert h1 == h2 and f1.to_json() == f2.to_json(), (code, h1)
            compared += 1
    assert compared > 150


def test_a_departemental_users_t0_series_from_their_own_rows_are_the_ones_drawn_from_what_they_may_read(demo_db):
    """For a user the derived tables do not serve (a département's own staff), the T0 series from the rows their T0
    table was computed with are the figures drawn from every département's values they may read."""
    from levier.rights.scope import Role, Scope
    from levier.views import common

    isere = demo_db.with_scope(Scope.territorial("d@x.fr", Role.DEPARTEMENTAL, {"38"}))
    cat = series.load_catalogue(isere)
    rows = common.level_rows(isere, "departement")
    peers = common.peer_group_of(common.load_peer_inputs(isere, rows=rows), "38")
    own = load_t0_data(isere, "departement", territories=("38", *peers.codes), rows=rows, tables_for=["38"])
    heads = tuple(sorted(series.default_choices(series.series_choices(isere, "38", cat), [])))
    level = series.load_series_data_positioned(isere, heads, cat=cat, rows=rows)
    mine = series.series_data_of_territories(isere, own, heads, cat=cat)
    args = ("38", "Isère", "84", "Auvergne-Rhône-Alpes")
    figures = list(zip(series.series_figures(level, heads, *args), series.series_figures(mine, heads, *args)))
    assert len(figures) == len(heads) >= 4
    for (h1, f1), (h2, f2) in figures:
        assert h1 == h2 and f1.to_json() == f2.to_json(), h1
