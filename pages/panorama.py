"""Panorama des besoins: one public statistic by EPCI and by département for the territory chosen in the sidebar."""

import streamlit as st

from levier.analysis import positions
from levier.app import auth, cache, series_section, urlstate
from levier.app import widgets as ui
from levier.charts import maps
from levier.views import panorama, series

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
options = cache.territory_options()
area = panorama.map_area(sel, options)
st.title("Panorama des besoins")
st.caption(
    f"Territoire : **{area.label}** (à choisir dans le panneau de gauche : France entière, une région ou un "
    "département). Statistiques publiques de l'INSEE, valeurs réelles."
)

choices = {c.code: c for c in cache.panorama_indicators(db)}
if not choices:
    st.info("Aucune statistique publique chargée : importez un fichier INSEE (Filosofi) depuis la page Importer.")
    st.stop()
codes = list(choices)
c1, c2 = st.columns([3, 1])
code = urlstate.selectbox(
    c1, "Indicateur", codes, index=panorama.default_indicator(list(choices.values())),
    format_func=lambda c: choices[c].choice_label(), key="pan_indicator", param="indicateur",
)
ind = choices[code]
years = sorted(ind.periods, reverse=True)
year = urlstate.selectbox(c2, "Année", years, index=years.index(panorama.default_period(ind)), key=f"pan_year_{code}",
                          param="annee",
                    help="Année des revenus (Filosofi). Les années publiées diffèrent entre EPCI et départements.")
c3, c4, c5 = st.columns([2, 1, 2])
method = urlstate.radio(c3, "Classes", list(panorama.METHOD_CHOICES), format_func=panorama.METHOD_CHOICES.get,
                        horizontal=True, key="pan_method", param="classes", help="Quantiles : autant de territoires dans chaque classe. Seuils naturels : "
                  "les ruptures de la distribution (Jenks). Intervalles égaux : classes de même amplitude.")
k = urlstate.slider(c4, "Nombre de classes", 3, 7, 5, key="pan_k", param="nb_classes")
lists = cache.service_lists(db)
overlay = urlstate.multiselect(
    c5, "Superposer des lieux de service", list(lists["service_type"]), default=[],
    format_func=panorama.service_type_label, key="pan_overlay", param="lieux", placeholder="Aucun",
    help="Les lieux des listes importées, sur la carte par EPCI (page « Offre de services et couverture »).",
)

view = cache.panorama_view(db, code, year, area)
with st.expander(f"Définition : {ind.label}"):
    st.markdown(f"{ind.definition}\n\nSource : {ind.source}. Unité : {ind.unit_text}.")
    st.markdown(f"{positions.RANK_RULE}")

st.subheader(f"Par EPCI — {area.label}")
points = cache.service_points(db, tuple(overlay)) if overlay else None
fig = panorama.epci_figure(view, cache.display_layer(panorama.LEVEL_EPCI), method, k, points)
if fig is None:
    published = ", ".join(map(str, ind.periods_epci)) or "aucune"
    st.info(f"« {ind.label} » n'est pas publié par EPCI pour {year} (années publiées par EPCI : {published}). "
            "Filosofi ne publie le taux de pauvreté qu'au niveau départemental.")
else:
    ui.territory_map(fig, config=maps.map_config(f"panorama_epci_{code}_{year}"), key="pan_epci_map")
    st.caption(f"France = {view.france_basis}. {panorama.EPCI_DEP_RULE} {panorama.VINTAGE_RULE.format(vintage=view.vintage)}")
    table = panorama.epci_table(view)
    ui.table(table, height=400)
    ui.downloads(table, f"panorama_epci_{area.code or 'france'}_{code}_{year}", key="pan_epci")

st.subheader("Par département")
fig = panorama.departement_figure(view, cache.display_layer(panorama.LEVEL_DEP), method, k)
if fig is None:
    published = ", ".join(map(str, ind.periods_dep)) or "aucune"
    st.info(f"« {ind.label} » n'est pas publié par département pour {year} (années publiées : {published}).")
else:
    ui.territory_map(fig, config=maps.map_config(f"panorama_dep_{code}_{year}"), key="pan_dep_map")
    st.caption(f"France = {view.france_basis}. Les départements sans valeur (secret statistique ou non publiés) "
               "sont en gris, jamais comptés à zéro.")
    table = panorama.departement_table(view)
    ui.table(table, height=400 if len(table) > 10 else "auto")
    ui.downloads(table, f"panorama_dep_{area.code or 'france'}_{code}_{year}", key="pan_dep")

# Series over every published year for the territory in view, the medians beside them (views.series).
series_section.render(db, series.series_target(sel, options), (), key="pan", public_only=True)
