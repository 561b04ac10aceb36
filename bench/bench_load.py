"""Benchmark: 20 concurrent browser sessions against one app server on this machine; click-to-idle and errors.

Run: python bench/bench_load.py [--db PATH] [--sessions 20] [--rendered N] [--pages-per-session 3]
                                [--changes-per-page 2] [--with-import] [--port 8641] [--max-seconds 240]
Starts one `python -m levier app` on loopback (over the demo database, built first when --db is not given) and one
Debian Chromium with one Playwright context (a separate user: own cookies, own Streamlit session) per session.
All sessions start together (0.2 s apart); each opens a few pages in turn (a different rotation of the menu per
session), on each page picks a few départements of région 84 in the sidebar (different ones per session), and
times every département change from the click to the idle page (Streamlit's script state back to notRunning for
300 ms, not counted) and every page load to its first idle. Errors: an exception box on the page, a JavaScript
error, a lost page. An action longer than --timeout seconds is counted apart (a timeout; a département change that
times out counts as --timeout seconds in the percentiles) and the session goes on with its next page.
Targets (issue 16): p95 click-to-idle ≤ 3 s, no error. Also reports where the machine's cores went while the
sessions ran: the server's CPU time, and the rest (the sessions' Chromium, Playwright, this script), which share them.

--rendered N: only the first N sessions are Chromium's; the others speak Streamlit's protocol over the server's
WebSocket (bench/_stream.py) and ask for the same pages and départements without drawing them. On this two-core machine
twenty Chromium renderers take 90 % of the cores from the server (measured, see bench/README.md), whereas twenty users
draw on twenty machines: with --rendered 2, the server carries twenty sessions' work and two real browsers measure
what a user sees meanwhile. Each kind of session is reported apart (a protocol session's time is from its request to
the run's end: the server's part of a click to idle, without the drawing).

--with-import also runs `python -m levier import` of a national returns file (bench_import.national_rows) into the
database while the sessions run; the server then serves a copy of the database (the one given is left unchanged).
--max-seconds: no session starts a new page after that many seconds (the default run stays under about 4 minutes).
Writes bench/results/load[_LABEL].json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _browser import (  # noqa: E402
    CHROMIUM_ARGS,
    ERROR_SELECTOR,
    IDLE_JS,
    PAGES,
    QUIET_MS,
    REGION_84,
    VIEWPORT,
    WATCH_JS,
    app_server,
    chromium,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    memory_kb,
    page_url,
    replicas_behind_nginx,
    sessions_per_replica,
)
from _common import demo_db  # noqa: E402
from _stream import StreamSession  # noqa: E402
from playwright.async_api import TimeoutError as PlaywrightTimeout  # noqa: E402

RESULTS = ROOT / "bench" / "results"
P95_TARGET_S = 3.0
DEPS = [d for d in REGION_84 if d != "38"]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def _wait_idle(page, start: float, timeout_ms: int) -> float:
    handle = await page.wait_for_function(IDLE_JS, arg=[QUIET_MS, start], timeout=timeout_ms, polling=100)
    return float(await handle.json_value())


async def _errors(page) -> list[str]:
    texts = await page.locator(ERROR_SELECTOR).all_inner_texts()
    return [t.strip().splitlines()[0][:200] if t.strip() else "exception" for t in texts]


async def _load(page, base: str, name: str, timeout_ms: int) -> float:
    t = time.perf_counter()
    await page.goto(page_url(base, name, "38"), timeout=timeout_ms)
    await page.wait_for_selector('[data-testid="stApp"][data-test-script-state]', timeout=timeout_ms)
    await page.evaluate(WATCH_JS)
    await page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    await page.wait_for_selector("h1", timeout=timeout_ms)
    return time.perf_counter() - t


async def _change(page, dep: str, timeout_ms: int) -> float:
    box = page.locator('[data-testid="stSidebar"]').get_by_label("Département", exact=False).first
    await box.click(timeout=timeout_ms)
    await page.keyboard.type(f"{dep} – {REGION_84[dep]}")
    await page.evaluate(WATCH_JS)
    start = float(await page.evaluate("() => performance.now()"))
    await page.keyboard.press("Enter")
    await page.wait_for_function(f"() => location.search.includes('dep={dep}')", timeout=timeout_ms)
    idle = await _wait_idle(page, start, timeout_ms)
    return (idle - start) / 1000


def _plan(i: int, args) -> list[tuple[str, list[str]]]:
    """Session i's pages (a different rotation of the menu per session) and the départements picked on each (different
    ones per session): the same for a Chromium session and a protocol session."""
    return [(PAGES[(i + 3 * k) % len(PAGES)],
             [DEPS[(2 * i + 5 * k + j) % len(DEPS)] for j in range(args.changes_per_page)])
            for k in range(args.pages_per_session)]


def _note(record: dict, kind: str, seconds: float, page: str | None = None) -> None:
    """A page load (no `page`) or a département change on `page`, counted in the totals and in its kind's."""
    if page is None:
        record["loads"].append(seconds)
        record["by_kind"][kind]["loads"].append(seconds)
    else:
        record["changes"].append(seconds)
        record["by_kind"][kind]["changes"].append(seconds)
        record["per_page"].setdefault(page, []).append(seconds)


