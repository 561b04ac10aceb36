"""Panorama des besoins: one public statistic by EPCI and by département for the territory chosen in the sidebar."""

import streamlit as st

from levier.app import cache
from levier.charts import maps
from levier.analysis import positions as metrics
from levier.views import panorama as needs
from levier.app import widgets as ui

sel = ui.current_selection()
options = cache.territory_options()
scope = needs.scope_of(sel, options)
st.title("Panorama des besoins")
st.caption(
    f"Territoire : **{scope.label}** (à choisir dans le panneau de gauche : France entière, une région ou un "
    "département). Statistiques publiques de l'INSEE, valeurs réelles."
)

choices = {c.code: c for c in cache.load(needs.indicator_choices)}
if not choices:
    st.info("Aucune statistique publique chargée : importez un fichier INSEE (Filosofi) depuis la page Importer.")
    st.stop()
codes = list(choices)
c1, c2 = st.columns([3, 1])
code = c1.selectbox(
    "Indicateur", codes, index=needs.default_indicator(list(choices.values())),
    format_func=lambda c: choices[c].choice_label(), key="pan_indicator",
)
ind = choices[code]
years = sorted(ind.periods, reverse=True)
year = c2.selectbox("Année", years, index=years.index(needs.default_period(ind)), key=f"pan_year_{code}",
                    help="Année des revenus (Filosofi). Les années publiées diffèrent entre EPCI et départements.")
c3, c4, c5 = st.columns([2, 1, 2])
method = c3.radio("Classes", list(needs.METHOD_CHOICES), format_func=needs.METHOD_CHOICES.get, horizontal=True,
                  key="pan_method", help="Quantiles : autant de territoires dans chaque classe. Seuils naturels : "
                  "les ruptures de la distribution (Jenks). Intervalles égaux : classes de même amplitude.")
k = c4.slider("Nombre de classes", 3, 7, 5, key="pan_k")
lists = cache.load(needs.service_lists)
overlay = c5.multiselect(
    "Superposer des lieux de service", list(lists["service_type"]), default=[],
    format_func=needs.service_type_label, key="pan_overlay", placeholder="Aucun",
    help="Les lieux des listes importées, sur la carte par EPCI (page « Offre de services et couverture »).",
)

view = cache.load(needs.panorama_view, code, year, scope)
with st.expander(f"Définition : {ind.label}"):
    st.markdown(f"{ind.definition}\n\nSource : {ind.source}. Unité : {ind.unit_text}.")
    st.markdown(f"{metrics.RANK_RULE}")

st.subheader(f"Par EPCI — {scope.label}")
points = cache.load(needs.service_points, tuple(overlay)) if overlay else None
fig = needs.epci_figure(view, cache.resource(needs.display_layer, needs.LEVEL_EPCI), method, k, points)
if fig is None:
    published = ", ".join(map(str, ind.periods_epci)) or "aucune"
    st.info(f"« {ind.label} » n'est pas publié par EPCI pour {year} (années publiées par EPCI : {published}). "
            "Filosofi ne publie le taux de pauvreté qu'au niveau départemental.")
else:
    st.plotly_chart(fig, width="stretch", config=maps.map_config(f"panorama_epci_{code}_{year}"), key="pan_epci_map")
    st.caption(f"France = {view.france_basis}. {needs.EPCI_DEP_RULE} {needs.VINTAGE_RULE.format(vintage=view.vintage)}")
    table = needs.epci_table(view)
    ui.table(table, height=400)
    ui.downloads(table, f"panorama_epci_{scope.code or 'france'}_{code}_{year}", key="pan_epci")

st.subheader("Par département")
fig = needs.departement_figure(view, cache.resource(needs.display_layer, needs.LEVEL_DEP), method, k)
if fig is None:
    published = ", ".join(map(str, ind.periods_dep)) or "aucune"
    st.info(f"« {ind.label} » n'est pas publié par département pour {year} (années publiées : {published}).")
else:
    st.plotly_chart(fig, width="stretch", config=maps.map_config(f"panorama_dep_{code}_{year}"), key="pan_dep_map")
    st.caption(f"France = {view.france_basis}. Les départements sans valeur (secret statistique ou non publiés) "
               "sont en gris, jamais comptés à zéro.")
    table = needs.departement_table(view)
    ui.table(table, height=400 if len(table) > 10 else "auto")
    ui.downloads(table, f"panorama_dep_{scope.code or 'france'}_{code}_{year}", key="pan_dep")
