"""The demo returns: deterministic, coherent (sub-counts ≤ totals), scaled on real populations, defects planted."""

from __future__ import annotations

import io
import math
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from levier.demo import returns as demo
from levier.ingest.catalogue import read_catalogue
from levier.core.config import settings
from levier.core.text import normalise

# ---------------------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue():
    return read_catalogue()


def _small_departements() -> pd.DataFrame:
    """Fake populations for a handful of départements, among them those the planted defects name."""
    rows = [
        ("01", "Ain", 670_000), ("05", "Hautes-Alpes", 140_000), ("13", "Bouches-du-Rhône", 2_050_000),
        ("2A", "Corse-du-Sud", 160_000), ("33", "Gironde", 1_670_000), ("38", "Isère", 1_280_000),
        ("48", "Lozère", 76_000), ("59", "Nord", 2_610_000), ("69", "Rhône", 1_900_000),
        ("971", "Guadeloupe", 380_000),
    ]
    return pd.DataFrame(rows, columns=["code", "name", "population"]).astype({"code": "str", "name": "str"})


def _small_metropoles() -> pd.DataFrame:
    return pd.DataFrame(
        [("200046977", "Métropole de Lyon", 1_420_000, "69")], columns=["code", "name", "population", "dep"]
    ).astype({"code": "str", "name": "str", "dep": "str"})


SMALL_RATES = {"01": 10.6, "05": 14.2, "13": 18.0, "2A": 17.0, "33": 13.0, "38": 11.6, "48": 14.4, "59": 18.5,
               "69": 14.6}  # 971 deliberately missing: the generator imputes it


@pytest.fixture(scope="module")
def real_inputs():
    ref = settings().reference_dir
    deps = pd.read_csv(ref / "cog" / "departements_2026.csv", dtype=str, keep_default_na=False)
    deps = deps[deps["zone"].isin(["metro", "drom"])]
    communes = pd.read_csv(ref / "cog" / "communes_2026.csv", dtype=str, keep_default_na=False)
    communes["pop"] = pd.to_numeric(communes["population_municipale"])
    pop = communes.groupby("dep")["pop"].sum()
    departements = pd.DataFrame({"code": deps["code_dep"], "name": deps["nom"], "population": deps["code_dep"].map(pop)})
    epci = pd.read_csv(ref / "cog" / "epci_2023_2024_2026.csv", dtype=str, keep_default_na=False)
    epci = epci[(epci["annee"] == "2026") & epci["nature"].isin(["METRO", "MET69"])]
    by_dep = communes.groupby(["siren_epci", "dep"])["pop"].sum().reset_index()
    main_dep = by_dep.sort_values("pop").drop_duplicates("siren_epci", keep="last").set_index("siren_epci")["dep"]
    metropoles = pd.DataFrame({
        "code": epci["siren_epci"], "name": epci["nom"],
        "population": pd.to_numeric(epci["population_municipale"]), "dep": epci["siren_epci"].map(main_dep),
    })
    filo = pd.read_csv(ref / "filosofi" / "FILO2020_DISP_PAUVRES_DEP.csv", sep=";", dtype=str, keep_default_na=False)
    rates = {c: float(v.replace(",", ".")) for c, v in zip(filo["CODGEO"], filo["TP6020"]) if v not in ("", "s", "nd")}
    return departements.reset_index(drop=True), metropoles.reset_index(drop=True), rates


@pytest.fixture(scope="module")
def real_run(tmp_path_factory, real_inputs, catalogue):
    deps, metros, rates = real_inputs
    out = tmp_path_factory.mktemp("demo_real")
    t0 = time.perf_counter()
    files = demo.generate_demo_files(out, deps, metros, catalogue.indicators, catalogue.programmes, rates)
    elapsed = time.perf_counter() - t0
    return files, elapsed


@pytest.fixture(scope="module")
def real_values(real_run, catalogue):
    return read_back(real_run[0], catalogue.indicators)


