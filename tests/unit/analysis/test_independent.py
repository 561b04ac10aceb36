"""Declared vs independent public series: each comparison on hand-computed cases (share vs share in points, a share
against the ceiling a mean delay implies, a count against a stock, new entrants against the rise of the RSA stock),
the years matched (same year, else nearest, shown), and the tolerance edge (equal is not beyond)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from levier.analysis import independent as ind
from levier.analysis import quality as q

# A catalogue reduced to what the comparisons read: the contract indicators with their links (tolerances as
# data/catalogue/indicateurs.csv gives them) and the public ones (codes fixed by the issue-13 brief).
CATALOGUE = pd.DataFrame(
    [
        ("CALPAE-3.1.1-NE", "Nombre de nouveaux entrants", "personnes", None, None, "STAT-RSA-DEC", "10"),
        ("CALPAE-3.1.1-OR1M", "Nouveaux entrants orientés en 1 mois", "personnes", None, None, "", ""),
        ("CALPAE-3.1.1-OR1M-TX", "Part orientés en 1 mois", "%", "CALPAE-3.1.1-OR1M", "CALPAE-3.1.1-NE",
         "STAT-OARSA-ORIENTES|STAT-OARSA-DELAI-ORIENTATION", "10"),
        ("CALPAE-1.1.1-CJM", "Jeunes majeurs en CJM", "personnes", None, None, "STAT-ASE-APJM", "100"),
        ("STAT-OARSA-ORIENTES", "Part des personnes orientées", "%", None, None, "", ""),
        ("STAT-OARSA-DELAI-ORIENTATION", "Délai moyen d'orientation", "jours", None, None, "", ""),
        ("STAT-ASE-APJM", "Accueils provisoires jeunes majeurs", "personnes", None, None, "", ""),
        ("STAT-RSA-DEC", "Allocataires du RSA en décembre", "personnes", None, None, "", ""),
    ],
    columns=["code", "label", "unit", "numerator", "denominator", "independent_source", "independent_tolerance"],
)


def facts(rows: list[tuple[str, str, int, float]], level: str = "departement") -> pd.DataFrame:
    return pd.DataFrame([(level, t, i, p, v) for t, i, p, v in rows],
                        columns=["territory_level", "territory_code", "indicator", "period", "value"])


def one(out: pd.DataFrame, territory: str, declared: str, year: int, public: str) -> pd.Series:
    rows = out[(out["territory_code"] == territory) & (out["declared"] == declared)
               & (out["declared_year"] == year) & (out["public"] == public)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_share_against_share_in_points_across_years():
    # 63: 950 of 1 000 entrants oriented in a month in 2019 = 95,0 %; OARSA 2018 (the latest before 2019) = 56 %:
    # gap +39 points > 10 → badge. 74: 700 / 1 000 = 70 % against 97 % → −27 points, below: no badge (the declared
    # share is expected lower). OARSA covers 2015–2018 only: the public year is 2018, never 2019.
    values = facts([("63", "CALPAE-3.1.1-NE", 2019, 1000), ("63", "CALPAE-3.1.1-OR1M", 2019, 950),
                    ("74", "CALPAE-3.1.1-NE", 2019, 1000), ("74", "CALPAE-3.1.1-OR1M", 2019, 700)])
    public = facts([("63", "STAT-OARSA-ORIENTES", 2017, 58), ("63", "STAT-OARSA-ORIENTES", 2018, 56),
                    ("74", "STAT-OARSA-ORIENTES", 2018, 97)])
    out = ind.compare(values, public, CATALOGUE)
    r = one(out, "63", "CALPAE-3.1.1-OR1M-TX", 2019, "STAT-OARSA-ORIENTES")
    assert (r["declared_value"], r["public_year"], r["public_value"]) == (95.0, 2018, 56.0)
    assert r["gap"] == pytest.approx(39.0) and r["gap_unit"] == ind.POINTS and r["flagged"]
    assert r["status"] == ind.BADGE and r["flag_indicator"] == "CALPAE-3.1.1-OR1M"  # the typed-in numerator
    assert ind.gap_text(r["gap"], r["gap_unit"]) == "+39,0\u00a0pt"
    r74 = one(out, "74", "CALPAE-3.1.1-OR1M-TX", 2019, "STAT-OARSA-ORIENTES")
    assert r74["gap"] == pytest.approx(-27.0) and not r74["flagged"]


def test_tolerance_edge_equal_is_not_beyond():
    # 66 / 100 = 66 % against 56 %: +10 points, exactly the tolerance → not flagged; 67 % → +11 → flagged.
    values = facts([("63", "CALPAE-3.1.1-NE", 2019, 100), ("63", "CALPAE-3.1.1-OR1M", 2019, 66),
                    ("63", "CALPAE-3.1.1-NE", 2020, 100), ("63", "CALPAE-3.1.1-OR1M", 2020, 67)])
    public = facts([("63", "STAT-OARSA-ORIENTES", 2018, 56)])
    out = ind.compare(values, public, CATALOGUE)
    assert not one(out, "63", "CALPAE-3.1.1-OR1M-TX", 2019, "STAT-OARSA-ORIENTES")["flagged"]
    assert one(out, "63", "CALPAE-3.1.1-OR1M-TX", 2020, "STAT-OARSA-ORIENTES")["flagged"]


def test_mean_delay_caps_the_share_oriented_in_a_month():
    # Mean delay 111 days: p ≤ (365 − 111) / 335 = 75,82 %. Declared 90 % → +14,18 points > 10 → badge.
    # Mean delay 25 days: ceiling 101,5 % ≥ 100 → no constraint, no gap.
    values = facts([("01", "CALPAE-3.1.1-NE", 2019, 200), ("01", "CALPAE-3.1.1-OR1M", 2019, 180),
                    ("28", "CALPAE-3.1.1-NE", 2019, 200), ("28", "CALPAE-3.1.1-OR1M", 2019, 180)])
    public = facts([("01", "STAT-OARSA-DELAI-ORIENTATION", 2018, 111),
                    ("28", "STAT-OARSA-DELAI-ORIENTATION", 2018, 25)])
    out = ind.compare(values, public, CATALOGUE)
    r = one(out, "01", "CALPAE-3.1.1-OR1M-TX", 2019, "STAT-OARSA-DELAI-ORIENTATION")
    assert r["reference"] == pytest.approx(100 * 254 / 335)
    assert r["gap"] == pytest.approx(90 - 100 * 254 / 335) and r["flagged"]
    r28 = one(out, "28", "CALPAE-3.1.1-OR1M-TX", 2019, "STAT-OARSA-DELAI-ORIENTATION")
    assert math.isnan(r28["gap"]) and not r28["flagged"] and r28["status"].startswith(ind.NO_CONSTRAINT)


def test_count_against_stock_relative_gap_and_nearest_year():
    # APJM is published for 2020 only. 75: CJM 2019 = 3 200 against 1 522 (2020, the nearest year, after):
    # 3 200 / 1 522 − 1 = +110,2 % > 100 % → badge. 59: 2 000 against 1 433 → +39,6 %: within, no badge.
    # 09: 30 declared against 0 published, 05: against 16 — below 20 a relative gap means nothing: shown, no badge.
    values = facts([("75", "CALPAE-1.1.1-CJM", 2019, 3200), ("59", "CALPAE-1.1.1-CJM", 2020, 2000),
                    ("09", "CALPAE-1.1.1-CJM", 2020, 30), ("05", "CALPAE-1.1.1-CJM", 2020, 30)])
    public = facts([("75", "STAT-ASE-APJM", 2020, 1522), ("59", "STAT-ASE-APJM", 2020, 1433),
                    ("09", "STAT-ASE-APJM", 2020, 0), ("05", "STAT-ASE-APJM", 2020, 16)])
    out = ind.compare(values, public, CATALOGUE)
    r = one(out, "75", "CALPAE-1.1.1-CJM", 2019, "STAT-ASE-APJM")
    assert r["public_year"] == 2020 and r["declared_year"] == 2019  # both years kept, never merged into one
    assert r["gap"] == pytest.approx(100 * (3200 / 1522 - 1)) and r["flagged"]
    assert ind.gap_text(r["gap"], r["gap_unit"]) == "+110,2\u00a0%"
    r59 = one(out, "59", "CALPAE-1.1.1-CJM", 2020, "STAT-ASE-APJM")
    assert r59["gap"] == pytest.approx(100 * (2000 / 1433 - 1)) and not r59["flagged"]
    for small in ("09", "05"):
        r = one(out, small, "CALPAE-1.1.1-CJM", 2020, "STAT-ASE-APJM")
        assert math.isnan(r["gap"]) and not r["flagged"] and r["status"].startswith("effectif public inférieur à 20")


def test_new_entrants_at_least_the_rise_of_the_december_stock_same_year_only():
    # Dec 2018 = 50 000, Dec 2019 = 52 000: the stock rose by 2 000, so 2019 entrants ≥ 2 000. Declared 1 500 →
    # 1 500 / 2 000 − 1 = −25 % < −10 % → badge (impossible as declared). 13: stock fell → no constraint.
    # 2020 entrants: no December 2020 published → no comparison with another year's rise, no row.
    values = facts([("59", "CALPAE-3.1.1-NE", 2019, 1500), ("59", "CALPAE-3.1.1-NE", 2020, 1500),
                    ("13", "CALPAE-3.1.1-NE", 2019, 900)])
    public = facts([("59", "STAT-RSA-DEC", 2018, 50000), ("59", "STAT-RSA-DEC", 2019, 52000),
                    ("13", "STAT-RSA-DEC", 2018, 70000), ("13", "STAT-RSA-DEC", 2019, 69000)])
    out = ind.compare(values, public, CATALOGUE)
    r = one(out, "59", "CALPAE-3.1.1-NE", 2019, "STAT-RSA-DEC")
    assert r["reference"] == 2000 and r["gap"] == pytest.approx(-25.0) and r["flagged"]
    assert 2020 not in set(out["declared_year"])  # nothing to compare with: not listed
    r13 = one(out, "13", "CALPAE-3.1.1-NE", 2019, "STAT-RSA-DEC")
    assert not r13["flagged"] and r13["status"].startswith(ind.NO_CONSTRAINT)


def test_level_other_than_departement_masked_value_and_unknown_method_are_never_badged():
    cat = CATALOGUE.copy()
    cat.loc[cat["code"] == "CALPAE-1.1.1-CJM", "independent_source"] = "STAT-RSA-DEC"  # no method for this pair
    values = pd.concat([facts([("75", "CALPAE-1.1.1-CJM", 2020, 99999), ("75", "CALPAE-1.1.1-CJM", 2021, None)]),
                        facts([("69M", "CALPAE-1.1.1-CJM", 2020, 99999)], level="collectivite")])
    public = facts([("75", "STAT-RSA-DEC", 2020, 1)])
    out = ind.compare(values, public, cat)
    assert list(out["territory_code"]) == ["75"] and list(out["declared_year"]) == [2020]  # 2021 masked: no row
    assert out["status"].iloc[0] == ind.NO_METHOD and not out["flagged"].iloc[0]


def test_quality_check_lists_every_comparison_and_warns_on_the_gap():
    values = facts([("63", "CALPAE-3.1.1-NE", 2019, 1000), ("63", "CALPAE-3.1.1-OR1M", 2019, 950),
                    ("74", "CALPAE-3.1.1-NE", 2019, 1000), ("74", "CALPAE-3.1.1-OR1M", 2019, 700)])
    public = facts([("63", "STAT-OARSA-ORIENTES", 2018, 56), ("74", "STAT-OARSA-ORIENTES", 2018, 97)])
    d = q.QualityData(values=values, indicators=CATALOGUE.assign(programme="CALPAE"),
                      territories=pd.DataFrame({"level": ["departement"] * 2, "code": ["63", "74"],
                                                "name": ["Puy-de-Dôme", "Haute-Savoie"]}),
                      declarations=pd.DataFrame(), cells=pd.DataFrame(), subcounts=pd.DataFrame(),
                      percentages=pd.DataFrame(), public=public)
    check = q.declared_vs_independent(d)
    assert check.severity == q.WARNING and check.title == "Déclaré et source indépendante"
    assert len(check.rows) == 2
    assert list(check.rows.loc[check.rows["Verdict"] == ind.BADGE, "Territoire"]) == ["Puy-de-Dôme"]
    assert check.keys[q.KEY_COLUMNS].values.tolist() == [["departement", "63", "CALPAE-3.1.1-OR1M", 2019]]
