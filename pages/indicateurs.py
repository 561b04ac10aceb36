"""Indicator catalogue page: every indicator, searchable and filterable, with its full definition, the data that
exists, and which départements apply the reference definition or a declared variant."""

import streamlit as st

from levier.analysis import comparability
from levier.app import auth, cache, urlstate
from levier.app import widgets as ui
from levier.views import indicateurs

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

st.title("Indicateurs et définitions")
st.markdown(
    "Tous les indicateurs du catalogue de Levier : leur définition, leur mode de calcul, le sens souhaité, "
    "la périodicité et les années et territoires pour lesquels des données existent. Pour chaque indicateur "
    "saisi par les territoires, la **matrice de comparabilité** indique quels départements appliquent la "
    "définition de référence, lesquels une variante déclarée, et lesquels n'ont rien déclaré."
)

catalogue = cache.catalogue(db)
options = indicateurs.catalogue_options(catalogue)
search = st.text_input("Rechercher un indicateur (code, libellé ou mot de la définition)", key="cat_search")
columns = st.columns(len(indicateurs.CATALOGUE_FILTERS))
filters = {
    name: col.multiselect(name, options[name], key=f"cat_filter_{name}", placeholder="tous")
    for name, col in zip(indicateurs.CATALOGUE_FILTERS, columns)
}
variants_only = st.checkbox("Seulement les indicateurs pour lesquels des départements déclarent une variante",
                            key="cat_variants_only")
shown = indicateurs.filter_catalogue(catalogue, search, filters, variants_only=variants_only)
st.caption(f"{len(shown)} indicateur(s) sur {len(catalogue)}. Le téléchargement contient toutes les colonnes "
           "(numérateur, dénominateur, action, variantes connues, libellés acceptés à l'import).")
ui.table(indicateurs.catalogue_display(shown), key="cat_table")
ui.downloads(shown, "catalogue_indicateurs", key="cat")

st.header("Fiche de l'indicateur")
if shown.empty:
    st.info("Aucun indicateur ne correspond à la recherche et aux filtres.")
    st.stop()
labels = indicateurs.indicator_labels(shown)
code = urlstate.selectbox(st, "Indicateur", list(labels),
                          index=indicateurs.default_index(list(labels), "CALPAE-3.1.1-OR1M-TX"),
                          format_func=labels.get, key="cat_indicator", param="indicateur")
detail = cache.indicator_detail(db, code)

st.subheader(f"{detail.label} ({detail.code})")
left, right = st.columns([3, 2])
with left:
    st.markdown(f"**Définition.** {detail.definition}")
    for line in detail.parts:
        st.markdown(f"- {line}")
    if detail.used_in:
        st.markdown("**Sert au calcul de :** " + " ; ".join(detail.used_in))
with right:
    st.markdown(indicateurs.facts_markdown(detail))
ui.chart(detail.coverage_figure, f"donnees_{detail.code}")
with st.expander("Données disponibles, année par année"):
    ui.table(detail.coverage, key="cat_coverage",
             column_config={"Année": st.column_config.NumberColumn(format="%d")})

st.subheader("Comparabilité entre départements")
if not detail.applicable:
    st.info(detail.message)
else:
    (st.warning if detail.mixed else st.info)(detail.message)
    c1, c2, c3 = st.columns(3)
    c1.metric("Définition de référence déclarée", detail.counts.get(comparability.STATUS_REFERENCE, 0))
    c2.metric("Variante déclarée", detail.counts.get(comparability.STATUS_VARIANT, 0))
    c3.metric("Rien déclaré (présumés à la référence)", detail.counts.get(comparability.STATUS_UNDECLARED, 0))
    ui.chart(detail.comparability_figure, f"comparabilite_{detail.code}")
    statuses = st.multiselect(
        "Départements à afficher",
        [comparability.STATUS_VARIANT, comparability.STATUS_REFERENCE, comparability.STATUS_UNDECLARED],
        key="cat_statuses", placeholder="tous les départements",
    )
    ui.table(indicateurs.comparability_rows(detail, statuses), key="cat_matrix")
    ui.downloads(detail.by_year, f"comparabilite_{detail.code}", key="cat_comparability")
    st.markdown("**Variantes connues de la définition**")
    ui.table(detail.known, key="cat_known")
    with st.expander("Comment lire la comparabilité"):
        st.markdown(comparability.COMPARABILITY_RULE)
        st.markdown("Format du fichier de déclaration des variantes : `docs/variantes.md` (page *Importer*).")

with st.expander("Toutes les déclarations de variantes en vigueur"):
    declared = cache.declarations(db)
    ui.table(declared, key="cat_declarations")
    ui.downloads(declared, "variantes_declarees", key="cat_declared")

st.header("Sources indépendantes")
st.markdown(indicateurs.INDEPENDENT_INTRO)
links = indicateurs.independent_sources(db)
if links.empty:
    st.info("Aucun indicateur du catalogue n'est encore relié à une source publique indépendante.")
else:
    ui.table(links, key="cat_independent")
with st.expander("Années rapprochées et tolérance"):
    st.markdown(indicateurs.INDEPENDENT_METHOD)
