"""The mid-term change comparison as the page prints it: the peer row is the median change, worded as such, with no
start and end values it does not have (issue 14, item 7); a count is compared as its rate, in the rate's unit."""

from __future__ import annotations

import pandas as pd

from levier.analysis import positions
from levier.core.fmt import NBSP
from levier.views import mi_parcours


def test_the_peer_row_reads_as_a_median_change_not_as_arithmetic():
    # The territory goes 20,0 → 21,0 per 1 000 inhabitants (+1,0; +5,0 %); its peers 10 → 9, 40 → 43,6, 30 → 33,3:
    # median change +3,3, median relative change +9,0 % (the medians 30 → 33,3 are not printed beside them).
    values = pd.DataFrame({
        "code": ["01", "02", "03", "04"] * 2, "period": [2019] * 4 + [2022] * 4,
        "value": [20.0, 10.0, 40.0, 30.0, 21.0, 9.0, 43.6, 33.3],
    })
    terr = pd.DataFrame({"code": ["01", "02", "03", "04"], "name": ["Nord", "B", "C", "D"], "reg": ["R"] * 4})
    cmp = positions.compare_changes(values, terr, "01", 2019, 2022, "hausse", ["02", "03", "04"])
    cmp["unit"] = f"pour 1{NBSP}000 habitants"
    cmp["basis"] = "pour 1 000 habitants, population municipale INSEE en vigueur en 2026"
    shown = mi_parcours.change_comparison_display(cmp, "personnes").set_index("Périmètre")
    unit = f"pour 1{NBSP}000 habitants"
    nord = shown.loc["Nord"]
    assert (nord["Valeur de départ"], nord["Valeur d'arrivée"]) == (f"20,0{NBSP}{unit}", f"21,0{NBSP}{unit}")
    assert nord["Évolution"] == f"+1,0{NBSP}{unit}" and nord["Évolution (%)"] == f"+5,0{NBSP}%"
    peers = shown.loc["Médiane des évolutions : pairs"]
    assert (peers["Valeur de départ"], peers["Valeur d'arrivée"]) == ("–", "–")
    assert peers["Évolution"] == f"+3,3{NBSP}{unit}" and peers["Évolution (%)"] == f"+9,0{NBSP}%"
    assert peers["Lecture"] == "favorable"
    assert shown["Comparé sur"].iloc[0].startswith("pour 1") and "personnes" not in "".join(shown["Évolution"])
