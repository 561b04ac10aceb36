"""The publication step's derived positions: current after publication only, the same figures as the live
computation, nothing a user may not read handed over."""

from __future__ import annotations

import pandas as pd
import pytest

from levier.analysis import positions
from levier.rights.scope import Role, Scope
from levier.store import derived
from levier.store.db import Query
from levier.views import common, gating, mi_parcours, t0


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


@pytest.mark.parametrize("level, code", [("departement", "38"), ("departement", "971"), ("epci", "200040715")])
def test_a_territory_page_reads_its_own_rows_and_gets_the_table_the_whole_level_gives(demo_db, level, code):
    """load_t0_data(territories=…): the territory's and its peers' rows and its comparison set's statistics only,
    from the derived tables or computed live; its T0 table is the one the whole level's rows give."""
    whole = t0.load_t0_data(demo_db, level)
    peers = common.peer_group_of(common.load_peer_inputs(demo_db, level), code).codes
    own = t0.load_t0_data(demo_db, level, territories=(code, *peers))
    subset = t0._territory_rows(whole.territories, level, (code, *peers))
    live_own = t0.T0Data(level, whole.territories, whole.catalogue, *subset.keep(*t0.positioned_values(
        demo_db, level, whole.territories, whole.catalogue, sorted(set(whole.catalogue["code"])))))
    assert set(own.values["code"]) == {code, *peers} and len(own.values) < len(whole.values) / 5
    assert set(own.stats["reg"].dropna()) == set(whole.territories.set_index("code").loc[[code, *peers], "reg"])
    # As the app reads it (the table of the territory alone): its own rows whole; of its peers, the values that
    # enter their median and nothing else (no missing or unranked row, no rank, no région's statistics).
    alone = t0.load_t0_data(demo_db, level, territories=(code, *peers), tables_for=[code])
    assert set(alone.values["code"]) == {code}
    assert set(alone.stats["reg"].dropna()) == {whole.territories.set_index("code").at[code, "reg"]}
    assert len(alone.stats) < len(own.stats) or len(set(own.stats["reg"].dropna())) == 1
    live_alone = t0.T0Data(level, whole.territories, whole.catalogue, *t0._territory_rows(
        whole.territories, level, (code, *peers), [code]).keep(*t0.positioned_values(
            demo_db, level, whole.territories, whole.catalogue, sorted(set(whole.catalogue["code"])))))
    if peers:
        assert list(alone.peer_values.columns) == list(t0.PEER_VALUE_COLUMNS)
        theirs = whole.values[whole.values["code"].isin(peers)]
        rankable = theirs[theirs["value"].notna() & theirs["unranked_reason"].isna()]
        assert len(alone.peer_values) == len(rankable) < len(theirs) and set(alone.peer_values["code"]) == set(peers)
        pd.testing.assert_frame_equal(
            live_alone.peer_values.sort_values(["code", "indicator", "period"]).reset_index(drop=True),
            alone.peer_values.sort_values(["code", "indicator", "period"]).reset_index(drop=True), check_dtype=False)
        with pytest.raises(ValueError, match="médiane des pairs"):  # a peer's table is not made from these rows
            t0.t0_table_of(alone, demo_db.scope, peers[0], 2023, [code])
    else:  # no peers (an overseas département): nothing read apart
        assert alone.peer_values is None and live_alone.peer_values is None
    for year in (2023, 2020):
        expected = t0.t0_table_of(whole, demo_db.scope, code, year, peers)
        assert len(expected) > 20 and (expected["Médiane des pairs"].notna().sum() > 20) == bool(peers)
        for data in (own, live_own, alone, live_alone):
            pd.testing.assert_frame_equal(t0.t0_table_of(data, demo_db.scope, code, year, peers), expected)


