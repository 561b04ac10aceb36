"""Région view for a commissaire: the région's départements and métropoles side by side (targets, key T0 figures,
returns, money) and its map, with buttons to each territory's pages."""

import streamlit as st

from levier.app import auth, cache, region_panel
from levier.app import widgets as ui
from levier.views import mi_parcours, region

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
options = cache.territory_options()
st.title("Vue régionale")
ui.rights_note(db.scope)
if not sel.reg:
    st.info("Choisissez une région dans le panneau de gauche : ses départements et ses métropoles sont alors montrés "
            "côte à côte.")
    st.stop()

name = options.name("region", sel.reg)
st.subheader(f"{name} ({sel.reg}) : départements et métropoles")
programme = st.selectbox("Programme", list(region.PROGRAMMES), format_func=mi_parcours.PROGRAMME_LABELS.get,
                         key="reg_programme")
view = cache.region_view(db, sel.reg, programme, name)
for note in view.notes:
    st.caption(note)

st.markdown(f"#### Cibles et trajectoires — {mi_parcours.PROGRAMME_LABELS[programme]}")
ui.table(view.statuses)
st.caption(region.STATUS_NOTE + " Données fictives de démonstration.")

st.markdown("#### Situation de départ (T0) face à la médiane nationale")
choices = view.key_choices
indicator = st.selectbox("Chiffre clé", list(choices), format_func=choices.get, key="reg_indicator")
key = cache.region_key_view(db, sel.reg, indicator)
ui.table(key.table)
st.caption(key.caption)
if key.figure is not None:
    ui.chart(key.figure, f"region_{sel.reg}_{indicator}")

c1, c2 = st.columns(2)
with c1:
    st.markdown("#### Retours reçus et en retard")
    ui.table(view.returns)
    st.caption(region.RETURNS_RULE + (" Retours : données fictives de démonstration." if view.returns_demo else ""))
with c2:
    years = f" {view.money_years[0]}–{view.money_years[1]}" if view.money_years else ""
    st.markdown(f"#### Financements{years} : prévu, engagé, consommé")
    ui.table(view.money)
    st.caption(f"État : € de l'État ; total : € de l'État et du territoire. Source : {view.money_source}.")

st.markdown("#### Ouvrir un territoire")
target = st.radio("Page", ["t0.py", "mi_parcours.py", "effet_levier.py", "qualite.py"], horizontal=True,
                  format_func=region.PAGE_TITLES.get, key="reg_target")
region_panel.territory_buttons(db, sel.reg, key="reg_open", page=target)
