"""Home page: a selected territory at a glance (key figures, contract statuses, alerts, links); without a selection,
which data is loaded (territories, programmes, periods, returns) and the last imports."""

import streamlit as st

from levier.app import auth, cache, menu
from levier.app import widgets as ui
from levier.core.fmt import fmt_int
from levier.views import glance
from levier.views.selection import to_query_params

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
options = cache.territory_options()

if sel.level in glance.GLANCE_LEVELS:
    view = cache.glance_view(db, sel.code, sel.level, options.label(sel), sel.reg, sel.dep)
    st.title(f"{view.name} en un coup d'œil")
    ui.rights_note(db.scope)

    st.subheader("Chiffres clés")
    st.caption(glance.figures_caption(sel.level))
    per_row = 4
    for start in range(0, len(view.figures), per_row):
        cols = st.columns(per_row)
        for col, fig in zip(cols, view.figures[start:start + per_row]):
            with col.container(border=True):
                st.metric(fig.short_label, fig.tile_text, glance.delta_text(fig), delta_color=glance.delta_color(fig),
                          delta_arrow=glance.delta_arrow(fig), chart_data=glance.sparkline(fig), chart_type="line",
                          help=glance.tile_help(fig))
                st.caption(glance.tile_caption(fig))
    if not view.figures:
        st.info("Aucune statistique publique ni aucun retour n'est chargé pour ce territoire.")

    st.subheader("Le contrat : où en sont les cibles ?")
    if view.has_targets:
        cols = st.columns(len(view.status_counts))
        for col, (status, n) in zip(cols, view.status_counts.items()):
            col.metric(status.capitalize(), fmt_int(n), border=True)
        st.caption(glance.perimeter_note(view))
    else:
        st.info(f"Aucune cible n'est enregistrée pour ce territoire ({glance.perimeter_note(view)})")

    st.subheader("Alertes")
    if view.alerts:
        st.warning("\n".join(f"- {a}" for a in view.alerts), icon=":material/notification_important:")
        if len(view.late):
            ui.table(glance.late_table(view), key="glance_late")
    else:
        st.success("Aucune alerte : retours à l'heure, aucune valeur rejetée, aucune action en retard.")

    st.subheader("Pour aller plus loin")
    params = to_query_params(sel)
    cols = st.columns(2)
    for i, (script, label, icon) in enumerate(glance.LINKS):
        cols[i % 2].page_link(menu.page_file(script), label=label, icon=icon, query_params=params)
    with st.expander("Comment lire les rangs, quartiles et statuts"):
        for note in view.notes:
            st.caption(note)
    st.stop()

if sel.level == "region":  # compact: the région's départements side by side (the région page has the rest)
    st.title(f"{options.label(sel)} en un coup d'œil")
    ui.rights_note(db.scope)
    st.caption(f"Chaque département de la région : nombre d'indicateurs d'action du {glance.PROGRAMME_LABEL} par statut "
               "de leur cible (retours : données fictives de démonstration), puis chiffres clés à leur dernière année "
               "et rang parmi les départements classés (1 = le plus favorable ; le RSA, sans sens favorable, n'est pas "
               "classé ici). Choisissez un département dans le panneau de gauche pour son aperçu complet.")
    departements = cache.region_glance(db, sel.reg)
    ui.table(departements, key="glance_region", height=35 * (len(departements) + 1) + 3)
    st.stop()

summary = cache.home_summary(db)

st.title("Levier")
st.markdown(
    "Diagnostics territoriaux de pauvreté et contrats État–départements : CALPAE 2019–2022, "
    "contrats de prévention et de protection de l'enfance 2020–2022, Pacte des solidarités 2024–2027."
)
st.info("Choisissez une région, un département ou un EPCI dans le panneau de gauche pour voir son aperçu : chiffres "
        "clés et tendances, position nationale, statut des cibles du contrat, alertes.", icon=":material/travel_explore:")

if summary.is_empty:
    st.info("Aucune valeur d'indicateur n'est encore chargée. Importez des retours depuis la page **Importer**.")

c1, c2, c3 = st.columns(3)
c1.metric("Valeurs d'indicateurs courantes", fmt_int(summary.all_values))
c2.metric("Valeurs remplacées (historique conservé)", fmt_int(summary.replaced_values))
c3.metric("Dont valeurs fictives", fmt_int(summary.demo_values))

st.subheader("Programmes, indicateurs et périodes")
ui.table(summary.programmes)

st.subheader("Territoires chargés, par niveau et millésime")
ui.table(summary.territories)
st.caption("Sources : INSEE, Code officiel géographique 2026 ; DGCL, liste des EPCI à fiscalité propre 2023, 2024, 2026.")

st.subheader("Derniers imports")
ui.table(summary.imports)