async def session(i: int, browser, base: str, args, deadline: float, record: dict) -> None:
    await asyncio.sleep(0.2 * i)
    timeout_ms = int(args.timeout * 1000)
    context = await browser.new_context(viewport=VIEWPORT, locale="fr-FR")
    page = await context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)[:200]))
    try:
        for k, (name, deps) in enumerate(_plan(i, args)):
            if time.perf_counter() > deadline:
                record["skipped_pages"] += args.pages_per_session - k
                break
            step = f"session {i + 1}, {name}"
            try:
                _note(record, "chromium", await _load(page, base, name, timeout_ms))
                for dep in deps:
                    step = f"session {i + 1}, {name}, département {dep}"
                    _note(record, "chromium", await _change(page, dep, timeout_ms), name)
                shown = await _errors(page)
                record["errors"] += [f"{step} : {e}" for e in shown]
            except PlaywrightTimeout as exc:
                # Too slow, not an error shown to the user: counted apart, and as `timeout` seconds in the
                # click-to-idle figures (a lower bound) when it was a département change; the session goes on.
                record["timeouts"].append(f"{step} : {str(exc).splitlines()[0][:160]}")
                if "département" in step:
                    _note(record, "chromium", args.timeout, name)
            except Exception as exc:  # a lost page or a crash is an error of the run, reported, not raised
                record["errors"].append(f"{step} : {type(exc).__name__} {str(exc).splitlines()[0][:160]}")
            record["errors"] += [f"{step} : erreur JavaScript {e}" for e in js_errors]
            js_errors.clear()
    finally:
        await context.close()


async def stream_session(i: int, base: str, args, deadline: float, record: dict) -> None:
    """Session i as a browser would make it (same pages, same départements), through the protocol, drawing nothing.
    Like a Chromium session of this harness, it acts again only once the page has been quiet for QUIET_MS (not
    counted): without it, a session drawing nothing would ask more often than any browser can."""
    await asyncio.sleep(0.2 * i)
    for k, (name, deps) in enumerate(_plan(i, args)):
        if time.perf_counter() > deadline:
            record["skipped_pages"] += args.pages_per_session - k
            break
        step = f"session {i + 1} (protocole), {name}"
        try:
            async with StreamSession(base) as stream:
                run = await stream.open(name, "dep=38", args.timeout)
                await asyncio.sleep(QUIET_MS / 1000)
                _note(record, "protocole", run.seconds)
                record["errors"] += [f"{step} : {e}" for e in run.exceptions]
                for dep in deps:
                    step = f"session {i + 1} (protocole), {name}, département {dep}"
                    run = await stream.pick("sel_dep", f"{dep} – {REGION_84[dep]}", args.timeout)
                    await asyncio.sleep(QUIET_MS / 1000)
                    _note(record, "protocole", run.seconds, name)
                    record["errors"] += [f"{step} : {e}" for e in run.exceptions]
        except TimeoutError as exc:
            record["timeouts"].append(f"{step} : {exc}")
            if "département" in step:
                _note(record, "protocole", args.timeout, name)
        except Exception as exc:  # a lost connection is an error of the run, reported, not raised
            record["errors"].append(f"{step} : {type(exc).__name__} {str(exc).splitlines()[0][:160] if str(exc) else ''}")


