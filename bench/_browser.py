"""Browser benchmarks' shared parts: the app server started on a loopback port, Debian's Chromium through Playwright,
click-to-idle timing from Streamlit's script state, and the server's resident memory (process and children)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 720}
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
# What a user would see as a failure: Streamlit's exception box, or an error shown by the page.
ERROR_SELECTOR = '[data-testid="stException"]'

# The pages with the sidebar's territory selector, by address (the presentation mode has no sidebar).
PAGES = ["accueil", "t0", "mi-parcours", "comparer", "panorama", "services", "qualite", "effet-levier",
         "evaluation", "pack"]
# Every département of région 84 (Auvergne-Rhône-Alpes): the sidebar lists them once Isère's région is chosen.
REGION_84 = {"01": "Ain", "03": "Allier", "07": "Ardèche", "15": "Cantal", "26": "Drôme", "38": "Isère",
             "42": "Loire", "43": "Haute-Loire", "63": "Puy-de-Dôme", "69": "Rhône", "73": "Savoie",
             "74": "Haute-Savoie"}


def chromium() -> str:
    exe = os.environ.get("LEVIER_CHROMIUM") or shutil.which("chromium")
    if not exe:
        sys.exit("chromium absent (apt-get install chromium, or LEVIER_CHROMIUM=/chemin/chromium)")
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_url(base: str, name: str, dep: str = "38") -> str:
    # The home page is the default page: its address is "/" (Streamlit answers /accueil with « Page not found »).
    return f"{base}/{'' if name == 'accueil' else name}?dep={dep}"


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float, stopped: str) -> None:
    """Waits until `url` answers Streamlit's health check; `stopped` (French) is raised if `proc` ends first."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{stopped} (code {proc.returncode})")
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    """Stops a server: asked to end, killed after 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def app_server(db_path: Path, port: int, log_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """`python -m levier app` on loopback over the database; yields (process, base URL) once healthy."""
    env = dict(os.environ, LEVIER_DB=str(db_path), PYTHONPATH=str(ROOT))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "levier", "app", "--port", str(port), "--address", "127.0.0.1"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, 180, f"le serveur s'est arrêté, voir {log_path}")
            yield proc, url
        finally:
            _stop(proc)


SHIPPED_PROXY = "127.0.0.1:8080"  # the addresses deploy/nginx.conf ships with
SHIPPED_REPLICAS = ("127.0.0.1:8501", "127.0.0.1:8502")


@contextmanager
def replicas_behind_nginx(db_path: Path, count: int, log_dir: Path
                          ) -> Iterator[tuple[list[subprocess.Popen], str, Path]]:
    """`count` `levier app` replicas on the same database behind Debian's nginx with deploy/nginx.conf (the shipped
    replicas' and proxy's addresses replaced by free loopback ports): the deployment the README describes, on this
    machine. The configuration names two replicas (their sticky upstreams and cookie values): `count` must be 2.
    Yields (the replicas' processes, nginx's base URL, its access log) once every replica and nginx answer."""
    exe = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.path.exists(p)), None)
    if exe is None:
        sys.exit("nginx absent (apt-get install nginx)")
    if count != len(SHIPPED_REPLICAS):
        sys.exit(f"deploy/nginx.conf décrit {len(SHIPPED_REPLICAS)} répliques : --replicas {len(SHIPPED_REPLICAS)}")
    ports, proxy_port = [free_port() for _ in range(count)], free_port()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for shipped, port in ((SHIPPED_PROXY, proxy_port), *zip(SHIPPED_REPLICAS, ports)):
        conf = conf.replace(shipped, f"127.0.0.1:{port}")
    prefix = Path(tempfile.mkdtemp(prefix="levier-bench-nginx-"))
    prefix.chmod(0o755)
    for sub in ("logs", "temp"):
        (prefix / sub).mkdir()
    (prefix / "nginx.conf").write_text(conf)
    with ExitStack() as stack:
        procs = [stack.enter_context(app_server(db_path, port, log_dir / f"replica_{port}.log"))[0] for port in ports]
        nginx = subprocess.Popen([exe, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "logs/error.log"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{proxy_port}"
        try:
            _wait_healthy(url, nginx, 30, f"nginx s'est arrêté, voir {prefix / 'logs' / 'error.log'}")
            yield procs, url, prefix / "logs" / "access.log"
        finally:
            _stop(nginx)
            shutil.rmtree(prefix, ignore_errors=True)


def sessions_per_replica(access_log: Path) -> dict[str, int]:
    """How many Streamlit sessions (WebSockets, /_stcore/stream answered 101) nginx passed to each replica, by the
    replica's address: nginx logs a WebSocket when it closes."""
    counts: dict[str, int] = {}
    for line in access_log.read_text().splitlines() if access_log.exists() else []:
        if "/_stcore/stream" in line and '" 101 ' in line:
            served = line.split()[-1]
            counts[served] = counts.get(served, 0) + 1
    return dict(sorted(counts.items()))


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    except OSError:
        return []
    found = [int(p) for p in out]
    for child in list(found):
        found += _children(child)
    return found