def _run_small(out: Path, catalogue) -> list[demo.DemoFile]:
    return demo.generate_demo_files(out, _small_departements(), _small_metropoles(), catalogue.indicators,
                                    catalogue.programmes, SMALL_RATES)


# ---------------------------------------------------------------------------------------------------------------
# Reading the files back, independently of the importer
# ---------------------------------------------------------------------------------------------------------------


def _number(text: str) -> float:
    t = str(text).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return float("nan")


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def read_back(files: list[demo.DemoFile], indicators: pd.DataFrame) -> pd.DataFrame:
    """Every value cell of every file: order, file, territory, indicator, period, raw text, number, target."""
    by_label = {normalise(label): code for code, label in zip(indicators["code"], indicators["label"])}
    records = []
    for order, f in enumerate(files):
        if f.path.suffix == ".csv":
            frame = pd.read_csv(io.StringIO(_decode(f.path.read_bytes())), sep=";", dtype=str, keep_default_na=False)
            for r in frame.to_dict("records"):
                records.append((order, f.path.name, r["territoire"], r["indicateur"], int(r["periode"]), r["valeur"],
                                r.get("cible", ""), r.get("annee_cible", ""), r.get("date_transmission", "")))
            continue
        wb = openpyxl.load_workbook(f.path, read_only=True)
        ws = wb.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
        if f.file_format == "long":
            head = rows[0]
            for row in rows[1:]:
                r = dict(zip(head, row))
                records.append((order, f.path.name, r["territoire"], r["indicateur"], int(r["periode"]), r["valeur"],
                                r["cible"], r["annee_cible"], r["date_transmission"]))
            continue
        territory = next(r[1] for r in rows if r and r[0] == "Territoire")
        sent = next(r[1] for r in rows if r and r[0] == "Date de transmission")
        h = next(i for i, r in enumerate(rows) if r[0] == "Code")
        years = [int(y) for y in rows[h][2:] if y]
        for row in rows[h + 1 :]:
            code = row[0] or by_label[normalise(row[1])]
            for j, y in enumerate(years):
                records.append((order, f.path.name, territory, code, y, row[2 + j], "", "", sent))
    out = pd.DataFrame(records, columns=["order", "file", "territory", "indicator", "period", "raw", "target_raw",
                                         "target_year", "sent"])
    out["value"] = out["raw"].map(_number)
    out["target"] = out["target_raw"].map(_number)
    return out


def _current(values: pd.DataFrame) -> pd.DataFrame:
    """What the database holds once every file is imported in order: the latest non-blank value per key."""
    filled = values[values["raw"] != ""]
    return filled.sort_values("order").drop_duplicates(["territory", "indicator", "period"], keep="last")


def _ratios(indicators: pd.DataFrame) -> list[tuple[str, str, str]]:
    return [(c, n, d) for c, n, d in zip(indicators["code"], indicators["numerator"], indicators["denominator"])
            if n and d]


def _pairs(current: pd.DataFrame, num: str, den: str, column: str = "value") -> pd.DataFrame:
    n = current[current["indicator"] == num].set_index(["territory", "period"])[column]
    d = current[current["indicator"] == den].set_index(["territory", "period"])[column]
    return pd.DataFrame({"num": n, "den": d}).dropna()


# ---------------------------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------------------------


def test_same_inputs_give_identical_files(tmp_path, catalogue):
    first = _run_small(tmp_path / "a", catalogue)
    second = _run_small(tmp_path / "b", catalogue)
    assert [f.path.name for f in first] == [f.path.name for f in second]
    for a, b in zip(first, second):
        if a.path.suffix == ".csv":
            assert a.path.read_bytes() == b.path.read_bytes(), a.path.name
        else:
            wa, wb = openpyxl.load_workbook(a.path), openpyxl.load_workbook(b.path)
            assert wa.sheetnames == wb.sheetnames
            for sa, sb in zip(wa.worksheets, wb.worksheets):
                assert [list(r) for r in sa.iter_rows(values_only=True)] == [list(r) for r in sb.iter_rows(values_only=True)]
            assert a.path.read_bytes() == b.path.read_bytes(), f"{a.path.name}: xlsx bytes differ (timestamps?)"