def _servers_cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def _servers_memory(pids: list[int]) -> dict[str, int]:
    each = [memory_kb(pid) for pid in pids]
    return {key: sum(m[key] for m in each) for key in ("rss_kb", "peak_kb")}


@contextmanager
def _servers(db_path: Path, args, log_path: Path) -> Iterator[tuple[list[int], str, Path | None]]:
    """One `levier app`, or --replicas of them behind nginx (deploy/nginx.conf): (their pids, the URL to visit,
    nginx's access log or None)."""
    if args.replicas <= 1:
        with app_server(db_path, args.port or free_port(), log_path) as (proc, url):
            yield [proc.pid], url, None
    else:
        with replicas_behind_nginx(db_path, args.replicas, log_path.parent) as (procs, url, access_log):
            yield [proc.pid for proc in procs], url, access_log


async def run_sessions(base: str, args, exe: str, pids: list[int]) -> dict:
    from playwright.async_api import async_playwright

    record: dict = {"loads": [], "changes": [], "errors": [], "timeouts": [], "per_page": {}, "skipped_pages": 0,
                    "rss_mb_samples": [], "by_kind": {"chromium": {"loads": [], "changes": []},
                                                      "protocole": {"loads": [], "changes": []}}}
    rendered = args.sessions if args.rendered is None else min(args.rendered, args.sessions)
    deadline = time.perf_counter() + args.max_seconds

    async def sample_memory() -> None:
        while True:
            record["rss_mb_samples"].append(round(_servers_memory(pids)["rss_kb"] / 1024))
            await asyncio.sleep(2)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        sampler = asyncio.create_task(sample_memory())
        try:
            await asyncio.gather(*(session(i, browser, base, args, deadline, record) if i < rendered
                                   else stream_session(i, base, args, deadline, record) for i in range(args.sessions)))
        finally:
            sampler.cancel()
            await browser.close()
    return record


def _import_file(db_path: Path, folder: Path, rows: int) -> Path:
    """The national long returns file of bench_import, written as CSV (values raised by one so that every row
    changes a stored value)."""
    from bench_import import national_rows, to_csv
    from levier.store.db import Database

    frame = national_rows(Database(db_path), rows)
    frame["valeur"] = frame["valeur"] + 1
    path = folder / "retours_national_charge.csv"
    path.write_bytes(to_csv(frame))
    return path


