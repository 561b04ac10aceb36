"""Benchmark: server render time of every page on the national demo database, cold (caches empty) and warm.

Run: python bench/bench_pages.py [--db PATH] [--dep 38]. Builds the demo database first when --db is not given.
The time is the page script's run in Streamlit's AppTest (the server-side work of a rerun), with Isère selected.
Target (issue 4): warm < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import demo_db, router_app_test  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def pages_of_app(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in (root / "pages").glob("*.py"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="existing demo database (default: build one in a temporary folder)")
    parser.add_argument("--dep", default="38")
    parser.add_argument("--reg", default="84")
    parser.add_argument("--warm-runs", type=int, default=3)
    args = parser.parse_args()

    from levier.core.config import PROJECT_ROOT

    db_path = demo_db(args.db)
    os.environ["LEVIER_DB"] = str(db_path)

    import streamlit as st

    results = {}
    for page in pages_of_app(PROJECT_ROOT):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = router_app_test(default_timeout=300)
        at.query_params["reg"] = args.reg
        at.query_params["dep"] = args.dep
        at.run()
        at.switch_page(page)
        t = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t
        warm = []
        for _ in range(args.warm_runs):
            t = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t)
        results[page] = {"cold_s": round(cold, 3), "warm_s": round(statistics.median(warm), 3),
                         "exception": bool(at.exception)}
        print(f"{page:28} cold {cold:6.2f} s   warm {statistics.median(warm):6.3f} s"
              + ("   EXCEPTION" if at.exception else ""))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
