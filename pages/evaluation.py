"""Evaluation page: staggered difference-in-differences across the CDPPE waves, and a CALPAE dose-response."""

import streamlit as st

from levier.analysis import evaluation
from levier.app import auth, cache, urlstate
from levier.app import widgets as ui
from levier.views import evaluation as ev_view

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
selected = sel.dep or None
st.title("Évaluation")
ui.rights_note(db.scope)
st.caption("Les départements sous contrat ont-ils progressé plus que les autres ? Deux lectures prudentes, chacune "
           "avec ses limites affichées à côté du résultat.")
if sel.level == "epci":  # a métropole's own contract is read on Effet levier and Mi-parcours, not here
    options = cache.territory_options()
    st.info(f"{options.name('epci', sel.code)} n'y figure pas : ces deux lectures ne comparent que des départements "
            f"(vagues CDPPE, montants CALPAE). Son département, {options.name('departement', sel.dep)} ({sel.dep}), est "
            "mis en évidence. Le contrat propre d'une métropole (Pacte des solidarités) se lit sur les pages Effet "
            "levier et Comparaison mi-parcours.")
choices = cache.evaluation_indicator_choices(db)
did_choices, dose_choices = choices.event_study, choices.dose

did_tab, dose_tab = urlstate.tabs(["Vagues CDPPE : contrat signé ou pas encore", "CALPAE : dose-réponse"], key="ev_tab")

with did_tab:
    if did_tab.open:
        indicator = urlstate.selectbox(st, "Indicateur de résultat du contrat CDPPE", did_choices.codes,
                                      index=did_choices.default, format_func=did_choices.labels.get,
                                      key="ev_indicator", param="indicateur")
        controls = urlstate.radio(st, "Témoins", list(ev_view.CONTROL_CHOICES),
                                  format_func=ev_view.CONTROL_CHOICES.get, horizontal=True, key="ev_controls",
                                  param="temoins",
                                  help="Départements auxquels chaque vague est comparée : ceux qui n'ont pas encore "
                                       "signé l'année comparée (et ceux qui ne signeront jamais), ou seulement ceux "
                                       "qui n'ont jamais signé.")
        st.caption("Seuls les indicateurs de résultat du contrat de prévention et de protection de l'enfance (et "
                   "les séries publiques qui lui sont rattachées) sont proposés. Le résultat est un « écart estimé » "
                   "entre départements sous contrat et témoins, pas la mesure d'un effet.")
        view = cache.event_study_page(db, indicator, selected, controls)
        main, side = st.columns([3, 2])
        with main:
            if view.ok:
                cols = st.columns(3)
                for col, key in zip(cols, (ev_view.HEADLINE, "Tendances antérieures (p)",
                                           "Tendance antérieure détectable (80 %)")):
                    col.metric(key, view.headline[key])
                st.markdown(f"**Lecture :** {view.headline['Lecture']} — intervalle à 95 % "
                            f"{view.headline['Intervalle à 95 %']}, p = {view.headline['p-valeur']}, "
                            f"{view.headline['Départements']} départements, témoins : "
                            f"{view.headline['Témoins'].lower()}.")
                ui.chart(view.figure, f"etude_evenement_{indicator}")
                ui.table(view.table)
            else:
                st.error("**Pas d'écart estimé pour cet indicateur : estimation refusée.** "
                         + " ".join(view.refusal))
            ui.chart(view.counts_figure, f"vagues_{indicator}")
        with side:
            st.warning("**Limites de cette estimation**\n\n" + "\n".join(f"- {x}" for x in view.limits))
            if view.wave_of_selected:
                st.info(view.wave_of_selected)
            for note in view.notes:
                st.caption(note)
        with st.expander("Méthode et vagues utilisées"):
            st.markdown(view.method)
            st.caption(f"Seuils : au moins {evaluation.MIN_PRE_PERIODS} années observées avant la signature pour "
                       f"qu'une vague soit retenue, {evaluation.MIN_TREATED} départements sous contrat (au total et "
                       f"derrière chaque année relative), {evaluation.MIN_CONTROLS} témoins jamais sous contrat quand "
                       f"ce sont eux les témoins, {evaluation.MIN_CLUSTERS} départements dans l'échantillon ; sinon "
                       "l'estimation est refusée.")
            if not view.cohorts.empty:
                ui.table(view.cohorts)

with dose_tab:
    if dose_tab.open:
        dose_indicator = urlstate.selectbox(st, "Indicateur de résultat CALPAE", dose_choices.codes,
                                           index=dose_choices.default, format_func=dose_choices.labels.get,
                                           key="ev_dose_indicator", param="indicateur_dose")
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
