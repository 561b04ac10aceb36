"""Data quality page: completeness of the returns, consistency checks, declared figures next to public statistics,
a score per département with its map, and the list of corrections to send, scoped to the sidebar selection."""

import streamlit as st

from levier.analysis import quality
from levier.app import auth, cache, region_panel, urlstate
from levier.app import widgets as ui
from levier.charts.maps import map_config
from levier.views import independent as independent_view
from levier.views import qualite

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
year_columns = {c: st.column_config.NumberColumn(format="%d") for c in qualite.YEAR_COLUMNS}
st.title("Qualité des données")
ui.rights_note(db.scope)
if sel.level == "region":  # a commissaire's région: its territories first, then their anomalies
    region_panel.render(db, sel, "qualite.py", compact=True)
bundle = cache.quality_bundle(db)
perimeter = qualite.perimeter_of(bundle, sel.reg, sel.dep, sel.epci)
if perimeter.national:
    st.caption("Périmètre : **France entière**. Choisissez un département dans le panneau de gauche pour ne voir "
               "que ses anomalies et télécharger la liste de ce qu'il doit corriger.")
else:
    st.caption(f"Périmètre : **{perimeter.label}**. Seules ses anomalies sont affichées.")
for col, (label, value, help_text) in zip(st.columns(5), qualite.headline(bundle, perimeter)):
    col.metric(label, value, help=help_text)

tab_completeness, tab_checks, tab_public, tab_score, tab_fix = urlstate.tabs(
    ["Complétude des retours", "Contrôles de cohérence", "Déclaré et statistique publique", "Score par département",
     "À corriger (liste à envoyer)"], key="q_tab"
)

with tab_completeness:
    if tab_completeness.open:
        programme = urlstate.selectbox(st, "Programme", list(bundle.programmes["code"]),
                                       format_func=lambda c: qualite.programme_label(bundle, c), key="q_programme",
                                       param="programme")
        long = qualite.completeness_long(bundle, programme, perimeter)
        ui.chart(qualite.completeness_figure(long, programme, bundle.demo), f"completude_{programme}_{perimeter.stem}")
        ui.table(qualite.completeness_table(bundle, programme, perimeter), key="q_matrix", column_config=year_columns)
        ui.downloads(long, f"completude_{programme}_{perimeter.stem}", key="q_completeness")
        with st.expander("Règle de complétude"):
            st.markdown(quality.COMPLETENESS_RULE)
        urlstate.keep("q_by_indicator")  # still on when the user comes back to this tab
        if st.toggle("Détail par indicateur", key="q_by_indicator",
                     help="Quels indicateurs attendus manquent, par département (une année) ou, pour un "
                          "département, par année."):
            years = qualite.programme_years(bundle, programme)
            period = None
            if len(perimeter.departements) != 1:
                period = urlstate.selectbox(st, "Année", years, index=len(years) - 1, key=f"q_year_{programme}",
                                            param="annee")
            cells = qualite.indicator_completeness(bundle, programme, perimeter, period)
            ui.chart(qualite.indicator_completeness_figure(cells, programme, bundle.demo),
                     f"completude_indicateurs_{programme}_{perimeter.stem}")
            ui.table(cells, key="q_cells", column_config=year_columns)
            ui.downloads(cells, f"completude_indicateurs_{programme}_{perimeter.stem}", key="q_cells")

with tab_checks:
    if tab_checks.open:
        st.info(qualite.GATING_NOTE)
        ui.table(qualite.checks_summary(bundle, perimeter), key="q_summary")
        with st.expander("Gravité des anomalies : erreurs et avertissements"):
            st.markdown(quality.SEVERITY_RULE)
        for check in qualite.consistency_checks(bundle):
            rows = qualite.check_rows(check, perimeter)
            with st.expander(f"{check.title} : {len(rows)} ligne(s)", expanded=len(rows) > 0):
                st.markdown(f"**Règle.** {check.rule}")
                if rows.empty:
                    st.success("Aucune anomalie dans ce périmètre.")
                else:
                    ui.table(rows, key=f"q_check_{check.code}", column_config=year_columns)
                    ui.downloads(rows, f"controle_{check.code}_{perimeter.stem}", key=f"q_check_{check.code}")

with tab_public:
    if tab_public.open:
        choices = qualite.public_options(bundle)
        c1, c2, c3 = st.columns([2, 1, 2])
        indicator = urlstate.selectbox(c1, "Indicateur déclaré", list(choices), key="q_public_indicator",
                                       param="indicateur")
        year = urlstate.selectbox(c2, "Année", choices[indicator], key=f"q_public_year_{indicator}",
                                  param="annee_declaree")
        urlstate.keep("q_public_flagged")
        only_flagged = c3.checkbox("Seulement les valeurs signalées, toutes années", key="q_public_flagged")
        ui.chart(qualite.public_figure(bundle, indicator, year, perimeter), f"declare_insee_{indicator}_{year}")
        shown = qualite.public_rows(bundle, perimeter, indicator, None if only_flagged else year, only_flagged)
        ui.table(shown, key="q_public", column_config=year_columns)
        st.caption("Téléchargement : les deux indicateurs, toutes les années, pour le périmètre choisi.")
        ui.downloads(qualite.public_rows(bundle, perimeter), f"declare_insee_{perimeter.stem}", key="q_public")
        with st.expander("Méthode"):
            st.markdown(quality.INDEPENDENT_RULE)
        st.subheader(independent_view.SECTION_TITLE)
        urlstate.keep("q_independent_flagged")
        only_gaps = st.checkbox(f"Seulement les lignes « {independent_view.BADGE} »", key="q_independent_flagged")
        independent_shown = qualite.independent_rows(bundle, perimeter, only_gaps)
        if independent_shown.empty:
            st.info("Aucune valeur déclarée n'a, dans ce périmètre, de source publique indépendante reliée par "
                    "le catalogue (ou la source n'est pas importée).")
        else:
            ui.table(independent_shown, key="q_independent")
            ui.downloads(independent_shown, f"declare_source_independante_{perimeter.stem}", key="q_independent")
        with st.expander("Méthode : déclaré et source indépendante"):
            st.markdown(quality.INDEPENDENT_SOURCE_RULE)

with tab_score:
    if tab_score.open:
        layer = cache.display_layer(qualite.DEPARTEMENT)
        url = qualite.static_geojson_url(layer, bool(st.get_option("server.enableStaticServing")))
        ui.territory_map(qualite.score_map(bundle, layer, perimeter, url), config=map_config("score_qualite"),
                         key="q_score_map")
        scores = qualite.score_table(bundle, perimeter)
        ui.table(scores, key="q_scores")
        ui.downloads(scores, f"score_qualite_{perimeter.stem}", key="q_scores")
        with st.expander("Calcul du score"):
            st.markdown(quality.SCORE_RULE)

with tab_fix:
    if tab_fix.open:
        fixes = qualite.corrections(bundle, perimeter)
        st.markdown(
            f"**{len(fixes)} point(s) à faire corriger** : retours manquants ou en retard, indicateurs laissés "
            "vides, valeurs mises en doute par un contrôle. Téléchargez la liste pour l'envoyer au territoire."
        )
        if fixes.empty:
            st.success("Rien à corriger dans ce périmètre.")
        else:
            ui.table(fixes, key="q_fixes", column_config=year_columns)
        ui.downloads(fixes, f"a_corriger_{perimeter.stem}", key="q_fixes")
