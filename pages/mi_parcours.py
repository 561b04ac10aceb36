"""Mid-term page: T0 → T+3 for every indicator, targets and trajectories, and the territory against the trend."""

import streamlit as st

from levier.app import cache
from levier.analysis import positions as metrics
from levier.app import widgets as ui
from levier.views import diagnostic as views

sel = ui.current_selection()
options = cache.territory_options()
st.title("Comparaison mi-parcours")
ui.rights_note()
if not ui.need_territory(sel):
    st.stop()

st.subheader(options.label(sel))
periods = cache.load(views.available_periods, sel.level, sel.code) or [2023]
c1, c2, c3 = st.columns(3)
programme = c1.selectbox("Programme", list(views.PROGRAMME_PERIODS), key="mp_programme",
                         format_func=lambda p: {"PACTE": "Pacte des solidarités", "CALPAE": "CALPAE",
                                                "CDPPE": "Protection de l'enfance (CDPPE)", "STAT": "Statistique publique"}[p])
default_from, default_to = views.PROGRAMME_PERIODS[programme]
period_from = c2.selectbox("Période de départ (T0)", periods, index=views.closest(periods, default_from), key=f"mp_from_{programme}")
period_to = c3.selectbox("Période de comparaison", periods, index=views.closest(periods, default_to), key=f"mp_to_{programme}")
view = cache.load(views.midterm_view, sel.code, sel.level, period_from, period_to, period_from, programme)

st.markdown("#### Cibles et trajectoires")
if view.tracking.empty:
    st.info("Aucune cible n'est enregistrée pour ce programme et ce territoire.")
else:
    cols = st.columns(4)
    for col, status in zip(cols, (metrics.STATUS_AHEAD, metrics.STATUS_ON_TRACK, metrics.STATUS_LATE, metrics.STATUS_NO_DATA)):
        col.metric(status.capitalize(), view.status_counts.get(status, 0))
    st.caption(f"Règle : {metrics.STATUS_RULE}")
    tracking = views.tracking_display(view.tracking)
    ui.table(tracking, height=360)
    ui.downloads(view.tracking, f"cibles_{sel.code}_{programme}", key="mp_tracking")

st.markdown(f"#### Évolution {period_from} → {period_to}")
if view.changes.empty:
    st.info("Aucun indicateur n'a de valeur à ces périodes.")
else:
    ui.table(views.changes_display(view.changes), height=360)
    ui.downloads(view.changes, f"evolution_{sel.code}_{period_from}_{period_to}", key="mp_changes")

    st.markdown("#### Un indicateur dans le temps, face à la tendance")
    codes = view.changes["Code"].tolist()
    labels = dict(zip(view.changes["Code"], view.changes["Indicateur"]))
    indicator = st.selectbox("Indicateur", codes, format_func=labels.get, key="mp_indicator")
    peer_codes = tuple(cache.load(views.t0_view, sel.code, sel.level, period_from).peers.codes) if sel.level == "departement" else ()
    ui.chart(cache.load(views.series_figure, indicator, sel.level, sel.code, period_from, period_to, peer_codes),
             f"serie_{indicator}_{sel.code}")
    comparison = cache.load(views.change_comparison, sel.code, indicator, period_from, period_to, sel.level, peer_codes)
    st.caption("Évolution du territoire comparée à la médiane des évolutions de sa région, de la France et de ses pairs "
               "(territoires ayant une valeur aux deux périodes).")
    ui.table(views.change_comparison_display(comparison, view.changes.set_index("Code").at[indicator, "Unité"]))
