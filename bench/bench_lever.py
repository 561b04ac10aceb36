"""Benchmark: server render time of the Effet levier and Évaluation pages on national demo data (cold and warm cache),
and the event-study estimation time for 101 départements × 10 years.

Run: python bench/bench_lever.py [--db PATH] [--repeat 5]. Without --db, a demo database is built in a temporary
folder first (about a minute). Prints a table and writes bench/results/lever.json.
Targets (lever-effect issue): warm page render < 1 s; event study on 101 × 10 < 2 s.

With --views [--before CHECKOUT], only the view itself (issue 16): levier.views.effet_levier.lever_view of each
territory (Isère, Nord, Bouches-du-Rhône, Grenoble-Alpes-Métropole, France by default; --territories LEVEL:CODE …),
every programme it is offered, amounts spent over all the programme's years, each territory in a new process (its
caches cold; plotly's and pandas' first uses warmed on another département, as a running server has them), this checkout and CHECKOUT alternated run by run so both see the same load; median
of --repeat runs. Writes bench/results/lever_views.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
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


# Run in a new process with the checkout first on sys.path: prints {programme: seconds} for one territory.
VIEW_SCRIPT = """
import json, sys, time
from levier.store.db import Database
from levier.views import effet_levier
import levier
assert levier.__file__.startswith(sys.argv[1]), levier.__file__
level, code = sys.argv[2], sys.argv[3]
db = Database(sys.argv[4])
out = {}
t = time.perf_counter()
programmes = effet_levier.funding_programmes(db, level, code) if level == "epci" else effet_levier.funding_programmes(db)
out["programmes"] = time.perf_counter() - t
for p in effet_levier.funding_programmes(db):  # imports and first uses warmed on another département, as in a server
    effet_levier.lever_view(db, "departement", "01", p.code, "planned", p.years[0], p.years[0])
for p in programmes:
    t = time.perf_counter()
    effet_levier.lever_view(db, level, code, p.code, "spent", p.years[0], p.years[-1])
    out[p.code] = time.perf_counter() - t
print(json.dumps(out))
"""
DEFAULT_TERRITORIES = ("departement:38", "departement:59", "departement:13", "epci:200040715", "france:FR")


def view_times(db: Path, territories: list[str], checkouts: dict[str, Path], repeat: int) -> dict:
    """{territory: {checkout: {programme: median seconds}}}, a new process per territory, checkouts alternated."""
    runs: dict = {}
    for _ in range(repeat):
        for terr in territories:
            level, code = terr.split(":")
            for name, root in checkouts.items():
                env = {**os.environ, "PYTHONPATH": str(root), "LEVIER_DB": str(db)}
                done = subprocess.run([sys.executable, "-c", VIEW_SCRIPT, str(root), level, code, str(db)], env=env,
                                      capture_output=True, text=True, check=True, cwd=root)
                for prog, secs in json.loads(done.stdout.strip().splitlines()[-1]).items():
                    runs.setdefault(terr, {}).setdefault(name, {}).setdefault(prog, []).append(secs)
    return {t: {n: {p: round(statistics.median(v), 3) for p, v in progs.items()} for n, progs in by.items()}
            for t, by in runs.items()}


def views_main(args) -> None:
    db = demo_db(args.db)
    here = Path(__file__).resolve().parent.parent
    checkouts = {"après": here}
    if args.before:
        checkouts = {"avant": Path(args.before).resolve(), **checkouts}
    result = view_times(db, list(args.territories or DEFAULT_TERRITORIES), checkouts, args.repeat)
    names = list(checkouts)
    print(f"{'territoire':<24} {'programme':<10} " + " ".join(f"{n + ' (s)':>10}" for n in names))
    for terr, by in result.items():
        for prog in by[names[-1]]:
            print(f"{terr:<24} {prog:<10} " + " ".join(f"{by[n].get(prog, float('nan')):>10.3f}" for n in names))
    totals = {n: round(sum(v for by in result.values() for k, v in by[n].items() if k != "programmes"), 3)
              for n in names}
    print("Total lever_view : " + " ; ".join(f"{n} {t:.3f} s" for n, t in totals.items()))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lever_views.json").write_text(json.dumps({"views": result, "totals": totals,
                                                          "checkouts": {n: str(r) for n, r in checkouts.items()}},
                                                         indent=2, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="demo database to use (built when absent)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--views", action="store_true", help="time lever_view alone, per territory (cold processes)")
    parser.add_argument("--before", help="with --views: another checkout to time in the same run (e.g. /work/main)")
    parser.add_argument("--territories", nargs="*", help="with --views: LEVEL:CODE … (default: 38, 59, 13, Grenoble, FR)")
    args = parser.parse_args()
    if args.views:
        views_main(args)
        return
    db = demo_db(args.db)

    def choose_nord(at):
        at.sidebar.selectbox(key="sel_reg").set_value("32").run()
        at.sidebar.selectbox(key="sel_dep").set_value("59").run()

    results = {
        "effet_levier_france": page_render(db, "pages/effet-levier.py", args.repeat),
        "effet_levier_nord": page_render(db, "pages/effet-levier.py", args.repeat, (choose_nord,)),
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
