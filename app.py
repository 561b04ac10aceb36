"""Levier's router: page setup, the sign-in gate, the demo-data banner, and st.navigation over the pages/ scripts.

Start it with `streamlit run app.py` or `levier app` (the same app; the latter also builds the demo database)."""

from __future__ import annotations

import streamlit as st

from levier.app import auth, cache, collect, feedback, menu, urlstate
from levier.app import widgets as ui
from levier.demo.build import ensure_database
from levier.store.db import DatabaseUnavailable
from levier.views import derived

st.set_page_config(page_title="Levier", page_icon="🇫🇷", layout="wide", initial_sidebar_state="expanded")

# Nobody goes further without signing in (when sign-in is configured); rights are resolved only inside the gate.
# A run longer than 0.3 s shows « Calcul en cours… » (levier.app.feedback). Python's full garbage collection waits
# until the server is idle, not the end of every run (levier.app.collect).
with collect.page_run(), auth.gate(), feedback.busy():
    try:
        ensure_database(cache.system_database(),
                        on_build=lambda: st.info("Première ouverture : construction de la base de démonstration…"),
                        publish=derived.refresh)
        db = auth.database()
        demo = cache.demo_data(db)
    except DatabaseUnavailable as exc:  # busy (another import) or damaged (a foreign .wal): said in French
        st.warning(str(exc))
        st.stop()

    if demo:
        # Keyed (class st-key-demo_banner) so that Mode présentation can leave it off the projected screen.
        st.container(key="demo_banner").warning(
            "**Données fictives de démonstration.** Les retours d'indicateurs et les financements affichés sont "
            "générés par Levier (aucun retour réel n'est public) ; la géographie et les statistiques publiques "
            "(INSEE Filosofi, séries DREES) sont réelles.",
            icon=":material/warning:",
        )

    # What a shared link asked for that does not exist is said here, above the page (levier.app.urlstate).
    urlstate.open_session(st.empty())

    # The menu (levier.app.menu) lists the importer only to users allowed to import.
    navigation = menu.navigation(can_import=db.scope.can_import)
    with st.sidebar:
        st.markdown("**Territoire**")
        st.session_state["selection"] = ui.territory_selector(st.sidebar)
        auth.sidebar_identity()
    navigation.run()
