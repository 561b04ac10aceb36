"""Offre de services et couverture: service locations over the needs map, and the share of the population within
X km of a service (CALPAE indicator 2.1.1, computed) by EPCI and by département."""

import streamlit as st

from levier.analysis.coverage import DEFAULT_DISTANCE_KM, STANDARD_DISTANCES_KM
from levier.app import auth, cache, urlstate
from levier.app import widgets as ui
from levier.charts import maps
from levier.core.fmt import fmt_int, fmt_number, fmt_pct
from levier.views import panorama, services

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
options = cache.territory_options()
area = panorama.map_area(sel, options)
st.title("Offre de services et couverture")
st.caption(f"Territoire : **{area.label}** (à choisir dans le panneau de gauche). Listes de lieux réelles.")

lists = cache.service_lists(db)
if lists.empty:
    st.info("Aucune liste de lieux de service importée : importez-en une depuis la page Importer "
            "(liste France services de l'ANCT, référentiel des agences France Travail ou format Levier).")
    st.stop()
with st.expander(f"{len(lists)} liste(s) de lieux chargée(s)"):
    ui.table(services.service_lists_table(lists))
types = list(lists["service_type"])

# ------------------------------------------------------------------------------------------ needs and places
st.subheader(f"Besoins et lieux de service — {area.label}")
choices = {c.code: c for c in cache.panorama_indicators(db) if c.periods_epci}
c1, c2, c3 = st.columns([3, 1, 3])
code = urlstate.selectbox(c1, "Indicateur de besoin (par EPCI)", list(choices),
                          index=panorama.default_indicator(list(choices.values())) if choices else 0,
                          format_func=lambda c: choices[c].label, key="svc_indicator", param="indicateur")
shown = urlstate.multiselect(c3, "Lieux affichés", types, default=types, format_func=panorama.service_type_label,
                             key="svc_types", param="lieux", placeholder="Aucun")
if code:
    ind = choices[code]
    year = urlstate.selectbox(c2, "Année", sorted(ind.periods_epci, reverse=True), key=f"svc_year_{code}",
                              param="annee")
    fig = cache.needs_map(db, code, year, area, tuple(shown))
    if fig is not None:
        ui.territory_map(fig, config=maps.map_config(f"besoins_lieux_{code}_{year}"), key="svc_needs_map")

# ------------------------------------------------------------------------------------------ coverage
st.subheader("Couverture : part de la population à moins de X km d'un lieu")
st.caption("Indicateur 2.1.1 de la grille CALPAE (premier accueil social accessible à moins de 30 minutes), "
           "**calculé** à partir des listes de lieux au lieu d'être déclaré.")
c1, c2, c3 = st.columns([2, 2, 1])
service_type = urlstate.selectbox(c1, "Type de lieu", types, index=services.default_service_type(types),
                                  format_func=panorama.service_type_label, key="cov_type", param="type_lieu")
distance = urlstate.slider(c2, "Distance à vol d'oiseau (km)", min(STANDARD_DISTANCES_KM), max(STANDARD_DISTANCES_KM),
                           int(DEFAULT_DISTANCE_KM), key="cov_distance", param="distance",
                     help="20 km à vol d'oiseau approchent 30 minutes de route (voir la méthode ci-dessous).")
by = urlstate.radio(c3, "Carte par", [panorama.LEVEL_EPCI, panorama.LEVEL_DEP], format_func={"epci": "EPCI",
                    "departement": "département"}.get, key="cov_level", param="carte")
cv = cache.coverage_view(db, service_type, float(distance), area)
m1, m2, m3 = st.columns(3)
m1.metric(f"Population à moins de {distance} km — {area.label}", fmt_pct(cv.in_view["share"]),
          help=f"{fmt_int(cv.in_view['population_covered'])} habitants sur {fmt_int(cv.in_view['population'])}")
m2.metric(f"France entière, à moins de {distance} km", fmt_pct(cv.france["share"]))
m3.metric(f"Lieux « {cv.label} » — {area.label}", fmt_int(cv.in_view["places"]),
          help=services.places_help(cv))
fig = cache.coverage_map(db, service_type, float(distance), area, by)
ui.territory_map(fig, config=maps.map_config(f"couverture_{service_type}_{distance}km"), key="cov_map")
st.markdown(cv.method_text)
st.warning(cv.limits_text, icon=":material/warning:")

st.markdown(f"**Par EPCI** — {area.label}")
table = services.coverage_epci_table(cv)
ui.table(table, height=400 if len(table) > 10 else "auto")
ui.downloads(table, f"couverture_epci_{service_type}_{area.code or 'france'}_{distance}km", key="cov_epci")
st.markdown(f"**Par département** — {area.label}")
table = services.coverage_departement_table(cv)
ui.table(table, height=400 if len(table) > 10 else "auto")
ui.downloads(table, f"couverture_dep_{service_type}_{area.code or 'france'}_{distance}km", key="cov_dep")
placed = (f"dont {fmt_int(cv.approx_communes)} au point de leur EPCI, absentes du fichier des points"
          if cv.approx_communes else "chacune à son centroïde")
when = " à la publication des données" if cv.precomputed else ""
st.caption(f"Calcul{when} : {fmt_number(cv.seconds, 2)} s pour {fmt_int(cv.communes)} communes ({placed}).")
