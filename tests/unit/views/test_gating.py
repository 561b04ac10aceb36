"""Quality gates loaded from a database: planted returns imported the normal way (a Gironde-like unit slip, a count
frozen three years, targets), answers computed by hand; then the real demo case (Gironde 2021 on the demo database)
and the time a call costs."""

from __future__ import annotations

import math
import time

import pandas as pd
import pytest

from levier.analysis import positions
from levier.analysis.quality import ERROR, WARNING
from levier.ingest.returns import import_returns
from levier.store import derived as derived_store
from levier.store.db import Database, Query
from levier.views import gating, mi_parcours, qualite

OR1M, NE, OR1M_TX, ACC = "CALPAE-3.1.1-OR1M", "CALPAE-3.1.1-NE", "CALPAE-3.1.1-OR1M-TX", "CALPAE-2.1.2-ACC"
OTHERS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"]


def long_csv(rows: list[list[str]]) -> bytes:
    header = ["territoire", "indicateur", "periode", "valeur", "cible", "annee_cible"]
    lines = [";".join(header)] + [";".join(r + [""] * (len(header) - len(r))) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


@pytest.fixture
def planted(db):
    """Twelve départements, 2019–2021. The eleven others: 960, 980, 1 000 new entrants, of whom 290 + 50 i,
    295 + 50 i, 300 + 50 i oriented within a month (2021 rates 30 %, 35 % … 80 %). Gironde: 7 000, 7 200, 7 428
    entrants, 3 000, 3 200 then 75 oriented (a percentage typed for a count). Haute-Vienne (87) in place of 11 for
    the accueil count: 500 three years running (frozen); the others 400 + 20 i + 7 (year − 2019)(i + 1).
    Targets: Gironde and 01 aim at 3 600 and 320 oriented in 2022 (T0 2019)."""
    targets = {("33", 2019): ["3600", "2022"], ("01", 2019): ["320", "2022"]}
    rows = []
    for i, dep in enumerate(OTHERS):
        for k, year in enumerate((2019, 2020, 2021)):
            rows.append([dep, NE, str(year), str(960 + 20 * k)])
            rows.append([dep, OR1M, str(year), str(290 + 5 * k + 50 * i)] + targets.get((dep, year), []))
    for year, ne, ori in ((2019, 7000, 3000), (2020, 7200, 3200), (2021, 7428, 75)):
        rows += [["33", NE, str(year), str(ne)], ["33", OR1M, str(year), str(ori)] + targets.get(("33", year), [])]
    for i, dep in enumerate(OTHERS[:-1] + ["87"]):
        for k, year in enumerate((2019, 2020, 2021)):
            rows.append([dep, ACC, str(year), "500" if dep == "87" else str(400 + 20 * i + 7 * k * (i + 1))])
    report = import_returns(db, long_csv(rows), "retours_plantes.csv")
    assert report.ok, report.summary()
    return db


def ranking(db: Database, indicator: str, period: int) -> pd.DataFrame:
    return db.read(Query.INDICATOR_VALUES_BY_TERRITORY, {"indicator": indicator, "period": period, "level": "departement"})


def test_the_unit_slip_and_its_rate_are_not_ranked_and_the_others_rank_as_if_absent(planted):
    gated = gating.gate_values(planted, ranking(planted, OR1M_TX, 2021), indicator=OR1M_TX, period=2021)
    assert "indicator" not in gated.columns  # the frame comes back with its own columns, plus the two gates
    pos = positions.positions(gated, "hausse")
    gironde = pos.row("33")
    assert gironde["value"] == pytest.approx(100 * 75 / 7428)  # 1,0 %: still shown
    assert pd.isna(gironde["rank"]) and gironde["assessment_nat"] == positions.UNRANKED
    assert gironde["unranked_reason"] == (f"contrôle qualité du numérateur {OR1M} : rupture de série ; unité douteuse "
                                          "(voir la page Qualité des données)")
    # 30 % … 80 %: 11 ranked, median 55 % (52,5 % if the 1,0 % were counted), 80 % first.
    assert pos.n_ranked == 11 and pos.nat_median == pytest.approx(55.0)
    assert pos.row("11")["rank"] == 1 and pos.row("01")["rank"] == 11 and pos.row("01")["quartile"] == 4
    # Earlier years are clean: Gironde's 2020 rate (44,4 %) is ranked 4th from the bottom among 12.
    y2020 = positions.positions(gating.gate_values(planted, ranking(planted, OR1M_TX, 2020), indicator=OR1M_TX,
                                                   period=2020), "hausse")
    assert y2020.n_ranked == 12 and y2020.row("33")["rank"] == 9


def test_the_frozen_count_is_ranked_but_marked(planted):
    pos = positions.positions(gating.gate_values(planted, ranking(planted, ACC, 2021), indicator=ACC, period=2021),
                              "hausse")
    hv = pos.row("87")
    # 2021 values of the ten others: 400 + 20 i + 14 (i + 1) = 414 … 720; 500 is above 414, 448, 482 -> rank 8 of 11.
    assert hv["rank"] == 8 and pos.n_ranked == 11
    assert hv["quality_warning"] == ("contrôle qualité : valeur identique aux années précédentes "
                                     "(voir la page Qualité des données)")
    assert pd.isna(hv["unranked_reason"]) and pd.isna(pos.row("01")["quality_warning"])


def test_trajectories_with_a_rejected_current_value_get_no_status(planted):
    out = mi_parcours.load_target_tracking(planted, "33", 2019, current_period=2021).set_index("indicator")
    slip = out.loc[OR1M]
    assert slip["status"] == positions.STATUS_EXCLUDED and math.isnan(slip["attainment"])
    assert slip["status_reason"] == ("dernière valeur (2021) écartée, contrôle qualité : rupture de série ; unité "
                                     "douteuse (voir la page Qualité des données)")
    shown = mi_parcours.tracking_display(out.reset_index())
    assert shown["Statut"].iloc[0] == "non évaluable" and shown["Motif"].iloc[0].startswith("dernière valeur (2021)")
    assert list(shown.columns[:3]) == ["Indicateur", "Statut", "Motif"]
    one = mi_parcours.load_target_assessment(planted, "33", OR1M, 2019, current_period=2021)
    assert one.status == positions.STATUS_EXCLUDED and len(one.path) == 4
    # 01 is clean: 290 at T0 (2019), 320 aimed at in 2022, expected 310 in 2021, 300 reached -> 50 %, late.
    clean = mi_parcours.load_target_tracking(planted, "01", 2019, current_period=2021).set_index("indicator").loc[OR1M]
    assert clean["attainment"] == pytest.approx(50.0) and clean["status"] == positions.STATUS_LATE
    assert positions.STATUS_EXCLUDED in mi_parcours.STATUS_RULE


def test_gates_of_a_few_indicators_are_those_of_the_full_quality_run(planted):
    everything = gating.load_gates(planted)
    assert set(zip(everything["territory_code"], everything["indicator"], everything["period"], everything["severity"])) == {
        ("33", OR1M, 2021, ERROR), ("33", OR1M_TX, 2021, ERROR), ("87", ACC, 2020, WARNING), ("87", ACC, 2021, WARNING)}
    for wanted in ([OR1M_TX], [OR1M], [NE], [ACC], [ACC, OR1M_TX]):
        few = gating.load_gates(planted, wanted)
        expected = everything[everything["indicator"].isin(wanted)].reset_index(drop=True)
        pd.testing.assert_frame_equal(few, expected, check_dtype=False)
    assert gating.load_gates(planted, [], "departement").empty
    assert gating.load_gates(planted, [OR1M_TX], "epci").empty


def test_the_quality_page_says_what_the_findings_do_to_the_figures(planted):
    bundle = qualite.quality_bundle(planted)
    summary = qualite.checks_summary(bundle, qualite.perimeter_of(bundle)).set_index("Contrôle")["Gravité"]
    assert summary["Unités incohérentes avec le catalogue"] == "erreur : écartée des classements"
    assert summary["Valeurs identiques plusieurs années de suite"] == "avertissement : signalée"
    assert "si impossible" in summary["Déclaré et statistique publique"]
    for words in ("écartées des rangs", "trajectoires", "coûts", "seulement **signalées**"):
        assert words in qualite.GATING_NOTE


# ---------------------------------------------------------------------------------------------------------------
# The real demo case


def test_gironde_2021_on_the_demo_is_shown_but_not_ranked(demo_db_path, capsys):
    db = Database(demo_db_path)
    frame = ranking(db, OR1M_TX, 2021)
    raw = positions.positions(frame, "hausse")
    assert raw.row("33")["rank"] == raw.n_ranked == 101  # main's reading: 1,0 %, 101/101 « défavorable »
    timings = []
    for _ in range(3):
        t0 = time.perf_counter()
        gated = gating.gate_values(db, frame, indicator=OR1M_TX, period=2021)
        timings.append(time.perf_counter() - t0)
    pos = positions.positions(gated, "hausse")
    gironde = pos.row("33")
    assert pd.isna(gironde["rank"]) and "unité douteuse" in gironde["unranked_reason"]
    assert pos.n_ranked == 100
    others = frame[frame["code"] != "33"]["value"].dropna()
    assert pos.nat_median == pytest.approx(float(others.median()))
    t0 = time.perf_counter()
    every = gating.load_gates(db)
    full = time.perf_counter() - t0
    assert set(every["severity"]) == {ERROR, WARNING}
    with capsys.disabled():
        print(f"\n[benchmark] gate_values, one indicator-year on the national demo: best {min(timings):.2f} s "
              f"(worst {max(timings):.2f} s); every indicator: {full:.2f} s")


def test_the_t0_page_of_gironde_shows_the_unit_slip_unranked_with_its_reason_and_the_others_ranked(planted):
    from levier.views import t0  # the T0 view: the gates reach it through views.common.ranking_values

    view = next(t0.t0_views(planted, "departement", 2021, ["33"], indicators=[OR1M_TX, OR1M, NE]))
    rate = view.table.set_index("Code").loc[OR1M_TX]
    assert rate["Valeur"] == pytest.approx(100 * 75 / 7428)  # 1,0 % still shown …
    assert pd.isna(rate["Rang"]) and pd.isna(rate["Quartile"])  # … never ranked 12/12 « défavorable »
    assert "unité douteuse" in rate["Motif de non-classement"] and "Qualité" in rate["Motif de non-classement"]
    assert rate["Situation / médiane nationale"] == "non classé"
    assert rate["Territoires classés"] == 11
    # the national median is the others' alone: 2021 rates (300 + 50 i) / 1 000, i = 0…10 → median 55 %
    assert rate["Médiane nationale"] == pytest.approx(55.0)
    shown = view.display.set_index("Code").loc[OR1M_TX]
    assert shown["Rang"] == "non classé" and "unité douteuse" in shown["Motif de non-classement"]
    other = next(t0.t0_views(planted, "departement", 2021, ["01"], indicators=[OR1M_TX])).table.iloc[0]
    assert other["Rang"] == 11 and other["Territoires classés"] == 11  # 30 %: the lowest of eleven ranked


# --- Derived gates (issue 16): the publication step's table, read by lookup, gives the live frame ------------------


@pytest.mark.parametrize("wanted", [None, [OR1M_TX, NE], [ACC], [OR1M], ["PACTE-2-NE"]])
def test_derived_gates_are_the_gates_computed_live(demo_db, wanted):
    assert derived_store.available(demo_db)  # the demo is published: its derived tables are current
    for level in ("departement", "epci"):
        stored = gating.derived_gates(demo_db, wanted, level)
        live = gating.live_gates(demo_db, wanted, level)
        pd.testing.assert_frame_equal(stored, live, check_dtype=not live.empty)
        assert gating.load_gates(demo_db, wanted, level) is not None
    if wanted is None:
        assert len(stored) == 0 and len(gating.derived_gates(demo_db, None, "departement")) > 0


def test_rankings_gated_from_the_derived_table_are_those_gated_live(demo_db, monkeypatch):
    from levier.views import common

    cat = common.catalogue(demo_db)
    values = common.load_values(demo_db, "departement", [OR1M_TX, ACC, NE])
    stored = common.ranking_values(demo_db, values, cat)
    gironde = stored[(stored["code"] == "33") & (stored["indicator"] == OR1M_TX) & (stored["period"] == 2021)]
    assert gironde["unranked_reason"].str.contains("unité douteuse").all() and len(gironde) == 1
    monkeypatch.setattr(derived_store, "available", lambda _db: False)
    live = common.ranking_values(demo_db, values, cat)
    pd.testing.assert_frame_equal(stored, live)


def test_a_scoped_user_reads_no_derived_quality_row_of_another_territory(demo_db):
    from levier.rights.scope import Role, Scope
    from tests.queries import ProbeQuery

    everything = demo_db.read(ProbeQuery.VISIBLE_DERIVED_QUALITY_ROWS)
    assert {"quality_gates", "quality_cells", "quality_findings", "quality_frames", "indicator_catalogue",
            "indicator_coverage"} <= set(everything["derived_table"])
    assert (everything["territory_code"] != "33").any()
    gironde = demo_db.with_scope(Scope.territorial("agent@gironde.fr", Role.DEPARTEMENTAL, {"33"}))
    seen = gironde.read(ProbeQuery.VISIBLE_DERIVED_QUALITY_ROWS)
    assert seen["is_public"].all()  # only rows computed from public statistics alone: none of another territory
    assert seen["territory_code"].isna().all() and set(seen["derived_table"]) == {"indicator_catalogue",
                                                                                   "indicator_coverage"}
    assert not derived_store.available(gironde)
    assert derived_store.available(demo_db)
    gates = gating.load_gates(gironde, [OR1M_TX], "departement")  # served live, from what the user reads
    assert set(gates["territory_code"]) <= {"33"}
