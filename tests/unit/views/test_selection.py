"""The shared territory selection survives a round trip through a shared link, and bad links are cleaned."""

from __future__ import annotations

from levier.views.selection import Selection, from_query_params, load_options, to_query_params


def test_round_trip_and_inference(db):
    options = load_options(db)
    sel = Selection(reg="84", dep="38", epci="200040715")  # Grenoble-Alpes-Métropole
    assert from_query_params(to_query_params(sel), options) == sel
    # an EPCI alone is enough: its département and région are inferred
    assert from_query_params({"epci": "200040715"}, options) == sel
    assert from_query_params({"dep": "2A"}, options) == Selection(reg="94", dep="2A")
    assert options.label(Selection(reg="84", dep="38")) == "Isère (38)"


def test_inconsistent_or_forged_links_fall_back_safely(db):
    options = load_options(db)
    assert from_query_params({"dep": "1"}, options) == Selection()  # lost zero: not a code
    assert from_query_params({"reg": "11", "dep": "38"}, options) == Selection(reg="11")
    assert from_query_params({"dep": "38", "epci": "200054781"}, options) == Selection(reg="84", dep="38")
    assert from_query_params({"dep": "'; DROP TABLE fact; --"}, options) == Selection()