@pytest.mark.parametrize("level", ["departement", "epci"])
def test_the_selectors_indicator_lists_read_from_derived_values_are_the_facts_ones(demo_db, level):
    """Every page's list of indicators with values (and their years) is read from the derived tables (the count of values per indicator, year and level):
    the same rows, years and order as the query over every fact, whatever the programmes asked."""
    assert _current(demo_db)
    for programmes in ([], ["STAT"], ["CALPAE"], ["PACTE"], ["STAT", "CDPPE"]):
        facts = demo_db.read(Query.INDICATORS_WITH_VALUES, {"level": level, "programmes": programmes})
        pd.testing.assert_frame_equal(common.indicators_with_values(demo_db, level, programmes), facts)
    assert len(common.indicators_with_values(demo_db, level, ["STAT"])) >= 20


@pytest.mark.parametrize("level, code", [("departement", "38"), ("departement", "976"), ("epci", "200040715")])
def test_a_territorys_years_with_a_value_read_from_derived_values_are_its_current_values_ones(demo_db, level, code):
    values = demo_db.read(Query.TERRITORY_INDICATOR_VALUES, {"level": level, "code": code})
    live = values.loc[values["value"].notna(), ["indicator", "period"]].reset_index(drop=True)
    assert len(live) > 20
    pd.testing.assert_frame_equal(common.periods_with_value(demo_db, level, code), live, check_dtype=False)


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


def _ranked_live(db, indicator: str, period: int, level: str, code: str | None = None) -> pd.DataFrame:
    """What the pages ranked before the one read: every territory's current value, then ranking_values."""
    frame = db.read(Query.INDICATOR_VALUES_BY_TERRITORY, {"indicator": indicator, "period": period, "level": level})
    frame = positions.comparison_set(frame, level, code)
    return common.ranking_values(db, frame.assign(indicator=indicator, period=period), common.catalogue(db), level,
                                 common.load_territories(db, level))


@pytest.mark.parametrize("level, indicator, period, code", [
    ("departement", "CALPAE-3.1.1-OR1M-TX", 2021, None),  # a contract rate: 30 départements, the others absent
    ("departement", "STAT-ASE-ACCUEILLIS", 2019, None),  # a count ranked on its rate
    ("departement", "STAT-TP60", 2020, None),
    ("departement", "STAT-TP60", 1990, None),  # a year without any value: every territory absent
    ("epci", "STAT-Q2", 2019, "200040715"),  # an EPCI's comparison set (its nature)
    ("epci", "STAT-Q2", 2019, "200046977"),  # Métropole de Lyon among the métropoles
    ("epci", "PACTE-2-ORI-TX", 2024, None),  # a contract rate a few EPCI return
])
def test_a_ranked_indicator_read_in_one_go_is_the_one_ranked_from_the_current_values(demo_db, level, indicator,
                                                                                    period, code):
    """ranked_values_by_territory reads the stored positions of one indicator and period and lists the level's
    territories around them: the same rows, columns, values, reasons and bases as the current values ranked by
    ranking_values, and the live path itself when the derived tables do not serve."""
    terr = common.load_territories(demo_db, level)
    got = common.ranked_values_by_territory(demo_db, indicator, period, level, common.catalogue(demo_db), terr, code)
    expected = _ranked_live(demo_db, indicator, period, level, code)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(positions.comparison_set(terr, level, code)) >= 20
    _same_figures(got, expected)
    if period == 1990:
        assert got["missing_reason"].eq("absent").all() and got["value"].isna().all()
    else:
        assert got["value"].notna().sum() >= (20 if indicator.startswith("STAT") else 10)


