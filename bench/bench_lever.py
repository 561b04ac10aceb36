"""Benchmark: server render time of the Effet levier and Évaluation pages on national demo data (cold and warm cache),
and the event-study estimation time for 101 départements × 10 years.

Run: python bench/bench_lever.py [--db PATH] [--repeat 5]. Without --db, a demo database is built in a temporary
folder first (about a minute). Prints a table and writes bench/results/lever.json.
Targets (lever-effect issue): warm page render < 1 s; event study on 101 × 10 < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import demo_db, router_app_test  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def page_render(db_path: Path, page: str, repeat: int, interactions=()) -> dict:
    """AppTest runs of one page through app.py: the first with empty caches, then reruns (warm)."""
    import streamlit as st

    os.environ["LEVIER_DB"] = str(db_path)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = router_app_test(default_timeout=300)
    at.run()
    t0 = time.perf_counter()
    at.switch_page(page).run()
    cold = time.perf_counter() - t0
    assert not at.exception, at.exception
    for act in interactions:
        act(at)
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return {"page": page, "cold_s": round(cold, 3), "warm_median_s": round(statistics.median(warm), 3),
            "warm_max_s": round(max(warm), 3)}


def event_study_time(repeat: int) -> dict:
    from levier.analysis import evaluation

    rng = np.random.default_rng(1)
    units = [f"{i:03d}" for i in range(101)]
    years = list(range(2013, 2023))
    cohort = {u: float([2016, 2018, 2020, 2022][i % 4]) for i, u in enumerate(units)}
    rows = [(u, t, rng.normal() + (2.0 if t >= cohort[u] else 0.0) + 0.3 * (t - 2013)) for u in units for t in years]
    panel = pd.DataFrame(rows, columns=["unit", "year", "y"])
    evaluation.event_study(panel, cohort)  # imports statsmodels once
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        study = evaluation.event_study(panel, cohort)
        times.append(time.perf_counter() - t0)
    return {"panel": "101 départements × 10 ans, 4 vagues", "median_s": round(statistics.median(times), 3),
            "max_s": round(max(times), 3), "observations_empilees": study.n_obs, "att": round(study.att["estimate"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="demo database to use (built when absent)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    db = demo_db(args.db)

    def choose_nord(at):
        at.sidebar.selectbox(key="sel_reg").set_value("32").run()
        at.sidebar.selectbox(key="sel_dep").set_value("59").run()

    results = {
        "effet_levier_france": page_render(db, "pages/effet_levier.py", args.repeat),
        "effet_levier_nord": page_render(db, "pages/effet_levier.py", args.repeat, (choose_nord,)),
        "evaluation": page_render(db, "pages/evaluation.py", args.repeat),
        "event_study": event_study_time(args.repeat),
    }
    print(f"{'mesure':<24} {'froid (s)':>10} {'chaud, médiane (s)':>20} {'chaud, max (s)':>16}")
    for key in ("effet_levier_france", "effet_levier_nord", "evaluation"):
        r = results[key]
        print(f"{key:<24} {r['cold_s']:>10.3f} {r['warm_median_s']:>20.3f} {r['warm_max_s']:>16.3f}")
    es = results["event_study"]
    print(f"{'étude d’événement':<24} {'':>10} {es['median_s']:>20.3f} {es['max_s']:>16.3f}   ({es['panel']})")
    ok_page = all(results[k]["warm_median_s"] < 1.0 for k in ("effet_levier_france", "effet_levier_nord", "evaluation"))
    print(f"Objectifs : page (chaud) < 1 s : {'oui' if ok_page else 'NON'} ; étude d'événement < 2 s : "
          f"{'oui' if es['median_s'] < 2.0 else 'NON'}.")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lever.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
