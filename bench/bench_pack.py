"""Benchmark: time to produce the comité de suivi pack (content, chart images in one Chromium session, PDF, PPTX) for
Isère (38) and the Nord (59), the département with the most EPCI on its map.

Run: python bench/bench_pack.py [--db PATH] [--repeat 2] [--deps 38 59]. Without --db, a demo database is built in a
temporary folder first (about a minute). Prints a table and writes bench/results/pack.json.
Target (issue 7): one département's pack, PDF or PPTX, in under 15 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import demo_db  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_SECONDS = 15.0


def _one(db, dep: str) -> dict[str, float]:
    from levier.report import pack
    from levier.report.build import render_images
    from levier.report.pdf import pack_pdf
    from levier.report.pptx import pack_pptx

    t = {}
    t0 = time.perf_counter()
    model = pack.build_pack(db, dep, "departement", rights_text=pack.rights_sentence(db))
    t["contenu"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    images = render_images(model)
    t["graphiques"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf = pack_pdf(model, images)
    t["pdf"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pptx = pack_pptx(model, images)
    t["pptx"] = time.perf_counter() - t0
    t["total PDF"] = t["contenu"] + t["graphiques"] + t["pdf"]
    t["total PPTX"] = t["contenu"] + t["graphiques"] + t["pptx"]
    t["total PDF + PPTX"] = t["contenu"] + t["graphiques"] + t["pdf"] + t["pptx"]
    t["figures"] = len(model.figures)
    t["Mo PDF"] = len(pdf) / 1e6
    t["Mo PPTX"] = len(pptx) / 1e6
    return t


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--deps", nargs="+", default=["38", "59"])
    args = parser.parse_args(argv)

    from levier.store.db import Database

    db = Database(demo_db(args.db))
    results: dict[str, dict[str, float]] = {}
    for dep in args.deps:
        runs = [_one(db, dep) for _ in range(args.repeat)]
        results[dep] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    keys = list(next(iter(results.values())))
    print(f"{'(médiane, s)':<18}" + "".join(f"{d:>10}" for d in results))
    for k in keys:
        print(f"{k:<18}" + "".join(f"{results[d][k]:>10.2f}" for d in results))
    worst = max(max(r["total PDF"], r["total PPTX"]) for r in results.values())
    print(f"Cible : un pack (PDF ou PPTX) en moins de {TARGET_SECONDS:.0f} s — le plus lent : {worst:.1f} s "
          f"({'atteinte' if worst < TARGET_SECONDS else 'MANQUÉE'}).")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pack.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