def test_a_ranked_indicator_is_read_from_the_stored_positions_only_for_a_user_they_serve(demo_db, reads):
    """A user who reads everything gets the one read of the derived table, not the scan of the current values; a
    départemental user, whom the derived tables do not serve, gets the live ranking of what they may read."""
    cat = common.catalogue(demo_db)
    common.ranked_values_by_territory(demo_db, "STAT-TP60", 2020, "departement", cat)
    assert "derived/ranked_values_by_territory" in reads and "indicators/indicator_values_by_territory" not in reads
    isere = demo_db.with_scope(Scope.territorial("d@x.fr", Role.DEPARTEMENTAL, {"38"}))
    reads.clear()
    got = common.ranked_values_by_territory(isere, "CALPAE-3.1.1-OR1M-TX", 2021, "departement", cat)
    assert "derived/ranked_values_by_territory" not in reads
    assert "indicators/indicator_values_by_territory" in reads
    # The contract rate of other départements is outside this user's rights: only Isère is listed.
    assert got["code"].tolist() == ["38"]


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
        peers = r.df(Query.T0_PEER_VALUES, {"level": "departement", "codes": None, "territories": ["38", "69", "59"]})
    public = set(common.catalogue(demo_db).query("programme == 'STAT'")["code"])
    assert len(rows) > 10_000 and set(rows["indicator"]) <= public
    assert len(stats) > 1_000 and set(stats["indicator"]) <= public
    assert len(peers) > 100 and set(peers["indicator"]) <= public  # a peers' median: public values only
    with isere.reader() as r:  # the territory-ordered copy (022) lets through what the indicator-ordered one does
        own = r.df(Query.T0_VALUES_OF_TERRITORIES, {"level": "departement", "codes": None, "territories": ["38", "69"]})
    assert len(own) > 100 and set(own["indicator"]) <= public
    assert len(own) == len(rows[rows["code"].isin(["38", "69"])])
    with demo_db.reader() as r:  # the administrator reads the contracts' values of the same territories
        assert not set(r.df(Query.T0_PEER_VALUES, {"level": "departement", "codes": None,
                                                    "territories": ["38", "69", "59"]})["indicator"]) <= public
    # The same user's T0 table is computed from what they read, as before the derived tables.
    table = t0.load_t0_table(isere, "38", 2023)
    assert "CALPAE-3.1.1-OR1M-TX" in set(table["Code"])


def test_the_comparison_set_of_an_epci_is_its_nature(demo_db):
    terr = common.load_territories(demo_db, "epci")
    sets = positions.comparison_sets(terr, "epci")
    assert sets["200046977"] == "METRO"  # Métropole de Lyon (MET69) compared with the métropoles
    assert (sets == "CC").sum() > 900


def test_ranking_values_with_the_gates_handed_over_is_ranking_values_loading_them(demo_db, monkeypatch):
    """The publication step hands every level's gates to ranking_values (gate_rows) instead of letting it run the
    checks again: the same frame, and the gates handed over are the ones read (none handed: Gironde is ranked)."""
    monkeypatch.setattr(derived, "is_current", lambda reader: False)  # live, as in the publication step
    cat = common.catalogue(demo_db)
    values = common.load_values(demo_db, "departement",
                                ["CALPAE-3.1.1-OR1M-TX", "CALPAE-3.1.1-OR1M", "CALPAE-2.1.2-ACC", "STAT-TP40"])
    every_level = gating.live_gates(demo_db, None, None)
    loaded = common.ranking_values(demo_db, values, cat, "departement")
    handed = common.ranking_values(demo_db, values, cat, "departement", gate_rows=every_level)
    pd.testing.assert_frame_equal(loaded, handed)
    at = (handed["code"] == "33") & (handed["indicator"] == "CALPAE-3.1.1-OR1M-TX") & (handed["period"] == 2021)
    assert handed.loc[at, "unranked_reason"].str.contains("unité douteuse").all() and at.sum() == 1
    assert handed["quality_warning"].notna().sum() >= 8  # the warnings of 63 and 87 too
    none = common.ranking_values(demo_db, values, cat, "departement", gate_rows=every_level.iloc[0:0])
    assert none.loc[at, "unranked_reason"].isna().all() and none["quality_warning"].isna().all()


