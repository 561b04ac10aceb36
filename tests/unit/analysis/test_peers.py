"""Peer groups on constructed profiles whose nearest neighbours are obvious, the handling of missing features, and
the loader on a real database."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from levier.ingest.public_stats import load_public_statistics
from levier.ingest.returns import import_returns
from levier.analysis.peers import (
    DROP_CONSTANT, NO_PEERS_FEW, NO_PEERS_OWN, OVERSEAS_DEPS, POPULATION, peer_group, peer_pool, standardised_profiles,
)
from levier.views.common import load_peer_group, load_territories
from levier.views.t0 import dropped_reason, peer_note, peer_warning, t0_view
from tests.conftest import REFERENCE_DIR

NAMES = {"A1": "Alpha 1", "A2": "Alpha 2", "A3": "Alpha 3", "B1": "Bêta 1", "B2": "Bêta 2", "B3": "Bêta 3",
         "C1": "Gamma 1", "C2": "Gamma 2"}


def clusters() -> pd.DataFrame:
    """Three tight groups far apart: A (poor, small), B (middle), C (rich, big)."""
    return pd.DataFrame(
        {
            "STAT-TP60": [20.0, 20.5, 19.5, 14.0, 14.2, 13.8, 9.0, 9.3],
            "STAT-Q2": [18000, 18100, 17900, 21000, 21100, 20900, 25000, 25200],
            "STAT-PPSOC": [9.0, 9.1, 8.9, 6.0, 6.1, 5.9, 3.5, 3.6],
            POPULATION: [150_000, 160_000, 140_000, 500_000, 520_000, 480_000, 1_500_000, 1_400_000],
        },
        index=pd.Index(list(NAMES), name="code"),
    )


def test_nearest_neighbours_are_the_obvious_ones():
    g = peer_group(clusters(), "A1", k=2, names=NAMES)
    assert set(g.codes) == {"A2", "A3"}
    assert g.members["rank"].tolist() == [1, 2]
    assert (g.members["distance"].diff().dropna() >= 0).all()
    assert g.name == "Alpha 1" and g.reliable and peer_warning(g) == ""
    assert set(peer_group(clusters(), "C2", k=1).codes) == {"C1"}
    assert set(peer_group(clusters(), "B2", k=2).codes) == {"B1", "B3"}


def test_k_is_capped_and_the_territory_is_never_its_own_peer():
    g = peer_group(clusters(), "A1", k=50)
    assert len(g.members) == 7 and "A1" not in g.codes


def test_identical_profiles_are_at_distance_zero_and_ties_break_by_code():
    f = clusters()
    f.loc["A2"] = f.loc["A1"]
    f.loc["A3"] = f.loc["A1"]
    g = peer_group(f, "A1", k=2)
    assert g.codes == ["A2", "A3"]
    assert g.members["distance"].tolist() == pytest.approx([0.0, 0.0])


def test_the_profiles_are_filled_with_the_median_centred_and_scaled_by_the_population_deviation():
    """By hand: column 0 has its gap filled with the median 2 of (1, 3, 2), mean 2, variance 0.5 (ddof=0); column 1
    is constant and stays unscaled (all zeros, no division by 0); column 2 is filled with 3, variance 2."""
    x = np.array([[1.0, 5.0, 3.0], [3.0, 5.0, np.nan], [np.nan, 5.0, 1.0], [2.0, 5.0, 5.0]])
    r = math.sqrt(2)
    expected = [[-r, 0.0, 0.0], [r, 0.0, 0.0], [0.0, 0.0, -r], [0.0, 0.0, r]]
    assert standardised_profiles(x) == pytest.approx(np.array(expected), abs=1e-15)


def test_a_hand_computed_group_with_an_imputed_value_a_tie_and_a_constant_feature():
    """Column STAT-TP60 (0, 1, 0, gap, -2 in the order A, B, C, D, E): C's gap is filled with the median 0; once
    filled, mean -0.2 and variance 0.96. Column STAT-Q2 (0, 0, -1, 1, 0): mean 0, variance 0.4. STAT-PPSOC is the
    same everywhere and left out. From A, squared standardised distances: B 1/0.96, C and D 1/0.4 (a tie, broken by
    code though D comes first in the frame), E 4/0.96; the distance is their root mean over the two features."""
    f = pd.DataFrame({"STAT-TP60": [0.0, 1.0, 0.0, np.nan, -2.0], "STAT-Q2": [0.0, 0.0, 1.0, -1.0, 0.0],
                      "STAT-PPSOC": [7.0] * 5}, index=pd.Index(["A", "B", "D", "C", "E"], name="code"))
    g = peer_group(f, "A", k=4)
    assert g.codes == ["B", "C", "D", "E"]
    assert g.members["distance"].tolist() == pytest.approx(
        [math.sqrt(1 / 0.96 / 2), math.sqrt(1.25), math.sqrt(1.25), math.sqrt(4 / 0.96 / 2)], abs=1e-12)
    assert g.imputed == {"C": ["STAT-TP60"]} and g.n_imputed == 1
    assert g.dropped == {"STAT-PPSOC": DROP_CONSTANT}
    assert peer_group(f, "A", k=2).codes == ["B", "C"]


def test_population_is_compared_on_a_log_scale():
    # Z is 1.9× X, Y is half of X: closer in ratio, farther in inhabitants.
    f = pd.DataFrame({POPULATION: [100_000, 50_000, 190_000, 5_000_000]}, index=["X", "Y", "Z", "W"])
    assert peer_group(f, "X", k=1).codes == ["Z"]
    assert peer_group(f, "X", k=1, log_features=()).codes == ["Y"]


def test_missing_values_are_imputed_with_the_median_and_said_so():
    f = clusters()
    f.loc["A3", "STAT-PPSOC"] = np.nan
    g = peer_group(f, "A1", k=2, names=NAMES)
    assert set(g.codes) == {"A2", "A3"}  # two known features out of three still place A3 with A
    assert g.imputed == {"A3": ["STAT-PPSOC"]}
    note = peer_note(g)
    assert "médiane" in note and "imputation" in note and "Alpha 3 (A3)" in note
    row = g.explanation.set_index("Variable").loc["Part des prestations sociales"]
    assert np.isnan(row["Alpha 3 (A3)"])  # the table shows the gap, not the imputed value


def test_candidates_known_on_less_than_half_the_features_are_left_out():
    f = clusters()
    f.loc["A2", ["STAT-TP60", "STAT-Q2", "STAT-PPSOC"]] = np.nan
    g = peer_group(f, "A1", k=2, names=NAMES)
    assert "A2" not in g.codes and g.excluded == ["A2"]
    assert "Alpha 2 (A2)" in peer_note(g)


def test_features_are_dropped_when_too_sparse_or_unknown_for_the_territory():
    f = clusters()
    f["STAT-PAN-JEUNES"] = [np.nan] * 6 + [30.0, 31.0]  # 25 % coverage
    f["STAT-TP60-AGE1"] = np.nan
    f.loc["A1", "STAT-PPSOC"] = np.nan
    g = peer_group(f, "A1", k=2)
    assert g.features == ["STAT-TP60", "STAT-Q2", POPULATION]
    assert "STAT-PAN-JEUNES" in g.dropped and "25\u00a0%" in dropped_reason(g, "STAT-PAN-JEUNES")
    assert "connue pour 25\u00a0% des territoires seulement" in peer_note(g)
    assert g.dropped["STAT-TP60-AGE1"] == "aucune valeur à ce niveau"
    assert g.dropped["STAT-PPSOC"] == "inconnue pour le territoire étudié"
    assert set(g.codes) == {"A2", "A3"}


def test_a_territory_known_only_by_its_population_gets_an_indicative_group_with_a_warning():
    f = clusters()
    f.loc["A1", ["STAT-TP60", "STAT-Q2", "STAT-PPSOC"]] = np.nan
    g = peer_group(f, "A1", k=2, names=NAMES)
    assert g.features == [POPULATION]
    assert not g.reliable and "Alpha 1 (A1)" in peer_warning(g) and "indicatif" in peer_warning(g)


def test_explanation_sets_the_territory_against_each_peer_in_french():
    g = peer_group(clusters(), "A1", k=2, names=NAMES, years={"STAT-TP60": 2020, POPULATION: 2026},
                   units={"STAT-TP60": "%"})
    e = g.explanation
    assert list(e.columns[:4]) == ["Variable", "Unité", "Année", "Alpha 1 (A1)"]
    assert {"Alpha 2 (A2)", "Alpha 3 (A3)", "Médiane des pairs", "Médiane de l'ensemble"} <= set(e.columns)
    pop = e.set_index("Variable").loc["Population municipale"]
    assert pop["Alpha 1 (A1)"] == 150_000  # raw, not its logarithm
    assert pop["Médiane des pairs"] == 150_000  # median of 160 000 and 140 000
    tp = e.set_index("Variable").loc["Taux de pauvreté (60 %)"]
    assert tp["Année"] == 2020 and tp["Unité"] == "%"


def test_unknown_territory_is_a_clear_error():
    with pytest.raises(ValueError, match="n'est pas dans l'ensemble"):
        peer_group(clusters(), "ZZ")


# ---------------------------------------------------------------------------------------------------------------
# Loader on a real database


def long_csv(rows: list[list[str]]) -> bytes:
    lines = ["territoire;indicateur;periode;valeur"] + [";".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_peer_group_from_the_database_uses_latest_year_and_population(db):
    # Savoie and Haute-Savoie look like Isère; every other département is much poorer. Two metropolitan départements
    # have no value at all (known on population only): they are left out of the candidates. Overseas départements are
    # never candidates of a metropolitan one: 101 - 5 = 96 candidates, 94 once Creuse and Lozère are left out.
    close = {"38": ("11,3", "23580", "5,2"), "73": ("10,5", "24000", "5,0"), "74": ("9,4", "26000", "4,6")}
    codes = [c for c in load_territories(db)["code"] if c not in ("23", "48")]
    rows = []
    for i, dep in enumerate(codes):
        tp, q2, ppsoc = close.get(dep, (f"{20 + i % 10}", f"{18000 + 100 * (i % 10)}", f"{9 + (i % 10) / 10:.1f}"))
        rows += [[dep, "STAT-TP60", "2020", tp], [dep, "STAT-Q2", "2020", q2], [dep, "STAT-PPSOC", "2020", ppsoc]]
        rows += [[dep, "STAT-TP60", "2019", "50"]]  # an older year must not be used
    report = import_returns(db, long_csv(rows), "profils.csv")
    assert report.ok, report.summary()
    g = load_peer_group(db, "38", k=2)
    assert set(g.codes) == {"73", "74"}
    assert g.excluded == ["23", "48"] and g.n_candidates == 94 and g.pool == "métropole"
    assert not set(g.codes) & {"971", "972", "973", "974", "976"}
    assert set(g.features) == {"STAT-TP60", "STAT-Q2", "STAT-PPSOC", POPULATION}
    assert g.dropped["STAT-PAN-JEUNES"] == "aucune valeur à ce niveau"
    e = g.explanation.set_index("Variable")
    assert e.loc["Taux de pauvreté (60 %)", "Isère (38)"] == pytest.approx(11.3)
    assert e.loc["Taux de pauvreté (60 %)", "Année"] == 2020
    assert e.loc["Population municipale", "Année"] == 2026
    assert e.loc["Population municipale", "Isère (38)"] > 1_000_000


# ---------------------------------------------------------------------------------------------------------------
# Overseas départements: peers among overseas départements only, or no peer group at all


def overseas() -> pd.DataFrame:
    """Five overseas départements, hand-made: 971, 972 and 974 known on three poverty features, 973 and 976 on their
    population only (INSEE publishes no Filosofi value for them)."""
    nan = np.nan
    return pd.DataFrame(
        {
            "STAT-TP60": [34.0, 28.0, nan, 36.0, nan],
            "STAT-Q2": [17000, 18500, nan, 16500, nan],
            "STAT-PPSOC": [12.0, 10.0, nan, 13.0, nan],
            POPULATION: [380_000, 350_000, 290_000, 880_000, 310_000],
        },
        index=pd.Index(["971", "972", "973", "974", "976"], name="code"),
    )


def test_an_overseas_territory_without_a_profile_gets_no_peers_and_says_so():
    g = peer_group(overseas(), "973", k=5, names={"973": "Guyane"}, pool="outre-mer", min_peers=2)
    # Guyane knows only its population: peers chosen on population alone (Cher, Mayenne…) would mean nothing.
    assert g.codes == [] and not g.has_peers and g.no_peers == NO_PEERS_OWN
    warning = peer_warning(g)
    assert warning.startswith("Pas de groupe de pairs ni de médiane des pairs pour Guyane (973)")
    assert "outre-mer" in warning and warning in peer_note(g)
    # The explanation shows what is known of every overseas département, Guyane first.
    assert list(g.explanation.columns[3:5]) == ["Guyane (973)", "971 (971)"]


def test_an_overseas_territory_is_compared_with_the_overseas_ones_that_have_a_profile():
    # Martinique: 971 and 974 have a profile (2 ≥ MIN_OVERSEAS_PEERS), 973 and 976 do not: k = 5 is capped at 2.
    g = peer_group(overseas(), "972", k=5, pool="outre-mer", min_peers=2)
    assert set(g.codes) == {"971", "974"} and g.n_candidates == 3 and g.has_peers
    # Without 971's profile only La Réunion is left: one territory is not a median, so no group.
    f = overseas()
    f.loc["971", ["STAT-TP60", "STAT-Q2", "STAT-PPSOC"]] = np.nan
    g = peer_group(f, "972", k=5, names={"972": "Martinique", "974": "La Réunion"}, pool="outre-mer", min_peers=2)
    assert g.codes == [] and g.no_peers == NO_PEERS_FEW and g.profiled == ["974"]
    assert "un seul d'entre eux a un profil de pauvreté connu (La Réunion (974))" in peer_warning(g)


def test_guyane_on_the_real_filosofi_files_has_overseas_peers_or_no_peer_median(db):
    # Real INSEE files: Filosofi publishes nothing for 971, 973 and 976, so Guyane has no profile and no peers; the T0
    # table has no peer median anywhere, and no metropolitan département is ever Guyane's peer.
    load_public_statistics(db, REFERENCE_DIR)
    g = load_peer_group(db, "973")
    assert set(g.codes) <= set(OVERSEAS_DEPS)
    assert g.codes == [] and "Pas de groupe de pairs ni de médiane des pairs pour Guyane (973)" in peer_warning(g)
    view = t0_view(db, "973", "departement", 2023)
    assert view.table["Médiane des pairs"].isna().all()
    assert view.peer_warning.startswith("Pas de groupe de pairs")
    # Martinique and La Réunion are the only overseas profiles: one peer each is too few for a median.
    assert load_peer_group(db, "972").no_peers == NO_PEERS_FEW
    # A metropolitan département never gets an overseas peer.
    assert not set(load_peer_group(db, "93").codes) & set(OVERSEAS_DEPS)


def test_the_pool_keeps_overseas_with_overseas_and_metropolitan_with_metropolitan():
    # EPCI rows: the principal département decides when the zone is not given.
    t = pd.DataFrame({"code": ["200000001", "249730045", "249740101"], "dep": ["38", "973", "974"]})
    pool, where = peer_pool(t, "249730045")
    assert pool["code"].tolist() == ["249730045", "249740101"] and where == "outre-mer"
    pool, where = peer_pool(t, "200000001")
    assert pool["code"].tolist() == ["200000001"] and where == "métropole"
    # The zone of the reference wins when there is one.
    t["zone"] = ["metro", "drom", "drom"]
    assert peer_pool(t, "249740101")[0]["code"].tolist() == ["249730045", "249740101"]
