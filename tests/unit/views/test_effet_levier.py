"""Effet levier for a métropole holding its own contract, on the demo database: its money and leverage (never its
département's), compared with the métropoles only, the limits said; an EPCI holding no contract is told so."""

from __future__ import annotations

import pandas as pd
import pytest

from levier.analysis import lever
from levier.store.db import Database, Query
from levier.views import effet_levier, mi_parcours

GRENOBLE = "200040715"  # Grenoble-Alpes-Métropole (METRO, Isère)
LYON = "200046977"  # Métropole de Lyon (MET69)
CAPI = "243800604"  # CA Porte de l'Isère: an EPCI that signs no contract


@pytest.fixture(scope="module")
def db(demo_db_path) -> Database:
    return Database(demo_db_path)


@pytest.fixture(scope="module")
def grenoble(db):
    return effet_levier.lever_view(db, "epci", GRENOBLE, "PACTE", "spent", 2024, 2026)


def test_the_demo_funds_the_metropoles_own_pacte_contracts(db):
    funded = db.read(Query.FUNDING_CURRENT, {"programme": "PACTE", "level": "epci"})
    metros = db.read(Query.DEMO_METROPOLES)
    assert set(funded["code"]) == set(metros["code"]) and {GRENOBLE, LYON} <= set(funded["code"])
    assert set(funded["funder"]) == {"etat", "departement"} and funded["is_demo"].all()
    assert sorted(funded["year"].unique()) == [2024, 2025, 2026]
    assert db.read(Query.FUNDING_CURRENT, {"programme": "CALPAE", "level": "epci"}).empty
    assert [p.code for p in effet_levier.funding_programmes(db, "epci", GRENOBLE)] == ["PACTE"]
    assert effet_levier.funding_programmes(db, "epci", CAPI) == []  # holds no contract


def test_a_metropole_gets_its_own_money_and_lever_figures(db, grenoble):
    assert grenoble.title == "Grenoble-Alpes-Métropole (200040715)" and grenoble.codes == [GRENOBLE]
    head = grenoble.headline
    assert set(head) == {"État", "Métropole", "Effet levier", "€ propres par € État", "Consommé / prévu"}
    assert head["État"].endswith("€") and head["Effet levier"] != "–"
    # Its money, recomputed from its stored funding, not its département's.
    f = db.read(Query.FUNDING_CURRENT, {"programme": "PACTE", "level": "epci"})
    mine = f[f["code"] == GRENOBLE]
    state, own = mine.loc[mine["funder"] == "etat", "spent"].sum(), mine.loc[mine["funder"] == "departement", "spent"].sum()
    assert head["Effet levier"] == f"{(state + own) / state:.2f}".replace(".", ",")
    isere = effet_levier.lever_view(db, "departement", "38", "PACTE", "spent", 2024, 2026)
    assert isere.headline["État"] != head["État"]
    # Per action: State and its own €, planned, committed, spent.
    assert {"État prévu", "État engagé", "État consommé", "Métropole prévu", "Métropole engagé",
            "Métropole consommé"} <= set(grenoble.execution.columns)
    assert len(grenoble.execution) == 11 and not grenoble.empty
    assert "Métropole prévu (€)" in grenoble.execution_export.columns


def test_a_metropole_is_compared_with_the_metropoles_and_its_limits_are_said(db, grenoble):
    comp = grenoble.comparison
    assert list(comp.columns[:3]) == ["Métropole", "€ État", "€ métropole"]
    assert len(comp) == 22 and comp["Métropole"].str.contains(r"\(\d{9}\)").all()  # no département among them
    assert "€ total par habitant pauvre" not in comp.columns and grenoble.per_poor_figure is None
    assert grenoble.peers_heading == "Effet levier comparé aux autres métropoles"
    notes = " ".join(grenoble.notes)
    assert "taux de pauvreté" in notes and "hypothèse de démonstration" in notes
    assert "1 € de la métropole" in grenoble.leverage_rule
    assert "DREES" in grenoble.own.message and grenoble.own.figure is None  # no real own spending published
    # The same tests as a département's: the planted substitution, a cost per result on its own returns (T0 2023).
    assert any(m.startswith(f"PACTE-AV ({GRENOBLE})") and "€ propres de la métropole" in m
               for m in grenoble.substitutions)
    costs = grenoble.costs_export
    assert (costs["Année T0 (avant financement)"] == "2023").any() and costs["€ par bénéficiaire-année"].notna().any()


def test_an_epci_without_a_contract_is_told_so(db):
    text = effet_levier.epci_notice("CA", "CA Porte de l'Isère (CAPI)", "Isère (38)")
    assert text.startswith("CA Porte de l'Isère (CAPI) ne porte pas de contrat") and "Isère (38)" in text
    assert effet_levier.lever_view(db, "epci", CAPI, "PACTE", "spent", 2024, 2026).empty  # never other figures
    metro = effet_levier.epci_notice("METRO", "Une métropole")
    assert "aucun financement n'est importé à son nom" in metro and "pas montrés à sa place" in metro


