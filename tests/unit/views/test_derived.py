"""The publication step's derived positions: current after publication only, the same figures as the live
computation, nothing a user may not read handed over."""

from __future__ import annotations

import pandas as pd
import pytest

from levier.analysis import positions
from levier.rights.scope import Role, Scope
from levier.store import derived
from levier.store.db import Query
from levier.views import common, t0


def _same_figures(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Frame equality where a missing text is missing whether pandas holds it as None or NaN."""
    def norm(f):
        f = f[sorted(f.columns)].copy()
        for col in f.columns:
            if not pd.api.types.is_numeric_dtype(f[col]) and not pd.api.types.is_bool_dtype(f[col]):
                f[col] = f[col].astype(object).where(f[col].notna(), None)
        return f.reset_index(drop=True)
    pd.testing.assert_frame_equal(norm(a), norm(b), check_dtype=False)


def _current(db) -> bool:
    with db.reader() as r:
        return derived.is_current(r)


def _live_t0_data(db, level: str) -> t0.T0Data:
    """What load_t0_data computes when the derived tables do not serve."""
    data = t0.load_t0_data(db, level)
    values, stats = t0.positioned_values(db, level, data.territories, data.catalogue, sorted(set(data.catalogue["code"])))
    return t0.T0Data(level, data.territories, data.catalogue, values, stats)


def test_the_demo_database_arrives_with_current_derived_tables_and_a_write_makes_them_stale(demo_db):
    assert derived.available(demo_db)
    with demo_db.reader() as r:
        assert r.rows(Query.DATA_STATE)[0][0] == r.rows(Query.DATA_STATE)[0][1]
    with demo_db.transaction():
        pass  # any write moves the data version on
    assert not _current(demo_db) and not derived.available(demo_db)
    # Served live meanwhile: the same T0 table either way (the publication step is levier demo's, run for the fixture).
    assert len(t0.load_t0_table(demo_db, "38", 2023)) > 100


@pytest.mark.parametrize("level, codes", [("departement", ["38", "973", "2A"]), ("epci", ["200040715"])])
def test_the_t0_table_read_from_derived_positions_is_the_live_one(demo_db, level, codes):
    stored = t0.load_t0_data(demo_db, level)
    live = _live_t0_data(demo_db, level)
    assert len(stored.values) == len(live.values) > 10_000
    peers = list(stored.territories["code"].iloc[:6])
    for code in codes:
        a = t0.t0_table_of(stored, demo_db.scope, code, 2023, peers)
        b = t0.t0_table_of(live, demo_db.scope, code, 2023, peers)
        assert len(a) > 40
        pd.testing.assert_frame_equal(a, b)


def test_isere_poverty_rate_rank_is_the_one_a_ranking_of_all_departements_gives(demo_db):
    """Planted nothing: the Isère's rank on the poverty rate, from the derived table, against a rank recomputed by
    hand from the stored values (1 = lowest rate, ties share the smaller rank)."""
    data = t0.load_t0_data(demo_db, "departement")
    v = data.values[(data.values["indicator"] == "STAT-TP60") & (data.values["period"] == 2020)]
    ranked = v[v["value"].notna() & v["unranked_reason"].isna()]
    isere = ranked.loc[ranked["code"] == "38"].iloc[0]
    by_hand = 1 + int((ranked["value"] < isere["value"]).sum())
    assert isere["rank"] == by_hand and isere["n_ranked"] == len(ranked) >= 95
    assert isere["nat_median"] == pytest.approx(float(ranked["value"].median()))


def test_ranking_values_served_from_derived_rows_equal_the_live_computation(demo_db, monkeypatch):
    cat = common.catalogue(demo_db)
    frames = [
        demo_db.read(Query.INDICATOR_VALUES_BY_TERRITORY, {"indicator": ind, "period": per, "level": "departement"})
        .assign(indicator=ind, period=per)
        for ind, per in (("CALPAE-3.1.1-OR1M-TX", 2021), ("STAT-ASE-ACCUEILLIS", 2019), ("STAT-TP60", 2020))
    ]
    served = [common.ranking_values(demo_db, f, cat, "departement") for f in frames]
    assert all(common.stored_ranking_values(demo_db, f, "departement") is not None for f in frames)
    monkeypatch.setattr(derived, "is_current", lambda reader: False)
    for frame, got in zip(frames, served):
        live = common.ranking_values(demo_db, frame, cat, "departement")
        _same_figures(got, live)


def test_a_frame_whose_values_are_not_the_stored_ones_is_ranked_live(demo_db):
    frame = demo_db.read(Query.INDICATOR_VALUES_BY_TERRITORY,
                         {"indicator": "STAT-TP60", "period": 2020, "level": "departement"}).assign(
        indicator="STAT-TP60", period=2020)
    assert common.stored_ranking_values(demo_db, frame, "departement") is not None
    planted = frame.assign(value=frame["value"] + 1.0)
    assert common.stored_ranking_values(demo_db, planted, "departement") is None


def test_a_departemental_user_reads_public_derived_rows_only(demo_db):
    isere = demo_db.with_scope(Scope.territorial("d@x.fr", Role.DEPARTEMENTAL, {"38"}))
    assert _current(isere) and not derived.available(isere)  # positions of contract data: computed live
    with isere.reader() as r:
        rows = r.df(Query.T0_VALUES_OF_LEVEL, {"level": "departement",
                                                "codes": sorted(set(common.catalogue(demo_db)["code"]))})
        stats = r.df(Query.T0_STATS_OF_LEVEL, {"level": "departement",
                                                "codes": sorted(set(common.catalogue(demo_db)["code"]))})
    public = set(common.catalogue(demo_db).query("programme == 'STAT'")["code"])
    assert len(rows) > 10_000 and set(rows["indicator"]) <= public
    assert len(stats) > 1_000 and set(stats["indicator"]) <= public
    # The same user's T0 table is computed from what they read, as before the derived tables.
    table = t0.load_t0_table(isere, "38", 2023)
    assert "CALPAE-3.1.1-OR1M-TX" in set(table["Code"])


def test_the_comparison_set_of_an_epci_is_its_nature(demo_db):
    terr = common.load_territories(demo_db, "epci")
    sets = positions.comparison_sets(terr, "epci")
    assert sets["200046977"] == "METRO"  # Métropole de Lyon (MET69) compared with the métropoles
    assert (sets == "CC").sum() > 900
