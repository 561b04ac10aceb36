"""Benchmark: importing the seven DREES workbooks of ../shared/data/drees (time and peak memory), by the two paths.

Run: python bench/bench_drees.py [--repeat 3]. Prints a table and writes bench/results/drees.json.
- « levier import » : each workbook through levier.ingest.detect.import_file, as the command line and the Importer
  page read it (the whole workbook read once, detected, imported);
- « levier demo » : levier.ingest.drees.load_drees_statistics, as the demo build loads them (only the sheets a
  profile maps are parsed).
Each measure runs in a child process of its own on a fresh copy of a base database (schema, catalogue, reference
geography), so that its peak memory (VmHWM) is its own; the child's memory before the measured call is given beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from levier.core.config import settings  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from levier.store.db import Database
from levier.core.config import settings
from levier.ingest.detect import import_file
from levier.ingest.drees import load_drees_statistics, load_profiles

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

db = Database(Path(sys.argv[1]))
mode = sys.argv[2]
folder = settings().reference_dir / "drees"
profiles = load_profiles()
before = hwm()
t0 = time.perf_counter()
if mode == "import":
    reports = []
    for path in sorted(folder.glob("*.xlsx")):  # the monthly workbook too: the same door hands it to its reader
        reports.append(import_file(db, path.read_bytes(), path.name))
else:
    reports = load_drees_statistics(db, settings().reference_dir)
elapsed = time.perf_counter() - t0
print(json.dumps({"seconds": elapsed, "peak_mb": hwm(), "before_mb": before,
                  "facts": sum(r.rows_accepted for r in reports), "workbooks": len(reports),
                  "failed": [r.file for r in reports if r.errors]}))
"""


def base_database(folder: Path) -> Path:
    from levier.demo.build import init_database
    from levier.ingest.reference import load_reference
    from levier.store.db import Database

    path = folder / "base.duckdb"
    db = Database(path)
    init_database(db)
    load_reference(db, settings().reference_dir)
    return path


def measure(base: Path, mode: str, folder: Path) -> dict:
    copy = folder / f"{mode}.duckdb"
    shutil.copy(base, copy)
    out = subprocess.run([sys.executable, "-c", CHILD, str(copy), mode], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    copy.unlink()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="levier-bench-drees-"))
    base = base_database(folder)
    results = {}
    for mode, label in (("import", "levier import (classeur entier)"), ("demo", "levier demo (feuilles du profil)")):
        runs = [measure(base, mode, folder) for _ in range(args.repeat)]
        assert not any(r["failed"] for r in runs), runs
        results[mode] = {
            "label": label, "workbooks": runs[0]["workbooks"], "facts": runs[0]["facts"],
            "seconds_median": statistics.median(r["seconds"] for r in runs),
            "seconds_min": min(r["seconds"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs), "before_mb": runs[0]["before_mb"],
        }
        r = results[mode]
        print(f"{label:<36} {r['workbooks']} classeurs, {r['facts']:>6} valeurs : médiane {r['seconds_median']:.1f} s "
              f"(min {r['seconds_min']:.1f} s), pic mémoire {r['peak_mb']:.0f} Mo (dont {r['before_mb']:.0f} Mo "
              "avant l'import)")
    shutil.rmtree(folder, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "drees.json").write_text(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), **results}, indent=2,
                                                   ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
