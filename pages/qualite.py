"""Data quality page: completeness of the returns, consistency checks, declared figures next to public statistics,
a score per département with its map, and the list of corrections to send, scoped to the sidebar selection."""

import streamlit as st

from levier.app import cache
from levier.views import panorama as needs
from levier.analysis import quality
from levier.app import widgets as ui
from levier.views import qualite as qv
from levier.charts.maps import map_config

sel = ui.current_selection()
year_columns = {c: st.column_config.NumberColumn(format="%d") for c in qv.YEAR_COLUMNS}
st.title("Qualité des données")
ui.rights_note()
bundle = cache.load(qv.quality_bundle)
scope = qv.scope_of(bundle, sel.reg, sel.dep, sel.epci)
if scope.national:
    st.caption("Périmètre : **France entière**. Choisissez un département dans le panneau de gauche pour ne voir "
               "que ses anomalies et télécharger la liste de ce qu'il doit corriger.")
else:
    st.caption(f"Périmètre : **{scope.label}**. Seules ses anomalies sont affichées.")
for col, (label, value, help_text) in zip(st.columns(5), qv.headline(bundle, scope)):
    col.metric(label, value, help=help_text)

tab_completeness, tab_checks, tab_public, tab_score, tab_fix = st.tabs(
    ["Complétude des retours", "Contrôles de cohérence", "Déclaré et statistique publique", "Score par département",
     "À corriger (liste à envoyer)"]
)

with tab_completeness:
    programme = st.selectbox("Programme", list(bundle.programmes["code"]),
                             format_func=lambda c: qv.programme_label(bundle, c), key="q_programme")
    long = qv.completeness_long(bundle, programme, scope)
    ui.chart(qv.completeness_figure(long, programme, bundle.demo), f"completude_{programme}_{scope.stem}")
    ui.table(qv.completeness_table(bundle, programme, scope), key="q_matrix", column_config=year_columns)
    ui.downloads(long, f"completude_{programme}_{scope.stem}", key="q_completeness")
    with st.expander("Règle de complétude"):
        st.markdown(quality.COMPLETENESS_RULE)
    if st.toggle("Détail par indicateur", key="q_by_indicator",
                 help="Quels indicateurs attendus manquent, par département (une année) ou, pour un département, "
                      "par année."):
        years = qv.programme_years(bundle, programme)
        period = None
        if len(scope.departements) != 1:
            period = st.selectbox("Année", years, index=len(years) - 1, key=f"q_year_{programme}")
        cells = qv.indicator_completeness(bundle, programme, scope, period)
        ui.chart(qv.indicator_completeness_figure(cells, programme, bundle.demo), f"completude_indicateurs_{programme}_{scope.stem}")
        ui.table(cells, key="q_cells", column_config=year_columns)
        ui.downloads(cells, f"completude_indicateurs_{programme}_{scope.stem}", key="q_cells")

with tab_checks:
    ui.table(qv.checks_summary(bundle, scope), key="q_summary")
    for check in qv.consistency_checks(bundle):
        rows = qv.check_rows(check, scope)
        with st.expander(f"{check.title} : {len(rows)} ligne(s)", expanded=len(rows) > 0):
            st.markdown(f"**Règle.** {check.rule}")
            if rows.empty:
                st.success("Aucune anomalie dans ce périmètre.")
            else:
                ui.table(rows, key=f"q_check_{check.code}", column_config=year_columns)
                ui.downloads(rows, f"controle_{check.code}_{scope.stem}", key=f"q_check_{check.code}")

with tab_public:
    choices = qv.public_options(bundle)
    c1, c2, c3 = st.columns([2, 1, 2])
    indicator = c1.selectbox("Indicateur déclaré", list(choices), key="q_public_indicator")
    year = c2.selectbox("Année", choices[indicator], key=f"q_public_year_{indicator}")
    only_flagged = c3.checkbox("Seulement les valeurs signalées, toutes années", key="q_public_flagged")
    ui.chart(qv.public_figure(bundle, indicator, year, scope), f"declare_insee_{indicator}_{year}")
    shown = qv.public_rows(bundle, scope, indicator, None if only_flagged else year, only_flagged)
    ui.table(shown, key="q_public", column_config=year_columns)
    st.caption("Téléchargement : les deux indicateurs, toutes les années, pour le périmètre choisi.")
    ui.downloads(qv.public_rows(bundle, scope), f"declare_insee_{scope.stem}", key="q_public")
    with st.expander("Méthode"):
        st.markdown(quality.INDEPENDENT_RULE)

with tab_score:
    layer = cache.resource(needs.display_layer, "departement")
    url = qv.static_geojson_url(layer, bool(st.get_option("server.enableStaticServing")))
    st.plotly_chart(qv.score_map(bundle, layer, scope, url), width="stretch", config=map_config("score_qualite"))
    scores = qv.score_table(bundle, scope)
    ui.table(scores, key="q_scores")
    ui.downloads(scores, f"score_qualite_{scope.stem}", key="q_scores")
    with st.expander("Calcul du score"):
        st.markdown(quality.SCORE_RULE)

with tab_fix:
    fixes = qv.corrections(bundle, scope)
    st.markdown(
        f"**{len(fixes)} point(s) à faire corriger** : retours manquants ou en retard, indicateurs laissés vides, "
        "valeurs mises en doute par un contrôle. Téléchargez la liste pour l'envoyer au territoire."
    )
    if fixes.empty:
        st.success("Rien à corriger dans ce périmètre.")
    else:
        ui.table(fixes, key="q_fixes", column_config=year_columns)
    ui.downloads(fixes, f"a_corriger_{scope.stem}", key="q_fixes")