def test_another_seed_gives_other_values(tmp_path, catalogue):
    a = _run_small(tmp_path / "a", catalogue)
    b = demo.generate_demo_files(tmp_path / "b", _small_departements(), _small_metropoles(), catalogue.indicators,
                                 catalogue.programmes, SMALL_RATES, seed=7)
    csv_a = next(f for f in a if f.path.name.startswith("calpae_2022"))
    csv_b = next(f for f in b if f.path.name.startswith("calpae_2022"))
    assert csv_a.path.read_bytes() != csv_b.path.read_bytes()


def test_a_territory_values_do_not_depend_on_the_others(tmp_path, catalogue, real_inputs, real_values):
    """Isère's figures are the same whether 3 or 101 départements are generated."""
    deps, metros, rates = real_inputs
    few = deps[deps["code"].isin(["38", "48", "59"])]
    files = demo.generate_demo_files(tmp_path, few, metros.iloc[:0], catalogue.indicators, catalogue.programmes, rates)
    small = read_back(files, catalogue.indicators)
    keys = ["indicator", "period", "raw"]
    a = small[(small["territory"] == "38") & small["file"].str.startswith("calpae_2019")][keys].reset_index(drop=True)
    b = real_values[(real_values["territory"] == "38") & real_values["file"].str.startswith("calpae_2019")][keys]
    pd.testing.assert_frame_equal(a, b.reset_index(drop=True))


def test_files_in_import_order_with_fictitious_notice(real_run):
    files, _ = real_run
    names = [f.path.name for f in files]
    grids = [i for i, n in enumerate(names) if n.startswith("calpae_2019-2021_")]
    assert len(grids) == 101 and grids == list(range(101))
    assert "calpae_2019-2021_38_isere.xlsx" in names
    assert "calpae_2019-2021_2A_corse-du-sud.xlsx" in names
    assert names.index("calpae_2021_corrections.csv") > max(grids)
    assert all(f.expected == "ok" and f.description for f in files)
    for f in files:
        if f.path.suffix == ".csv":
            assert demo.FICTION_NOTE in _decode(f.path.read_bytes()).splitlines()[1], f.path.name
        else:
            wb = openpyxl.load_workbook(f.path, read_only=True)
            first_rows = [c for row in wb.worksheets[0].iter_rows(max_row=2, values_only=True) for c in row]
            wb.close()
            assert any(isinstance(c, str) and demo.FICTION_NOTE in c for c in first_rows), f.path.name


def test_row_counts_match_the_files(real_run, real_values):
    files, _ = real_run
    long_rows = real_values[~real_values["file"].str.startswith("calpae_2019-2021")].groupby("file").size()
    for f in files:
        if f.file_format == "long":
            assert f.rows == long_rows[f.path.name]
    assert demo.demo_file_rows(files) == sum(f.rows for f in files) > 20_000


def test_sub_counts_never_exceed_their_totals(real_values, catalogue):
    ratios = _ratios(catalogue.indicators)
    assert ratios
    before_corrections = _current(real_values[~real_values["file"].str.contains("corrections")])
    for state in (before_corrections, _current(real_values)):
        for code, num, den in ratios:
            p = _pairs(state, num, den)
            assert len(p), code
            over = p[p["num"] > p["den"]]
            assert over.empty, f"{code}: {num} > {den}\n{over.head()}"
    targets = real_values[real_values["target_raw"] != ""]
    for code, num, den in ratios:
        p = _pairs(targets, num, den, "target")
        assert (p["num"] <= p["den"]).all(), code


