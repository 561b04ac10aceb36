"""Benchmark: time to produce the comité de suivi pack (content, chart images, PDF, PPTX) for a département (Isère, 38)
and a métropole (Grenoble-Alpes-Métropole), each run cold: a new Python process, no cache, the browser not yet open.

Run: python bench/bench_pack.py [--db PATH] [--repeat 3] [--territories 38:departement 200040715:epci]
                                 [--before /work/main]
Without --db, a demo database is built in a temporary folder first (about a minute). With --before, the same runs are
made with the levier package of that other checkout too, interleaved with ours (before/after in one run on a machine
whose load changes). Prints a table of medians and writes bench/results/pack.json.

Steps of one run (seconds, wall clock): « contenu » reads the data and builds the figures (build_pack);
« graphiques » draws the chart images; « pdf » lays out the pages; « pptx » writes the slides from the same images.
A checkout that has levier.report.build.make overlaps them (Chromium opens and draws while the data are read, the pages
are laid out while the last charts are drawn): « graphiques » and « pdf » are then the waits left after « contenu ».
Target (issue 16): the PDF pack in at most 4 s.

With --page SECONDS, the pack is also made as a user makes it (« clic → PDF (page) »): the Pack page of the
territory opened in AppTest (a new process, Streamlit's caches empty), SECONDS of reading the page, then the click on
« Préparer le PDF » timed until the download button is there. « clic → PDF (2e pack) » is the same click on a server
(a new process too) that has made the pack of another département (Savoie) first: what its pages cached, and the
browser a pack leaves open for the next one (levier.report.images.KEEP_SECONDS), are there.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _common import demo_db  # noqa: E402

RESULTS = HERE / "results"
TARGET_SECONDS = 4.0
DEFAULT_TERRITORIES = ("38:departement", "200040715:epci")
KEYS = ("contenu", "graphiques", "pdf", "total PDF", "pptx", "figures", "Mo PDF")
PAGE_KEY = "clic → PDF (page)"
SECOND_KEY = "clic → PDF (2e pack)"
WARM_UP = "73"  # the département whose pack a server made before, for SECOND_KEY (Savoie: not a default territory)


def child(db_path: str, code: str, level: str, sequential: bool) -> dict[str, float]:
    """One cold pack in this (new) process: the levier on sys.path, imports paid before the clock starts, as in the
    app whose pages imported them already."""
    from levier.report import build, pack
    from levier.store.db import Database

    db = Database(Path(db_path))
    t: dict[str, float] = {}
    start = time.perf_counter()
    if hasattr(build, "make") and not sequential:
        marks: dict[str, float] = {}

        def build_model(on_figure):
            model = pack.build_pack(db, code, level, rights_text=pack.rights_sentence(db), on_figure=on_figure)
            marks["contenu"] = time.perf_counter()
            return model

        model, pdf, images = build.make(build_model, "pdf")
        end = time.perf_counter()
        t["contenu"] = marks["contenu"] - start
        t["graphiques"] = 0.0  # drawn while the data were read and the pages laid out
        t["pdf"] = end - marks["contenu"]  # the layout, and whatever drawing was left to wait for
    else:
        model = pack.build_pack(db, code, level, rights_text=pack.rights_sentence(db))
        t["contenu"] = time.perf_counter() - start
        t0 = time.perf_counter()
        images = build.render_images(model)
        t["graphiques"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        pdf, _ = build.export(model, "pdf", images)
        t["pdf"] = time.perf_counter() - t0
        end = time.perf_counter()
    t["total PDF"] = end - start
    t0 = time.perf_counter()
    build.export(model, "pptx", images)
    t["pptx"] = time.perf_counter() - t0
    t["figures"] = float(len(model.figures))
    t["Mo PDF"] = len(pdf) / 1e6
    return t


def page_child(db_path: str, code: str, level: str, reading: float, second: bool = False) -> dict[str, float]:
    """The Pack page in AppTest: the territory in the URL, `reading` seconds on the page, then « Préparer le PDF ».
    With `second`, the same server (process) has first made the pack of another département (WARM_UP): what the
    pages of a running server cached, and the browser a pack leaves open, are there."""
    os.environ["LEVIER_DB"] = db_path
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    from _common import router_app_test  # here: only the page mode starts Streamlit

    from levier.store.db import Database
    from levier.views.selection import load_options

    at = router_app_test(default_timeout=600)
    if second:
        at.query_params["dep"] = WARM_UP
        at.run()
        at.switch_page("pages/pack.py").run()
        at.button(key="pack_make_pdf").click().run()
        at.query_params.clear()
    dep = str(load_options(Database(Path(db_path))).epci.at[code, "dep"]) if level == "epci" else code
    at.query_params["dep"] = dep
    if level == "epci":
        at.query_params["epci"] = code
    at.run()
    at.switch_page("pages/pack.py").run()
    if at.selectbox(key="sel_dep").value != dep:  # the server's session chose the warm-up département before
        at.selectbox(key="sel_dep").set_value(dep).run()
        if level == "epci":
            at.selectbox(key="sel_epci").set_value(code).run()
    if at.selectbox(key="sel_dep").value != dep or (level == "epci" and at.selectbox(key="sel_epci").value != code):
        raise RuntimeError(f"la page ne montre pas {code}")
    time.sleep(reading)
    start = time.perf_counter()
    at.button(key="pack_make_pdf").click().run()
    took = time.perf_counter() - start
    if at.exception or at.error or not at.get("download_button"):
        raise RuntimeError(f"pas de PDF : {[e.value for e in at.exception or at.error]}")
    return {SECOND_KEY if second else PAGE_KEY: took}


def run_cold(checkout: Path, db: Path, territory: str, sequential: bool = False,
             page: float | None = None, second: bool = False) -> dict[str, float]:
    code, level = territory.split(":")
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(db), code, level]
    if sequential:
        cmd.append("--sequential")
    if page is not None:
        cmd += ["--page", str(page)]
    if second:
        cmd.append("--second")
    out = subprocess.run(cmd, env=env, cwd=str(checkout), capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{checkout} {territory}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db")
    parser.add_argument("--repeat", type=int, default=3, help="cold runs per territory and checkout (median shown)")
    parser.add_argument("--territories", nargs="+", default=list(DEFAULT_TERRITORIES), help="CODE:LEVEL …")
    parser.add_argument("--before", help="another checkout to measure in the same run (e.g. /work/main)")
    parser.add_argument("--child", nargs=3, metavar=("DB", "CODE", "LEVEL"), help=argparse.SUPPRESS)
    parser.add_argument("--sequential", action="store_true", help="draw after the content, lay out after drawing")
    parser.add_argument("--page", type=float, metavar="SECONDS",
                        help="also time the click on the Pack page, SECONDS after it is shown: on a fresh server, "
                             "and on a server that made another département's pack first")
    parser.add_argument("--second", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        if args.page is not None:
            print(json.dumps(page_child(*args.child, args.page, args.second)))
        else:
            print(json.dumps(child(*args.child, sequential=args.sequential)))
        return

    db = demo_db(args.db)
    checkouts = {"après": ROOT}
    if args.before:
        checkouts = {"avant": Path(args.before).resolve(), **checkouts}
    runs: dict[tuple[str, str], list[dict[str, float]]] = {(c, t): [] for c in checkouts for t in args.territories}
    for _ in range(args.repeat):  # interleaved: before and after see the same load
        for territory in args.territories:
            for name, path in checkouts.items():
                run = run_cold(path, db, territory)
                if args.page is not None:
                    run.update(run_cold(path, db, territory, page=args.page))
                    run.update(run_cold(path, db, territory, page=args.page, second=True))
                runs[(name, territory)].append(run)
    keys = KEYS + ((PAGE_KEY, SECOND_KEY) if args.page is not None else ())
    results = {f"{name} {territory}": {k: statistics.median(r[k] for r in rs) for k in keys}
               for (name, territory), rs in runs.items()}
    raw = {f"{name} {territory}": rs for (name, territory), rs in runs.items()}

    cols = list(results)
    width = max(22, *(len(c) + 2 for c in cols))
    print(f"{'(médiane, s, à froid)':<14}" + "".join(f"{c:>{width}}" for c in cols))
    for k in keys:
        print(f"{k:<14}" + "".join(f"{results[c][k]:>{width}.2f}" for c in cols))
    worst = max(r["total PDF"] for c, r in results.items() if c.startswith("après"))
    print(f"Cible : le pack PDF en {TARGET_SECONDS:.0f} s au plus — le plus lent : {worst:.1f} s "
          f"({'atteinte' if worst <= TARGET_SECONDS else 'MANQUÉE'}) ; {args.repeat} passage(s) à froid, médiane. "
          f"Charge de la machine : {os.getloadavg()[0]:.1f}.")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pack.json").write_text(json.dumps({"median": results, "runs": raw, "load": os.getloadavg()[0]},
                                                  indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
