"""Evaluation page: staggered difference-in-differences across the CDPPE waves, and a CALPAE dose-response."""

import streamlit as st

from levier.analysis import evaluation
from levier.app import auth, cache
from levier.app import widgets as ui

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
selected = sel.dep or None
st.title("Évaluation")
ui.rights_note(db.scope)
st.caption("Les départements sous contrat ont-ils progressé plus que les autres ? Deux lectures prudentes, chacune "
           "avec ses limites affichées à côté du résultat.")
choices = cache.evaluation_indicator_choices(db)
did_choices, dose_choices = choices.event_study, choices.dose

did_tab, dose_tab = st.tabs(["Vagues CDPPE : contrat signé ou pas encore", "CALPAE : dose-réponse"])

with did_tab:
    indicator = st.selectbox("Indicateur de résultat", did_choices.codes, index=did_choices.default,
                             format_func=did_choices.labels.get, key="ev_indicator")
    st.caption("Les indicateurs CALPAE de sortie de l'ASE (1.1) sont suivis depuis 2019 : ils offrent une année de plus "
               "avant la première vague que les bilans CDPPE, qui commencent en 2020.")
    view = cache.event_study_page(db, indicator, selected)
    main, side = st.columns([3, 2])
    with main:
        if view.ok:
            cols = st.columns(2)
            for col, key in zip(cols, ("Effet moyen après signature", "Tendances antérieures (p)")):
                col.metric(key, view.headline[key])
            st.markdown(f"**Lecture :** {view.headline['Lecture']} — intervalle à 95 % "
                        f"{view.headline['Intervalle à 95 %']}, p = {view.headline['p-valeur']}, "
                        f"{view.headline['Départements']} départements.")
            ui.chart(view.figure, f"etude_evenement_{indicator}")
            ui.table(view.table)
        else:
            st.error("**Pas d'estimation pour cet indicateur.** " + " ".join(view.refusal))
        ui.chart(view.counts_figure, f"vagues_{indicator}")
    with side:
        st.warning("**Limites de cette estimation**\n\n" + "\n".join(f"- {x}" for x in view.limits))
        if view.wave_of_selected:
            st.info(view.wave_of_selected)
        for note in view.notes:
            st.caption(note)
    with st.expander("Méthode et vagues utilisées"):
        st.markdown(evaluation.ESTIMATOR_TEXT)
        st.caption(f"Seuils : au moins {evaluation.MIN_TREATED} départements contractants par vague et par année "
                   f"estimée, {evaluation.MIN_CONTROLS} témoins par vague et {evaluation.MIN_CLUSTERS} départements "
                   "dans l'échantillon ; sinon l'estimation est refusée.")
        if not view.cohorts.empty:
            ui.table(view.cohorts)

with dose_tab:
    dose_indicator = st.selectbox("Indicateur de résultat CALPAE", dose_choices.codes, index=dose_choices.default,
                                  format_func=dose_choices.labels.get, key="ev_dose_indicator")
    dose = cache.dose_response_page(db, dose_indicator, selected)
    main, side = st.columns([3, 2])
    with main:
        if dose.ok:
            cols = st.columns(2)
            for col, key in zip(cols, ("Pente pour +10 € par habitant pauvre", "Départements")):
                col.metric(key, dose.headline[key])
            st.markdown(f"**Lecture :** {dose.headline['Lecture']} — intervalle à 95 % "
                        f"{dose.headline['Intervalle à 95 %']} ({dose.headline['Unité']}).")
            ui.chart(dose.figure, f"dose_reponse_{dose_indicator}")
        else:
            st.error("**Pas d'estimation pour cet indicateur.** " + " ".join(dose.refusal))
    with side:
        st.warning("**Limites de cette lecture**\n\n" + "\n".join(f"- {x}" for x in dose.limits))
