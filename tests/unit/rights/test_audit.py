"""The attacker's LP: each masked value's interval given the known totals, on hand-made tables (intervals worked out
by hand) and on every indicator-year of the demo data for the three kinds of users (issue 14's acceptance test)."""

from __future__ import annotations

import pandas as pd
import pytest

from levier.rights.access import Geography
from levier.rights.audit import audit, feasible_intervals
from levier.rights.scope import Role, Scope
from levier.store.db import Database
from levier.store.queries import Query
from tests.queries import ProbeQuery

REG = {"38": "84", "69": "84", "01": "84", "03": "84", "13": "93", "83": "93", "2A": "94", "2B": "94",
       "971": "01", "973": "03"}


def table(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"indicator": "X", "period": 2021, "territory_code": list(values),
                         "value": [float(v) for v in values.values()], "reg": [REG[c] for c in values]})


def intervals(values: dict[str, float], masked: set[str], **kw) -> dict[str, tuple[float, float, bool]]:
    t = table(values)
    got = feasible_intervals(t, t["territory_code"].isin(masked).to_numpy(), threshold=10, p=0.15, **kw)
    return {r.territory_code: (round(r.low, 6), round(r.high, 6), bool(r.protected)) for r in got.itertuples()}


BASE = {"38": 7, "03": 30, "69": 250, "01": 40, "13": 500, "83": 90}


def test_two_masked_cells_of_a_region_share_its_total():
    # Région 84 total 327, visible 290: x38 + x03 = 37, both in [0, 37]; 38 needs 8.5, 03 needs 34.5.
    got = intervals(BASE, {"38", "03"})
    assert got == {"38": (0, 37, True), "03": (0, 37, True)}


def test_a_lone_masked_cell_is_pinned_by_its_region_total():
    got = intervals(BASE, {"38"})
    assert got == {"38": (7, 7, False)}


def test_a_protected_cell_too_close_to_its_partner_is_reported():
    # x38 + x03 = 37 but 03 = 30 needs 30 + 4.5 = 34.5 ≤ 37: protected; with 03 = 31 and 38 = 2: x ≤ 33 < 35.65.
    got = intervals(BASE | {"38": 2, "03": 31}, {"38", "03"})
    assert got["38"] == (0, 33, True) and got["03"] == (0, 33, False)


def test_a_small_corse_total_is_no_margin_but_france_minus_the_others_is():
    # Corse total 3 (small: published by no one). France − known régions = 2A + 2B + 971 + 973 = 0 + 3 + 50 + 4.
    values = BASE | {"2A": 0, "2B": 3, "971": 50, "973": 4}
    assert intervals(values, {"2B"}) == {"2B": (3, 3, False)}  # pinned by France − the others
    got = intervals(values, {"2B", "971", "973"})
    # All three in [0, 57]; but 971 (50) needs 50 + 7.5 = 57.5: the audit reports it, by half a person.
    assert got == {"2B": (0, 57, True), "971": (0, 57, False), "973": (0, 57, True)}


def test_a_single_departement_region_total_is_the_masked_figure_itself():
    # 971 and 973 masked: their own région totals are those figures (masked with them), only France binds them.
    # 971 (20) needs 20 + 3 = 23 ≤ 24, 973 (4) needs 5.5.
    values = BASE | {"971": 20, "973": 4}
    assert intervals(values, {"971", "973"}) == {"971": (0, 24, True), "973": (0, 24, True)}


def test_a_published_total_of_the_same_count_is_a_margin_too():
    # A DREES total over 38 and 69 (257) gives 38 = 7, then région 84 gives 03 = 30.
    got = intervals(BASE, {"38", "03"}, published=[(("38", "69"), 257.0)])
    assert got == {"38": (7, 7, False), "03": (30, 30, False)}


# --- Acceptance test on the demo data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_rows(demo_db_path) -> pd.DataFrame:
    return Database(demo_db_path).read(Query.SENSITIVE_COUNT_VERSIONS)


def check(rows: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    return audit(rows, detail_all=scope.detail_all, detail_deps=scope.detail_departements,
                 threshold=scope.small_count_max)


def test_no_interval_collapses_for_a_national_user(demo_rows):
    got = check(demo_rows, Scope.national("n@x.fr"))
    assert len(got) > 300  # the demo does mask: the test is not vacuous
    assert got["protected"].all(), got[~got["protected"]].to_string()
    assert (got["high"] - got["low"]).min() > 1


def test_no_interval_collapses_for_a_national_user_with_partial_detail(demo_rows):
    scope = Scope.national("n@x.fr", detail=frozenset({"38", "59", "13", "973", "75"}))
    got = check(demo_rows, scope)
    assert len(got) > 300
    assert not got["territory_code"].isin(scope.detail_departements).any()
    assert got["protected"].all(), got[~got["protected"]].to_string()


def test_with_detail_on_all_but_one_departement_of_a_region_only_that_one_can_collapse(demo_rows):
    # Detail on 2A: the Corse total (when not itself small) minus 2A gives 2B whatever is masked. The audit says
    # so, and nothing else collapses.
    got = check(demo_rows, Scope.national("n@x.fr", detail=frozenset({"2A", "38"})))
    assert got["protected"].sum() > 300
    assert set(got.loc[~got["protected"], "territory_code"]) <= {"2B"}


def test_a_regional_user_reads_nothing_outside_the_detail(demo_rows, demo_db_path):
    region_of = dict(zip(demo_rows["dep"], demo_rows["reg"], strict=False))
    deps = Geography(region_of=region_of).departements_of(("84",))
    scope = Scope.territorial("r@x.fr", Role.REGIONAL, deps)
    assert not scope.masks_anything
    mine = demo_rows[demo_rows["dep"].isin(deps)]
    assert len(mine) > 0 and check(mine, scope).empty
    # Through the real door: every value of their départements is shown, and no other département's value at all.
    seen = Database(demo_db_path, scope=scope).read(ProbeQuery.VISIBLE_ROWS_BY_TERRITORY)
    values = seen[seen["source"].eq("valeurs") & seen["territory_level"].eq("departement")]
    assert set(values["territory_code"]) == set(deps) & set(demo_rows["dep"])
    assert values["secret"].eq(0).all()
