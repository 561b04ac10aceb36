"""Browser fixtures: a real Streamlit server on loopback over a copy of the demo database, and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from levier.core.config import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    return os.environ.get("LEVIER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def levier_app_command(port: int) -> list[str]:
    """`levier app`, as a user starts it."""
    return [sys.executable, "-m", "levier", "app", "--port", str(port), "--address", "127.0.0.1"]


def streamlit_run_command(port: int) -> list[str]:
    """`streamlit run app.py`, as Streamlit's documentation and hosting platforms start an app (from the project)."""
    return [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true"]


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    """A server the tests started: asked to end, killed after `timeout` seconds (nothing to do if it already ended)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running_app(port: int, env: dict[str, str], cwd: Path, log_path: Path, command=levier_app_command) -> Iterator[str]:
    """The app on loopback (`levier app` unless another command is given) until the block ends; yields its address."""
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command(port), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            proc.kill()
            raise RuntimeError("Streamlit did not start: " + log_path.read_text()[-2000:])
        try:
            yield url
        finally:
            stop_process(proc)


@pytest.fixture(scope="session")
def server(demo_db_path, tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "levier.duckdb"
    shutil.copy(demo_db_path, db)
    env = dict(os.environ, LEVIER_DB=str(db))
    with running_app(_free_port(), env, PROJECT_ROOT, tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    exe = chromium_path()
    if not exe:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required in CI (.ci/run installs it)")
        pytest.skip("chromium absent: apt-get install chromium (the browser tests drive Debian's Chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    pg = context.new_page()
    yield pg
    context.close()


def wait_for_app(page, timeout_ms: int = 90_000) -> None:
    """Streamlit has finished a run when its root element says the script is not running (data-test-script-state)
    and has stayed so for a moment (a rerun may follow a run at once); the status widget shows only on long runs."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_ms)
    page.wait_for_selector("h1", timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const busy = document.querySelector('[data-testid="stStatusWidget"]')
                || !app || app.getAttribute('data-test-script-state') !== 'notRunning';
            const now = Date.now();
            if (busy) { window.__levierIdleSince = null; return false; }
            window.__levierIdleSince = window.__levierIdleSince || now;
            return now - window.__levierIdleSince > 1500;
        }""",
        timeout=timeout_ms,
        polling=250,
    )


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