def test_the_unit_slip_is_the_only_series_break(real_values, catalogue):
    """A numerator typed as a percentage makes its ratio collapse one year: the only such break in the data."""
    current = _current(real_values)
    breaks = []
    for code, num, den in _ratios(catalogue.indicators):
        p = _pairs(current, num, den)
        p = p[p["den"] >= 100]
        share = (p["num"] / p["den"]).unstack("period")
        years = sorted(share.columns)
        for a, b in zip(years, years[1:]):
            jump = (share[b] / share[a]).dropna()
            for terr in jump[(jump < 1 / 3) | (jump > 3)].index:
                breaks.append((terr, num, b if jump[terr] < 1 else a))
    terr, num, den, year = demo.UNIT_DEFECT
    assert set(breaks) == {(terr, num, year)}  # the drop in 2021 and the rebound after it
    slip = current.set_index(["territory", "indicator", "period"])["value"]
    assert slip[(terr, num, year)] <= 100 < slip[(terr, num, year - 1)]


def test_no_derived_ratio_is_ever_written(real_values, catalogue):
    """Grid rows are read by label when the code is missing: a derived label would map to a derived code."""
    derived = {c for c, _, _ in _ratios(catalogue.indicators)}
    written = set(real_values["indicator"])
    assert written and not (written & derived)
    typed = set(catalogue.indicators["code"]) - derived
    assert written <= typed


