"""Benchmark: the 50,000-row national long returns file (CSV and xlsx) against the bare read, and a 700,000-row bad file.

Run: python bench/bench_import.py [--db PATH] [--rows 50000] [--bad-rows 700000] [--repeat 3]. Prints a table and
writes bench/results/import*.json. Every measure runs in a child process of its own, so that its peak memory
(VmHWM) is its own; the child's memory before the measured call (interpreter, pandas, DuckDB, the import
context) is given beside it.

Targets (issue 12): validation + write (full import − bare read) ≤ the bare xlsx read with the fastest reader,
peak memory < 300 MB; the 700,000-row bad file rejected in < 10 s and < 500 MB. The xlsx import is also timed
stage by stage (STAGES: read, validation, plausibility, the insert, the publication of the new database version).
The files are generated deterministically from the database's catalogue and territories: every (territory,
typed-in indicator, programme year) until the row count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import demo_db  # noqa: E402
from levier.store.db import Database  # noqa: E402
from levier.ingest.returns import ImportContext, import_returns  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ("territoire", "indicateur", "periode", "valeur", "commentaire")


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
    # Counts chosen so every sub-count stays below its total (a ratio's numerator ≤ its denominator), every total
    # below the smallest département's population, and each series flat over its years: the plausibility rules
    # (data/catalogue/regles.csv) accept the whole file, so the import is measured, not its refusal.
    unit = frame["indicateur"].map(ctx.indicators["unit"])
    base = (frame.groupby(["territoire", "indicateur"]).ngroup() % 97 + 1).astype(float)
    frame["valeur"] = base.where(unit != "%", 50.0)
    dens = {d for _, _, d in ctx.ratios}
    frame.loc[frame["indicateur"].isin(dens), "valeur"] = 1_000.0
    frame["commentaire"] = ""
    return frame


def to_csv(frame: pd.DataFrame) -> bytes:
    """As a French spreadsheet saves it: « ; », decimal comma, UTF-8 with BOM."""
    out = frame.assign(valeur=frame["valeur"].map(lambda v: f"{v:.1f}".replace(".", ",")))
    return out.to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame) -> bytes:
    """Years and values as numbers, codes as text (as a person types them); a fixed creation date: same bytes."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    ws = wb.add_worksheet("retours")
    for c, name in enumerate(COLUMNS):
        ws.write_string(0, c, name)
    for r, (t, ind, year, value, comment) in enumerate(frame[list(COLUMNS)].itertuples(index=False), start=1):
        ws.write_string(r, 0, t)
        ws.write_string(r, 1, ind)
        ws.write_number(r, 2, year)
        ws.write_number(r, 3, value)
        if comment:
            ws.write_string(r, 4, comment)
    wb.close()
    return buf.getvalue()


def bad_file(rows: int) -> bytes:
    """One valid row repeated: every row after the first is a duplicate (≈ 28 bytes a row: 700,000 → 19.6 MB)."""
    return ("territoire;indicateur;periode;valeur\r\n" + "38;CALPAE-1.1.1-MAJ;2021;12\r\n" * rows).encode()


# -- the child: one measure, its time and its peak memory -------------------------------------------------------


def _rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child
    would report its parent's peak (the demo build's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, file: Path, db_path: Path, repeat: int, work: Path) -> dict:
    data = file.read_bytes()
    fmt = file.suffix.lstrip(".")
    if mode == "bare":
        if fmt == "csv":
            import pyarrow.csv as pacsv  # the fastest CSV reader at hand, all columns as text

            def run():
                pacsv.read_csv(io.BytesIO(data), parse_options=pacsv.ParseOptions(delimiter=";"),
                               convert_options=pacsv.ConvertOptions(column_types={c: "string" for c in COLUMNS}))
        else:
            import fastexcel  # the fastest xlsx reader at hand

            def run():
                fastexcel.read_excel(data).load_sheet(0).to_arrow()
    else:
        db = Database(db_path)
        ctx = ImportContext.load(db)
        copies = []
        if mode in ("import", "reject"):  # a fresh copy of the database each time, copied before the clock starts
            for i in range(repeat):
                copies.append(Database(work / f"copy_{mode}_{fmt}_{i}.duckdb"))
                shutil.copy(db_path, copies[-1].path)
        targets = iter(copies)

        def run():
            target = next(targets) if copies else db
            report = import_returns(target, data, file.name, dry_run=(mode == "dry"), ctx=ctx)
            if mode == "reject":
                assert report.errors, "the bad file was accepted"
            else:
                assert report.ok, report.summary()[:2000]

    if mode == "stages":
        return _stages(data, file.name, db_path, repeat, work)
    before = _rss_mb()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return {"seconds": round(statistics.median(times), 3), "peak_mb": round(_rss_mb(), 1),
            "before_mb": round(before, 1)}


# Where an import's time goes: (module, attribute, stage name) timed by wrapping, in call order. `write` is the
# insert of the facts inside the transaction; `publish` is what a new database version costs once written (issue
# 16): the copy of the current version, and the seal (CHECKPOINT, reopening read-only to verify, the pointer's rename).
STAGES = (
    ("levier.ingest.returns", "read_workbook", "read (Levier's reader)"),
    ("levier.ingest.returns", "_to_raw", "layout"),
    ("levier.ingest.returns", "_split_copies", "duplicate rows"),
    ("levier.ingest.returns", "validate", "validation"),
    ("levier.ingest.returns", "_ratio_findings", "sub-counts"),
    ("levier.ingest.plausibility", "check", "plausibility"),
    ("levier.store.db.Database", "read", "stored values read"),
    ("levier.store.db.Writer", "insert", "write (insert)"),
    ("levier.store.versions", "copy_version", "publish: copy"),
    ("levier.store.db", "_seal", "publish: seal"),
    ("levier.ingest.returns", "finish_import", "journal + write + publish"),
)


