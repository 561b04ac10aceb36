"""Reference geography loaded from the real shared files: counts, text codes, memberships, boundaries round trip."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
import shapely

from levier.core.config import settings
from levier.store.db import Database
from levier.ingest.reference import (
    REQUIRED_FILES,
    ReferenceError,
    describe_required_files,
    geometries,
    load_reference,
    principal_departement,
    read_reference,
)

REF_DIR = settings().reference_dir
ISLANDS = ["22016", "29083", "29155", "85113"]
OVERSEAS = ["971", "972", "973", "974", "976"]

pytestmark = pytest.mark.skipif(
    not (REF_DIR / REQUIRED_FILES["communes"].path).exists(), reason=f"reference data not found in {REF_DIR}"
)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One real load into a temporary database, shared by the module (it is the slow part)."""
    db = Database(tmp_path_factory.mktemp("reference") / "levier.duckdb")
    start = time.perf_counter()
    counts = load_reference(db, REF_DIR)
    return db, counts, time.perf_counter() - start


@pytest.fixture(scope="module")
def ref():
    return read_reference(REF_DIR)


@pytest.fixture(scope="module")
def territory(ref) -> pd.DataFrame:
    return ref.territories


@pytest.fixture(scope="module")
def memberships(ref) -> pd.DataFrame:
    return ref.commune_epci


def _raw(rel: str) -> pd.DataFrame:
    return pd.read_csv(REF_DIR / rel, dtype=str, keep_default_na=False)


def test_load_is_fast_and_reports_counts_per_level_and_vintage(loaded, capsys):
    _, counts, seconds = loaded
    with capsys.disabled():
        print(f"\nreference load: {seconds:.2f} s, {counts}")
    assert seconds < 20
    assert counts == {
        ("commune", 2026): 34_875,
        ("departement", 2026): 101,
        ("epci", 2023): 1_255,
        ("epci", 2024): 1_255,
        ("epci", 2026): 1_255,
        ("region", 2026): 18,
    }


def test_stored_tables_equal_what_was_read(loaded, ref):
    db = loaded[0]
    # Literal SQL on the read-only connection: the app has no query listing whole tables, the test needs one.
    with db.reader() as r:
        territory = r._con.execute("SELECT * FROM territory ORDER BY level, vintage, code").df()
        links = r._con.execute("SELECT * FROM commune_epci ORDER BY vintage, commune").df()
        kinds = r._con.execute("SELECT typeof(code), typeof(dep), count(*) FROM territory GROUP BY ALL").fetchall()
    assert {(k[0], k[1]) for k in kinds} <= {("VARCHAR", "VARCHAR")}
    expected = ref.territories.sort_values(["level", "vintage", "code"]).reset_index(drop=True)
    assert len(territory) == len(expected)
    for column in ("level", "code", "name", "dep", "reg", "nature", "zone"):
        assert territory[column].fillna("").tolist() == expected[column].fillna("").tolist(), column
    assert territory.population.tolist() == expected.population.astype("int64").tolist()
    assert len(links) == len(ref.commune_epci)
    assert set(links.columns) == {"vintage", "commune", "epci"}


def test_departement_codes_stay_text(territory):
    deps = territory[territory.level == "departement"]
    codes = set(deps.code)
    assert len(deps) == 101
    assert {"01", "2A", "2B", *OVERSEAS} <= codes
    assert "1" not in codes and "20" not in codes
    assert not codes & {"975", "977", "978", "984", "986", "987", "988", "989"}
    assert deps.set_index("code").loc["2A", "reg"] == "94"
    assert (deps.dep == deps.code).all()
    assert set(deps[deps.code.isin(OVERSEAS)].zone) == {"drom"}


def test_regions(territory):
    regs = territory[territory.level == "region"].set_index("code")
    assert len(regs) == 18
    assert regs.loc["11", "name"] == "Île-de-France"
    assert regs.loc["01", "zone"] == "drom" and regs.loc["84", "zone"] == "metro"


