"""A territory at a glance: its key figures are the T0 page's figures (value, year, rank), a count is ranked as its
rate, a flagged value is not ranked, and the status counts are those of the mi-parcours page."""

from __future__ import annotations

import pandas as pd
import pytest

from levier.analysis import positions
from levier.store.db import Database
from levier.views import glance, mi_parcours, t0


@pytest.fixture(scope="module")
def demo(demo_db_path) -> Database:
    return Database(demo_db_path)


@pytest.fixture(scope="module")
def data(demo) -> t0.T0Data:
    return t0.load_t0_data(demo, "departement", glance.KEY_FIGURES)


@pytest.fixture(scope="module")
def isere(demo, data) -> glance.Glance:
    return glance.glance_view(demo, "38", "departement", "Isère (38)", reg="84", dep="38", data=data)


def test_key_figures_are_the_t0_pages_figures(demo, data, isere):
    figures = {f.code: f for f in isere.figures}
    assert 6 <= len(figures) <= glance.MAX_FIGURES
    # A mix of real public statistics and the contract's own indicators, each with its producer.
    assert {"STAT-TP60", "STAT-RSA-ALLOCATAIRES", "STAT-ASE-ACCUEILLIS"} <= set(figures)
    assert any(not f.public for f in figures.values()) and any(f.public for f in figures.values())
    assert all("fictives" in f.source for f in figures.values() if not f.public)
    assert figures["STAT-TP60"].producer == "INSEE, Filosofi"
    for fig in figures.values():
        # The T0 page read at the figure's year shows the same value, year and rank.
        table = t0.t0_table_of(data, demo.scope, "38", fig.year).set_index("Code")
        row = table.loc[fig.code]
        assert int(row["Année"]) == fig.year
        shown = row["Valeur classée"] if fig.raw_text else row["Valeur"]
        assert shown == pytest.approx(fig.value)
        assert (pd.isna(row["Rang"]) and fig.rank is None) or int(row["Rang"]) == fig.rank
        if fig.rank is not None:
            assert int(row["Territoires classés"]) == fig.n_ranked
    poverty = figures["STAT-TP60"]
    assert poverty.value_text == "11,3\u00a0%" and poverty.year == 2020
    assert poverty.position_short == f"Rang {poverty.rank} sur {poverty.n_ranked} · quartile {poverty.quartile}"


def test_a_count_is_ranked_as_its_rate_never_raw(data, isere):
    rsa = next(f for f in isere.figures if f.code == "STAT-RSA-ALLOCATAIRES")
    assert rsa.unit.startswith("pour 1") and "personnes" in rsa.raw_text and rsa.tile_text.endswith("‰")
    year = data.values[(data.values["indicator"] == rsa.code) & (data.values["period"] == rsa.year)]
    year = year[year["value"].notna() & year["unranked_reason"].isna()]
    by_rate = positions.rank_values(year["value"], None)
    by_count = positions.rank_values(year["raw_value"], None)
    mine = (year["code"] == "38").to_numpy()
    assert int(by_rate[mine].iloc[0]) == rsa.rank
    assert int(by_count[mine].iloc[0]) != rsa.rank  # Isère is large: its raw count would rank far higher
    assert "sans sens favorable" in rsa.position_text and "quartile" not in rsa.position_short
    # Its trend is the rate too, year after year.
    assert len(rsa.trend) >= 2 and rsa.trend[-1] == (rsa.year, pytest.approx(rsa.value))


def test_a_flagged_value_is_shown_not_ranked(data):
    values = data.values[(data.values["code"] == "38") & (data.values["indicator"] == "STAT-TP60")].copy()
    values["unranked_reason"] = "rejetée par un contrôle de qualité (voir la page Qualité des données)"
    flagged = t0.T0Data(data.level, data.territories, data.catalogue, values, data.stats)
    fig = glance.key_figures(flagged, "38", ("STAT-TP60",))[0]
    assert fig.value_text == "11,3\u00a0%" and fig.rank is None and fig.quartile is None
    assert fig.position_text.startswith("non classé : rejetée") and fig.position_short == "non classé"


def test_status_counts_and_alerts_are_the_mid_term_pages(demo, isere):
    assert isere.programme == "PACTE" and isere.t0_year == 2023
    page = mi_parcours.midterm_view(demo, "38", "departement", isere.t0_year, isere.current_year, isere.t0_year, "PACTE")
    for status in glance.COUNTED_STATUSES:
        assert isere.status_counts[status] == page.status_counts.get(status, 0)
    late = isere.status_counts[positions.STATUS_LATE]
    assert late == len(isere.late) > 0
    assert any(a.startswith(f"{late} indicateur(s) d'action en retard") for a in isere.alerts)
    table = glance.late_table(isere)
    assert len(table) == min(late, glance.MAX_LATE) and table["Part du chemin attendu"].str.endswith("%").all()


def test_alerts_name_late_and_missing_returns_and_rejected_values():
    quality = [("Retours manquants", "1", ""), ("Retours en retard", "2", ""), ("Valeurs mises en doute", "0", "")]
    alerts = glance.alerts_of(quality, 3, pd.DataFrame(columns=["label", "attainment"]), {})
    assert alerts[0] == "Retours en retard : 2 (année échue, tous programmes)."
    assert alerts[1] == "Retours manquants : 1 (année échue, tous programmes)."
    assert alerts[2].startswith("3 valeur(s) rejetée(s) par un contrôle de qualité")
    assert glance.alerts_of([("Retours en retard", "0", "")], 0, pd.DataFrame(), {}) == []


def test_an_epci_is_compared_with_epci_of_its_nature(demo):
    view = glance.glance_view(demo, "200040715", "epci", "Grenoble-Alpes-Métropole (200040715)", reg="84", dep="38")
    assert view.figures and all("EPCI de même nature" in f.position_text or f.rank is None for f in view.figures)
    assert sum(view.status_counts.values()) > 0


def test_no_national_position_among_a_handful(data):
    """A user whose rights cover one département ranks the contract's indicators among that one: no « 1er sur 1 »."""
    values = data.values[(data.values["code"] == "38") & (data.values["indicator"] == "PACTE-2-ORI-TX")].copy()
    values[["rank", "n_ranked", "quartile"]] = [1, 1, 4]
    alone = t0.T0Data(data.level, data.territories, data.catalogue, values, data.stats)
    fig = glance.key_figures(alone, "38", ("PACTE-2-ORI-TX",))[0]
    assert fig.rank is None and fig.quartile is None and fig.position_short == "pas de position nationale"
    assert "1 territoire(s) seulement classé(s)" in fig.position_text and "Rang" not in fig.position_text