def _status_kb(pid: int) -> tuple[int, int]:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields.get("VmRSS", "0 kB").split()[0]), int(fields.get("VmHWM", "0 kB").split()[0])


def memory_kb(pid: int) -> dict[str, int]:
    """Resident memory of the server: its process and every child (VmRSS summed), the largest process's RSS, and
    the peaks (VmHWM) summed."""
    pids = [pid, *_children(pid)]
    pairs = [_status_kb(p) for p in pids]
    return {"rss_kb": sum(r for r, _ in pairs), "largest_rss_kb": max((r for r, _ in pairs), default=0),
            "peak_kb": sum(h for _, h in pairs), "processes": len(pids)}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and of its children still running, in seconds."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime and stime, the stat file's 14th and 15th fields
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all cores have spent busy since boot (/proc/stat: every state but idle and iowait), in seconds."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def wait_idle(page, start: float, timeout_ms: int = 120_000) -> float:
    """Waits for the first run after `start` (performance.now()) to end; returns when it ended."""
    handle = page.wait_for_function(IDLE_JS, arg=[QUIET_MS, start], timeout=timeout_ms, polling=50)
    return float(handle.json_value())


def open_page(page, base: str, name: str, dep: str = "38", timeout_ms: int = 120_000) -> None:
    """Loads a page on a département and waits for its first run to end (the title shown)."""
    page.goto(page_url(base, name, dep), timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state]', timeout=timeout_ms)
    page.evaluate(WATCH_JS)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    page.wait_for_selector("h1", timeout=timeout_ms)


def pick(page, label: str, option_text: str) -> float:
    """Chooses an option of a sidebar selectbox; returns the click's performance.now()."""
    box = page.locator('[data-testid="stSidebar"]').get_by_label(label, exact=False).first
    box.click()
    page.keyboard.type(option_text)
    page.evaluate(WATCH_JS)
    start = float(page.evaluate("() => performance.now()"))
    page.keyboard.press("Enter")
    return start


def change_departement(page, dep: str, timeout_ms: int = 120_000) -> float:
    """Picks a département of région 84 in the sidebar; returns the seconds from the click to the idle page."""
    start = pick(page, "Département", f"{dep} – {REGION_84[dep]}")
    page.wait_for_function(f"() => location.search.includes('dep={dep}')", timeout=timeout_ms)
    idle = wait_idle(page, start, timeout_ms)
    return (idle - start) / 1000


def errors_on(page) -> list[str]:
    """The exception boxes shown on the page (their first line)."""
    return [text.strip().splitlines()[0][:200] if text.strip() else "exception"
            for text in page.locator(ERROR_SELECTOR).all_inner_texts()]
