"""AppTest of declared vs independent source: the badge on the T0 page of the demo's planted département (and not on
another), the Qualité section listing it, the links on the Indicateurs page — DREES values planted in the test."""

from __future__ import annotations

import pytest
import streamlit as st

from levier.analysis import independent
from levier.demo import returns as demo
from tests.app.conftest import frame_with, router_app, texts
from tests.app.pages import choose, open_page, open_tab
from tests.independent_sources import plant_independent_sources

PLANTED = demo.INDEPENDENT_GAP[0]  # the Puy-de-Dôme: 95 % oriented within a month declared, 56 % oriented (OARSA)
DECLARED = "Déclaré (données fictives) : valeur (année)"
PUBLIC = "DREES (réel) : valeur (année)"


@pytest.fixture
def app(demo_db):
    plant_independent_sources(demo_db)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield router_app()
    st.cache_data.clear()


def independent_table(app):
    return frame_with(app, DECLARED, PUBLIC, "Écart", "Badge")


def test_the_badge_shows_on_the_t0_page_of_the_planted_departement_and_not_on_another(app):
    open_page(app, "pages/t0.py")
    choose(app, "84", PLANTED)
    assert "Déclaré et source indépendante" in texts(app)
    assert any(independent.BADGE in w.value for w in app.warning)
    table = independent_table(app)
    flagged = table[table["Badge"] == independent.BADGE]
    # 4 219 / 4 442 = 95,0 % in 2019 against 56 % (OARSA 2018): +39,0 points, tolerance 10 points. Each side its year.
    assert len(flagged) == 4 and flagged["Source indépendante"].str.contains("STAT-OARSA-ORIENTES").all()
    first = flagged.iloc[0]
    assert first[DECLARED] == "95,0\u00a0% (2019)" and first[PUBLIC] == "56,0\u00a0% (2018)"
    assert first["Écart"] == "+39,0\u00a0pt" and first["Tolérance"] == "10\u00a0pt"
    # The other links are shown, within the tolerance: CJM 56 (2019) against 271 accueils (2020).
    cjm = table[table["Indicateur déclaré"].str.contains("CALPAE-1.1.1-CJM")]
    assert len(cjm) == 4 and (cjm["Badge"] == "dans la tolérance").all()
    choose(app, "84", "38")
    assert not any(independent.BADGE in w.value for w in app.warning)
    other = independent_table(app)
    assert len(other) and not (other["Badge"] == independent.BADGE).any()
    assert "Aucun écart ne dépasse la tolérance." in texts(app)


def test_the_quality_page_lists_the_planted_gap(app):
    open_page(app, "pages/qualite.py")
    open_tab(app, "q_tab", "Déclaré et statistique publique")
    table = independent_table(app)
    flagged = table[table["Badge"] == independent.BADGE]
    assert set(flagged["Département"]) == {"Puy-de-Dôme (63)"}
    assert "Isère (38)" in set(table["Département"])
    open_tab(app, "q_tab", "Contrôles de cohérence")
    checks = frame_with(app, "Contrôle", "Lignes signalées", "Valeurs mises en doute").set_index("Contrôle")
    assert checks.at["Déclaré et source indépendante", "Lignes signalées"] == 4
    open_tab(app, "q_tab", "À corriger (liste à envoyer)")
    fixes = frame_with(app, "Problème", "Détail", "Contrôle")
    gap = fixes[fixes["Problème"] == independent.BADGE]
    assert set(gap["Code territoire"]) == {PLANTED} and set(gap["Indicateur"]) == {demo.INDEPENDENT_GAP[1]}


def test_the_indicateurs_page_documents_each_link(app):
    open_page(app, "pages/indicateurs.py")
    links = frame_with(app, "Indicateur déclaré", "Source indépendante", "Ce qui est comparé", "Tolérance")
    assert len(links) == 4
    delay = links[links["Source indépendante"].str.contains("STAT-OARSA-DELAI-ORIENTATION")].iloc[0]
    assert "(365 − D) / 335" in delay["Ce qui est comparé"] and delay["Tolérance"] == "10\u00a0pt"
    rsa = links[links["Source indépendante"].str.contains("STAT-RSA-DEC")].iloc[0]
    assert rsa["Années"] == "même année seulement" and rsa["Tolérance"] == "10\u00a0%"
