"""The reads made through Arrow (levier.store.db._ARROW_QUERIES) give every page the frame DuckDB's df() gives: each
one, as the pages run it on the demo (a département, its région, an EPCI), compared frame for frame."""

from __future__ import annotations

import pandas as pd

from levier.store import db as door
from tests.app.pages import open_page


def test_every_read_made_through_arrow_gives_the_pages_duckdbs_frame(app, monkeypatch):
    compared: dict[str, int] = {}
    real_run = door.Reader._run

    def both_ways(self, query, params, fetch):
        got = real_run(self, query, params, fetch)
        if fetch is door._arrow_frame:
            expected = real_run(self, query, params, door._df)
            pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=str(query))
            compared[str(query)] = compared.get(str(query), 0) + 1
        return got

    monkeypatch.setattr(door.Reader, "_run", both_ways)
    for page in ("pages/accueil.py", "pages/t0.py", "pages/region.py", "pages/comparer.py"):
        open_page(app, page, "38")
    open_page(app, "pages/t0.py", "38")
    app.selectbox(key="t0_year").set_value(2020).run()  # another T0 year: the table made from the positions
    app.query_params["epci"] = "200040715"  # Grenoble-Alpes-Métropole: an EPCI's T0 table
    open_page(app, "pages/t0.py")
    assert not app.exception
    missing = {str(q) for q in door._ARROW_QUERIES} - set(compared)
    assert not missing, f"reads never compared: {sorted(missing)}"
