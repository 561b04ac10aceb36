"""France à mi-parcours: for rapporteurs, every département's target status for one indicator (map and table) and the
distribution of statuses per action, by programme, axis and wave of contracts."""

import streamlit as st

from levier.app import auth, cache, urlstate
from levier.app import widgets as ui
from levier.charts.maps import map_config
from levier.views import france, mi_parcours, qualite

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

st.title("France à mi-parcours")
ui.rights_note(db.scope)
st.caption("Pour chaque département, où en sont les cibles de son contrat à mi-parcours : statut par indicateur, "
           f"sur la carte et dans le tableau, puis répartition des statuts par action. {france.DEMO_NOTE}")

c1, c2, c3 = st.columns([2, 1, 1])
programme = urlstate.selectbox(c1, "Programme", france.PROGRAMMES, key="fr_programme", param="programme",
                                format_func=mi_parcours.PROGRAMME_LABELS.get)
years, default_t0, default_to = france.period_choices(programme)
t0_year = urlstate.selectbox(c2, "Année T0", years, index=years.index(default_t0), key=f"fr_t0_{programme}",
                             param="depuis")
period_to = urlstate.selectbox(c3, "Année de comparaison", years, index=years.index(default_to),
                               key=f"fr_to_{programme}", param="jusqua")
with st.spinner("Calcul en cours…"):
    data = cache.france_data(db, programme, t0_year, period_to)
if data.indicators.empty:
    st.info("Aucune cible n'est enregistrée pour ce programme dans les données que vos droits permettent de lire : "
            "il n'y a pas de statut à montrer.")
    st.stop()

c1, c2, c3 = st.columns([2, 1, 1])
axes = [france.ALL, *data.axes]
axis = urlstate.selectbox(c2, "Axe", axes, key=f"fr_axis_{programme}", param="axe",
                          format_func=lambda a: france.axis_label(data, a))
waves = france.wave_choices(data)
wave = urlstate.selectbox(c3, "Vague de contractualisation", [None, *waves], key=f"fr_wave_{programme}", param="vague",
                          format_func=lambda w: "Toutes les vagues" if w is None else waves[w], disabled=not waves)
choices = france.indicator_choices(data, axis)
indicator = urlstate.selectbox(c1, "Indicateur", list(choices), key=f"fr_indicator_{programme}_{axis}",
                               param="indicateur", format_func=choices.get)
if not waves:
    st.caption(france.wave_note(data))
view = france.france_view(data, indicator, axis, wave)

st.markdown(f"#### {view.label}")
for col, status in zip(st.columns(len(france.STATUSES)), france.STATUSES):
    col.metric(status.capitalize(), view.counts.get(status, 0), help="Nombre de départements")
st.caption(f"{france.RANKING_NOTE} {france.SHORT_RULE}")
with st.expander("Règle complète du statut (la même que la page Comparaison mi-parcours)"):
    st.markdown(france.status_rule())
layer = cache.display_layer(france.LEVEL)
url = qualite.static_geojson_url(layer, bool(st.get_option("server.enableStaticServing")))
st.plotly_chart(france.status_map(data, view, layer, url, ui.current_selection().dep), width="stretch",
                config=map_config(f"statuts_{indicator}"))
ui.table(view.table, height=420)
ui.downloads(view.table, f"statuts_{indicator}_{data.t0_year}_{data.period_to}", key="fr_table")

st.markdown("#### Répartition des statuts par action")
if view.pairs == 0:
    st.info("Aucune cible dans ce périmètre.")
else:
    ui.chart(france.action_figure(data, view, axis), f"statuts_par_action_{programme}")
    st.caption("Une paire = un département × un indicateur ayant une cible ; nombre de paires par statut et part "
               "des paires de l'action.")
    ui.table(view.by_action_table, column_config={"Action": st.column_config.TextColumn(width="large")})
    ui.downloads(view.by_action_table, f"statuts_par_action_{programme}", key="fr_actions")
st.caption("Les métropoles signataires d'un contrat sont suivies territoire par territoire sur la page "
           "Comparaison mi-parcours ; cette vue nationale porte sur les départements.")
