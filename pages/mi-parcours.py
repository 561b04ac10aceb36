"""Mid-term page: T0 → T+3 for every indicator, targets and trajectories, and the territory against the trend."""

import streamlit as st

from levier.analysis.positions import STATUSES
from levier.app import auth, cache, region_panel, urlstate
from levier.app import widgets as ui
from levier.views import mi_parcours

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
options = cache.territory_options()
st.title("Comparaison mi-parcours")
ui.rights_note(db.scope)
if sel.level == "region":  # a commissaire's région: its territories, not a refusal
    region_panel.render(db, sel, "mi-parcours.py", detail="statuses")
    st.stop()
if not ui.need_territory(sel):
    st.stop()

st.subheader(options.label(sel))
periods = cache.available_periods(db, sel.level, sel.code) or [2023]
c1, c2, c3 = st.columns(3)
programme = urlstate.selectbox(c1, "Programme", list(mi_parcours.PROGRAMME_PERIODS), key="mp_programme",
                              param="programme", format_func=mi_parcours.PROGRAMME_LABELS.get)
default_from, default_to = mi_parcours.PROGRAMME_PERIODS[programme]
period_from = urlstate.selectbox(c2, "Période de départ (T0)", periods,
                                 index=mi_parcours.closest(periods, default_from), key=f"mp_from_{programme}",
                                 param="depuis")
period_to = urlstate.selectbox(c3, "Période de comparaison", periods, index=mi_parcours.closest(periods, default_to),
                               key=f"mp_to_{programme}", param="jusqua")
view = cache.midterm_view(db, sel.code, sel.level, period_from, period_to, period_from, programme)

st.markdown("#### Cibles et trajectoires")
if view.tracking.empty:
    st.info("Aucune cible n'est enregistrée pour ce programme et ce territoire.")
else:
    cols = st.columns(len(STATUSES))
    for col, status in zip(cols, STATUSES):
        col.metric(status.capitalize(), view.status_counts.get(status, 0))
    st.caption(f"Règle : {mi_parcours.STATUS_RULE}")
    tracking = mi_parcours.tracking_display(view.tracking)
    ui.table(tracking, height=360)
    ui.downloads(view.tracking, f"cibles_{sel.code}_{programme}", key="mp_tracking")

st.markdown(f"#### Évolution {period_from} → {period_to}")
if view.changes.empty:
    st.info("Aucun indicateur n'a de valeur à ces périodes.")
else:
    ui.table(mi_parcours.changes_display(view.changes), height=360)
    ui.downloads(view.changes, f"evolution_{sel.code}_{period_from}_{period_to}", key="mp_changes")

    st.markdown("#### Un indicateur dans le temps, face à la tendance")
    codes = view.changes["Code"].tolist()
    labels = dict(zip(view.changes["Code"], view.changes["Indicateur"]))
    indicator = urlstate.selectbox(st, "Indicateur", codes, format_func=labels.get, key="mp_indicator",
                                  param="indicateur")
    peer_codes = cache.peer_codes(db, sel.code, sel.level) if sel.level == "departement" else ()
    ui.chart(cache.series_figure(db, indicator, sel.level, sel.code, period_from, period_to, peer_codes),
             f"serie_{indicator}_{sel.code}")
    comparison = cache.change_comparison(db, sel.code, indicator, period_from, period_to, sel.level, peer_codes)
    st.caption("Évolution du territoire comparée à la médiane des évolutions de sa région, de la France et de ses pairs "
               "(territoires ayant une valeur aux deux périodes).")
    ui.table(mi_parcours.change_comparison_display(comparison, view.changes.set_index("Code").at[indicator, "Unité"]))
