"""Benchmark: the scale curve (×1, ×10, ×30 the demo's facts): derived tables' build time and page times per scale.

Run: python bench/bench_scale.py [--db PATH] [--scales 1,10,30] [--deps 38] [--pages t0.py,...] [--workdir DIR]
                                 [--keep] [--widget-runs 1]
Builds the demo database first when --db is not given. For each scale s, a copy of the database is grown until it
holds s × the demo's facts (rows of `fact`), through the importers' own write path (levier.store.db transactions,
the catalogue stored by levier.ingest.catalogue.store_catalogue, facts written by levier.ingest.returns.facts_writer
under a journal row of their own):
1. the EPCI level filled (s > 1): every typed indicator of the three contracts (CALPAE, CDPPE, PACTE) gets a value
   for every EPCI of the latest list where the département has one (counts shared by population, rates and
   durations as the département's ±10 %), EPCI already filled left as they are;
2. more indicators: copies of the catalogue's indicators (code `CODE-Xkk`, label « … (copie kk) », ratios copied
   with their numerator and denominator) with the facts of their original at every level, values ±10 %;
3. more years: a copy of an annual public statistic (STAT) also gets its series again before its first year
   (as many years earlier as it spans), as the real DREES and Filosofi series run back further than the demo's.
Copies are added indicator by indicator until the facts reach s × the demo's.
Then the publication step `levier.views.derived.refresh` is timed on that database (median of --refresh-runs, with
its peak resident memory), and bench_pages.py runs on it in a child process of its own (cold first view of each
--deps, --widget-runs widget changes per page). Reports facts, build times and page times per scale, and per page
the ratio of the largest scale to ×1 (target of issue 16: ≤ 1.5). Writes bench/results/scale[_LABEL].json (and
scale_pages[_LABEL]_x<s>.json per scale).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from _browser import _status_kb as status_kb  # noqa: E402
from _common import demo_db  # noqa: E402
from levier.ingest.catalogue import Catalogue, read_catalogue, store_catalogue  # noqa: E402
from levier.ingest.journal import content_hash, journal_params  # noqa: E402
from levier.ingest.report import STATUS_IMPORTED, ImportReport  # noqa: E402
from levier.ingest.returns import FACT_COLUMNS, facts_writer  # noqa: E402
from levier.store.db import Database, Query  # noqa: E402
from levier.store.queries import query_registry  # noqa: E402
from levier.views import derived  # noqa: E402
from levier.views.selection import load_options  # noqa: E402

RESULTS = BENCH / "results"
RATIO_TARGET = 1.5
# The bench's own reads (bench/queries/*.sql), run through the same door as the app's queries.
BenchQuery = query_registry("BenchQuery", BENCH / "queries", module=__name__)
CONTRACTS = ("CALPAE", "CDPPE", "PACTE")
SHARED_UNITS = ("personnes", "nombre", "€")  # an EPCI's value is its population share of the département's


def _filled(text: object) -> bool:
    """A catalogue cell holding a code (the catalogue reads empty cells as empty text)."""
    return isinstance(text, str) and text != ""


def _int(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _counts(db: Database) -> dict[str, int]:
    with db.reader() as r:
        facts, current, indicators, epci = r.rows(BenchQuery.SCALE_FACT_COUNT)[0]
    return {"facts": int(facts), "current_facts": int(current), "indicators": int(indicators),
            "epci_with_facts": int(epci)}


def _jitter(values: pd.Series, seed: int, whole: pd.Series) -> pd.Series:
    """Values ±10 % (deterministic per seed), whole numbers kept whole."""
    factor = np.random.default_rng(seed).uniform(0.9, 1.1, len(values))
    out = values.to_numpy(dtype=float) * factor
    out = np.where(whole.to_numpy(dtype=bool), np.round(out), out)
    return pd.Series(out, index=values.index)


def epci_fill(base: pd.DataFrame, indicators: pd.DataFrame, db: Database) -> pd.DataFrame:
    """The contracts' typed indicators at every EPCI of the latest list, from its principal département's values."""
    epci = load_options(db).epci[["code", "dep", "population"]].copy()
    epci["population"] = pd.to_numeric(epci["population"], errors="coerce").fillna(0)
    epci["share"] = epci["population"] / epci.groupby("dep")["population"].transform("sum").where(lambda s: s > 0, 1)
    typed = indicators[indicators["programme"].isin(CONTRACTS) & ~indicators["numerator"].map(_filled)]
    dep_facts = base[(base["territory_level"] == "departement") & base["indicator"].isin(typed["code"])]
    rows = dep_facts.merge(epci.rename(columns={"code": "epci"}), left_on="territory_code", right_on="dep")
    unit = rows["indicator"].map(typed.set_index("code")["unit"])
    whole = rows["indicator"].map(typed.set_index("code")["whole_number"]).fillna(False).astype(bool)
    shared = rows["value"] * rows["share"]
    shared = shared.where(~whole, np.round(shared))
    rows["value"] = shared.where(unit.isin(SHARED_UNITS), _jitter(rows["value"], 7, whole))
    rows["territory_level"] = "epci"
    rows["territory_code"] = rows["epci"]
    have = base[base["territory_level"] == "epci"][["territory_code", "indicator"]].drop_duplicates()
    rows = rows.merge(have.assign(_have=True), on=["territory_code", "indicator"], how="left")
    rows = rows[rows["_have"].isna()]
    return rows[FACT_COLUMNS + ["is_demo"]].reset_index(drop=True)


def _clone_catalogue(cat: Catalogue, chosen: list[tuple[int, str]]) -> Catalogue:
    """The catalogue with a copy of each chosen (k, code): new code and label, references to other copied codes
    moved to their copy of the same k (or dropped when that copy is not made)."""
    ind = cat.indicators.set_index("code", drop=False)
    made = set(chosen)
    rows = []
    for k, code in chosen:
        row = ind.loc[code].copy()

        def moved(other, k=k):
            return f"{other}-X{k:02d}" if (k, other) in made else None

        row["code"] = f"{code}-X{k:02d}"
        row["label"] = f"{row['label']} (copie {k:02d})"
        row["aliases"] = ""
        for column in ("numerator", "denominator", "series_before"):
            if _filled(row[column]):
                row[column] = moved(row[column]) or ""
        if _filled(row["rate_base"]) and row["rate_base"] not in ("population", "aucun"):
            row["rate_base"] = moved(row["rate_base"]) or row["rate_base"]
        if _filled(row["independent_source"]):
            sources = [m for m in (moved(c) for c in row["independent_source"].split("|")) if m]
            row["independent_source"] = "|".join(sources)
            if not sources:
                row["independent_tolerance"] = ""
        rows.append(row)
    indicators = pd.concat([cat.indicators, pd.DataFrame(rows)], ignore_index=True)
    return Catalogue(cat.programmes, cat.axes, cat.actions, indicators, cat.rules)


def _choose_copies(pool: pd.DataFrame, indicators: pd.DataFrame, needed: int) -> list[tuple[int, str]]:
    """(k, code) copies in catalogue order, round after round, until their facts reach `needed`; a ratio is copied
    in the round where its numerator and denominator are."""
    per_code = pool.groupby("indicator").size()
    annual_stat = pool[(pool["period"] < 3000)].groupby("indicator").size()
    stat = set(indicators.loc[indicators["programme"] == "STAT", "code"])
    typed = [c for c, n in zip(indicators["code"], indicators["numerator"]) if not _filled(n)]
    ratios = indicators[indicators["numerator"].map(_filled)]
    chosen: list[tuple[int, str]] = []
    total, k = 0, 0
    while total < needed:
        k += 1
        if k > 99:
            raise RuntimeError("trop de copies : la base de départ a trop peu de valeurs")
        for code in typed:
            n = int(per_code.get(code, 0))
            if n == 0:
                continue
            chosen.append((k, code))
            total += n + (int(annual_stat.get(code, 0)) if code in stat else 0)
            if total >= needed:
                break
        in_round = {c for kk, c in chosen if kk == k}
        chosen += [(k, c) for c, num, den in zip(ratios["code"], ratios["numerator"], ratios["denominator"])
                   if num in in_round and den in in_round]
    return chosen


def _copy_facts(pool: pd.DataFrame, k: int, codes: list[str], indicators: pd.DataFrame) -> pd.DataFrame:
    rows = pool[pool["indicator"].isin(codes)].copy()
    whole = rows["indicator"].map(indicators.set_index("code")["whole_number"]).fillna(False).astype(bool)
    rows["value"] = _jitter(rows["value"], 1000 + k, whole)
    stat = set(indicators.loc[indicators["programme"] == "STAT", "code"])
    earlier = rows[rows["indicator"].isin(stat) & (rows["period"] < 3000)].copy()
    if not earlier.empty:
        span = earlier.groupby("indicator")["period"].transform(lambda p: p.max() - p.min() + 1)
        earlier["period"] = earlier["period"] - span
        rows = pd.concat([rows, earlier], ignore_index=True)
    rows["indicator"] = rows["indicator"] + f"-X{k:02d}"
    return rows


def _write_facts(db: Database, facts: pd.DataFrame, name: str) -> int:
    """Writes facts as an import does: a journal row, the changed facts, the count (one transaction per flag)."""
    written = 0
    for demo, part in facts.groupby("is_demo"):
        part = part[FACT_COLUMNS].reset_index(drop=True)
        started = datetime.now()
        report = ImportReport(file=name, kind="retours", file_format="banc d'essai (bench_scale)",
                              rows_read=len(part), rows_accepted=len(part), status=STATUS_IMPORTED,
                              message="Valeurs synthétiques du banc d'essai de montée en charge.")
        with db.transaction() as w:
            import_id = int(w.execute(Query.INSERT_IMPORT_RUN,
                                      journal_params(report, content_hash(f"{name}{demo}".encode()), started,
                                                     "bench_scale", bool(demo)))[0][0])
            changed = facts_writer(part, bool(demo))(w, import_id)
            w.execute(Query.UPDATE_IMPORT_RUN_COUNTS, {"id": import_id, "rows_changed": changed})
        written += changed
    return written


def build_scaled(demo: Path, target: Path, factor: int) -> dict:
    """A copy of the demo database grown to `factor` × its facts; returns what it holds and how long it took."""
    t0 = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(demo, target)
    db = Database(target)
    start = _counts(db)
    info = {"factor": factor, "base_facts": start["facts"]}
    if factor > 1:
        with db.reader() as r:
            base = r.df(BenchQuery.SCALE_BASE_FACTS)
        cat = read_catalogue()
        stored = set(load_codes(db))
        if set(cat.indicators["code"]) != stored:
            raise RuntimeError("le catalogue de la base diffère de data/catalogue : copie impossible")
        fill = epci_fill(base, cat.indicators, db)
        info["epci_fill_facts"] = _write_facts(db, fill, f"bench_scale_x{factor}_epci")
        pool = pd.concat([base, fill], ignore_index=True)
        needed = factor * start["facts"] - start["facts"] - info["epci_fill_facts"]
        chosen = _choose_copies(pool, cat.indicators, max(needed, 0))
        with db.transaction() as w:
            store_catalogue(w, _clone_catalogue(cat, chosen))
        info["indicator_copies"] = len(chosen)
        info["copy_rounds"] = max((k for k, _ in chosen), default=0)
        copied = 0
        for k in sorted({k for k, _ in chosen}):
            codes = [c for kk, c in chosen if kk == k]
            copied += _write_facts(db, _copy_facts(pool, k, codes, cat.indicators), f"bench_scale_x{factor}_copie{k:02d}")
        info["copied_facts"] = copied
    info.update(_counts(db))
    info["build_s"] = round(time.perf_counter() - t0, 1)
    info["size_mb"] = round(target.stat().st_size / 1e6, 1)
    return info


def load_codes(db: Database) -> list[str]:
    with db.reader() as r:
        return list(r.df(Query.INDICATOR_CATALOGUE)["code"])


class _PeakRss:
    """The largest resident set of this process while the block runs (sampled every 0.1 s), in MB."""

    def __enter__(self) -> "_PeakRss":
        self.peak_mb, self._done = _rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            self.peak_mb = max(self.peak_mb, _rss_mb())

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, _rss_mb())


def _rss_mb() -> int:
    return status_kb(os.getpid())[0] // 1024  # VmRSS, read as bench_browser reads the server's


def time_refresh(path: Path, runs: int) -> dict:
    times, peaks, written = [], [], {}
    for _ in range(runs):
        # As after an import: the derived tables are stale, so the step computes everything live. (The ×1 copy of
        # the published demo, or a second run, would otherwise read the derived tables it is rebuilding.)
        with Database(path).transaction():
            pass
        t = time.perf_counter()
        with _PeakRss() as rss:
            written = derived.refresh(Database(path))
        times.append(time.perf_counter() - t)
        peaks.append(rss.peak_mb)
    return {"refresh_s": round(statistics.median(times), 2), "refresh_runs_s": [round(v, 2) for v in times],
            "refresh_peak_rss_mb": max(peaks), "derived_rows": written}


def time_pages(path: Path, factor: int, args) -> dict:
    out = RESULTS / f"scale_pages{args.suffix}_x{factor}.json"
    cmd = [sys.executable, str(BENCH / "bench_pages.py"), "--db", str(path), "--deps", args.deps,
           "--widget-runs", str(args.widget_runs), "--warm-runs", "0", "--out", str(out)]
    if args.pages:
        cmd += ["--pages", args.pages]
    if args.epci:
        cmd += ["--epci", args.epci]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    result = json.loads(out.read_text())
    result["wall_s"] = round(time.perf_counter() - t, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="demo database to scale (default: build one in a temporary folder)")
    parser.add_argument("--scales", default="1,10,30")
    parser.add_argument("--deps", default="38", help="départements whose first view is timed (bench_pages --deps)")
    parser.add_argument("--epci", default="", help="EPCI timed too (bench_pages --epci)")
    parser.add_argument("--pages", default="", help="page files (bench_pages --pages; default: every page)")
    parser.add_argument("--widget-runs", type=int, default=1)
    parser.add_argument("--refresh-runs", type=int, default=1)
    parser.add_argument("--no-pages", action="store_true", help="only the databases and the derived tables")
    parser.add_argument("--workdir", help="where the scaled databases go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scaled databases")
    parser.add_argument("--label", default="", help="results in scale_LABEL.json")
    args = parser.parse_args()
    args.suffix = f"_{args.label}" if args.label else ""

    demo = demo_db(args.db)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="levier-bench-scale-"))
    scales = [int(s) for s in args.scales.split(",") if s]
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    per_scale: dict[int, dict] = {}
    for factor in scales:
        target = workdir / f"x{factor}.duckdb"
        print(f"×{factor} : construction de {target}…", flush=True)
        info = build_scaled(demo, target, factor)
        info.update(time_refresh(target, args.refresh_runs))
        print(f"×{factor} : {_int(info['facts'])} valeurs ({info['indicators']} indicateurs, {info['epci_with_facts']} "
              f"EPCI avec valeurs), base {info['size_mb']} Mo construite en {info['build_s']} s ; tables dérivées "
              f"{info['refresh_s']} s (pic de mémoire {_int(info['refresh_peak_rss_mb'])} Mo)", flush=True)
        if not args.no_pages:
            pages = time_pages(target, factor, args)
            info["pages"] = {p: {k: r[k] for k in ("cold_median_s", "cold_epci_median_s", "widget_median_s",
                                                   "problems")}
                             for p, r in pages["pages"].items()}
            info["pages_wall_s"] = pages["wall_s"]
        per_scale[factor] = info
        if not args.keep:
            target.unlink(missing_ok=True)
    wall = time.perf_counter() - started

    print()
    print(f"{'échelle':8} {'valeurs':>11} {'indicateurs':>11} {'construction':>12} {'tables dérivées':>15} "
          f"{'pic mémoire':>12}")
    for f, info in per_scale.items():
        print(f"×{f:<7} {_int(info['facts']):>11} {info['indicators']:>11} {info['build_s']:>10.1f} s "
              f"{info['refresh_s']:>13.2f} s {_int(info['refresh_peak_rss_mb']):>9} Mo")
    ratios: dict[str, dict] = {}
    if not args.no_pages and len(per_scale) > 1:
        low, high = min(per_scale), max(per_scale)
        print()
        head = f"{'page':16}" + "".join(f"{'×' + str(f) + ' 1re vue':>13}" for f in per_scale) + \
               "".join(f"{'×' + str(f) + ' widget':>12}" for f in per_scale) + f"{'×' + str(high) + '/×' + str(low):>9}  ≤1,5"
        print(head)
        for page in per_scale[low]["pages"]:
            cold = [per_scale[f]["pages"].get(page, {}).get("cold_median_s") for f in per_scale]
            widget = [per_scale[f]["pages"].get(page, {}).get("widget_median_s") for f in per_scale]
            ratio = (cold[-1] / cold[0]) if cold[0] and cold[-1] is not None else None
            wratio = (widget[-1] / widget[0]) if widget[0] and widget[-1] is not None else None
            ratios[page] = {"cold_ratio": round(ratio, 2) if ratio else None,
                            "widget_ratio": round(wratio, 2) if wratio else None,
                            "ok": ratio is not None and ratio <= RATIO_TARGET}
            name = page.removeprefix("pages/").removesuffix(".py")
            print(f"{name:16}" + "".join(f"{c:>13.2f}" if c is not None else f"{'–':>13}" for c in cold)
                  + "".join(f"{w:>12.3f}" if w is not None else f"{'–':>12}" for w in widget)
                  + (f"{ratio:>9.2f}  {'✓' if ratio <= RATIO_TARGET else '✗'}" if ratio else f"{'–':>9}"))
    print(f"Durée totale {wall:.0f} s")
    out = {"demo": str(demo), "scales": per_scale, "ratios_largest_over_smallest": ratios,
           "target_ratio": RATIO_TARGET, "wall_s": round(wall, 1)}
    path = RESULTS / f"scale{args.suffix}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    print(f"Écrit : {path}")


if __name__ == "__main__":
    main()