def test_populations_add_up_from_communes(territory):
    communes = territory[territory.level == "commune"]
    deps = territory[territory.level == "departement"].set_index("code")
    regs = territory[territory.level == "region"].set_index("code")
    assert deps.population.sum() == communes.population.sum() == regs.population.sum()
    assert 66_000_000 < deps.population.sum() < 70_000_000
    paris = communes.set_index("code").loc["75056", "population"]
    assert deps.loc["75", "population"] == paris
    assert (deps.population > 0).all()


def test_communes_keep_metro_and_drom_only(territory):
    communes = territory[territory.level == "commune"].set_index("code")
    assert len(communes) == 34_875
    assert set(communes.zone) == {"metro", "drom"}
    assert communes.loc["01001", "dep"] == "01"
    assert communes.loc["2A004", "dep"] == "2A"
    assert communes.loc["97411", "dep"] == "974"
    assert "97801" not in communes.index  # Saint-Martin is a COM
    assert communes.population.notna().all()


def test_epci_per_year(territory):
    epci = territory[territory.level == "epci"]
    assert epci.groupby("vintage").size().to_dict() == {2023: 1_255, 2024: 1_255, 2026: 1_255}
    assert epci.code.str.fullmatch(r"\d{9}").all()
    assert set(epci.nature) <= {"CC", "CA", "CU", "METRO", "MET69"}
    assert epci.dep.notna().all() and epci.reg.notna().all() and epci.population.notna().all()
    lyon = epci[(epci.code == "200046977")]
    assert set(lyon.nature) == {"MET69"} and set(lyon.dep) == {"69"} and set(lyon.reg) == {"84"}
    raw = _raw(REQUIRED_FILES["epci"].path)
    raw_2023 = raw[raw.annee == "2023"].set_index("siren_epci")
    stored_2023 = epci[epci.vintage == 2023].set_index("code")
    published = raw_2023.population_municipale.astype(int).reindex(stored_2023.index)
    assert (stored_2023.population.astype(int) == published).all()


def test_epci_2026_departement_is_the_geometry_layers_dep_principal(territory):
    import geopandas as gpd

    layer = gpd.read_file(REF_DIR / REQUIRED_FILES["geo_epci"].path, engine="pyogrio", use_arrow=True)
    stored = territory[(territory.level == "epci") & (territory.vintage == 2026)].set_index("code")
    assert (stored.dep.reindex(layer.code_siren).to_numpy() == layer.dep_principal.to_numpy()).all()
    # Some EPCI straddle départements; the principal one is still a single code.
    assert (layer.deps.str.contains(",")).any()


def test_computed_dep_principal_reproduces_the_published_one():
    # 2023 and 2024 have no boundary layer, so their dep comes from this computation: check it on 2026.
    import geopandas as gpd

    members = _raw(REQUIRED_FILES["epci_membres"].path)
    communes = _raw(REQUIRED_FILES["communes"].path)
    communes["population"] = pd.to_numeric(communes.population_municipale).astype("Int64")
    got = principal_departement(members[members.annee == "2026"], communes).set_index("siren_epci").dep
    layer = gpd.read_file(REF_DIR / REQUIRED_FILES["geo_epci"].path, engine="pyogrio", use_arrow=True)
    assert len(got) == 1_255
    assert (got.reindex(layer.code_siren).to_numpy() == layer.dep_principal.to_numpy()).all()


def test_principal_departement_counts_a_merged_commune_once():
    communes = pd.DataFrame(
        {"code_commune": ["01001", "02001"], "population": pd.array([100, 150], "Int64"),
         "anciens_codes": ["01002|01003|01004", ""]}
    )
    members = pd.DataFrame(
        {"annee": "2023", "siren_epci": "200000001", "code_commune": ["01002", "01003", "01004", "02001"]}
    )
    # Counting the absorbing commune once per old code would give 300 for '01' and pick it.
    assert principal_departement(members, communes).dep.tolist() == ["02"]


def test_island_communes_belong_to_no_epci(territory, memberships):
    communes = set(territory[territory.level == "commune"].code)
    assert set(ISLANDS) <= communes
    assert not memberships.commune.isin(ISLANDS).any()


