"""`levier app`'s server process: the command it runs and the environment it runs it in."""

from __future__ import annotations

from levier.app import serve


def test_the_server_runs_with_two_malloc_arenas_unless_the_operator_chose(monkeypatch):
    started = []
    monkeypatch.setattr(serve.os, "execve", lambda path, argv, env: started.append((argv, env)))
    monkeypatch.setattr(serve.subprocess, "call", lambda argv, env=None: started.append((argv, env)) or 0)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setenv("LEVIER_DB", "/srv/levier/data/levier.duckdb")
    serve.run_server(8765, ["--server.address", "127.0.0.1"])
    argv, env = started[-1]
    assert argv[1:4] == ["-m", "streamlit", "run"] and "8765" in argv
    assert env["MALLOC_ARENA_MAX"] == "2"
    assert env["LEVIER_DB"] == "/srv/levier/data/levier.duckdb"  # the rest of the caller's environment is kept

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    serve.run_server(8765, ["--server.address", "127.0.0.1"])
    assert started[-1][1]["MALLOC_ARENA_MAX"] == "4"
