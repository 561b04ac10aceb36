"""Benchmark: the server time the « Séries dans le temps » section adds to the T0 and Panorama pages.

Run: python bench/bench_series.py [--db PATH] [--dep 38] [--rounds 3]. In one process and on one database, each page
is rendered alternately without the section (levier.app.series_section.render replaced by a no-op) and with it,
cold (caches cleared) and warm (a rerun), Isère selected; medians of the rounds are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import demo_db, router_app_test  # noqa: E402


def render_times(page: str, reg: str, dep: str) -> tuple[float, float]:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    at = router_app_test(default_timeout=300)
    at.query_params["reg"] = reg
    at.query_params["dep"] = dep
    at.run()
    at.switch_page(page)
    t = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t
    t = time.perf_counter()
    at.run()
    warm = time.perf_counter() - t
    assert not at.exception, at.exception
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--dep", default="38")
    parser.add_argument("--reg", default="84")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ["LEVIER_DB"] = str(demo_db(args.db))

    from levier.app import series_section

    real = series_section.render
    for page in ("pages/t0.py", "pages/panorama.py"):
        times: dict[str, list[tuple[float, float]]] = {"sans": [], "avec": []}
        render_times(page, args.reg, args.dep)  # warm the process (imports, geometry files)
        for _ in range(args.rounds):
            for label, fn in (("sans", lambda *a, **k: None), ("avec", real)):
                series_section.render = fn
                times[label].append(render_times(page, args.reg, args.dep))
        series_section.render = real
        for label, runs in times.items():
            cold = statistics.median(c for c, _ in runs)
            warm = statistics.median(w for _, w in runs)
            print(f"{page} {label} séries : à froid {cold:.2f} s, rerun {warm:.2f} s")


if __name__ == "__main__":
    main()