def test_memberships_2026_match_the_commune_file(memberships):
    raw = _raw(REQUIRED_FILES["communes"].path)
    raw = raw[raw.siren_epci != ""].set_index("code_commune").siren_epci
    stored = memberships[memberships.vintage == 2026].set_index("commune").epci
    assert len(stored) == len(raw) == 34_871
    assert (stored.reindex(raw.index) == raw).all()
    assert memberships.groupby("vintage").size().to_dict() == {2023: 34_941, 2024: 34_931, 2026: 34_871}
    assert not memberships.duplicated(["vintage", "commune"]).any()


def test_geometries_round_trip_to_geodataframes(loaded):
    db = loaded[0]
    deps = geometries(db, "departement", 2026)
    assert deps.crs.to_epsg() == 4326
    assert len(deps) == 101 and deps.is_valid.all() and not deps.is_empty.any()
    assert set(deps.geom_type) <= {"Polygon", "MultiPolygon"}
    assert list(deps.columns) == ["code", "name", "nature", "population", "dep", "reg", "geometry"]
    corse_sud = deps.set_index("code").loc["2A"]
    assert corse_sud["name"] == "Corse-du-Sud"
    assert corse_sud.geometry.contains(shapely.Point(8.74, 41.93))  # Ajaccio
    epci = geometries(db, "epci", 2026)
    assert len(epci) == 1_255 and epci.is_valid.all()
    assert epci.name.notna().all() and epci.nature.notna().all()
    # No boundary for the years without a layer, rather than 2026 shapes under a wrong vintage.
    assert geometries(db, "epci", 2023).empty


def test_reload_replaces_instead_of_duplicating(tmp_path):
    db = Database(tmp_path / "levier.duckdb")
    load_reference(db, REF_DIR)
    counts = load_reference(db, REF_DIR)
    assert counts[("epci", 2026)] == 1_255
    assert len(geometries(db, "departement", 2026)) == 101


def _reference_copy(tmp_path: Path, *, skip: str | None = None) -> Path:
    """Links to the real files, so a test can remove or replace one without copying 16 MB."""
    for spec in REQUIRED_FILES.values():
        if spec.path == skip:
            continue
        target = tmp_path / spec.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(REF_DIR / spec.path)
    return tmp_path


def test_missing_file_is_named_in_french(tmp_path):
    directory = _reference_copy(tmp_path, skip="cog/communes_2026.csv")
    with pytest.raises(ReferenceError, match=r"Fichier de référence manquant : cog/communes_2026\.csv") as err:
        read_reference(directory)
    assert "decoupage-administratif" in str(err.value)  # says where to get it


def test_missing_file_leaves_the_stored_reference_intact(tmp_path, loaded):
    db = loaded[0]
    directory = _reference_copy(tmp_path, skip="geo/epci_2026_derived.geojson")
    with pytest.raises(ReferenceError, match="epci_2026_derived.geojson"):
        load_reference(db, directory)
    assert len(geometries(db, "epci", 2026)) == 1_255


def test_codes_damaged_by_a_spreadsheet_are_refused(tmp_path):
    rel = REQUIRED_FILES["communes"].path
    directory = _reference_copy(tmp_path, skip=rel)
    communes = _raw(rel)
    communes["code_commune"] = communes.code_commune.str.lstrip("0")  # what Excel does to '01001'
    communes.to_csv(directory / rel, index=False)
    with pytest.raises(ReferenceError, match=r"invalide : cog/communes_2026\.csv .*'1001'"):
        read_reference(directory)


def test_insee_departement_file_is_accepted_instead(tmp_path):
    directory = _reference_copy(tmp_path, skip="cog/departements_2026.csv")
    (directory / "cog/insee_departements_2026.csv").symlink_to(REF_DIR / "cog/insee_departements_2026.csv")
    deps = read_reference(directory).territories.query("level == 'departement'").set_index("code")
    assert len(deps) == 101
    assert deps.loc["2B", "name"] == "Haute-Corse" and deps.loc["976", "zone"] == "drom"


def test_required_files_are_described_with_their_sources():
    text = describe_required_files()
    for spec in REQUIRED_FILES.values():
        assert spec.path in text
    for source in ("INSEE", "BANATIC", "IGN ADMIN EXPRESS", "decoupage-administratif"):
        assert source in text
