"""Pack du comité de suivi: the territory's T0, actions and targets, funding, data quality and definitions, as a PDF
to print and a PowerPoint to project, read with the signed-in user's rights."""

import streamlit as st

from levier.app import auth, cache, menu, urlstate
from levier.app import downloads as files
from levier.app import widgets as ui
from levier.report import build, pack
from levier.report.images import PackRenderError

# The user's database first: rows filtered and small counts masked by the data layer (and, on a fresh
# server, a page Streamlit started without app.py is sent back through it before anything is shown).
db = auth.database()

sel = ui.current_selection()
options = cache.territory_options()
st.title("Pack du comité de suivi")
st.caption("Un document par territoire pour le comité de suivi : diagnostic T0, actions et cibles, financements et "
           "effet levier, qualité des données, définitions. Source et année sous chaque graphique ; seules les "
           "données que vos droits vous permettent de voir y figurent.")
if not ui.need_territory(sel):
    st.stop()

st.subheader(options.label(sel))
c1, c2 = st.columns([2, 3])
programme = urlstate.selectbox(c1, "Contrat suivi", list(pack.PROGRAMME_LABELS), format_func=pack.PROGRAMME_LABELS.get,
                              key="pack_programme", param="programme")
sections = c2.multiselect("Sections du pack", list(pack.SECTIONS), default=list(pack.SECTIONS),
                          format_func=pack.SECTIONS.get, key="pack_sections")
if not sections:
    st.info("Choisissez au moins une section.")
    st.stop()

wanted = (sel.level, sel.code, programme, tuple(sections), db.version_token(), pack.rights_sentence(db))
if st.session_state.get("pack_built", (None,))[0] != wanted:
    st.session_state["pack_built"] = (wanted, None, None, {})  # key, model, images, files


def _make(fmt: str) -> None:
    key, model, images, made = st.session_state["pack_built"]
    if model is None:
        # Read on the click only (a visit that prepares nothing costs nothing: twenty users share two cores), in the
        # background through the pages' caches, while Chromium draws each chart as soon as it is built.
        prepared = build.Prepared(lambda on_figure: pack.build_pack(
            db, sel.code, sel.level, programme=programme, sections=sections, rights_text=pack.rights_sentence(db),
            sources=cache.pack_sources(), on_figure=on_figure))
        try:
            model, data, images = build.make(prepared.build, fmt)
        except BaseException:
            prepared.cancel()  # Chromium failed: the reading stops at its next chart
            raise
    else:
        data, images = build.export(model, fmt, images)
    st.session_state["pack_built"] = (key, model, images, {**made, fmt: data})


b1, b2 = st.columns(2)
for col, fmt, label in ((b1, "pdf", "PDF (à imprimer)"), (b2, "pptx", "PowerPoint (à projeter)")):
    if col.button(f"Préparer le {label}", key=f"pack_make_{fmt}", type="primary", width="stretch"):
        with st.spinner(f"Préparation du {label} : lecture des données et dessin des graphiques…"):
            try:
                _make(fmt)
            except PackRenderError as exc:
                st.error(str(exc))
    model, files_made = st.session_state["pack_built"][1], st.session_state["pack_built"][3]
    if fmt in files_made:
        mime = build.FORMATS[fmt][0]
        files.button(col, f"Télécharger le {label}", files_made[fmt], build.file_name(model, fmt), mime,
                     key=f"pack_download_{fmt}", icon=":material/download:", width="stretch")

model = st.session_state["pack_built"][1]
if model is not None:
    counts = pack.summary_counts(model)
    st.caption(f"Pack prêt : {counts['sections']} section(s), {counts['graphiques']} graphique(s), "
               f"{counts['tableaux']} tableau(x)." + (" Des valeurs masquées par la règle des petits effectifs y "
                                                      "figurent comme « s (secret) »." if model.secret else ""))
st.page_link(menu.page_file("presentation.py"),
             label="Mode présentation : les graphiques en plein écran, un par diapositive", icon=":material/slideshow:")