def _stages(data: bytes, name: str, db_path: Path, repeat: int, work: Path) -> dict:
    """The real import `repeat` times on fresh copies, each stage of STAGES timed (median per stage, summed over
    its calls within one import)."""
    import functools
    import importlib

    spent: dict[str, list[float]] = {label: [] for *_, label in STAGES}
    current: dict[str, float] = {}

    def timed(fn, label):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                current[label] = current.get(label, 0.0) + time.perf_counter() - t
        return wrapper

    for module, attr, label in STAGES:
        owner_name, _, cls = module.rpartition(".") if module.endswith(("Database", "Writer")) else (module, "", "")
        owner = getattr(importlib.import_module(owner_name), cls) if cls else importlib.import_module(module)
        setattr(owner, attr, timed(getattr(owner, attr), label))
    ctx = ImportContext.load(Database(db_path))
    totals = []
    for i in range(repeat + 1):  # the first run warms the process (imports, catalogue); not counted
        target = Database(work / f"copy_stages_{i}.duckdb")
        shutil.copy(db_path, target.path)
        current.clear()
        t = time.perf_counter()
        assert import_returns(target, data, name, ctx=ctx).ok
        if i:
            totals.append(time.perf_counter() - t)
            for label in spent:
                spent[label].append(current.get(label, 0.0))
    return {"import_s": round(statistics.median(totals), 3),
            "stages_s": {label: round(statistics.median(v), 3) for label, v in spent.items()}}


def measure(mode: str, file: Path, db_path: Path, repeat: int, work: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--file", str(file), "--db", str(db_path), "--repeat",
         str(repeat), "--work", str(work)],
        capture_output=True, text=True, check=False,
    )
    if out.returncode:
        raise RuntimeError(f"{mode} {file.name}: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="demo database to import into (copied; default: one built now)")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--bad-rows", type=int, default=700_000, help="0: skip the bad file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="", help="a name for this run in results/import.json (e.g. before)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.file), Path(args.db), args.repeat, Path(args.work))))
        return

    db_path = demo_db(args.db)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        frame = national_rows(Database(db_path), args.rows)
        files = {"csv": work / "national.csv", "xlsx": work / "national.xlsx", "bad": work / "doublons.csv"}
        files["csv"].write_bytes(to_csv(frame))
        files["xlsx"].write_bytes(to_xlsx(frame))
        files["bad"].write_bytes(bad_file(args.bad_rows))
        results = {"label": args.label, "rows": len(frame), "formats": {}}
        for fmt in ("csv", "xlsx"):
            f = files[fmt]
            bare = measure("bare", f, db_path, args.repeat, work)
            dry = measure("dry", f, db_path, args.repeat, work)
            real = measure("import", f, db_path, args.repeat, work)
            results["formats"][fmt] = {
                "size_mb": round(f.stat().st_size / 1e6, 2), "bare_read": bare, "dry_run": dry, "import": real,
                "validation_and_write_s": round(real["seconds"] - bare["seconds"], 3),
            }
        results["stages_xlsx"] = measure("stages", files["xlsx"], db_path, args.repeat, work)
        if not args.bad_rows:
            results["bad"] = {"rows": 0, "size_mb": 0, "seconds": float("nan"), "peak_mb": float("nan"),
                              "before_mb": float("nan")}
        else:
            results["bad"] = {"rows": args.bad_rows, "size_mb": round(files["bad"].stat().st_size / 1e6, 2),
                              **measure("reject", files["bad"], db_path, 1, work)}
    RESULTS.mkdir(exist_ok=True)
    name = f"import{'_' + args.label if args.label else ''}.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2))
    print(f"National long file: {results['rows']} rows (median of {args.repeat}; memory: peak / before the call, MB)")
    for fmt, r in results["formats"].items():
        b, d, i = r["bare_read"], r["dry_run"], r["import"]
        print(f"  {fmt:4} {r['size_mb']:5} MB  bare read {b['seconds']:.2f} s ({b['peak_mb']:.0f})  "
              f"dry run {d['seconds']:.2f} s ({d['peak_mb']:.0f}/{d['before_mb']:.0f})  "
              f"import {i['seconds']:.2f} s ({i['peak_mb']:.0f}/{i['before_mb']:.0f})  "
              f"validation + write {r['validation_and_write_s']:.2f} s")
    st = results["stages_xlsx"]
    print(f"Where the xlsx import's {st['import_s']:.2f} s go (median of {args.repeat}; stages nest: "
          "« journal + write + publish » holds the write and the publication):")
    for label, sec in st["stages_s"].items():
        print(f"  {label:28} {sec:6.3f} s")
    bad = results["bad"]
    print(f"Bad file: {bad['rows']} duplicate rows, {bad['size_mb']} MB: rejected in {bad['seconds']:.1f} s, "
          f"peak {bad['peak_mb']:.0f} MB (before the call {bad['before_mb']:.0f} MB)")
    print("Targets: validation + write ≤ bare xlsx read, peak < 300 MB; bad file < 10 s and < 500 MB.")


if __name__ == "__main__":
    main()
