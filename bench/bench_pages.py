"""Benchmark: server render of every page in AppTest: first view of a territory with cold caches, and a widget change.

Run: python bench/bench_pages.py [--db PATH] [--deps 38,59,13] [--epci SIREN,...] [--pages t0.py,...]
Builds the demo database first when --db is not given (bench/_common.demo_db, derived tables published).

For every page (pages/*.py) and every territory (three départements by default, EPCI optional):
- cold: the builds a previous session left running finished (the Présentation's deck), Streamlit's caches emptied
  (st.cache_data and st.cache_resource), a new session opened on the home page
  with the territory in the URL (that run fills what app.py itself reads: the territory list, the home summary),
  then the page's run timed: its first view of that territory, nothing of the page's own data cached; the home
  page's own first view is that first run (app.py and the page, nothing cached at all); before every timed run,
  the garbage collection the server makes while a reader pauses (levier.app.collect);
- widget: in the same session, one real widget of the page changed (WIDGETS below) `--widget-runs` times, each run
  timed (a new value each time when the widget has enough of them);
- warm: the page rerun unchanged (median of `--warm-runs`).
Reports per page the median over the territories (cold) and over every change (widget), against the targets of
issue 16 (first view ≤ 0.3 s, widget change ≤ 0.15 s). Writes bench/results/pages.json (or --out).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's « No runtime found » lines, once per session

from _common import demo_db, router_app_test  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
COLD_TARGET_S = 0.3
WIDGET_TARGET_S = 0.15

# One real widget per page (kind of AppTest element, key, label shown in the table). The home page has none.
WIDGETS: dict[str, tuple[str, str, str]] = {
    "comparer.py": ("selectbox", "cmp_indicator", "Indicateur (classement)"),
    "effet-levier.py": ("radio", "lev_stage", "Montants comparés"),
    "evaluation.py": ("selectbox", "ev_indicator", "Indicateur de résultat CDPPE"),
    "importer.py": ("selectbox", "kind", "Type de fichier"),
    "indicateurs.py": ("selectbox", "cat_indicator", "Indicateur"),
    "mi-parcours.py": ("selectbox", "mp_programme", "Programme"),
    "pack.py": ("selectbox", "pack_programme", "Contrat suivi"),
    "panorama.py": ("selectbox", "pan_indicator", "Indicateur"),
    "presentation.py": ("button", "pres_next", "Suivant ▶"),
    "qualite.py": ("selectbox", "q_programme", "Programme"),
    "services.py": ("slider", "cov_distance", "Distance (km)"),
    "t0.py": ("selectbox", "t0_year", "Année T0"),
}
HOME_PAGE = "accueil.py"  # the router's default page: its first view is the session's first run
SLIDER_VALUES = (10, 30, 15, 25, 5)  # km, never the default 20: each change computes a new coverage


def pages_of_app(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in (root / "pages").glob("*.py"))


def _choose(element, index: int) -> None:
    """Selects an option by its position, sending its label as the browser does (AppTest's own select_index sends
    the label through the page's format_func, which a dict.get format function cannot read back)."""
    label = element.options[index]

    class Chosen(type(element)):
        @property
        def _widget_state(self) -> WidgetState:
            state = WidgetState()
            state.id = self.id
            state.string_value = label
            return state

    element.__class__ = Chosen


def _change_widget(at, page: str, step: int) -> tuple[str | None, int | None]:
    """Changes the page's widget to its next value (a new value at each step while there are enough); returns
    (why it could not be changed or None, the option index chosen for a selectbox or radio)."""
    kind, key, _label = WIDGETS[Path(page).name]
    try:
        if kind == "button":
            at.button(key=key).click()
            return None, None
        if kind == "slider":
            at.slider(key=key).set_value(SLIDER_VALUES[(step - 1) % len(SLIDER_VALUES)])
            return None, None
        element = at.selectbox(key=key) if kind == "selectbox" else at.radio(key=key)
    except KeyError:
        return f"pas de widget {key}", None
    if len(element.options) < 2:
        return f"{key} : une seule valeur", None
    new = ((element.index or 0) + 1) % len(element.options)
    _choose(element, new)
    return None, new


# A previous session's background builds (levier.report.background: the Présentation's deck, the Pack's model).
BACKGROUND_THREADS = ("levier-deck", "levier-pack-model", "levier-build")


def _settle() -> None:
    """Waits for the builds a previous session left running: they would run beside the next first view timed, as they
    do not for a user alone on the server (one session's deck is cancelled when it changes territory)."""
    for thread in threading.enumerate():
        if thread.name in BACKGROUND_THREADS:
            thread.join(120)


def _pause() -> None:
    """The reader's pause before a click: the server collects Python's garbage then (levier.app.collect, once idle
    for a second), not during the next run. Back-to-back runs would leave that collection to Python's own
    thresholds, which then fall inside a timed run now and then (80–90 ms at ×30, one run in four or five)."""
    gc.collect()


def _entry(dep: str, epci: str | None):
    """A new session of the app on the home page with the territory in its address, not yet run."""
    at = router_app_test(default_timeout=600)
    at.query_params["dep"] = dep
    if epci:
        at.query_params["epci"] = epci
    return at


def _session(page: str, dep: str, epci: str | None):
    at = _entry(dep, epci)
    at.run()
    at.switch_page(page)
    return at


def measure_page(page: str, territories: list[tuple[str, str | None]], widget_runs: int, warm_runs: int) -> dict:
    """Cold first view per territory, then widget changes and warm reruns in the same session."""
    import streamlit as st

    cold: dict[str, float] = {}
    widget: list[float] = []
    warm: list[float] = []
    problems: list[str] = []
    for dep, epci in territories:
        _settle()
        st.cache_data.clear()
        st.cache_resource.clear()
        if Path(page).name == HOME_PAGE:
            # The home page's first view is the session's first run: app.py and the page, nothing cached (timing
            # the run after it, as for the other pages, would time a page whose views that first run computed).
            at = _entry(dep, epci)
            _pause()
            t = time.perf_counter()
            at.run()
        else:
            at = _session(page, dep, epci)
            _pause()
            t = time.perf_counter()
            at.run()
        cold[epci or dep] = time.perf_counter() - t
        if at.exception:
            problems.append(f"{epci or dep}: exception {at.exception[0].message[:120]}")
            continue
        for _ in range(warm_runs):
            _pause()
            t = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t)
        if Path(page).name in WIDGETS:
            for step in range(1, widget_runs + 1):
                why, chosen = _change_widget(at, page, step)
                if why:
                    problems.append(f"{epci or dep}: {why}")
                    break
                _pause()
                t = time.perf_counter()
                at.run()
                widget.append(time.perf_counter() - t)
                if at.exception:
                    problems.append(f"{epci or dep}: exception après changement {at.exception[0].message[:120]}")
                    break
                kind, key, _label = WIDGETS[Path(page).name]
                if chosen is not None:
                    now = at.selectbox(key=key) if kind == "selectbox" else at.radio(key=key)
                    if now.index != chosen:
                        problems.append(f"{epci or dep}: {key} n'a pas pris la valeur choisie")
                        break
    deps_only = [v for (dep, epci), v in zip(territories, cold.values()) if not epci]
    epcis_only = [v for (dep, epci), v in zip(territories, cold.values()) if epci]
    out = {
        "cold_s": {k: round(v, 3) for k, v in cold.items()},
        "cold_median_s": round(statistics.median(deps_only), 3) if deps_only else None,
        "cold_epci_median_s": round(statistics.median(epcis_only), 3) if epcis_only else None,
        "widget": WIDGETS[Path(page).name][2] if Path(page).name in WIDGETS else None,
        "widget_s": [round(v, 3) for v in widget],
        "widget_median_s": round(statistics.median(widget), 3) if widget else None,
        "warm_median_s": round(statistics.median(warm), 3) if warm else None,
        "problems": problems,
    }
    out["cold_ok"] = out["cold_median_s"] is not None and out["cold_median_s"] <= COLD_TARGET_S
    out["widget_ok"] = None if out["widget_median_s"] is None else out["widget_median_s"] <= WIDGET_TARGET_S
    return out


