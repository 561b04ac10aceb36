"""Levier's router: page setup, the demo-data banner, and st.navigation over the explicit pages."""

from __future__ import annotations

import streamlit as st

from levier.app import auth
from levier.app import cache
from levier.app import widgets as ui
from levier.demo.build import ensure_database
from levier.store.db import DatabaseBusy

st.set_page_config(page_title="Levier", page_icon="🇫🇷", layout="wide", initial_sidebar_state="expanded")
auth.gate()

try:
    ensure_database(cache.system_database(), on_build=lambda: st.info("Première ouverture : construction de la base de démonstration…"))
    summary = cache.home_summary()
except DatabaseBusy as exc:
    st.warning(str(exc))
    st.stop()

if summary.is_demo:
    st.warning(
        "**Données fictives de démonstration.** Les retours d'indicateurs affichés sont générés par Levier "
        "(aucun retour réel n'est public) ; seules la géographie et les statistiques INSEE sont réelles.",
        icon=":material/warning:",
    )

pages = {
    "Levier": [
        st.Page("pages/accueil.py", title="Accueil", icon=":material/home:", default=True, url_path="accueil"),
    ],
    "Diagnostic et suivi": [
        st.Page("pages/t0.py", title="Situation de départ (T0)", icon=":material/flag:", url_path="t0"),
        st.Page("pages/mi_parcours.py", title="Comparaison mi-parcours", icon=":material/timeline:", url_path="mi-parcours"),
        st.Page("pages/comparer.py", title="Comparer les départements", icon=":material/leaderboard:", url_path="comparer"),
    ],
    "Territoires": [
        st.Page("pages/panorama.py", title="Panorama des besoins", icon=":material/map:", url_path="panorama"),
        st.Page("pages/services.py", title="Offre de services et couverture", icon=":material/location_on:",
                url_path="services"),
    ],
    "Confiance": [
        st.Page("pages/indicateurs.py", title="Indicateurs et définitions", icon=":material/menu_book:",
                url_path="indicateurs"),
        st.Page("pages/qualite.py", title="Qualité des données", icon=":material/fact_check:", url_path="qualite"),
    ],
    "Effet levier": [
        st.Page("pages/effet_levier.py", title="Effet levier", icon=":material/euro:", url_path="effet-levier"),
        st.Page("pages/evaluation.py", title="Évaluation", icon=":material/science:", url_path="evaluation"),
    ],
    "Comité de suivi": [
        st.Page("pages/pack.py", title="Pack du comité de suivi", icon=":material/picture_as_pdf:", url_path="pack"),
        st.Page("pages/presentation.py", title="Mode présentation", icon=":material/slideshow:",
                url_path="presentation"),
    ],
}
# Out of the menu without the import right; still routed, so an address typed by hand gets the page's own refusal.
pages["Données"] = [
    st.Page("pages/importer.py", title="Importer", icon=":material/upload_file:", url_path="importer",
            visibility="visible" if auth.current_scope().can_import else "hidden"),
]
# Every page stays listed: a commissaire should not have to click « View more » to find the pack.
navigation = st.navigation(pages, position="sidebar", expanded=True)
with st.sidebar:
    st.markdown("**Territoire**")
    st.session_state["selection"] = ui.territory_selector(st.sidebar)
    auth.sidebar_identity()
navigation.run()