def test_holder_texts_name_the_right_collectivity():
    assert lever.LEVERAGE_RULE == lever.leverage_rule(lever.DEPARTEMENT)
    assert "1 € du département" in lever.LEVERAGE_RULE and "la métropole met" in lever.leverage_rule(lever.METROPOLE)
    f = pd.DataFrame({"code": ["M"] * 4, "programme": "P", "axis": "1", "action": "A", "year": [1, 1, 2, 2],
                      "funder": ["etat", "departement"] * 2, "planned": [100.0, 100.0, 150.0, 50.0],
                      "committed": 0.0, "spent": 0.0})
    assert "€ propres de la métropole" in lever.substitution_flags(f, "planned", holder=lever.METROPOLE)["message"][0]


def test_mi_parcours_of_a_metropole_tracks_its_own_targets(db):
    mine = mi_parcours.load_target_tracking(db, GRENOBLE, 2023, level="epci", current_period=2026)
    targets = db.read(Query.TARGETS, {"level": "epci", "code": GRENOBLE})
    assert len(mine) == targets["indicator"].nunique() == 24
    isere = mi_parcours.load_target_tracking(db, "38", 2023, level="departement", current_period=2026)
    both = mine[["indicator", "t0_value", "target_value"]].merge(
        isere[["indicator", "t0_value", "target_value"]], on="indicator", suffixes=("", "_38"))
    assert len(both) and (both["t0_value"] != both["t0_value_38"]).all()  # its own T0 and targets, not the Isère's


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b)
    except AssertionError:
        return False
    return True


def test_the_programme_data_a_caller_holds_gives_the_same_page_and_never_another_programmes(db):
    """lever_view takes the programme's national data from a caller's cache (it does not depend on the territory, the
    stage or the years); data of another programme or level is not used in its place."""
    pacte = effet_levier.load_lever_data(db, "PACTE")
    assert {"STAT-DEP-RSA-INSERTION", "STAT-DEP-RSA-ALLOCATION"} <= set(pacte.own_spending["indicator"])
    fresh = effet_levier.lever_view(db, "departement", "38", "PACTE", "committed", 2024, 2025)
    held = effet_levier.lever_view(db, "departement", "38", "PACTE", "committed", 2024, 2025, data=pacte)
    assert held.headline == fresh.headline and held.own.substitutions == fresh.own.substitutions
    for name in ("execution", "costs", "comparison"):
        assert _frames_equal(getattr(held, name), getattr(fresh, name)), name
    assert _frames_equal(held.own.table, fresh.own.table)
    other = effet_levier.lever_view(db, "departement", "38", "CALPAE", "spent", 2019, 2022, data=pacte)
    assert other.programme == "CALPAE" and set(other.execution["Code"]) and all(
        c.startswith("CALPAE") for c in other.execution["Code"])
    metro = effet_levier.lever_view(db, "epci", GRENOBLE, "PACTE", "spent", 2024, 2026, data=pacte)
    assert metro.codes == [GRENOBLE] and metro.holder == lever.METROPOLE and metro.own.message


def _frames_of(obj) -> dict[str, pd.DataFrame]:
    return {k: v.copy() for k, v in vars(obj).items() if isinstance(v, pd.DataFrame)}


