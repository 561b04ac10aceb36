"""EPCI perimeters changed since a geography year: planted membership lists whose answer is worked out by hand, then
the real COG lists and Filosofi 2019 EPCI values flagged and kept out of the ranking."""

from __future__ import annotations

import pandas as pd

from levier.ingest.insee import facts_frame
from levier.ingest.perimeters import (
    changed_perimeters, flag_changed_perimeters, geography_year, perimeter_note, read_changed_perimeters,
)
from levier.ingest.public_stats import load_public_statistics
from levier.views.t0 import load_t0_data, t0_table_of
from tests.conftest import REFERENCE_DIR


def lists(rows: dict[int, dict[str, list[str]]]) -> pd.DataFrame:
    return pd.DataFrame([(str(y), e, c) for y, epcis in rows.items() for e, cs in epcis.items() for c in cs],
                        columns=["annee", "siren_epci", "code_commune"])


def test_changed_perimeters_by_hand():
    # 2023 -> 2026: in A, communes 01001 and 01002 merge into 01001 (same EPCI: no change); 01010 leaves B for C
    # (B and C change); 01020 of D merges with 01030 of E into 01030 (D loses territory, E gains it: both change);
    # 01040 is re-established from 01041 inside F (no change). Expected: {B, C, D, E}.
    members = lists({
        2023: {"A": ["01001", "01002"], "B": ["01010", "01011"], "C": ["01012"], "D": ["01020", "01021"],
               "E": ["01030"], "F": ["01041"]},
        2026: {"A": ["01001"], "B": ["01011"], "C": ["01012", "01010"], "D": ["01021"], "E": ["01030"],
               "F": ["01041", "01040"]},
    })
    links = [("01002", "01001"), ("01020", "01030"), ("01041", "01040")]
    assert changed_perimeters(members, links, since=2021) == {"B", "C", "D", "E"}
    # Without the links, a merger inside A looks like a change: the links matter.
    assert "A" in changed_perimeters(members, [], since=2021)
    # Since the latest list itself: nothing to compare.
    assert changed_perimeters(members, links, since=2026) == set()


def test_the_geography_year_and_the_note():
    assert geography_year(2019) == 2021
    assert perimeter_note(2021) == "périmètre 2021 de l'EPCI, modifié depuis"


def test_on_the_real_lists_24_epci_changed_perimeter_not_79():
    # 79 EPCI have a different list of commune codes in 2023 and 2026, but 55 of them only saw communes merge inside
    # the EPCI (or re-established): 24 perimeters really changed (communes moved between EPCI).
    changed = read_changed_perimeters(2021, REFERENCE_DIR)
    assert changed is not None and len(changed) == 24
    assert {"200023075", "200065647"} <= changed  # 25192 left the first for the second
    assert "200066637" not in changed  # three communes re-established inside it


def test_a_changed_perimeter_epci_value_is_shown_with_its_year_and_not_ranked(db):
    reports = load_public_statistics(db, REFERENCE_DIR)
    assert all(r.ok for r in reports)
    epci_report = next(r for r in reports if r.file == "FILO2019_DISP_EPCI.csv")
    assert any("24 EPCI dont le périmètre a changé depuis 2021" in w.message for w in epci_report.warnings)
    data = load_t0_data(db, "epci")
    flagged = "200023075"
    row = t0_table_of(data, db.scope, flagged, 2023).set_index("Code").loc["STAT-Q2"]
    assert row["Année"] == 2019 and not pd.isna(row["Valeur"])
    assert row["Motif de non-classement"] == "périmètre 2021 de l'EPCI, modifié depuis"
    assert pd.isna(row["Rang"]) and pd.isna(row["Quartile"])
    # A current-perimeter EPCI of the same nature is ranked among current perimeters only.
    nature = data.territories.set_index("code").at[flagged, "nature"]
    same = data.territories[data.territories["nature"] == nature]
    valued = data.values[(data.values["indicator"] == "STAT-Q2") & (data.values["period"] == 2019)
                         & data.values["value"].notna() & data.values["code"].isin(set(same["code"]))]
    n_flagged = int(valued["unranked_reason"].notna().sum())
    assert n_flagged >= 1
    other = valued.loc[valued["unranked_reason"].isna(), "code"].iloc[0]
    ranked = t0_table_of(data, db.scope, other, 2023).set_index("Code").loc["STAT-Q2"]
    assert ranked["Territoires classés"] == len(valued) - n_flagged and not pd.isna(ranked["Rang"])


def test_without_the_membership_lists_nothing_is_flagged_and_it_is_said(tmp_path):
    facts = facts_frame([{"territory_level": "epci", "territory_code": "200023075", "indicator": "STAT-Q2",
                          "period": 2019, "measure": "valeur", "value": 21000.0, "missing_reason": None,
                          "comment": None, "submitted_on": None, "source_sheet": None, "source_row": 2}])
    out, counts = flag_changed_perimeters(facts, tmp_path)
    assert counts == {2021: None} and out["comment"].isna().all()
    out, counts = flag_changed_perimeters(facts, REFERENCE_DIR)
    assert counts == {2021: 1} and out["comment"].tolist() == ["périmètre 2021 de l'EPCI, modifié depuis"]