def test_codes_stay_text(real_run, real_inputs):
    files, _ = real_run
    deps, metros, _ = real_inputs
    expected = set(deps["code"]) | set(metros["code"])
    for f in files:
        if f.path.suffix == ".csv":
            text = _decode(f.path.read_bytes())
            frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
            assert set(frame["territoire"]) <= expected, f.path.name
            if "01" in set(frame["territoire"]):
                assert "\n01;" in text.replace("\r\n", "\n")
        elif f.file_format == "long":
            wb = openpyxl.load_workbook(f.path, read_only=True)
            cells = [row[0] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
            wb.close()
            assert all(isinstance(c, str) for c in cells)
            assert set(cells) == expected  # every département and métropole, '01' and SIREN as text


def test_csv_dialects_as_described(real_run):
    files = {f.path.name: f.path.read_bytes() for f in real_run[0] if f.path.suffix == ".csv"}
    calpae = files["calpae_2022_retours_consolides.csv"]
    with pytest.raises(UnicodeDecodeError):
        calpae.decode("utf-8")
    text = calpae.decode("cp1252")
    assert text.startswith("territoire;indicateur;periode;valeur;commentaire;date_transmission\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert any("," in line.split(";")[3] for line in text.splitlines()[1:])  # decimal comma
    assert files["cdppe_2020-2022_bilans.csv"].startswith(b"\xef\xbb\xbf")


def test_bigger_departement_has_more_new_rsa_entrants(real_values, tmp_path, catalogue):
    ne = _current(real_values)
    ne = ne[ne["indicator"] == "CALPAE-3.1.1-NE"].set_index(["territory", "period"])["value"]
    for year in (2019, 2020, 2021, 2022):
        assert ne[("59", year)] > 5 * ne[("48", year)]
    small = _current(read_back(_run_small(tmp_path, catalogue), catalogue.indicators))
    small = small[small["indicator"] == "CALPAE-3.1.1-NE"].set_index(["territory", "period"])["value"]
    assert small[("59", 2019)] > small[("48", 2019)]


def test_counts_follow_population_and_poverty(real_values, real_inputs):
    deps, _, rates = real_inputs
    ne = _current(real_values)
    ne = ne[(ne["indicator"] == "CALPAE-3.1.1-NE") & (ne["period"] == 2021)].set_index("territory")["value"]
    poor = {c: p * rates.get(c, demo.IMPUTED_POVERTY_RATES.get(c, 0.0)) / 100
            for c, p in zip(deps["code"], deps["population"])}
    both = pd.DataFrame({"ne": ne, "poor": pd.Series(poor)}).dropna()
    assert len(both) == 101
    assert np.corrcoef(np.log(both["ne"]), np.log(both["poor"]))[0, 1] > 0.9
    assert ne["976"] > 0  # Mayotte, Guyane, Guadeloupe: imputed poverty rates, still plausible counts
    assert (both["ne"] < both["poor"] * 0.1).all()


def test_values_are_well_formed(real_values, catalogue):
    units = dict(zip(catalogue.indicators["code"], catalogue.indicators["unit"]))
    v = real_values[real_values["raw"] != ""]
    markers = v[v["value"].isna()]
    assert set(markers["raw"]) <= {"s", "nd", "nc", "so"}
    numbers = v[v["value"].notna()]
    unit = numbers["indicator"].map(units)
    counts = numbers[unit.isin(["personnes", "nombre"])]
    assert (counts["value"] >= 0).all() and (counts["value"] == counts["value"].round()).all()
    pct = numbers[unit == "%"]
    assert len(pct) and pct["value"].between(0, 100).all()
    targets = real_values[real_values["target_raw"] != ""]
    assert targets["target"].notna().all()


def test_trends_are_plausible_year_to_year(real_values):
    v = real_values[real_values["file"].str.startswith("calpae") & real_values["value"].notna()]
    v = _current(v)
    series = v[v["value"] >= 200].pivot_table(index=["territory", "indicator"], columns="period", values="value")
    change = (series.diff(axis=1).iloc[:, 1:] / series.shift(axis=1).iloc[:, 1:]).abs().stack()
    assert change.median() < 0.06
    assert change.quantile(0.99) < 0.13


def test_grid_files_have_one_sheet_named_after_the_territory(real_run, catalogue):
    grids = [f for f in real_run[0] if f.file_format == "grille"]
    assert len(grids) == 101
    text_numbers = empty_codes = 0
    calpae = catalogue.indicators[(catalogue.indicators["programme"] == "CALPAE")
                                  & (catalogue.indicators["numerator"] == "")]
    for f in grids:
        wb = openpyxl.load_workbook(f.path, read_only=True)
        assert len(wb.sheetnames) == 1
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
        code = f.path.name.split("_")[2]
        name = wb.sheetnames[0]
        assert name.startswith(f"{code} - ") and len(name) <= 31
        assert rows[1][:2] == ["Territoire", code]
        assert rows[2][0] == "Date de transmission"
        assert rows[4][:5] == ["Code", "Indicateur", 2019, 2020, 2021]
        body = rows[5:]
        assert len(body) == len(calpae) == f.rows
        assert {r[1] for r in body} == set(calpae["label"])  # the grid's own labels
        empty_codes += sum(1 for r in body if r[0] is None)
        text_numbers += any(isinstance(c, str) and ("\u00a0" in c or " " in c) for r in body for c in r[2:])
    assert empty_codes >= 10 and 3 <= text_numbers <= 10


def test_planted_defects_are_in_the_files(real_values, real_run, catalogue):
    current = _current(real_values)
    cells = real_values.set_index(["file", "territory", "indicator", "period"])["raw"]
    calpae22 = real_values[real_values["file"] == "calpae_2022_retours_consolides.csv"]
    due_md = catalogue.programmes.set_index("code").at["CALPAE", "due_date"]
    kinds = set()
    for d in demo.PLANTED_DEFECTS:
        kinds.add(d["kind"])
        terr, ind, year = d["territory"], d["indicator"], d["period"]
        assert d["description"]
        if d["kind"] == "retour_absent":
            assert terr not in set(calpae22["territory"])
            assert terr in set(real_values["territory"])  # it did return the earlier years
        elif d["kind"] == "retour_tardif":
            sent = pd.to_datetime(calpae22.loc[calpae22["territory"] == terr, "sent"], format="%d/%m/%Y")
            due = pd.Timestamp(f"{year + 1}-{due_md}")
            assert len(sent) and (sent > due + pd.Timedelta(days=90)).all()
            others = pd.to_datetime(calpae22.loc[calpae22["territory"] != terr, "sent"], format="%d/%m/%Y")
            assert (others <= due).all()
        elif d["kind"] == "unite_erronee":
            by = current.set_index(["territory", "indicator", "period"])["value"]
            assert by[(terr, ind, year)] <= 100 < by[(terr, d["denominator"], year)]
        elif d["kind"] == "valeur_figee":
            by = current.set_index(["territory", "indicator", "period"])["value"]
            vals = {by[(terr, ind, y)] for y in d["periods"]}
            assert len(vals) == 1 and vals.pop() >= 100
        elif d["kind"] == "ecart_source_independante":
            # 95 % of the new entrants every year (floor), however the rest of the demo is drawn.
            by = current.set_index(["territory", "indicator", "period"])["value"]
            _, _, den, share = demo.INDEPENDENT_GAP
            for y in d["periods"]:
                assert by[(terr, ind, y)] == math.floor(share * by[(terr, den, y)])
        else:
            hits = real_values[(real_values["territory"] == terr) & (real_values["indicator"] == ind)
                               & (real_values["period"] == year)]
            assert len(hits) == 1, d
            assert hits["raw"].iloc[0] == d["marker"], d
    assert kinds >= {"retour_absent", "retour_tardif", "unite_erronee", "valeur_figee", "secret", "non_disponible",
                     "valeur_vide"}
    assert len(cells) == len(real_values)  # one cell per key per file


def test_no_value_frozen_by_accident(real_values):
    """Only the planted series stays identical over the three grid years (large counts only: small ones may)."""
    grid = real_values[real_values["file"].str.startswith("calpae_2019") & real_values["value"].notna()]
    series = grid.pivot_table(index=["territory", "indicator"], columns="period", values="value")
    series = series[series.min(axis=1) >= 100]
    frozen = series[series.nunique(axis=1) == 1]
    assert list(frozen.index) == [(demo.FROZEN[0], demo.FROZEN[1])]


def test_corrections_change_about_twenty_2021_values(real_values):
    corr = real_values[real_values["file"] == "calpae_2021_corrections.csv"]
    assert 15 <= len(corr) <= 25
    assert set(corr["territory"]) == set(demo.CORRECTED_TERRITORIES)
    assert set(corr["period"]) == {2021}
    grid = real_values[real_values["file"].str.startswith("calpae_2019") & (real_values["period"] == 2021)]
    before = grid.set_index(["territory", "indicator"])["value"]
    after = corr.set_index(["territory", "indicator"])["value"]
    assert (before.reindex(after.index) != after).all()
    sent = pd.to_datetime(corr["sent"], format="%d/%m/%Y")
    assert (sent > pd.Timestamp("2022-06-30")).all()  # months after the original return


def test_pacte_targets_and_trajectories(real_values, catalogue):
    ind = catalogue.indicators.set_index("code")
    pacte = real_values[real_values["file"].str.startswith("pacte")]
    t0 = pacte[pacte["period"] == 2023]
    with_target = t0[t0["target_raw"] != ""]
    assert set(with_target["target_year"]) == {"2027"}
    typed = ind[(ind["programme"] == "PACTE") & (ind["numerator"] == "") & (ind["kind"] != "contexte")]
    assert set(with_target["indicator"]) == set(typed.index)
    assert pacte["territory"].nunique() == 101 + 22
    gain = with_target["target"] / with_target["value"] - 1
    big = with_target["value"] >= 50
    assert (gain[with_target["value"] > 0] > 0).all()  # every direction here is 'hausse'
    assert gain[big].between(0.03, 0.31).all()
    # Progress at mid-term (2026) relative to the way to the target: some late, some on track, some ahead.
    v26 = pacte[pacte["period"] == 2026].set_index(["territory", "indicator"])["value"]
    base = with_target.set_index(["territory", "indicator"])
    progress = ((v26.reindex(base.index) - base["value"]) / (base["target"] - base["value"]))[big.to_numpy()]
    progress = progress.dropna()
    assert (progress < 0.4).mean() > 0.15
    assert progress.between(0.55, 0.9).mean() > 0.3
    assert (progress > 0.9).mean() > 0.1


def test_cdppe_returns_carry_2022_targets(real_values):
    cdppe = real_values[real_values["file"].str.startswith("cdppe")]
    assert set(cdppe["period"]) == {2020, 2021, 2022}
    assert cdppe["territory"].nunique() == 101
    targets = cdppe[cdppe["target_raw"] != ""]
    assert set(targets["target_year"]) == {"2022"}
    assert targets["territory"].nunique() == 101
    waves = demo.cdppe_waves(cdppe["territory"].unique())
    assert sorted(pd.Series(waves).value_counts().sort_index().tolist()) == sorted([30, 40, 31])
    first = targets.groupby("territory")["period"].min()
    assert all(first[t] == waves[t] for t in first.index)


def test_files_pass_the_importer_validation(tmp_path, catalogue):
    """Small run through the real importer's parser (no database): every file accepted, no warning."""
    importer = pytest.importorskip("levier.ingest.returns")
    files = _run_small(tmp_path, catalogue)
    ind = catalogue.indicators.set_index("code", drop=False)
    labels = {}
    for code, label, aliases in zip(ind["code"], ind["label"], ind["aliases"]):
        for x in (code, label, *str(aliases).split("|")):
            if x.strip():
                labels.setdefault(normalise(x), code)
    territories = {c: "departement" for c in _small_departements()["code"]} | {"200046977": "epci"}
    ctx = importer.ImportContext(
        territories=territories,
        indicators=ind,
        labels=labels,
        years={c: (int(a), int(b)) for c, a, b in zip(catalogue.programmes["code"], catalogue.programmes["first_year"],
                                                     catalogue.programmes["last_year"])},
        ratios=_ratios(catalogue.indicators),
        # The catalogue's plausibility rules (regles.csv) apply to every generated value, per inhabitant too.
        populations={**dict(zip(_small_departements()["code"], _small_departements()["population"].astype(float))),
                     **dict(zip(_small_metropoles()["code"], _small_metropoles()["population"].astype(float)))},
    )
    for f in files:
        parsed = importer.parse_returns(f.path.read_bytes(), f.path.name, ctx)
        assert not parsed.errors, [str(e) for e in parsed.errors[:5]]
        assert not parsed.warnings
        assert parsed.file_format == f.file_format
        assert len(parsed.facts) > 0


def test_cdppe_results_improve_once_the_contract_is_signed(real_values, catalogue):
    """Staggered difference-in-differences material: 2020→2021, the 2021 wave gains more than the 2022 wave."""
    cdppe = _current(real_values[real_values["file"].str.startswith("cdppe")])
    waves = demo.cdppe_waves(cdppe["territory"].unique())
    ind = catalogue.indicators
    results = ind[(ind["programme"] == "CDPPE") & (ind["kind"] == "résultat") & (ind["numerator"] != "")]
    gains = {2021: [], 2022: []}
    for num, den in zip(results["numerator"], results["denominator"]):
        share = (_pairs(cdppe, num, den).eval("num / den")).unstack("period")
        change = (share[2021] - share[2020]).dropna()
        for terr, delta in change.items():
            if waves[terr] in gains:
                gains[waves[terr]].append(delta)
    assert np.mean(gains[2021]) > np.mean(gains[2022]) + 0.005


def test_works_from_the_import_context_columns(tmp_path, catalogue):
    """build.py passes the import-context query (no kind, no direction): targets must still be written."""
    reduced = catalogue.indicators[["code", "label", "aliases", "programme", "unit", "numerator", "denominator"]]
    reduced = reduced.replace({"": None})  # NULLs, as a database returns them
    files = demo.generate_demo_files(tmp_path, _small_departements(), _small_metropoles(), reduced,
                                     catalogue.programmes, SMALL_RATES)
    values = read_back(files, catalogue.indicators)
    pacte = values[values["file"].str.startswith("pacte") & (values["target_raw"] != "")]
    assert len(pacte) > 0
    reference = read_back(_run_small(tmp_path / "full", catalogue), catalogue.indicators)
    pd.testing.assert_series_equal(values["raw"], reference["raw"])
