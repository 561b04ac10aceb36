"""Comparison page: all départements ranked on one indicator, two indicators crossed, a few over time."""

import streamlit as st

from levier.app import auth, cache, urlstate
from levier.app import widgets as ui
from levier.views import comparer, series

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
st.title("Comparer les départements")
ui.rights_note(db.scope)
choices = cache.comparer_indicators(db, "departement", ())
labels = dict(zip(choices["code"], choices["label"] + " (" + choices["code"] + ")"))
periods_of = dict(zip(choices["code"], choices["periods"]))
# A région selected without a département: its départements highlighted where a département's peers would be.
region_codes, region_label = comparer.region_highlight(cache.territory_options(), "" if sel.dep else sel.reg)
peer_codes = cache.peer_codes(db, sel.dep, "departement") if sel.dep else region_codes
selected = sel.dep or None

def show_ranking(view, stem: str, key: str, missing_title: str, method: str | None = None) -> None:
    """A ranking as every tab shows it: its caveats, the chart, the table, its downloads, the territories left out."""
    ui.caveats(view.caveats)
    if method:
        st.caption(method)
    ui.chart(comparer.name_highlight(view.figure, region_label), stem)
    ui.table(getattr(view, "display", view.table), height=360)  # numbers in French with their unit when the view says them
    ui.downloads(view.table, stem, key=key)
    if len(view.missing):
        st.markdown(f"**{missing_title} ({len(view.missing)})**")
        ui.table(view.missing)


tab_rank, tab_change, tab_scatter, tab_multiples = urlstate.tabs(
    ["Classement", "Évolution entre deux années", "Deux indicateurs", "Évolutions comparées"], key="cmp_tab")
with tab_rank:
    if tab_rank.open:
        c1, c2 = st.columns([3, 1])
        default = comparer.default_indicator(choices, comparer.DEFAULT_RANKING_INDICATOR)
        indicator = urlstate.selectbox(c1, "Indicateur", choices["code"], index=default, format_func=labels.get,
                                      key="cmp_indicator", param="indicateur")
        years = list(periods_of[indicator])
        period = urlstate.selectbox(c2, "Année", years, index=len(years) - 1, key=f"cmp_period_{indicator}",
                                    param="annee")
        reference_only = urlstate.toggle(st, "Restreindre à la définition de référence", key="cmp_reference_only",
                                         param="reference",
                                   help="Écarte les départements qui déclarent une variante de définition pour cet "
                                        "indicateur (ou, pour un ratio, pour son numérateur ou son dénominateur).")
        ranking = cache.ranking_view(db, indicator, int(period), selected, peer_codes, reference_only)
        show_ranking(ranking, f"classement_{indicator}_{period}", "cmp_rank", "Sans valeur transmise")

with tab_change:
    if tab_change.open:
        # Ranked on a change between two years, never across a series break (views.series.change_view).
        series_choices = cache.series_choices(db, None)
        series_labels = dict(zip(series_choices["head"], series_choices["label"] + " (" + series_choices["head"] + ")"))
        series_years = dict(zip(series_choices["head"], series_choices["periods"]))
        c1, c2, c3 = st.columns([3, 1, 1])
        heads = list(series_choices["head"])
        head = urlstate.selectbox(c1, "Indicateur", heads, index=series.default_change_head(heads),
                                 format_func=series_labels.get, key="cmp_change_indicator",
                                 param="indicateur_evolution")
        if head:
            change_years = list(series_years[head])
            year_from = urlstate.selectbox(c2, "Année de départ", change_years, index=0,
                                           key=f"cmp_change_from_{head}", param="depuis")
            year_to = urlstate.selectbox(c3, "Année d'arrivée", change_years, index=len(change_years) - 1,
                                         key=f"cmp_change_to_{head}", param="jusqua")
            change = cache.change_ranking(db, head, int(year_from), int(year_to), selected, peer_codes)
            if change.refusal:
                st.error(change.refusal)
            else:
                show_ranking(change, f"evolution_{change.indicator}_{year_from}_{year_to}", "cmp_change",
                             "Non classés", method=change.method)

with tab_scatter:
    if tab_scatter.open:
        c1, c2, c3 = st.columns([2, 2, 1])
        x = urlstate.selectbox(c1, "Indicateur en abscisse", choices["code"],
                              index=comparer.default_indicator(choices, "STAT-TP60"), format_func=labels.get,
                              key="cmp_x", param="abscisse")
        y = urlstate.selectbox(c2, "Indicateur en ordonnée", choices["code"],
                              index=comparer.default_indicator(choices, comparer.DEFAULT_RANKING_INDICATOR),
                              format_func=labels.get, key="cmp_y", param="ordonnee")
        year = urlstate.selectbox(c3, "Jusqu'à l'année", list(range(2026, 2013, -1)), index=4, key="cmp_year",
                                 param="annee_nuage")
        scatter = cache.scatter_view(db, x, y, int(year), selected, peer_codes)
        ui.caveats(scatter.caveats)
        ui.chart(comparer.name_highlight(scatter.figure, region_label), f"nuage_{x}_{y}")
        ui.downloads(scatter.table, f"nuage_{x}_{y}", key="cmp_scatter")

with tab_multiples:
    if tab_multiples.open:
        options = cache.territory_options()
        deps = options.departements
        default_codes = [c for c in ([sel.dep] if sel.dep else []) + list(peer_codes)][:6] or ["38", "69", "59", "13"]
        codes = urlstate.multiselect(st, "Départements", list(deps.index), default=default_codes, max_selections=9,
                                     format_func=lambda c: f"{c} – {deps.at[c, 'name']}", key="cmp_deps",
                                     param="departements")
        indicator_sm = urlstate.selectbox(st, "Indicateur", choices["code"],
                                         index=comparer.default_indicator(choices, "CALPAE-3.1.1-NE"),
                                         format_func=labels.get, key="cmp_sm_indicator", param="indicateur_series")
        if codes:
            multiples = cache.small_multiples_view(db, indicator_sm, tuple(codes), selected)
            ui.caveats(multiples.caveats)
            ui.chart(multiples.figure, f"evolutions_{indicator_sm}")
