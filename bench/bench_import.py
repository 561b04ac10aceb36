"""Benchmark: a national long-format import (~50,000 rows, xlsx and csv) against the bare read, and the reference load.

Run: python bench/bench_import.py [--rows 50000] [--repeat 3]. Prints a table and writes bench/results/import.json.
Target (issue 2): import time (read + validation + write) ≤ 2 × the bare read with the fastest reader; reference load < 20 s.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from levier.demo.build import init_database  # noqa: E402
from levier.core.config import settings  # noqa: E402
from levier.store.db import Database, Query  # noqa: E402
from levier.ingest.returns import ImportContext, import_returns  # noqa: E402
from levier.ingest.reference import load_reference  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def national_rows(db: Database, target: int) -> pd.DataFrame:
    """Every (territory, typed-in indicator, programme year) until `target` rows: a national consolidated file."""
    ctx = ImportContext.load(db)
    ind = ctx.indicators[ctx.indicators["numerator"].isna() & (ctx.indicators["programme"] != "STAT")]
    terr = sorted(ctx.territories)
    rows = []
    for code, prog in zip(ind["code"], ind["programme"]):
        first, last = ctx.years[prog]
        for year in range(first, last + 1):
            for t in terr:
                rows.append((t, code, year))
    frame = pd.DataFrame(rows, columns=["territoire", "indicateur", "periode"]).head(target)
    # Counts chosen so every sub-count stays below its total (a ratio's numerator ≤ its denominator).
    unit = frame["indicateur"].map(ctx.indicators["unit"])
    base = (frame.index.to_series() % 97 + 1).astype(float)
    frame["valeur"] = base.where(unit != "%", 50.0)
    dens = {d for _, _, d in ctx.ratios}
    frame.loc[frame["indicateur"].isin(dens), "valeur"] = 100_000.0
    frame["valeur"] = frame["valeur"].map(lambda v: f"{v:.1f}".replace(".", ","))
    frame["commentaire"] = ""
    return frame


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    ws = wb.add_worksheet("retours")
    for c, name in enumerate(frame.columns):
        ws.write_string(0, c, name)
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        for c, v in enumerate(row):
            ws.write_string(r, c, str(v))
    wb.close()
    return buf.getvalue()


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def bare_read_csv(data: bytes) -> None:
    import pyarrow.csv as pacsv

    pacsv.read_csv(io.BytesIO(data), parse_options=pacsv.ParseOptions(delimiter=";"),
                   convert_options=pacsv.ConvertOptions(column_types={c: "string" for c in ("territoire", "indicateur", "periode", "valeur", "commentaire")}))


def bare_read_xlsx(data: bytes) -> None:
    import fastexcel

    fastexcel.read_excel(data).load_sheet(0).to_arrow()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ref_dir = settings().reference_dir
    with tempfile.TemporaryDirectory() as tmp:
        base = Database(Path(tmp) / "base.duckdb")
        init_database(base)
        t = time.perf_counter()
        load_reference(base, ref_dir)
        reference_s = time.perf_counter() - t

        frame = national_rows(base, args.rows)
        payloads = {"csv": to_csv(frame), "xlsx": to_xlsx(frame)}
        results = {"rows": len(frame), "reference_load_s": round(reference_s, 3), "formats": {}}
        for fmt, data in payloads.items():
            bare = timed(lambda: (bare_read_csv if fmt == "csv" else bare_read_xlsx)(data), args.repeat)
            ctx = ImportContext.load(base)

            def check():
                report = import_returns(base, data, f"national.{fmt}", dry_run=True, ctx=ctx)
                assert report.ok, report.summary()[:2000]

            validate_s = timed(check, args.repeat)
            writes = []
            for i in range(args.repeat):
                db = Database(Path(tmp) / f"w_{fmt}_{i}.duckdb")
                Path(db.path).write_bytes(Path(base.path).read_bytes())
                t = time.perf_counter()
                report = import_returns(db, data, f"national.{fmt}", ctx=ctx)
                writes.append(time.perf_counter() - t)
                assert report.rows_changed == len(frame), report.summary()[:500]
            full_s = statistics.median(writes)
            results["formats"][fmt] = {
                "size_mb": round(len(data) / 1e6, 2),
                "bare_read_s": round(bare, 3),
                "validate_only_s": round(validate_s, 3),
                "import_s": round(full_s, 3),
                "ratio_import_to_bare": round(full_s / bare, 2),
                "added_over_bare_s": round(full_s - bare, 3),
            }
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "import.json").write_text(json.dumps(results, indent=2))
    print(f"Reference load: {results['reference_load_s']} s (target < 20 s)")
    print(f"National long file: {results['rows']} rows")
    for fmt, r in results["formats"].items():
        print(f"  {fmt:4}  {r['size_mb']:5} MB  bare read {r['bare_read_s']:.3f} s  validate {r['validate_only_s']:.3f} s  "
              f"import {r['import_s']:.3f} s  ratio {r['ratio_import_to_bare']:.2f}")
    print(f"Peak RSS: {results['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
