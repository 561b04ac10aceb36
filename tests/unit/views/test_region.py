"""The région view on the demo database: each figure is the one its territory's own page shows (Mi-parcours,
T0, Effet levier, Qualité), and a territorial user reads no other territory's contract data."""

from __future__ import annotations

import pandas as pd
import pytest

from levier.analysis import positions
from levier.rights.scope import Role, Scope
from levier.store.db import Database
from levier.views import effet_levier, mi_parcours, panorama, qualite, region, t0

LYON = "200046977"
GRENOBLE = "200040715"


@pytest.fixture(scope="module")
def admin(demo_db_path) -> Database:
    return Database(demo_db_path)


@pytest.fixture(scope="module")
def bundle(admin):
    return qualite.quality_bundle(admin)


@pytest.fixture(scope="module")
def view(admin, bundle) -> region.RegionView:
    return region.region_view(admin, "84", "PACTE", bundle, "Auvergne-Rhône-Alpes")


@pytest.fixture(scope="module")
def t0_data(admin):
    return {level: t0.load_t0_data(admin, level) for level in region.LEVELS}


NAMES = {LYON: "Métropole de Lyon", GRENOBLE: "Grenoble-Alpes-Métropole"}


def _row(frame, code: str):
    label = NAMES.get(code)
    hit = frame["Territoire"] == label if label else frame["Territoire"].str.endswith(f"({code})")
    return frame[hit].iloc[0]


def test_the_region_holds_its_departements_then_its_metropoles(view):
    terr = view.territories
    deps = terr.loc[terr["level"] == "departement", "code"].tolist()
    assert deps == ["01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"]
    metros = set(terr.loc[terr["level"] == "epci", "code"])
    assert {LYON, GRENOBLE} <= metros
    assert set(terr.loc[terr["level"] == "epci", "dep"]) <= set(deps)


@pytest.mark.parametrize("code, level", [("38", "departement"), ("69", "departement"), (LYON, "epci")])
def test_status_counts_are_the_midterm_pages(admin, view, code, level):
    periods = mi_parcours.available_periods(admin, level, code)
    period_from, period_to = mi_parcours.default_periods(periods, "PACTE")
    page = mi_parcours.midterm_view(admin, code, level, period_from, period_to, period_from, "PACTE")
    assert view.status_counts[code] == page.status_counts
    assert sum(page.status_counts.values()) > 0
    row = _row(view.statuses, code)
    assert row["En retard"] == str(page.status_counts.get("en retard", 0))
    assert row["Période"] == f"{period_from} → {period_to}"


@pytest.mark.parametrize("programme", ["PACTE", "CDPPE", "CALPAE"])
def test_the_regions_status_counts_read_at_once_are_each_territorys(admin, programme):
    """The région's statuses are read in two queries per level, each territory at its own default years: the same
    counts and periods as the territory's own (the Mi-parcours page's), for every territory of the région."""
    cat = region.catalogue(admin)
    terr = region.region_territories(admin, "84")
    served = region.derived_status_counts(admin, terr, programme, cat)
    assert served is not None and set(served) == set(terr["code"])
    for r in terr.itertuples(index=False):
        assert served[r.code] == region.territory_status_counts(admin, r.level, r.code, programme, cat), r.code
    if programme != "CALPAE":  # the demo's CALPAE contracts set no target
        assert sum(sum(counts.values()) for counts, _ in served.values()) > 100
    isere = admin.with_scope(Scope.territorial("d@x.fr", Role.DEPARTEMENTAL, {"38"}))
    assert region.derived_status_counts(isere, terr, programme, cat) is None  # counted live, on what they may read


def test_key_figures_are_the_t0_pages(admin, t0_data):
    layer = panorama.display_layer("departement")
    key = region.key_view(admin, "84", "STAT-Q2", t0_data, layer)
    for code, level in (("38", "departement"), (GRENOBLE, "epci")):
        page = t0.t0_view(admin, code, level, region.T0_YEAR, data=t0_data[level]).display
        page = page[page["Code"] == "STAT-Q2"].iloc[0]
        mine = _row(key.table, code)
        for col in ("Valeur", "Année", "Rang", "Médiane nationale", "Écart à la médiane nationale"):
            assert mine[col] == page[col], (code, col)
    assert _row(key.table, "38")["Rang"].endswith("/ 98")  # among départements
    assert _row(key.table, GRENOBLE)["Rang"].endswith("/ 21")  # among métropoles, not all EPCI
    assert key.figure is not None and "INSEE" in key.caption


