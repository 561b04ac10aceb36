"""The shared territory selection survives a round trip through a shared link, and bad links are cleaned."""

from __future__ import annotations

from levier.views.selection import (
    Selection,
    from_query_params,
    load_options,
    read_territory,
    to_query_params,
)


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


def test_each_ignored_code_is_said_with_the_reason(db):
    options = load_options(db)
    lost_zero = read_territory({"dep": "1"}, options)
    assert lost_zero.selection == Selection()
    assert lost_zero.ignored == (("Le département « 1 » du lien n'existe pas (les codes s'écrivent sur deux "
                                  "chiffres : 01 pour Ain) : ignoré."),)
    wrong_region = read_territory({"reg": "11", "dep": "38"}, options)
    assert wrong_region.selection == Selection(reg="11")
    assert wrong_region.ignored == (("Le département Isère (38) n'est pas dans la région Île-de-France (11) du "
                                     "lien : ignoré."),)
    assert read_territory({"epci": "123"}, options).ignored == ("L'EPCI « 123 » du lien n'existe pas : ignoré.",)
    unknown_region = read_territory({"reg": "99", "dep": "38"}, options)  # the département alone still holds
    assert unknown_region.selection == Selection(reg="84", dep="38") and "La région « 99 »" in unknown_region.ignored[0]
    assert read_territory({"reg": "84", "dep": "38", "epci": "200040715"}, options).ignored == ()