@pytest.mark.parametrize("level", ["departement", "epci"])
def test_the_midterm_ranking_per_comparison_set_is_ranking_values_on_each_set(demo_db, monkeypatch, level):
    """_ranked_by_set prepares perimeter notes, gates and denominators once for every set, then ranks each set on its
    own: the same figures as ranking_values called set by set (the floor rule of STAT-TP40 looks at a whole set)."""
    monkeypatch.setattr(derived, "is_current", lambda reader: False)
    cat = common.catalogue(demo_db)
    terr = common.load_territories(demo_db, level)
    codes = ["STAT-TP40", "STAT-TP60", "STAT-DEP-RSA-INSERTION", "CALPAE-1.1.1-REF", "CALPAE-3.1.1-OR1M-TX",
             "STAT-NBPERS", "STAT-NBMEN", "STAT-PPMINI", "PACTE-1-DECR", "PACTE-1-DECR-MAINT"]  # EPCI: the last five
    values = common.load_values(demo_db, level, codes)
    got = mi_parcours._ranked_by_set(demo_db, values, terr, cat, level)
    sets = positions.comparison_sets(terr, level)
    expected = []
    for group in sets.dropna().unique():
        members = terr[terr["code"].map(sets) == group]
        ranked = common.ranking_values(demo_db, values[values["code"].isin(set(members["code"]))], cat, level, members)
        expected.append(ranked.assign(cmp_group="" if level == "departement" else group))
    expected = pd.concat(expected).rename(columns={"value": "rank_value", "unranked_reason": "rank_reason"})
    key = ["code", "indicator", "period"]
    columns = key + ["rank_value", "rank_reason", "rank_basis", "rank_unit", "cmp_group"]
    assert len(got) == len(expected) > 1_000 and got["rank_reason"].notna().any()
    _same_figures(got.sort_values(key).reset_index(drop=True)[columns],
                  expected.sort_values(key).reset_index(drop=True)[columns])


def test_the_gating_builder_runs_first_and_hands_its_gates_to_the_ranking_builders():
    from levier.views import derived as publication

    assert publication.BUILDERS[0] is gating.build_derived
    assert set(publication.RANKING_BUILDERS) <= set(publication.BUILDERS[1:])
    assert publication.GATES_TABLE in derived.TABLES


def _derived_counts(db) -> dict[str, int]:
    with db.reader() as r:
        return {"t0_values": r._con.execute("SELECT count(*) FROM derived_t0_values").fetchone()[0],
                "t0_values_by_code": r._con.execute("SELECT count(*) FROM derived_t0_values_by_code").fetchone()[0],
                "target_status": r._con.execute("SELECT count(*) FROM derived_target_status").fetchone()[0]}


def test_a_publication_that_fails_after_some_tables_were_written_publishes_nothing(demo_db, monkeypatch):
    """The step writes each builder's tables as they come and the target grid block by block, in one transaction:
    a failure after the first blocks are written leaves the published version as it was (its derived tables, and
    stale ones left marked stale), and the next publication writes them all."""
    from levier.analysis import trajectories
    from levier.views import derived as publication

    with demo_db.transaction():
        pass  # an import moved the data version on: the derived tables are stale until the next publication
    before = _derived_counts(demo_db)
    whole = trajectories.target_grid_blocks
    blocks_made = []

    def failing_blocks(*args, **kwargs):
        for block in whole(*args, **kwargs):
            blocks_made.append(len(block))
            yield block
            raise RuntimeError("disque plein")

    monkeypatch.setattr(trajectories, "target_grid_blocks", failing_blocks)
    with pytest.raises(RuntimeError, match="disque plein"):
        publication.refresh(demo_db)
    assert blocks_made and blocks_made[0] > 0  # the grid's first block was written before the failure
    assert not _current(demo_db) and not derived.available(demo_db)
    assert _derived_counts(demo_db) == before

    monkeypatch.setattr(trajectories, "target_grid_blocks", whole)
    written = publication.refresh(demo_db)
    assert _current(demo_db) and written["target_status"] == before["target_status"] > 100_000
    assert written.keys() == derived.TABLES.keys() and all(written[name] > 0 for name in derived.TABLES)


