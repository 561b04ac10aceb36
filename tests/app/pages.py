"""Helpers shared by the AppTests of several pages: open a page on a département, read its tables and charts."""

from __future__ import annotations

import json


# The région of each département the tests select (the sidebar asks for the région first).
REGION_OF = {"38": "84", "59": "32", "2A": "94", "33": "75", "13": "93", "69": "84", "973": "03", "976": "06"}


def open_page(app, page: str, dep: str | None = None):
    """Runs app.py, switches to `page`, then (with `dep`) picks its région and the département in the sidebar."""
    app.run()
    app.switch_page(page).run()
    if dep:
        app.sidebar.selectbox(key="sel_reg").set_value(REGION_OF[dep]).run()
        app.sidebar.selectbox(key="sel_dep").set_value(dep).run()
    assert not app.exception, app.exception
    return app


def open_tab(app, key: str, label: str):
    """Clicks the tab `label` of the tab group `key` (urlstate.tabs): only the chosen tab is computed and drawn."""
    app.session_state[key] = label
    app.run()
    assert not app.exception, app.exception
    return app


def charts(app) -> list[dict]:
    """The figures as decoded JSON: how the spec escapes accents depends on the serialiser plotly finds."""
    return [json.loads(c.proto.spec) for c in app.get("plotly_chart")]


def choose(app, reg: str, dep: str | None = None):
    """Picks a région (and a département) in the sidebar."""
    app.sidebar.selectbox(key="sel_reg").set_value(reg).run()
    if dep:
        app.sidebar.selectbox(key="sel_dep").set_value(dep).run()
    assert not app.exception, app.exception


def metrics(app) -> dict[str, str]:
    """The metric tiles of the page, label → shown value."""
    return {m.label: m.value for m in app.metric}


def locations(spec: dict) -> set[str]:
    """The territories a map colours (the selection outline left out)."""
    return {c for t in spec["data"] if t["type"] == "choropleth" and t["name"] != "sélection" for c in t["locations"]}
