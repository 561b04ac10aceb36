"""Presentation mode for a comité de suivi: the territory's charts full width, one per slide, large fonts, no
sidebar; previous / next, and the title, source and year under each chart."""

import streamlit as st

from levier.app import auth, cache, menu
from levier.app import widgets as ui
from levier.charts import maps, style
from levier.report import pack
from levier.report import slides

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

st.markdown(slides.PAGE_CSS, unsafe_allow_html=True)
sel = ui.current_selection()
options = cache.territory_options()
if sel.level not in ("departement", "epci"):
    st.page_link(menu.page_file("pack.py"), label="Quitter la présentation", icon=":material/close:")
    st.title("Mode présentation")
    st.markdown("Choisissez d'abord un département ou un EPCI sur la page « Pack du comité de suivi », puis revenez "
                "ici.")
    st.stop()

programme = st.session_state.get("pack_programme", "PACTE")
wanted = (sel.level, sel.code, programme, db.version_token(), pack.rights_sentence(db))
if st.session_state.get("pres_deck", (None,))[0] != wanted:
    with st.spinner("Préparation des graphiques…"):
        model = pack.build_pack(db, sel.code, sel.level, programme=programme,
                                sections=slides.CHART_SECTIONS, rights_text=pack.rights_sentence(db),
                                layer_for=cache.display_layer)
    st.session_state["pres_deck"] = (wanted, slides.slides(model))
    st.session_state["pres_index"] = 0
deck = st.session_state["pres_deck"][1]
# One header line (title, slide controls, chart list, quit): the slide keeps the rest of the screen.
head, prev, count, nxt, charts, leave = st.columns([5.2, 1.25, 0.75, 1.25, 1.5, 1.2], vertical_alignment="center",
                                                   gap="small")
head.markdown(f"# Comité de suivi – {options.label(sel)}")
leave.page_link(menu.page_file("pack.py"), label="Quitter", icon=":material/close:")
if not deck:
    st.markdown("**Aucun graphique pour ce territoire.**")
    st.stop()
with charts.popover(f"Graphiques ({len(deck)})", width="stretch"):
    titles = {s.key: f"{s.section} – {s.title}" for s in deck}
    keep = st.multiselect("Graphiques à projeter, dans l'ordre du pack", list(titles), default=list(titles),
                          format_func=titles.get, key=f"pres_keep_{sel.code}")
deck = slides.chosen(deck, keep)


def _move(step: int) -> None:
    st.session_state["pres_index"] = slides.clamp(st.session_state.get("pres_index", 0) + step, len(deck))


index = slides.clamp(st.session_state.get("pres_index", 0), len(deck))
slide = deck[index]
prev.button("◀ Précédent", key="pres_prev", on_click=_move, args=(-1,), disabled=index == 0, width="stretch")
count.markdown(f"**{index + 1} / {len(deck)}**")
nxt.button("Suivant ▶", key="pres_next", on_click=_move, args=(1,), disabled=index == len(deck) - 1, width="stretch")
st.markdown(f"## {slide.title}")
config = maps.map_config(slide.key) if slide.figure.kind == "map" else style.png_config(slide.key)
with st.container(key="pres_slide"):  # as tall as the screen leaves it (slides.PAGE_CSS)
    st.plotly_chart(slides.slide_figure(slide), width="stretch", height="stretch", key="pres_chart", config=config)
st.caption(f"{slide.section}. {slide.caption}")  # the demo mention in it when the slide's data are fictitious
