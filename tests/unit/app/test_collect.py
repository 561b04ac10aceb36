"""Python's full garbage collection waits for the server to be idle (levier.app.collect), not for the end of every run."""

from __future__ import annotations

import gc
import tomllib

import pytest

from levier.app import collect
from levier.core.config import PROJECT_ROOT


@pytest.fixture
def counted(monkeypatch):
    """collect's state as on a fresh server, and gc.collect counted instead of run."""
    calls = []
    monkeypatch.setattr(collect, "_active", 0)
    monkeypatch.setattr(collect, "_last_end", 0.0)
    monkeypatch.setattr(collect, "_pending", False)
    monkeypatch.setattr(collect, "_start", lambda: None)  # no background thread: the test calls collect_if_idle
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(a) or 0)
    return calls


def test_a_collection_waits_until_no_run_has_gone_for_a_moment_and_happens_once(counted, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(collect.time, "monotonic", lambda: clock[0])
    assert not collect.collect_if_idle(clock[0])  # no run yet: nothing to collect
    with collect.page_run():
        clock[0] += collect.IDLE_SECONDS * 5
        assert not collect.collect_if_idle(clock[0])  # a run is going: never during it
    assert not collect.collect_if_idle(clock[0] + collect.IDLE_SECONDS / 2)  # the user may click again at once
    assert collect.collect_if_idle(clock[0] + collect.IDLE_SECONDS)
    assert not collect.collect_if_idle(clock[0] + collect.IDLE_SECONDS * 10)  # once per idle moment
    assert len(counted) == 1


def test_a_run_stopped_by_streamlit_still_ends_and_overlapping_runs_are_waited_for(counted, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(collect.time, "monotonic", lambda: clock[0])
    with pytest.raises(RuntimeError):  # st.stop() and st.rerun() end a run by raising
        with collect.page_run():
            raise RuntimeError("stopped")
    with collect.page_run():  # another session's run still going
        assert not collect.collect_if_idle(clock[0] + 60)
        with collect.page_run():
            pass
        assert not collect.collect_if_idle(clock[0] + 60)
        clock[0] = 10.0  # the last run ends now
    assert not collect.collect_if_idle(10.0 + collect.IDLE_SECONDS / 2)
    assert collect.collect_if_idle(10.0 + collect.IDLE_SECONDS) and len(counted) == 1


def test_streamlit_no_longer_collects_at_the_end_of_every_run_and_app_py_counts_its_runs():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False
    app = (PROJECT_ROOT / "app.py").read_text(encoding="utf-8")
    assert "with collect.page_run()," in app


def test_the_collector_thread_runs_in_the_background(monkeypatch):
    monkeypatch.setattr(collect, "_thread", None)
    started = []
    monkeypatch.setattr(collect.threading, "Thread", lambda **kw: started.append(kw) or type(
        "T", (), {"start": lambda self: None})())
    with collect.page_run():
        pass
    with collect.page_run():
        pass
    assert len(started) == 1 and started[0]["daemon"] and started[0]["target"] is collect._collect_forever
