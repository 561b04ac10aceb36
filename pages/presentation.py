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
held = st.session_state.get("pres_deck")
if held is None or held[0] != wanted:
    if held is not None:
        held[1].cancel()  # the other territory's slides are no one's any more
    # Built in the background, chart after chart: slide 1 is shown as soon as it exists, the next ones are ready by
    # the time the presenter moves on (the pages' cached views are reused, and reuse what the deck read).
    st.session_state["pres_deck"] = (wanted, slides.Deck(lambda on_slide: pack.build_pack(
        db, sel.code, sel.level, programme=programme, sections=pack.CHART_SECTIONS,
        rights_text=pack.rights_sentence(db), sources=cache.pack_sources(), on_slide=on_slide)))
    st.session_state["pres_index"] = 0
builder = st.session_state["pres_deck"][1]
index = max(0, int(st.session_state.get("pres_index", 0)))
with st.spinner("Préparation des graphiques…"):
    shown = builder.wait(index + 1)  # this slide only: the deck goes on in the background
complete = builder.done
# One header line (title, slide controls, chart list, quit): the slide keeps the rest of the screen.
head, prev, count, nxt, charts, leave = st.columns([5.2, 1.25, 0.75, 1.25, 1.5, 1.2], vertical_alignment="center",
                                                   gap="small")
head.markdown(f"# Comité de suivi – {options.label(sel)}")
leave.page_link(menu.page_file("pack.py"), label="Quitter", icon=":material/close:")
if complete:
    deck = builder.all()
    if not deck:
        st.markdown("**Aucun graphique pour ce territoire.**")
        st.stop()
    with charts.popover(f"Graphiques ({len(deck)})", width="stretch"):
        titles = {s.key: f"{s.section} – {s.title}" for s in deck}
        keep = st.multiselect("Graphiques à projeter, dans l'ordre du pack", list(titles), default=list(titles),
                              format_func=titles.get, key=f"pres_keep_{sel.code}")
    deck = slides.chosen(deck, keep)
    limit = len(deck)
else:  # the chart list comes with the last chart; meanwhile the next slide is always offered
    deck = shown
    charts.button("Graphiques (…)", key="pres_charts_wait", disabled=True, width="stretch",
                  help="La liste des graphiques s'affiche dès qu'ils sont tous prêts.")
    limit = len(deck) + 1


def _move(step: int, n: int) -> None:
    st.session_state["pres_index"] = slides.clamp(st.session_state.get("pres_index", 0) + step, n)


@st.fragment(run_every=1.0)
def _until_complete() -> None:
    """While the deck is being built: the whole page is drawn again once it is complete (the count, the chart list)."""
    if builder.done:
        st.rerun()


index = slides.clamp(index, len(deck))
slide = deck[index]
prev.button("◀ Précédent", key="pres_prev", on_click=_move, args=(-1, limit), disabled=index == 0, width="stretch")
count.markdown(f"**{index + 1} / {len(deck) if complete else '…'}**")
nxt.button("Suivant ▶", key="pres_next", on_click=_move, args=(1, limit), disabled=index == limit - 1, width="stretch")
st.markdown(f"## {slide.title}")
config = maps.map_config(slide.key) if slide.figure.kind == "map" else style.png_config(slide.key)
with st.container(key="pres_slide"):  # as tall as the screen leaves it (slides.PAGE_CSS)
    st.plotly_chart(slides.slide_figure(slide), width="stretch", height="stretch", key="pres_chart", config=config)
st.caption(f"{slide.section}. {slide.caption}")  # the demo mention in it when the slide's data are fictitious
builder.shown()  # the deck's build, paused while this slide was drawn, goes on
if not complete:
    _until_complete()