def _mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✓" if ok else "✗")


def _fmt(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def print_table(results: dict[str, dict], with_epci: bool) -> None:
    head = (f"{'page':18} {'1re vue (méd.)':>14} {'≤0,3':>4} " + (f"{'EPCI':>6} " if with_epci else "")
            + f"{'widget (méd.)':>13} {'≤0,15':>5} {'relance':>8}  widget changé")
    print(head)
    print("-" * len(head))
    for page, r in results.items():
        name = page.removeprefix("pages/").removesuffix(".py")
        line = (f"{name:18} {_fmt(r['cold_median_s']):>14} {_mark(r['cold_ok']):>4} "
                + (f"{_fmt(r['cold_epci_median_s']):>6} " if with_epci else "")
                + f"{_fmt(r['widget_median_s'], 3):>13} {_mark(r['widget_ok']):>5} {_fmt(r['warm_median_s'], 3):>8}  "
                + (r["widget"] or "–"))
        print(line + ("   PROBLÈME : " + " ; ".join(r["problems"]) if r["problems"] else ""))
    colds = [r["cold_median_s"] for r in results.values() if r["cold_median_s"] is not None]
    ok_cold = sum(bool(r["cold_ok"]) for r in results.values())
    ok_widget = sum(bool(r["widget_ok"]) for r in results.values() if r["widget_ok"] is not None)
    n_widget = sum(r["widget_ok"] is not None for r in results.values())
    print(f"Total des premières vues {sum(colds):.2f} s ; pages dans la cible : 1re vue {ok_cold}/{len(results)}, "
          f"widget {ok_widget}/{n_widget}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="existing demo database (default: build one in a temporary folder)")
    parser.add_argument("--deps", default="38,59,13", help="départements, each viewed cold (default 38,59,13)")
    parser.add_argument("--dep", help="one département only (same as --deps CODE)")
    parser.add_argument("--epci", default="", help="EPCI SIREN codes, each viewed cold too (optional)")
    parser.add_argument("--pages", default="", help="page files, e.g. t0.py,comparer.py (default: all of pages/)")
    parser.add_argument("--widget-runs", type=int, default=3, help="widget changes per territory")
    parser.add_argument("--warm-runs", type=int, default=1, help="unchanged reruns per territory")
    parser.add_argument("--out", help="JSON file (default bench/results/pages.json)")
    args = parser.parse_args()

    from levier.core.config import PROJECT_ROOT

    db_path = demo_db(args.db)
    os.environ["LEVIER_DB"] = str(db_path)
    deps = [args.dep] if args.dep else [d for d in args.deps.split(",") if d]
    epcis = [e for e in args.epci.split(",") if e]
    territories: list[tuple[str, str | None]] = [(d, None) for d in deps]
    if epcis:
        from levier.store.db import Database
        from levier.views.selection import load_options

        options = load_options(Database(db_path))
        territories += [(str(options.epci.at[e, "dep"]), e) for e in epcis]
    pages = ([f"pages/{p}" if not p.startswith("pages/") else p for p in args.pages.split(",") if p]
             or pages_of_app(PROJECT_ROOT))
    started = time.perf_counter()
    results: dict[str, dict] = {}
    for page in pages:
        results[page] = measure_page(page, territories, args.widget_runs, args.warm_runs)
        r = results[page]
        print(f"  {page:26} 1re vue {r['cold_s']}  widget {r['widget_s']}", flush=True)
    print()
    print_table(results, bool(epcis))
    out = {"db": str(db_path), "departements": deps, "epci": epcis, "targets_s": {"cold": COLD_TARGET_S,
           "widget": WIDGET_TARGET_S}, "seconds": round(time.perf_counter() - started, 1), "pages": results}
    path = Path(args.out) if args.out else RESULTS / "pages.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(f"Écrit : {path}")


if __name__ == "__main__":
    main()