@pytest.mark.parametrize("reg", ["84", "32", "03"])
def test_the_tables_made_at_once_are_each_territorys_own(admin, t0_data, reg):
    """The key figure makes every territory's T0 table in one pass per level (t0.t0_tables_of): each is the table
    t0.t0_table_of makes for that territory alone, with and without the missing indicators, for an administrator and
    for a départemental user (who is told only the public statistics of the others)."""
    terr = region.region_territories(admin, reg)
    isere = admin.with_scope(Scope.territorial("agent@isere.fr", Role.DEPARTEMENTAL, {"38"}))
    for db in (admin, isere):
        for level, codes in terr.groupby("level")["code"]:
            data = t0_data[level] if db is admin else t0.load_t0_data(db, level)
            for include_missing in (True, False):
                together = t0.t0_tables_of(data, db.scope, codes.tolist(), region.T0_YEAR, include_missing)
                assert set(together[positions.REQUEST_CODE]) <= set(codes)
                for code in codes:
                    alone = t0.t0_table_of(data, db.scope, code, region.T0_YEAR, (), include_missing)
                    mine = together[together[positions.REQUEST_CODE] == code].drop(columns=positions.REQUEST_CODE)
                    # The same values; a column all empty in one table is typed by the others' rows in the frame.
                    pd.testing.assert_frame_equal(_plain(mine.reset_index(drop=True)), _plain(alone))
                    assert len(alone) > 0 or level == "epci", (code, include_missing)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell a Python object, every missing one None."""
    return frame.astype(object).where(frame.notna(), None)


def test_a_count_is_never_a_key_figure(admin):
    cat = admin.read(region.Query.INDICATOR_CATALOGUE).drop_duplicates("code").set_index("code")
    units = cat.loc[list(region.KEY_INDICATORS), "unit"]
    assert set(units) <= {"%", "€"}, units


def test_money_is_the_lever_pages(admin, view):
    years = view.money_years
    for code in ("38",):
        for stage, word in (("planned", "prévu"), ("spent", "consommé")):
            page = effet_levier.lever_view(admin, "departement", code, "PACTE", stage, years[0], years[1])
            assert _row(view.money, code)[f"État {word}"] == page.headline["État"], (code, stage)
    assert "fictives" in view.money_source


def test_returns_are_the_quality_pages(view, bundle):
    comp = bundle.report.completeness
    mine = comp[(comp["Code territoire"] == "38") & (comp["Programme"] == "PACTE")]
    due = mine[mine["Statut"] != "non échu"]
    row = _row(view.returns, "38")
    assert row["Retours attendus (échus)"] == str(len(due)) and len(due) > 0
    assert row["Manquants"] == str(int((due["Statut"] == "manquant").sum()))


def test_a_departemental_user_reads_no_other_territorys_contract_data(admin, bundle):
    isere = admin.with_scope(Scope.territorial("agent@isere.fr", Role.DEPARTEMENTAL, {"38"}))
    view = region.region_view(isere, "84", "PACTE", qualite.quality_bundle(isere), "Auvergne-Rhône-Alpes")
    # Isère and Grenoble-Alpes-Métropole (whose principal département is Isère): nothing else.
    assert set(view.status_counts) == {"38", GRENOBLE} and "38" in view.money_totals
    assert set(view.money_totals) <= {"38", GRENOBLE}
    for frame in (view.statuses, view.returns, view.money):
        for code in ("69", LYON):
            assert set(_row(frame, code).drop(["Territoire", "Type"])) == {region.OUT_OF_RIGHTS}
    # Her own figures are the administrator's.
    full = region.region_view(admin, "84", "PACTE", bundle, "Auvergne-Rhône-Alpes")
    assert view.status_counts["38"] == full.status_counts["38"]
