"""Levier's router: page setup, the demo-data banner, and st.navigation over the explicit pages."""

from __future__ import annotations

import streamlit as st

from levier import cache
from levier.build import ensure_database
from levier.db import DatabaseBusy

st.set_page_config(page_title="Levier", page_icon="🇫🇷", layout="wide", initial_sidebar_state="expanded")

try:
    ensure_database(cache.database(), on_build=lambda: st.info("Première ouverture : construction de la base de démonstration…"))
    summary = cache.home_summary()
except DatabaseBusy as exc:
    st.warning(str(exc))
    st.stop()

if summary.is_demo:
    st.warning(
        "**Données fictives de démonstration.** Les retours d'indicateurs affichés sont générés par Levier "
        "(aucun retour réel n'est public) ; seules la géographie et les statistiques INSEE sont réelles.",
        icon="⚠️",
    )

pages = {
    "Levier": [
        st.Page("pages/accueil.py", title="Accueil", icon=":material/home:", default=True, url_path="accueil"),
    ],
    "Données": [
        st.Page("pages/importer.py", title="Importer", icon=":material/upload_file:", url_path="importer"),
    ],
}
st.navigation(pages, position="sidebar").run()
