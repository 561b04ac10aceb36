"""Région view for a commissaire: the région's départements and métropoles side by side (targets, key T0 figures,
returns, money) and its map, with buttons to each territory's pages."""

import streamlit as st

from levier.app import auth, cache, region_panel, urlstate
from levier.app import widgets as ui
from levier.views import mi_parcours, region

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
options = cache.territory_options()
if not sel.reg:
    st.title("Vue régionale")
    ui.rights_note(db.scope)
    st.info("Choisissez une région dans le panneau de gauche : ses départements et ses métropoles sont alors montrés "
            "côte à côte.")
    st.stop()

name = options.name("region", sel.reg)
st.title(f"{name} ({sel.reg})")
ui.rights_note(db.scope)
c1, c2 = st.columns([1, 2])
programme = urlstate.selectbox(c1, "Programme", list(region.PROGRAMMES), format_func=mi_parcours.PROGRAMME_LABELS.get,
                                key="reg_programme", param="programme")
with st.spinner("Calcul en cours…"):
    view = cache.region_view(db, sel.reg, programme, name)
c2.caption("Vue régionale : les départements de la région et ses métropoles côte à côte : chaque chiffre est celui de la page du "
           "territoire (boutons en bas de page pour l'ouvrir).")
for note in view.notes:
    st.caption(note)
for col, (label, value, help_text) in zip(st.columns(len(view.headline)), view.headline):
    col.metric(label, value, help=help_text)

st.markdown(f"#### Cibles et trajectoires — {mi_parcours.PROGRAMME_LABELS[programme]}")
rows_height = region.table_height(len(view.territories))  # every territory visible, no inner scroll
ui.table(view.statuses, height=rows_height, column_config=region_panel.region_columns())
st.caption(region.STATUS_NOTE + " Données fictives de démonstration.")

st.markdown("#### Situation de départ (T0) face à la médiane nationale")
choices = view.key_choices
indicator = urlstate.selectbox(st, "Chiffre clé", list(choices), format_func=choices.get, key="reg_indicator",
                               param="indicateur")
with st.spinner("Calcul en cours…"):
    key = cache.region_key_view(db, sel.reg, indicator)
ui.table(key.table, height=rows_height, column_config=region_panel.region_columns())
st.caption(key.caption)
if key.figure is not None:
    ui.chart(key.figure, f"region_{sel.reg}_{indicator}")

st.markdown("#### Retours reçus et en retard")
ui.table(view.returns, height=rows_height, column_config=region_panel.region_columns())
st.caption(region.RETURNS_RULE + (" Retours : données fictives de démonstration." if view.returns_demo else ""))

years = f" {view.money_years[0]}–{view.money_years[1]}" if view.money_years else ""
st.markdown(f"#### Financements{years} : prévu, engagé, consommé")
ui.table(view.money, height=rows_height, column_config=region_panel.region_columns())
st.caption(f"État : € de l'État ; total : € de l'État et du territoire. Source : {view.money_source}.")

st.markdown("#### Ouvrir un territoire")
target = st.radio("Page", ["t0.py", "mi-parcours.py", "effet-levier.py", "qualite.py"], horizontal=True,
                  format_func=region.PAGE_TITLES.get, key="reg_target")
region_panel.territory_buttons(db, sel.reg, key="reg_open", page=target)
