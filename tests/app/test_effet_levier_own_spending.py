"""AppTest of the Effet levier page's real own spending (DREES): a département shows its series with the source and
« réel », the substitution warning on real spending appears on a planted case and not otherwise."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from levier.store.db import Query
from tests.app.conftest import frame_with, texts
from tests.app.pages import charts, choose, open_page
from tests.figures import strings

INS = "STAT-DEP-RSA-INSERTION"


@pytest.fixture
def planted(demo_db):
    """DREES spending planted for every département, growing 2 % a year (fixed codes, € of the year), over the
    years DREES publishes: RSA insertion and allocation 2009–2019, ASE 1999–2019. Nord (59): insertion spending
    2019 = 80 % of 2018 (a 20 % fall the year CALPAE State money arrives: flagged); Isère (38): the same growth as
    everyone (no flag)."""
    deps = demo_db.read(Query.TERRITORIES_OF_LEVEL, {"level": "departement"})["code"]
    rows = []
    for i, code in enumerate(deps):
        for year in range(1999, 2020):
            for indicator, base in ((INS, 1e7), ("STAT-DEP-RSA-ALLOCATION", 1e8), ("STAT-DEP-ASE-NETTES", 2e8)):
                if indicator != "STAT-DEP-ASE-NETTES" and year < 2009:
                    continue
                value = base * (1 + 0.01 * i) * (1 + 0.02 * (year - 1999))
                if code == "59" and indicator == INS and year == 2019:
                    value = 0.8 * base * (1 + 0.01 * i) * (1 + 0.02 * (2018 - 1999))
                rows.append({"territory_level": "departement", "territory_code": code, "indicator": indicator,
                             "period": year, "measure": "valeur", "value": value, "missing_reason": None,
                             "comment": None, "submitted_on": None, "source_sheet": None, "source_row": None})
    with demo_db.transaction() as w:
        w.insert_facts(pd.DataFrame(rows), 9999, datetime(2026, 12, 1), False)
    return demo_db


def _own_warnings(app) -> list[str]:
    return [w.value for w in app.warning if "réel, DREES" in w.value]


def test_a_departement_shows_its_real_own_spending_and_the_planted_substitution(app, planted):
    open_page(app, "pages/effet-levier.py")
    choose(app, "32", "59")
    app.selectbox(key="lev_programme").set_value("CALPAE").run()
    assert not app.exception
    page = texts(app)
    assert "Dépenses d'insertion du RSA du département : l'argent propre, réel (DREES)" in page
    assert "Réel : dépenses d'insertion du RSA du département, DREES" in page
    assert "2009–2019" in page and "données fictives de démonstration" in page
    assert "Montants du contrat : données fictives de démonstration" in page  # under the headline tiles
    assert "dépenses brutes (avant recouvrements) d'insertion" in page
    assert "Seule l'année 2019 est commune" in page
    table = frame_with(app, "Année", "€ par habitant", "Médiane des départements (€ par habitant)")
    assert table["Année"].tolist()[0] == "2009" and table["Année"].tolist()[-1] == "2019"
    assert len(table) == 11
    spec = next(c for c in charts(app) if any("Dépenses d'insertion du RSA par habitant" in s for s in strings(c)))
    assert any("Source : DREES" in s for s in strings(spec))
    warnings = _own_warnings(app)
    assert len(warnings) == 1 and "2018 → " in warnings[0] and "en 2019, elles baissent de 20" in warnings[0]

    choose(app, "84", "38")  # Isère: real spending grows, no warning on real spending
    assert not app.exception
    page = texts(app)
    assert "l'argent propre, réel (DREES)" in page and "Pas d'alerte : les dépenses propres réelles ne baissent" in page
    assert _own_warnings(app) == []


def test_cdppe_says_no_year_is_shared_and_a_metropole_has_no_drees_spending(app, planted):
    open_page(app, "pages/effet-levier.py")
    choose(app, "32", "59")
    app.selectbox(key="lev_programme").set_value("CDPPE").run()
    page = texts(app)
    assert "Dépenses nettes d'aide sociale à l'enfance du département" in page and "Aucune année commune" in page
    assert "Pas d'alerte" not in page  # nothing could be tested: no « no alert » either
    assert _own_warnings(app) == []
    choose(app, "84", "38")
    app.sidebar.selectbox(key="sel_epci").set_value("200040715").run()  # Grenoble-Alpes-Métropole
    assert not app.exception
    assert any("Une métropole n'a pas de dépenses propres publiées par la DREES" in i.value for i in app.info)
