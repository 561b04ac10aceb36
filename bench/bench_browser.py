"""Benchmark: click-to-idle of a département change in Chromium on each page, and the app process's memory.

Run: python bench/bench_browser.py [--db PATH] [--pages t0,mi-parcours,...] [--repeat 3]
Starts `python -m levier app` on a free loopback port over the demo database (built first when --db is not given),
opens each page on Isère (38, région 84), then picks Drôme (26) and back in the sidebar's « Département » box and
times each change from the click to the end of the run it starts (Streamlit's script state back to notRunning and
staying so for 300 ms, which is not counted).
Reports the median per page, the server's resident memory (RSS) after visiting every page, and its peak (VmHWM).
Writes bench/results/browser.json. Needs Debian's chromium (LEVIER_CHROMIUM or `chromium` on the PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _common import demo_db  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PAGES = ["accueil", "t0", "mi-parcours", "comparer", "panorama", "services", "qualite", "effet-levier",
         "evaluation", "pack"]  # the presentation mode has no sidebar: nothing to change there
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
QUIET_MS = 300
# Streamlit marks its root element with the script's state (data-test-script-state: running / notRunning). A run
# starts after the click; the page is idle once the state has been notRunning for QUIET_MS after a run was seen.
WATCH_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__levierStates = [[app.getAttribute('data-test-script-state'), performance.now()]];
    if (window.__levierObserver) window.__levierObserver.disconnect();
    window.__levierObserver = new MutationObserver(() => window.__levierStates.push(
        [app.getAttribute('data-test-script-state'), performance.now()]));
    window.__levierObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
IDLE_JS = """([quiet, start]) => {
    const states = window.__levierStates || [];
    const ran = states.some(([s, t]) => s === 'running' && t >= start);
    const [last, at] = states[states.length - 1] || [null, 0];
    if (!ran || last !== 'notRunning') return false;
    return performance.now() - at >= quiet ? at : false;
}"""

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_kb(pid: int) -> dict[str, int]:
    """RSS and peak RSS of the server and its children (the launcher may run Streamlit in a child process)."""
    pids = [pid]
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(p) for p in out]
    except OSError:
        pass
    best = {"rss_kb": 0, "peak_kb": 0}
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss = int(fields.get("VmRSS", "0 kB").split()[0])
        hwm = int(fields.get("VmHWM", "0 kB").split()[0])
        if rss > best["rss_kb"]:
            best = {"rss_kb": rss, "peak_kb": hwm}
    return best


def _wait_idle(page, start: float, timeout_ms: int = 120_000) -> float:
    """Waits for the first run after `start` (performance.now()) to end; returns when it ended."""
    handle = page.wait_for_function(IDLE_JS, arg=[QUIET_MS, start], timeout=timeout_ms, polling=50)
    return float(handle.json_value())


def _pick(page, label: str, option_text: str) -> float:
    """Chooses an option of a sidebar selectbox; returns the click's performance.now()."""
    box = page.locator('[data-testid="stSidebar"]').get_by_label(label, exact=False).first
    box.click()
    page.keyboard.type(option_text)
    page.evaluate(WATCH_JS)
    start = float(page.evaluate("() => performance.now()"))
    page.keyboard.press("Enter")
    return start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--repeat", type=int, default=2, help="round trips 38 → 26 → 38 per page")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    exe = os.environ.get("LEVIER_CHROMIUM") or shutil.which("chromium")
    if not exe:
        sys.exit("chromium absent")
    db_path = demo_db(args.db)
    port = _free_port()
    env = dict(os.environ, LEVIER_DB=str(db_path), PYTHONPATH=str(ROOT))
    RESULTS.mkdir(exist_ok=True)
    log = open(RESULTS / "browser_server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "levier", "app", "--port", str(port), "--address", "127.0.0.1"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        from playwright.sync_api import sync_playwright

        results: dict[str, dict] = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
            page = context.new_page()
            for name in args.pages.split(","):
                t = time.perf_counter()
                # The home page is the default page: its address is "/" (Streamlit answers /accueil with « Page not found »).
                page.goto(f"{url}/{'' if name == 'accueil' else name}?reg=84&dep=38")
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state]', timeout=120_000)
                page.evaluate(WATCH_JS)
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
                page.wait_for_selector("h1", timeout=120_000)
                first = time.perf_counter() - t
                changes = []
                for _ in range(args.repeat):
                    for dep, text in (("26", "26 – Drôme"), ("38", "38 – Isère")):
                        start = _pick(page, "Département", text)
                        page.wait_for_function(f"() => location.search.includes('dep={dep}')", timeout=60_000)
                        idle = _wait_idle(page, start)
                        changes.append((idle - start) / 1000)
                results[name] = {"first_load_s": round(first, 3), "dep_change_median_s": round(statistics.median(changes), 3),
                                 "dep_change_max_s": round(max(changes), 3)}
                print(f"{name:14} premier affichage {first:5.2f} s   changement de département "
                      f"médiane {statistics.median(changes):5.2f} s   max {max(changes):5.2f} s", flush=True)
            browser.close()
        mem = _memory_kb(proc.pid)
        print(f"Mémoire du serveur après toutes les pages : RSS {mem['rss_kb'] / 1024:.0f} Mo, "
              f"pic {mem['peak_kb'] / 1024:.0f} Mo")
        out = {"label": args.label, "pages": results, "server_rss_mb": round(mem["rss_kb"] / 1024),
               "server_peak_mb": round(mem["peak_kb"] / 1024)}
        (RESULTS / f"browser{('_' + args.label) if args.label else ''}.json").write_text(json.dumps(out, indent=2))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