def test_what_every_territory_shares_is_computed_once_and_left_as_read(db):
    """The amounts, leverage and poor population of a programme, stage and years (lever_level) and the départements'
    own spending per inhabitant (LeverData.own_data) serve every territory: each page equals the page computed alone,
    a level of another stage or span is never used in its place, and none of them (nor the programme's data, kept
    as an object too) is changed by the pages drawn from it."""
    pacte = effet_levier.load_lever_data(db, "PACTE")
    shared = effet_levier.lever_level(pacte, "committed", 2024, 2025)
    kept = (_frames_of(shared) | {f"own.{k}": v for k, v in _frames_of(pacte.own_data).items()}
            | {f"data.{k}": v for k, v in _frames_of(pacte).items()})
    for level, code in (("departement", "38"), ("departement", "59"), ("region", "84"), ("france", "FR")):
        fresh = effet_levier.lever_view(db, level, code, "PACTE", "committed", 2024, 2025)
        held = effet_levier.lever_view(db, level, code, "PACTE", "committed", 2024, 2025, data=pacte, level_data=shared)
        assert held.headline == fresh.headline and held.notes == fresh.notes, code
        for name in ("execution", "costs", "comparison", "comparison_export"):
            assert _frames_equal(getattr(held, name), getattr(fresh, name)), (code, name)
        assert held.leverage_figure.to_json() == fresh.leverage_figure.to_json()
        assert held.per_poor_figure.to_json() == fresh.per_poor_figure.to_json()
        assert held.own.message == fresh.own.message and _frames_equal(held.own.table, fresh.own.table)
        if held.own.figure is not None:
            assert held.own.figure.to_json() == fresh.own.figure.to_json()
    isere = effet_levier.lever_view(db, "departement", "38", "PACTE", "committed", 2024, 2025, data=pacte,
                                    level_data=shared)
    assert "◀" in isere.comparison.iloc[:, 0][isere.comparison.iloc[:, 0].str.startswith("Isère")].iloc[0]
    # Another stage or span: the level given is not used, the page's own figures are computed.
    spent = effet_levier.lever_view(db, "departement", "38", "PACTE", "spent", 2024, 2026, data=pacte, level_data=shared)
    alone = effet_levier.lever_view(db, "departement", "38", "PACTE", "spent", 2024, 2026)
    assert spent.headline == alone.headline and _frames_equal(spent.comparison, alone.comparison)
    assert spent.headline["Effet levier"] != isere.headline["Effet levier"] or \
        spent.headline["État"] != isere.headline["État"]
    now = (_frames_of(shared) | {f"own.{k}": v for k, v in _frames_of(pacte.own_data).items()}
           | {f"data.{k}": v for k, v in _frames_of(pacte).items()})
    assert now.keys() == kept.keys()
    for name, frame in kept.items():
        pd.testing.assert_frame_equal(now[name], frame, obj=name)


def test_a_change_of_the_stage_compared_reuses_the_territorys_money_per_action_and_gives_the_page_computed_alone(db):
    """lever_base (the money per action, its chart, the reallocations, the « mesure nouvelle » checks) does not depend
    on the stage: a page drawn with it equals the page computed alone for every stage, a base of another territory
    or span is never used in its place, and the base is not changed by the pages drawn from it."""
    pacte = effet_levier.load_lever_data(db, "PACTE")
    poor = effet_levier.lever_poor(pacte, 2024)
    for level, code in (("departement", "38"), ("region", "84"), ("epci", GRENOBLE)):
        holder = "epci" if level == "epci" else "departement"
        data = pacte if holder == "departement" else effet_levier.load_lever_data(db, "PACTE", "epci")
        base = effet_levier.lever_base(db, data, level, code, 2024, 2025)
        kept = _frames_of(base)
        assert len(base.table) >= 5, code
        for stage in lever.STAGES:
            shared = effet_levier.lever_level(data, stage, 2024, 2025,
                                              poor=poor if holder == "departement" else None)
            held = effet_levier.lever_view(db, level, code, "PACTE", stage, 2024, 2025, data=data, level_data=shared,
                                           base=base)
            fresh = effet_levier.lever_view(db, level, code, "PACTE", stage, 2024, 2025)
            assert held.headline == fresh.headline and held.notes == fresh.notes, (code, stage)
            assert (held.substitutions, held.new_actions, held.unchecked_new) == (
                fresh.substitutions, fresh.new_actions, fresh.unchecked_new)
            for name in ("execution", "execution_export", "costs", "comparison", "flows"):
                assert _frames_equal(getattr(held, name), getattr(fresh, name)), (code, stage, name)
            for name in ("execution_figure", "leverage_figure", "per_poor_figure", "sankey_figure"):
                a, b = getattr(held, name), getattr(fresh, name)
                assert (a is None) == (b is None) and (a is None or a.to_json() == b.to_json()), (code, stage, name)
        for name, frame in kept.items():
            pd.testing.assert_frame_equal(getattr(base, name), frame, obj=name)
    # Another territory or span: the base given is not used. Vaucluse (84) is not the région 84.
    region = effet_levier.lever_base(db, pacte, "region", "84", 2024, 2025)
    vaucluse = effet_levier.lever_view(db, "departement", "84", "PACTE", "spent", 2024, 2025, data=pacte, base=region)
    assert vaucluse.codes == ["84"] and vaucluse.title.startswith("Vaucluse"), vaucluse.title
    isere = effet_levier.lever_base(db, pacte, "departement", "38", 2024, 2025)
    nord = effet_levier.lever_view(db, "departement", "59", "PACTE", "spent", 2024, 2025, data=pacte, base=isere)
    assert nord.codes == ["59"] and nord.title.startswith("Nord")
    longer = effet_levier.lever_view(db, "departement", "38", "PACTE", "spent", 2024, 2026, data=pacte, base=isere)
    assert longer.years == (2024, 2026)
    assert _frames_equal(longer.execution,
                         effet_levier.lever_view(db, "departement", "38", "PACTE", "spent", 2024, 2026).execution)