def test_the_positions_stored_in_territory_order_are_the_positions_stored_in_indicator_order(demo_db):
    # Two orders on disk for two kinds of reads (migration 022): the same rows in both, to the last column.
    with demo_db.reader() as r:
        count = r._con.execute("SELECT count(*) FROM derived_t0_values").fetchone()[0]
        apart = r._con.execute("SELECT count(*) FROM (SELECT * FROM derived_t0_values EXCEPT ALL "
                               "SELECT * FROM derived_t0_values_by_code UNION ALL (SELECT * FROM "
                               "derived_t0_values_by_code EXCEPT ALL SELECT * FROM derived_t0_values))").fetchone()[0]
    assert count > 100_000 and apart == 0


def test_every_departements_derived_peers_are_the_group_the_t0_page_forms(demo_db):
    """The publication step's peer groups, read by lookup, are the groups formed live from the profiles, for every
    département: metropolitan, overseas (Guyane has too few overseas peers with a known profile: none), Corsica."""
    codes = list(common.load_territories(demo_db)["code"])
    inputs = common.load_peer_inputs(demo_db)
    stored = {code: common.stored_peer_codes(demo_db, code, "departement") for code in codes}
    live = {code: tuple(common.peer_group_of(inputs, code).codes) for code in codes}
    assert len(codes) == 101 and stored == live
    assert len(stored["38"]) == 5 and "38" not in stored["38"] and stored["973"] == ()
    assert set(stored["972"]) <= {"971", "973", "974", "976"}  # an overseas territory's peers are overseas


def test_peers_are_formed_live_when_the_derived_groups_do_not_serve(demo_db):
    served = common.peer_codes(demo_db, "38")
    assert common.stored_peer_codes(demo_db, "200040715", "epci") is None  # EPCI groups are not derived
    with demo_db.transaction():
        pass  # an import moved the data version on: the derived groups are stale
    assert common.stored_peer_codes(demo_db, "38", "departement") is None
    assert common.peer_codes(demo_db, "38") == served


def test_a_departemental_user_reads_the_public_peer_groups_and_no_other(demo_db):
    """The profiles are public statistics: a scoped user gets the derived groups, the same they would form from what
    they read. A group computed from a non-public feature would be kept from them (is_public false)."""
    isere = demo_db.with_scope(Scope.territorial("d@x.fr", Role.DEPARTEMENTAL, {"38"}))
    assert common.stored_peer_codes(isere, "59", "departement") == tuple(common.load_peer_group(isere, "59").codes)
    with demo_db.transaction() as w:
        w.execute(Query.CLEAR_PEER_GROUP)
        w.insert(Query.INSERT_PEER_GROUP, pd.DataFrame(
            {"level": ["departement"], "code": ["59"], "peers": [["62", "02"]], "is_public": [False]}))
        w.execute(Query.MARK_DERIVED)
    assert common.stored_peer_codes(demo_db, "59", "departement") == ("62", "02")
    assert common.stored_peer_codes(isere, "59", "departement") is None
    assert len(common.peer_codes(isere, "59")) == 5  # formed live from the rows the user reads


def test_a_departement_whose_group_cannot_be_formed_is_left_to_the_live_computation(demo_db, monkeypatch):
    """peer_group refuses to form a group without any profile to compare: that département gets no derived row (its
    pages form the group live, as before), and every other département's group is still published."""
    formed = common.peer_group_of

    def refuse_2a(inputs, code, *args, **kwargs):
        if code == "2A":
            raise ValueError("Aucune variable de profil n'est disponible pour former des groupes de pairs.")
        return formed(inputs, code, *args, **kwargs)

    monkeypatch.setattr(common, "peer_group_of", refuse_2a)
    rows = common.derive_peer_groups(demo_db)["peer_group"]
    assert "2A" not in set(rows["code"]) and len(rows) == 100
    assert rows.set_index("code").at["38", "peers"] == list(formed(common.load_peer_inputs(demo_db), "38").codes)


