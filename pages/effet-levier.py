"""Lever-effect page: State and own euros by action, execution, re-allocations, real own spending (DREES), leverage,
cost per result, substitution."""

import streamlit as st

from levier.analysis import lever
from levier.app import auth, cache, region_panel, urlstate
from levier.app import widgets as ui
from levier.views.effet_levier import epci_notice

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
st.title("Effet levier")
ui.rights_note(db.scope)
st.caption("L'argent de l'État a-t-il apporté des actions nouvelles ou renforcées, plus d'argent propre du département "
           "(ou de la métropole qui porte son contrat) et de meilleurs résultats — ou a-t-il remplacé une dépense qui existait "
           "déjà ?")
if sel.level == "region":  # a commissaire's région: its territories first, then the sums of its départements
    region_panel.render(db, sel, "effet-levier.py", compact=True)
programmes = cache.lever_programmes(db, sel.level, sel.code)
if sel.level == "epci" and not programmes:  # an EPCI holding no contract: said plainly, no département figures
    options = cache.territory_options()
    epci = options.epci
    nature = epci.at[sel.code, "nature"] if sel.code in epci.index else None
    st.info(epci_notice(nature, options.name("epci", sel.code), f"{options.name('departement', sel.dep)} ({sel.dep})"))
    st.stop()
if not programmes:
    st.info("Aucun financement n'est encore importé : déposez un fichier de financements sur la page Importer "
            "(formats décrits dans docs/financements.md).")
    st.stop()
by_code = {p.code: p for p in programmes}
c1, c2, c3 = st.columns([3, 2, 3])
programme = urlstate.selectbox(c1, "Programme", list(by_code), format_func=lambda c: f"{c} – {by_code[c].label}",
                              key="lev_programme", param="programme")
years = by_code[programme].years
if len(years) > 1:
    year_from, year_to = urlstate.select_slider(c2, "Années", list(years), value=(years[0], years[-1]),
                                                key=f"lev_years_{programme}", param="annees")
else:
    year_from = year_to = years[0]
    c2.markdown(f"Année : **{years[0]}**")
stage = urlstate.radio(c3, "Montants comparés", list(lever.STAGES), index=2, horizontal=True, key="lev_stage",
                       param="montants", format_func=lambda s: lever.STAGE_LABELS[s].capitalize())
view = cache.lever_page(db, sel.level, sel.code, programme, stage, year_from, year_to)

st.subheader(view.title)
if view.empty:
    st.info(f"Aucun financement {programme} déclaré pour ce territoire de {year_from} à {year_to} (contrat signé plus "
            "tard, ou fichier non encore importé).")
    st.stop()
cols = st.columns(len(view.headline))
for col, (label, value) in zip(cols, view.headline.items()):
    col.metric(label, value)
st.caption(f"{view.money_note}Montants {lever.STAGE_LABELS[stage]}s, {year_from}–{year_to}. {view.leverage_rule}")

own_alerts = view.own.substitutions if view.own else []
if view.substitutions or view.new_actions or own_alerts:
    st.warning("**Alertes de substitution**\n\n"
               + "\n".join(f"- {m}" for m in own_alerts + view.substitutions + view.new_actions))
    st.caption(view.substitution_rule + ("" if sel.level == "epci" else " " + lever.OWN_SUBSTITUTION_RULE))
if view.unchecked_new:
    st.caption(f"{view.unchecked_new} action(s) déclarée(s) « mesure nouvelle » sans valeur l'année précédant leur "
               "premier financement : la déclaration ne peut pas être vérifiée.")
for note in view.notes:
    st.caption(note)

st.markdown(f"#### État et {view.holder.noun} par action : prévu, engagé, consommé")
ui.chart(view.execution_figure, f"execution_{programme}_{sel.code}")
ui.table(view.execution, height=36 * (len(view.execution) + 1) + 3)
ui.downloads(view.execution_export, f"financements_{programme}_{sel.code}_{year_from}-{year_to}", key="lev_exec")

