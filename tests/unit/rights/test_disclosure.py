"""The small-count rule on hand-made cells: primary masking, secondary suppression, detail rights."""

from __future__ import annotations

import pandas as pd

from levier.rights.disclosure import masked_flags, masked_keys, rule_text


def cells(values: dict[str, float | None], *, reg: dict[str, str], indicator="X", period=2021, level="departement",
          measure="valeur", current=True, import_id=1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "import_id": import_id, "territory_level": level, "territory_code": list(values), "indicator": indicator,
            "period": period, "measure": measure, "value": list(values.values()), "dep": list(values),
            "reg": [reg[c] for c in values], "is_current": current,
        }
    )


REG = {"38": "84", "69": "84", "01": "84", "03": "84", "13": "93", "83": "93", "06": "93"}


def masked_codes(frame, **kw) -> set[str]:
    kw = {"detail_all": False, "detail_deps": (), "threshold": 10} | kw
    return set(frame.loc[masked_flags(frame, **kw), "territory_code"])


def test_counts_from_one_to_ten_are_masked_but_zero_and_eleven_are_not():
    frame = cells({"38": 1, "69": 10, "01": 0, "03": 11}, reg=REG)
    assert masked_codes(frame) >= {"38", "69"}
    assert "01" not in masked_codes(frame)  # a zero tells nothing about a person


def test_a_lone_masked_departement_of_a_region_takes_the_smallest_other_with_it():
    frame = cells({"38": 7, "69": 250, "01": 40, "03": 30, "13": 500, "83": 90, "06": 120}, reg=REG)
    got = masked_codes(frame)
    # 38 alone would be the région's total minus the others: 03, the smallest non-zero other, is masked too.
    assert got == {"38", "03"}


def test_secondary_suppression_never_leaves_a_lone_masked_cell_in_any_group():
    frame = cells({"38": 7, "69": 250, "01": 40, "03": 30, "13": 4, "83": 90, "06": 120}, reg=REG)
    flags = masked_flags(frame, detail_all=False, detail_deps=(), threshold=10)
    marked = frame.assign(m=flags)
    for _, group in marked.groupby("reg"):
        assert group["m"].sum() != 1
    assert marked["m"].sum() != 1
    assert set(marked.loc[marked.m, "territory_code"]) == {"38", "03", "13", "83"}


def test_departements_in_the_users_detail_are_never_masked():
    frame = cells({"38": 7, "69": 250, "01": 40, "03": 30}, reg=REG)
    assert masked_codes(frame, detail_deps={"38"}) == set()
    assert masked_codes(frame, detail_all=True) == set()


def test_threshold_is_configurable():
    frame = cells({"38": 12, "69": 250, "01": 40, "03": 30}, reg=REG)
    assert masked_codes(frame) == set()
    assert masked_codes(frame, threshold=15) == {"38", "03"}


def test_an_old_version_is_masked_even_when_the_current_one_is_large():
    old = cells({"38": 5}, reg=REG, current=False, import_id=1)
    new = cells({"38": 75}, reg=REG, current=True, import_id=2)
    keys = masked_keys(pd.concat([old, new], ignore_index=True), detail_all=False, detail_deps=(), threshold=10)
    assert keys == ["1|departement|38|X|2021|valeur"]


def test_the_rule_is_stated_with_the_threshold():
    assert "1 à 10 personnes" in rule_text(10)
    assert "secondaire" in rule_text(10)