def _spread(values: dict) -> dict:
    """p50/p95/max of one kind of session's département changes and page loads."""
    changes, loads = values["changes"], values["loads"]
    out = {"changes": len(changes), "loads": len(loads)}
    for name, series in (("change", changes), ("load", loads)):
        out[f"{name}_p50_s"] = round(statistics.median(series), 2) if series else 0.0
        out[f"{name}_p95_s"] = round(percentile(series, 95), 2) if series else 0.0
        out[f"{name}_max_s"] = round(max(series), 2) if series else 0.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rendered", type=int, default=None,
                        help="sessions drawn by Chromium (default: all); the others speak the protocol only")
    parser.add_argument("--pages-per-session", type=int, default=3)
    parser.add_argument("--changes-per-page", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60, help="seconds before an action counts as a timeout")
    parser.add_argument("--max-seconds", type=float, default=120, help="no new page started after this")
    parser.add_argument("--with-import", action="store_true", help="a CLI import runs during the sessions")
    parser.add_argument("--import-rows", type=int, default=46_617)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--replicas", type=int, default=1,
                        help="1, or 2 replicas of the app behind nginx (deploy/nginx.conf) on the same database")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    exe = chromium()
    db_path = demo_db(args.db)
    scratch = Path(tempfile.mkdtemp(prefix="levier-bench-load-"))
    import_file = None
    if args.with_import:
        served = scratch / "levier.duckdb"
        shutil.copy2(db_path, served)
        import_file = _import_file(served, scratch, args.import_rows)
        db_path = served
    suffix = f"_{args.label}" if args.label else ""
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    import_result: dict | None = None
    split: dict[str, int] = {}
    with _servers(db_path, args, RESULTS / f"load{suffix}_server.log") as (pids, url, access_log):
        importer = None
        if import_file is not None:
            env = dict(os.environ, LEVIER_DB=str(db_path), PYTHONPATH=str(ROOT))
            importer = subprocess.Popen([sys.executable, "-m", "levier", "import", str(import_file)], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            import_started = time.perf_counter()
        # Where the machine's cores went while the sessions ran: the server's process, and the rest (the sessions'
        # Chromium, Playwright, this script, an import), on the same cores.
        cpu_before, busy_before, sessions_started = _servers_cpu(pids), machine_busy_seconds(), time.perf_counter()
        record = asyncio.run(run_sessions(url, args, exe, pids))
        sessions_s = time.perf_counter() - sessions_started
        server_cpu, machine_cpu = _servers_cpu(pids) - cpu_before, machine_busy_seconds() - busy_before
        rss_after = _servers_memory(pids)
        if access_log is not None:
            time.sleep(1)  # nginx logs each WebSocket once it is closed
            split = sessions_per_replica(access_log)
        if importer is not None:
            out, _ = importer.communicate(timeout=600)
            import_result = {"returncode": importer.returncode, "seconds_until_seen_done":
                             round(time.perf_counter() - import_started, 1), "output_tail": out.strip()[-400:]}
            if importer.returncode != 0:
                record["errors"].append(f"import en ligne de commande : code {importer.returncode} "
                                        f"({out.strip().splitlines()[-1][:200] if out.strip() else 'sans message'})")
    wall = time.perf_counter() - started
    shutil.rmtree(scratch, ignore_errors=True)

    changes, loads = record["changes"], record["loads"]
    summary = {
        "changes": len(changes), "loads": len(loads), "errors": len(record["errors"]),
        "timeouts": len(record["timeouts"]),
        "change_p50_s": round(statistics.median(changes), 2) if changes else None,
        "change_p95_s": round(percentile(changes, 95), 2) if changes else None,
        "change_max_s": round(max(changes), 2) if changes else None,
        "load_p50_s": round(statistics.median(loads), 2) if loads else None,
        "load_p95_s": round(percentile(loads, 95), 2) if loads else None,
        "load_max_s": round(max(loads), 2) if loads else None,
        "server_rss_peak_sampled_mb": max(record["rss_mb_samples"], default=None),
        "server_rss_after_mb": round(rss_after["rss_kb"] / 1024), "server_peak_vmhwm_mb": round(rss_after["peak_kb"] / 1024),
        "skipped_pages": record["skipped_pages"], "wall_s": round(wall, 1),
        "sessions_s": round(sessions_s, 1), "cores": os.cpu_count(), "server_cpu_s": round(server_cpu, 1),
        "machine_busy_cpu_s": round(machine_cpu, 1), "others_cpu_s": round(max(machine_cpu - server_cpu, 0.0), 1),
    }
    summary["ok"] = bool(changes) and summary["change_p95_s"] <= P95_TARGET_S and not record["errors"]
    summary["replicas"] = max(args.replicas, 1)
    summary["sessions_per_replica"] = split
    summary["rendered_sessions"] = args.sessions if args.rendered is None else min(args.rendered, args.sessions)
    counts = {"chromium": summary["rendered_sessions"], "protocole": args.sessions - summary["rendered_sessions"]}
    by_kind = {kind: {**_spread(values), "sessions": counts[kind]} for kind, values in record["by_kind"].items()
               if counts[kind]}
    print(f"{args.sessions} sessions simultanées ({summary['rendered_sessions']} dans Chromium), "
          f"{summary['replicas']} serveur(s){' derrière nginx' if summary['replicas'] > 1 else ''}, "
          f"{len(changes)} changements de département, {len(loads)} pages ouvertes"
          + (" (import en ligne de commande pendant la charge)" if args.with_import else ""))
    if split:
        print("sessions par réplique (WebSockets passés par nginx) : "
              + ", ".join(f"{address} {n}" for address, n in split.items()))
    print(f"{'mesure':28} {'p50':>6} {'p95':>6} {'max':>6}")
    print(f"{'changement de département':28} {summary['change_p50_s'] or 0:6.2f} {summary['change_p95_s'] or 0:6.2f} "
          f"{summary['change_max_s'] or 0:6.2f}   cible p95 ≤ {P95_TARGET_S:g} s "
          f"{'✓' if changes and summary['change_p95_s'] <= P95_TARGET_S else '✗'}")
    print(f"{'ouverture de page':28} {summary['load_p50_s'] or 0:6.2f} {summary['load_p95_s'] or 0:6.2f} "
          f"{summary['load_max_s'] or 0:6.2f}")
    if len(by_kind) > 1:
        for kind, spread in by_kind.items():
            label = {"chromium": "sessions Chromium", "protocole": "sessions protocole (sans dessin)"}[kind]
            print(f"  {label} ({spread['sessions']}) : changement p50 {spread['change_p50_s']:.2f}, p95 "
                  f"{spread['change_p95_s']:.2f}, max {spread['change_max_s']:.2f} s ({spread['changes']}) ; "
                  f"ouverture p50 {spread['load_p50_s']:.2f}, p95 {spread['load_p95_s']:.2f} s")
    for name, values in sorted(record["per_page"].items()):
        print(f"  {name:26} {statistics.median(values):6.2f} {percentile(values, 95):6.2f} {max(values):6.2f}"
              f"   ({len(values)} changements)")
    print(f"Erreurs : {len(record['errors'])} {'✓' if not record['errors'] else '✗'} ; délais dépassés "
          f"({args.timeout:g} s, comptés {args.timeout:g} s dans les centiles) : {len(record['timeouts'])}")
    for e in (record["errors"] + record["timeouts"])[:20]:
        print(f"  - {e}")
    print(f"Mémoire du serveur : pic échantillonné {summary['server_rss_peak_sampled_mb']} Mo, "
          f"après {summary['server_rss_after_mb']} Mo ; pages non commencées (temps écoulé) : {record['skipped_pages']} ; "
          f"durée {wall:.0f} s")
    print(f"Processeur pendant les sessions ({sessions_s:.0f} s × {os.cpu_count()} cœurs = "
          f"{sessions_s * (os.cpu_count() or 1):.0f} s) : occupé {machine_cpu:.0f} s, dont serveur {server_cpu:.0f} s et "
          f"le reste (Chromium des sessions, Playwright, ce script) {max(machine_cpu - server_cpu, 0.0):.0f} s")
    if import_result:
        print(f"Import : code {import_result['returncode']}, terminé (constaté) après "
              f"{import_result['seconds_until_seen_done']} s")
    out = {"label": args.label, "sessions": args.sessions, "rendered_sessions": summary["rendered_sessions"],
           "by_kind": by_kind, "pages_per_session": args.pages_per_session,
           "changes_per_page": args.changes_per_page, "with_import": args.with_import,
           "targets": {"change_p95_s": P95_TARGET_S, "errors": 0}, "summary": summary,
           "per_page": {k: {"median_s": round(statistics.median(v), 2), "max_s": round(max(v), 2), "n": len(v)}
                        for k, v in record["per_page"].items()},
           "errors": record["errors"], "timeouts": record["timeouts"], "import": import_result,
           "changes_s": [round(c, 3) for c in changes], "loads_s": [round(v, 3) for v in loads]}
    path = RESULTS / f"load{suffix}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(f"Écrit : {path}")


if __name__ == "__main__":
    main()