st.markdown("#### Crédits reventilés entre actions")
if view.sankey_figure is None:
    st.info("Aucun crédit reventilé sur la période pour ce territoire.")
else:
    ui.chart(view.sankey_figure, f"reventilations_{programme}_{sel.code}")

if view.own is not None:
    st.markdown(f"#### {view.own.heading}")
    if view.own.message:
        st.info(view.own.message)
    else:
        st.info(view.own.real_and_fictive)
        ui.chart(view.own.figure, f"depenses_propres_{programme}_{sel.code}")
        ui.table(view.own.table, height=min(36 * (len(view.own.table) + 1) + 3, 420), key="lev_own_table")
        st.caption(view.own.population_note)
        st.caption("**Test de substitution sur les dépenses réelles.** " + view.own.scope)
        if view.own.substitutions:
            st.caption("Alerte de substitution sur ces dépenses réelles : voir en haut de la page.")
        elif view.own.tested_years:
            st.caption("Pas d'alerte : les dépenses propres réelles ne baissent pas au moment où l'argent de l'État du "
                       f"contrat augmente ({', '.join(str(y) for y in view.own.tested_years)}).")
        ui.downloads(view.own.export, f"depenses_propres_{programme}_{sel.code}", key="lev_own")

st.markdown(f"#### {view.peers_heading}")
ui.chart(view.leverage_figure, f"levier_{programme}_{sel.code}")
if view.per_poor_figure is not None:
    ui.chart(view.per_poor_figure, f"par_habitant_pauvre_{programme}_{sel.code}")
    st.caption(lever.POOR_RULE)

st.markdown("#### Coût par résultat : € par bénéficiaire-année")
st.caption(view.cost_rule)
st.caption(f"Années financées comptées depuis le premier financement de chaque action jusqu'à {year_to} (fin de la "
           "période choisie). Un texte coupé se lit en entier en survolant sa cellule, dans les mises en garde en toutes "
           "lettres sous le tableau et dans le téléchargement ; définition détaillée : docs/cout_par_resultat.md.")
if view.costs.empty:
    st.info("Aucune action financée n'a d'indicateur de bénéficiaires pour ce territoire.")
else:
    # Pixel widths so that the cost, its denominator, T0 and the funded years read whole at 1280 px; the caveat
    # takes the rest (its first words say the reason) and is written out in full in the expander below.
    ui.table(view.costs, height=min(36 * (len(view.costs) + 1) + 3, 520), key="lev_costs_table", column_config={
        "Action": st.column_config.TextColumn(width=92),
        "Indicateur": st.column_config.TextColumn(width=170),
        "€ par bénéficiaire-année": st.column_config.TextColumn("€ / bénéf.-année", width=108,
                                                                 help="€ par bénéficiaire-année"),
        "Bénéficiaires-années au-dessus de T0": st.column_config.TextColumn(
            "Bénéf.-années", width=92, help="Bénéficiaires-années au-dessus du niveau de T0, sur les années financées"),
        "T0 (année · bénéficiaires)": st.column_config.TextColumn(
            "T0 · niveau", width=90, help="Année avant le premier financement · bénéficiaires cette année-là"),
        "Années financées": st.column_config.TextColumn("Années", width=76, help="Années financées comptées"),
        "€ des années financées": st.column_config.TextColumn("€ comptés", width=92,
                                                               help="€ des années financées comptées"),
        "Mise en garde": st.column_config.TextColumn(width="large"),
    })
    if view.cost_notes:
        with st.expander("Mises en garde et motifs en toutes lettres"):
            st.markdown("\n".join(f"- {note}" for note in view.cost_notes))
    ui.downloads(view.costs_export, f"cout_par_resultat_{programme}_{sel.code}", key="lev_costs")

with st.expander(view.comparison_heading):
    ui.table(view.comparison, height=420)
    ui.downloads(view.comparison_export, f"{view.comparison_stem}_{programme}_{year_from}-{year_to}", key="lev_comp")
