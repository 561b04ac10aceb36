"""Every routed page's file is named as its address: Streamlit's legacy pages/ mode (the first run of a fresh server)
finds a deep link's page by its file name, else it shows « Page not found » over the right page (levier.app.menu)."""

from __future__ import annotations

import ast

from levier.app import menu
from levier.core.config import PROJECT_ROOT


def _routes() -> list[tuple[str, str, bool]]:
    """(script, url_path, default) of every _page(...) call in menu.py, read from its source."""
    tree = ast.parse((PROJECT_ROOT / "levier" / "app" / "menu.py").read_text(encoding="utf-8"))
    routes = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_page":
            script, _title, _icon, url_path = (a.value for a in node.args[:4])
            default = any(k.arg == "default" and k.value.value is True for k in node.keywords)
            routes.append((script, url_path, default))
    return routes


def test_every_page_file_is_named_as_its_address():
    routes = _routes()
    assert len(routes) >= 15 and {s for s, _, _ in routes} == {p.name for p in menu.PAGES_DIR.glob("*.py")}
    # The default page is served at the root; its hidden alias carries the file's name.
    named = {(s, u) for s, u, default in routes if not default}
    assert all(s == f"{u}.py" for s, u in named), sorted(named)
    assert ("effet-levier.py", "effet-levier") in named and ("mi-parcours.py", "mi-parcours") in named
