"""A view's choices survive a round trip through the URL; a value that exists nowhere is refused, never guessed."""

from __future__ import annotations

import numpy as np

from levier.views import links


def test_values_written_as_a_reader_would_type_them():
    assert links.encode("2A") == "2A" and links.encode(np.int64(2021)) == "2021"
    assert links.encode((2020, 2023)) == "2020,2023" and links.encode(["38", "69"]) == "38,69"
    assert links.encode(True) == "1" and links.encode(20.0) == "20"
    assert links.slug("Évolution entre deux années") == "evolution-entre-deux-annees"
    assert links.slug("À corriger (liste à envoyer)") == "a-corriger-liste-a-envoyer"


def test_choices_read_back_only_when_they_exist():
    years = [np.int32(2019), np.int32(2020), np.int32(2021)]
    assert links.choice("2020", years) == (True, 2020)
    assert links.choice("2031", years) == (False, None)
    assert links.choice("STAT-TP60", ["STAT-TP60", "STAT-PPMINI"]) == (True, "STAT-TP60")
    assert links.choice("stat-tp60", ["STAT-TP60"]) == (False, None)  # codes are exact
    assert links.choices("38,ZZ,69,38", ["38", "69", "01"]) == (["38", "69"], ["ZZ"])
    assert links.choices("", ["38"]) == ([], [])


def test_ranges_numbers_and_switches():
    years = [2019, 2020, 2021, 2022]
    assert links.span("2020,2022", years) == (True, (2020, 2022))
    assert links.span("2022,2020", years) == (False, None)  # reversed
    assert links.span("2020", years) == (False, None)
    assert links.number("20", 1, 50) == (True, 20) and isinstance(links.number("20", 1, 50)[1], int)
    assert links.number("51", 1, 50) == (False, None)
    assert links.number("2.5", 1, 50) == (False, None)  # not on the slider's steps
    assert links.number("vingt", 1, 50) == (False, None)
    assert links.flag("1") == (True, True) and links.flag("0") == (True, False) and links.flag("oui") == (False, None)


def test_the_message_says_what_was_ignored_and_what_is_shown():
    text = links.ignored_message("Année", "2031", "2021")
    assert text == ("« 2031 » n'est pas une valeur possible de « Année » ici ; ignoré. "
                    "Affiché à la place : 2021.")
    forged = links.ignored_message("Indicateur", "[clic](http://x.fr)**" + "x" * 40, "Taux de pauvreté")
    assert "](" not in forged and "**" not in forged and "…" in forged  # no link, no bold, cut short
    assert links.shown_text(["38", "69"], {"38": "Isère", "69": "Rhône"}.get) == "Isère, Rhône"