def test_a_departements_independent_comparisons_are_read_from_the_stored_findings_as_computed_live(demo_db, reads,
                                                                                                  monkeypatch):
    """The T0 page's block « declared vs independent source » of every département, read from the comparisons the
    publication step stored (one read, not two scans of the current values), is the one computed from the values;
    a départemental user, whom the stored findings do not serve, gets it computed from what they may read."""
    from levier.views import independent

    context = independent.load_independent_context(demo_db)
    stored = {}
    for code in common.load_territories(demo_db, "departement")["code"]:
        reads.clear()
        stored[code] = independent.load_independent(demo_db, code, context)
        assert reads == ["quality/derived_independent_of_territory"], code
    serves = independent.derived_serves
    monkeypatch.setattr(independent, "derived_serves", lambda *args: False)
    flagged = 0
    for code, got in stored.items():
        live = independent.load_independent(demo_db, code, context)
        pd.testing.assert_frame_equal(got.comparisons, live.comparisons.reset_index(drop=True), obj=code)
        pd.testing.assert_frame_equal(got.table, live.table, obj=code)
        assert got.n_flagged == live.n_flagged
        flagged += got.n_flagged
    assert flagged and sum(len(v.comparisons) for v in stored.values()) > 1_000
    monkeypatch.setattr(independent, "derived_serves", serves)
    isere = demo_db.with_scope(Scope.territorial("d@x.fr", Role.DEPARTEMENTAL, {"38"}))
    reads.clear()
    mine = independent.load_independent(isere, "38", context)
    assert "quality/derived_independent_of_territory" not in reads and "quality/quality_values" in reads
    pd.testing.assert_frame_equal(mine.comparisons.reset_index(drop=True), stored["38"].comparisons)


@pytest.mark.parametrize("level", ["departement", "epci"])
def test_peer_profiles_read_from_the_stored_positions_are_the_current_values_ones(demo_db, reads, monkeypatch,
                                                                                  level):
    """The profiles peer groups are formed on, read from the positioned values stored at publication for a user they
    serve, are the latest published values the current values give (same rows, periods and types)."""
    stored = common.load_peer_inputs(demo_db, level)
    assert "derived/peer_features_of_level" in reads and "indicators/peer_features" not in reads
    monkeypatch.setattr(common, "derived_serves", lambda *args: False)
    reads.clear()
    live = common.load_peer_inputs(demo_db, level)
    assert "indicators/peer_features" in reads
    pd.testing.assert_frame_equal(stored.features, live.features)
    assert len(stored.features) > 900 and stored.features["indicator"].nunique() >= 4
    assert common.peer_group_of(stored, "38" if level == "departement" else "200040715").codes == \
        common.peer_group_of(live, "38" if level == "departement" else "200040715").codes


def _same_view(a: t0.T0View, b: t0.T0View) -> None:
    """Two T0 views to the last bit: numbers, French text, missing values of the same kind (None is not NaN)."""
    for x, y in ((a.table, b.table), (a.display, b.display)):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
        for col in x.columns:
            if x[col].dtype == object:
                assert [type(v) for v in x[col].tolist()] == [type(v) for v in y[col].tolist()], col
    assert (a.peer_note, a.peer_warning, list(a.peers.codes)) == (b.peer_note, b.peer_warning, list(b.peers.codes))


