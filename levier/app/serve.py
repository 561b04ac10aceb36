"""`levier app`: serves app.py through the public `streamlit run` command, listening on loopback without sign-in.

It runs `streamlit run levier_server.py`: the same app.py, behind Levier's session guard (levier.app.guard), which
binds every download URL to the session that asked for it."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from levier.core.config import PROJECT_ROOT

LOOPBACK = "127.0.0.1"
# The st.App launcher: app.py behind the session guard.
SERVER_SCRIPT = PROJECT_ROOT / "levier_server.py"


def _flag_values(extra: list[str], flag: str) -> list[str]:
    values = []
    for i, arg in enumerate(extra):
        if arg == flag and i + 1 < len(extra):
            values.append(extra[i + 1])
        elif arg.startswith(flag + "="):
            values.append(arg.split("=", 1)[1])
    return values


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _config_files(name: str) -> list[Path]:
    # Streamlit's own search order: global, then the working directory's, then beside the main script.
    return [Path.home() / ".streamlit" / name, Path.cwd() / ".streamlit" / name, PROJECT_ROOT / ".streamlit" / name]


def _config_value(section: str, key: str):
    value = None
    for path in _config_files("config.toml"):
        value = _read_toml(path).get(section, {}).get(key, value)
    return value


def auth_configured(extra: list[str] | None = None) -> bool:
    """Whether the secrets Streamlit will read contain an [auth] section (sign-in required)."""
    files = _flag_values(extra or [], "--secrets.files") or _config_value("secrets", "files")
    paths = [Path(f) for f in files] if files else _config_files("secrets.toml")
    return any("auth" in _read_toml(p) for p in paths)


def address_explicit(extra: list[str] | None = None) -> bool:
    return bool(
        _flag_values(extra or [], "--server.address")
        or os.environ.get("STREAMLIT_SERVER_ADDRESS")
        or _config_value("server", "address")
    )


def server_args(port: int, extra: list[str] | None = None) -> list[str]:
    """Streamlit's arguments. Without sign-in ([auth] absent) the app grants every right to whoever reaches it,
    so unless an address was chosen explicitly it listens on the loopback interface only."""
    args = ["--server.port", str(port), *(extra or [])]
    if not auth_configured(extra) and not address_explicit(extra):
        args += ["--server.address", LOOPBACK]
    return args


def command(port: int, extra: list[str] | None = None) -> list[str]:
    """The public command that serves the app: `python -m streamlit run levier_server.py` (app.py behind the
    session guard) with Levier's flags."""
    return [sys.executable, "-m", "streamlit", "run", str(SERVER_SCRIPT), *server_args(port, extra)]


def server_env() -> dict[str, str]:
    """The server's environment: the caller's, with glibc's malloc held to two arenas unless the caller chose a
    number. Streamlit runs every session's script in a thread of its own, and glibc gives threads up to eight arenas
    per core, each keeping the memory its thread freed: two arenas cut the server's resident memory after every page
    by 10 to 20 MB on this 2-core machine with no slower page (bench/bench_browser.py, 2026-12-06)."""
    env = dict(os.environ)
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env


def run_server(port: int, extra: list[str] | None = None) -> int:
    """Serve the app exactly as `streamlit run app.py` does (the same entry, the same routing), in place of this
    process where the system allows it, so that stopping `levier app` stops the server."""
    if not auth_configured(extra) and not address_explicit(extra):
        print(
            "Mode local (aucune section [auth] dans les secrets) : application sans connexion, accessible depuis ce "
            f"poste seulement (http://{LOOPBACK}:{port}). Pour l'ouvrir au réseau, configurez la connexion "
            "(README, « Connexion et droits ») ou indiquez --address explicitement."
        )
    cmd = command(port, extra)
    sys.stdout.flush()
    sys.stderr.flush()
    env = server_env()
    if os.name == "posix":
        os.execve(cmd[0], cmd, env)
    return subprocess.call(cmd, env=env)
