"""T0 baseline page: every indicator of a département or EPCI at the T0 year, with its position and peers."""

import streamlit as st

from levier.analysis.positions import GAP_RULE, RANK_RULE
from levier.app import auth, cache, menu, region_panel, series_section, urlstate
from levier.app import widgets as ui
from levier.views import independent, series, t0

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
options = cache.territory_options()
st.title("Situation de départ (T0)")
ui.rights_note(db.scope)
if sel.level == "region":  # a commissaire's région: its territories, not a refusal
    region_panel.render(db, sel, "t0.py", detail="t0")
    st.stop()
if not ui.need_territory(sel):
    st.stop()

st.subheader(options.label(sel))
t0_year = urlstate.selectbox(st, "Année T0", list(t0.T0_YEARS), index=0, key="t0_year", param="annee",
                       help="Chaque indicateur est lu à sa dernière année disponible jusqu'à l'année T0.")
view = cache.t0_view(db, sel.code, sel.level, t0_year)

peers_title = (f"Groupe de pairs : {len(view.peers.codes)} territoires au profil le plus proche" if view.peers.has_peers
               else "Groupe de pairs : aucun (pas de médiane des pairs)")
with st.expander(peers_title, expanded=False):
    if view.peer_warning:
        st.warning(view.peer_warning)
    ui.table(view.peers.members)
    st.caption(view.peer_note)
    ui.table(view.peers.explanation)

programmes = sorted(view.display["Programme"].unique())
c1, c2 = st.columns([2, 3])
chosen = urlstate.multiselect(c1, "Programmes", programmes, default=programmes, key=f"t0_programmes_{sel.code}",
                              param="programmes")
search = c2.text_input("Rechercher un indicateur (libellé ou code)", key="t0_search")
shown = t0.filter_table(view.display, chosen, search)
st.caption(f"{len(shown)} indicateur(s) ; source et année de chaque valeur dans le tableau.")
# Indicator and value stay in view while the medians and gaps scroll beside them (views.t0.T0_KEY_COLUMNS).
ui.table(shown, height=420, column_config={
    col: st.column_config.TextColumn(pinned=True, width=230 if col == "Indicateur" else 125)
    for col in t0.T0_KEY_COLUMNS})
shown_numbers = t0.filter_table(view.table, chosen, search)  # the same rows, as numbers: the note and the download
note = t0.quality_note(shown_numbers)
if note:
    st.info(note, icon=":material/fact_check:")
    st.page_link(menu.page_file("qualite.py"), label="Voir les contrôles sur la page Qualité des données",
                 icon=":material/arrow_forward:")
with st.expander("Comment lire ce tableau"):
    st.markdown(f"{RANK_RULE}\n\n{GAP_RULE}")
ui.downloads(shown_numbers, f"t0_{sel.code}_{t0_year}", key="t0")

if sel.level == "departement":  # declared figures held against the independent public series (DREES)
    checked = cache.independent_view(db, sel.code)
    st.subheader(independent.SECTION_TITLE)
    (st.warning if checked.n_flagged else st.caption)(independent.t0_summary(checked))
    if not checked.table.empty:
        ui.table(checked.table.drop(columns=["Département"]), key="t0_independent")

st.subheader("Distribution entre territoires")
with_values = t0.indicators_with_value(view.table)
indicator = urlstate.selectbox(
    st, "Indicateur", with_values["Code"].tolist(),
    format_func=dict(zip(with_values["Code"].tolist(), with_values["Indicateur"].tolist())).get,
    key="t0_indicator", param="indicateur",
)
if indicator:
    period = int(with_values.set_index("Code").at[indicator, "Année"])
    ui.chart(cache.distribution_figure(db, indicator, period, sel.level, sel.code, tuple(view.peers.codes)),
             f"distribution_{indicator}_{sel.code}")

# Series over every published year, the national and regional medians beside them (views.series).
series_section.render(db, series.series_target(sel, options), chosen, key="t0", from_t0=sel.level == "departement")