@pytest.mark.parametrize("code", ["38", "2A", "971", "75", "59"])
def test_a_departements_t0_page_as_it_opens_is_read_whole_and_is_the_one_made_from_the_positions(demo_db, code,
                                                                                                   reads):
    """The publication step stores each département's T0 view at the year its page opens on: read as one row, it is
    the view made from the stored positions (numbers, French text, peers' median), to the last bit."""
    level = "departement"
    peers = common.peer_group_of(common.load_peer_inputs(demo_db, level), code)
    reads.clear()
    stored = t0.stored_t0_view(demo_db, code, level, t0.TABLE_YEAR, peers)
    assert stored is not None and str(Query.T0_TABLE_OF_TERRITORY) in reads
    assert not {str(Query.T0_VALUES_OF_TERRITORIES), str(Query.T0_PEER_VALUES)} & set(reads)  # nothing positioned
    data = t0.load_t0_data(demo_db, level, territories=(code, *peers.codes), tables_for=[code])
    made = t0.t0_view(demo_db, code, level, t0.TABLE_YEAR, peers=peers, data=data)
    assert len(stored.table) > 150 and stored.table["Rang"].notna().sum() > 20
    _same_view(stored, made)


def test_a_t0_table_read_whole_serves_only_the_year_level_peers_and_users_it_was_made_for(demo_db):
    level = "departement"
    inputs = common.load_peer_inputs(demo_db, level)
    peers = common.peer_group_of(inputs, "38")
    assert t0.stored_t0_view(demo_db, "38", level, 2020, peers) is None  # another T0 year: made from the positions
    other = common.peer_group_of(inputs, "59")
    assert t0.stored_t0_view(demo_db, "38", level, t0.TABLE_YEAR, other) is None  # another group than the page's
    epci = common.peer_group_of(common.load_peer_inputs(demo_db, "epci"), "200040715")
    assert t0.stored_t0_view(demo_db, "200040715", "epci", t0.TABLE_YEAR, epci) is None
    # Isère's staff read their own contract figures, and public figures elsewhere: never a table made over everyone's.
    isere = demo_db.with_scope(Scope.territorial("d@x.fr", Role.DEPARTEMENTAL, {"38"}))
    assert t0.stored_t0_view(isere, "38", level, t0.TABLE_YEAR, peers) is None and not t0.tables_serve(isere, level)
    with isere.reader() as r:
        assert not r.rows(Query.T0_TABLE_OF_TERRITORY, {"level": level, "code": "38", "t0_year": t0.TABLE_YEAR})
    public = demo_db.with_scope(Scope.public("p"))
    with public.reader() as r:
        assert not r.rows(Query.T0_TABLE_OF_TERRITORY, {"level": level, "code": "38", "t0_year": t0.TABLE_YEAR})
    assert t0.tables_serve(demo_db, level)
    with demo_db.transaction():
        pass  # a write: the stored tables are no longer those of the data
    assert t0.stored_t0_view(demo_db, "38", level, t0.TABLE_YEAR, peers) is None and not t0.tables_serve(demo_db, level)


def test_the_series_of_a_t0_page_read_whole_are_the_ones_drawn_from_its_positions(demo_db):
    """A T0 page read whole holds no positioned values: its series read the département's own rows of the chosen
    series alone, and draw the same figures as from the rows a T0 page made from the positions holds."""
    from levier.views import series

    cat = series.load_catalogue(demo_db)
    heads = tuple(series.default_choices(series.series_choices(demo_db, "38", cat), ["CALPAE"]))
    assert len(heads) >= 4
    peers = common.peer_group_of(common.load_peer_inputs(demo_db, "departement"), "38").codes
    held = t0.load_t0_data(demo_db, "departement", territories=("38", *peers), tables_for=["38"])
    expected = series.series_figures(series.series_data_of_territories(demo_db, held, tuple(sorted(heads)), cat=cat),
                                     heads, "38", "Isère", "84", "Auvergne-Rhône-Alpes")
    got = series.series_figures(series.territory_series_data(demo_db, "38", tuple(sorted(heads)), cat), heads, "38",
                                "Isère", "84", "Auvergne-Rhône-Alpes")
    assert [h for h, _ in got] == [h for h, _ in expected] and len(got) >= 4
    for (_, a), (_, b) in zip(got, expected):
        assert a.to_json() == b.to_json()
