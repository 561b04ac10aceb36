"""Streamlit widgets shared by every page: the territory selector kept in the URL, French tables and downloads."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from levier.app import cache, urlstate
from levier.app import downloads as files
from levier.charts.style import png_config
from levier.core.fmt import fmt_number
from levier.report.tables import to_csv_bytes, to_xlsx_bytes
from levier.rights.disclosure import rule_text
from levier.rights.scope import Scope
from levier.views.selection import (
    ALL,
    Selection,
    departements_of,
    epci_of,
    read_territory,
    to_query_params,
)

_KEYS = ("sel_reg", "sel_dep", "sel_epci")


def _init_from_url(options) -> None:
    """The sidebar's selection from the address, on a session's first run, and again whenever Streamlit lost the
    selectors' values (a rerun that reached the server without the browser's widget states, or a run interrupted
    before the sidebar was drawn, whose end drops widgets it did not draw): the address still names the territory."""
    if "sel_init" in st.session_state and all(k in st.session_state for k in _KEYS):
        return
    reading = read_territory({k: st.query_params.get(k) for k in ("reg", "dep", "epci")}, options)
    sel = reading.selection
    st.session_state.update({"sel_reg": sel.reg, "sel_dep": sel.dep, "sel_epci": sel.epci, "sel_init": True})
    if reading.ignored:  # a wrong code in a shared link: said, with what is shown instead
        urlstate.notify(" ".join(reading.ignored) + f" Affiché à la place : **{options.label(sel)}**.")


def pick_territory(code: str) -> None:
    """A territory clicked on a map becomes the sidebar's selection (called before the rerun, as a widget callback)."""
    options = cache.territory_options()
    if code in options.epci.index:
        dep = str(options.epci.at[code, "dep"])
        reg, epci = str(options.departements.at[dep, "reg"]), code
    elif code in options.departements.index:
        dep, reg, epci = code, str(options.departements.at[code, "reg"]), ALL
    elif code in options.regions.index:
        reg, dep, epci = code, ALL, ALL
    else:
        return
    select(reg, dep, epci)


def select(reg: str, dep: str, epci: str) -> None:
    """Make (reg, dep, epci) the sidebar's selection; called from a widget's callback, which runs before the script,
    so that the sidebar's selectors are drawn with the new territory."""
    st.session_state.update({"sel_reg": reg, "sel_dep": dep, "sel_epci": epci})


def territory_map(fig, *, key: str, config: dict) -> None:
    """A map whose territories select themselves when clicked (the sidebar and the URL follow)."""
    urlstate.territory_map(fig, key=key, config=config, on_pick=pick_territory)


def _on_reg_change() -> None:
    st.session_state["sel_dep"] = ALL
    st.session_state["sel_epci"] = ALL


def _on_dep_change() -> None:
    st.session_state["sel_epci"] = ALL


def territory_selector(container=None, with_epci: bool = True) -> Selection:
    """Région → département → EPCI, searchable by name or code, mirrored into the URL so a view can be shared."""
    options = cache.territory_options()
    _init_from_url(options)
    box = container or st.sidebar
    regs = options.regions
    box.selectbox(
        "Région",
        [ALL, *regs.index],
        format_func=lambda c: "France entière" if c == ALL else f"{regs.at[c, 'name']} ({c})",
        key="sel_reg",
        on_change=_on_reg_change,
    )
    deps = departements_of(options, st.session_state["sel_reg"])
    if st.session_state["sel_dep"] not in deps.index:
        st.session_state["sel_dep"] = ALL
    box.selectbox(
        "Département",
        [ALL, *deps.index],
        format_func=lambda c: "— tous —" if c == ALL else f"{c} – {deps.at[c, 'name']}",
        key="sel_dep",
        on_change=_on_dep_change,
    )
    if with_epci:
        epcis = epci_of(options, st.session_state["sel_dep"])
        if st.session_state["sel_epci"] not in epcis.index:
            st.session_state["sel_epci"] = ALL
        box.selectbox(
            "EPCI",
            [ALL, *epcis.sort_values("name").index],
            format_func=lambda c: "— ensemble du département —" if c == ALL else f"{epcis.at[c, 'name']} ({c})",
            key="sel_epci",
            disabled=not st.session_state["sel_dep"],
        )
    sel = Selection(
        reg=st.session_state["sel_reg"],
        dep=st.session_state["sel_dep"],
        epci=st.session_state["sel_epci"] if with_epci else ALL,
    )
    wanted = to_query_params(sel)
    current = {k: st.query_params.get(k) for k in ("reg", "dep", "epci") if st.query_params.get(k)}
    if current != wanted:
        for k in ("reg", "dep", "epci"):
            if k in wanted:
                st.query_params[k] = wanted[k]
            elif k in st.query_params:
                del st.query_params[k]
    return sel


def current_selection() -> Selection:
    """The selection made in the sidebar by app.py on this run."""
    return st.session_state.get("selection", Selection())


def need_territory(sel: Selection, levels: tuple[str, ...] = ("departement", "epci")) -> bool:
    """Pages about one territory say plainly what to pick instead of showing an empty screen."""
    if sel.level in levels:
        return True
    wanted = " ou un EPCI" if "epci" in levels else ""
    st.info(f"Choisissez un département{wanted} dans le panneau de gauche (région → département → EPCI).")
    return False


# Streamlit 1.67 has no locale for st.file_uploader (streamlit/streamlit#13500 is open): its texts are English and
# fixed in the front end. CSS replaces them: each English text is taken out with `display: none` (out of the
# accessibility tree too) and the French text is the ::after content of its container, which browsers include in
# the accessible name (the button reads « Choisir un fichier »). The hidden file input, which screen readers would
# announce as « file upload », is taken out the same way: the dropzone opens it by script, and its French label
# names the region. The size of an uploaded file is in English units (« 8.0KB »): hidden, the page states it.
_DROPZONE = '[data-testid="stFileUploaderDropzone"]'
_BUTTON = f'{_DROPZONE} button[data-testid="stBaseButton-secondary"]'
_INSTRUCTIONS = '[data-testid="stFileUploaderDropzoneInstructions"]'
_DRAGGING = f"{_DROPZONE} > div:not([data-testid]):has(> span)"  # shown only while a file is dragged over
_UPLOADER_CSS = f"""<style>
{_BUTTON} [data-testid="stMarkdownContainer"], {_INSTRUCTIONS} span, {_DRAGGING} > span,
[data-testid="stFileChipName"] + div, {_DROPZONE} input[type="file"] {{ display: none !important; }}
{_BUTTON} span[data-has-shortcut]::after {{ content: "Choisir un fichier"; font-size: 0.875rem; }}
{_INSTRUCTIONS} > div::after {{ content: "%(limit)s"; font-size: 0.875rem; color: rgba(22, 22, 22, 0.72); }}
{_DRAGGING}::after {{ content: "Déposez le fichier ici"; }}
</style>"""


# Screen readers also read three English attributes CSS cannot reach: the remove button of an uploaded file
# (« Remove x.csv »), the button to pick another file (« Add files ») and the file's chip (« x.csv, 8.0KB »). A
# fixed script (no user input in it) puts them in French whenever the front end draws them.
_UPLOADER_JS = """<script>
if (!window.levierUploaderFr) {
  window.levierUploaderFr = true;
  const fix = () => document.querySelectorAll('[data-testid="stFileUploader"]').forEach((root) => {
    root.querySelectorAll('[data-testid="stFileChipDeleteBtn"] button[aria-label^="Remove "]').forEach((b) =>
      b.setAttribute('aria-label', 'Retirer ' + b.getAttribute('aria-label').slice(7)));
    root.querySelectorAll('button[aria-label="Add files"]').forEach((b) =>
      b.setAttribute('aria-label', 'Choisir un autre fichier'));
    root.querySelectorAll('[data-testid="stFileChip"][aria-label*=", "]').forEach((c) =>
      c.setAttribute('aria-label', c.getAttribute('aria-label').replace(/, [^,]*$/, '')));
  });
  new MutationObserver(fix).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                    attributeFilter: ['aria-label']});
  fix();
}
</script>"""


def upload_limit_text(types: list[str], max_mb: float) -> str:
    """« CSV ou XLSX · 20 Mo au plus · ou glissez le fichier ici »: what the upload box says under its button."""
    kinds = [t.upper() for t in types]
    listed = " ou ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)
    size = fmt_number(max_mb, 0 if float(max_mb).is_integer() else 1)
    return f"{listed} · {size} Mo au plus · ou glissez le fichier ici"


def file_uploader(label: str, types: list[str], *, key: str, max_mb: float, help: str | None = None):
    """st.file_uploader speaking French (button, size limit, drop hint), limited to Levier's own maximum size
    (LEVIER_MAX_FILE_MB) rather than Streamlit's server-wide one."""
    st.html(_UPLOADER_CSS % {"limit": upload_limit_text(types, max_mb)})
    st.html(_UPLOADER_JS, unsafe_allow_javascript=True, width="content")
    return st.file_uploader(label, type=types, key=key, help=help, max_upload_size=max(1, math.ceil(max_mb)))


def caveats(notes: Sequence[str]) -> None:
    """A view's caveats above its chart: each value a quality check doubts in a box of its own (they start with ⚠,
    shown as the box's icon: the figure a reader must not quote unread), the other precautions together in one box,
    one line each, so that the chart still starts on a projected 1280×720 screen."""
    doubts = [n for n in notes if n.startswith("⚠")]
    others = [n for n in notes if not n.startswith("⚠")]
    for note in doubts:
        st.warning(note)
    if len(others) == 1:
        st.warning(others[0])
    elif others:
        st.warning("\n".join(f"- {n}" for n in others))


def chart(fig, name: str, key: str | None = None) -> None:
    """A plotly chart, full width, with the camera button exporting a PNG named after it."""
    st.plotly_chart(fig, width="stretch", config=png_config(name), key=key)


def _is_year_or_code(name: object, values: pd.Series) -> bool:
    label = str(name).lower()
    if any(w in label for w in ("année", "annee", "period", "millésime", "depuis", "n°", "rang")):
        return True
    v = pd.to_numeric(values, errors="coerce").dropna()
    return pd.api.types.is_integer_dtype(values) and len(v) > 0 and bool(v.between(1900, 2100).all())


def table(frame: pd.DataFrame, *, key: str | None = None, height: int | str = "auto", column_config: dict | None = None) -> None:
    """A read-only table with numbers in the reader's locale (French browsers: '1 234,5')."""
    config = {}
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            continue
        # Years and ranks read as plain integers ("2021", not "2 021"); other numbers in the reader's locale.
        config[col] = st.column_config.NumberColumn(format="%d" if _is_year_or_code(col, frame[col]) else "localized")
    config.update(column_config or {})
    st.dataframe(frame, hide_index=True, width="stretch", height=height, column_config=config, key=key)


def downloads(frame: pd.DataFrame, stem: str, key: str | None = None) -> None:
    """CSV (semicolon, UTF-8 BOM for Excel) and XLSX downloads of a displayed table, formulas neutralised: each file is
    made when its button is clicked, for this session only (levier.app.downloads)."""
    c1, c2 = st.columns(2)
    files.button(c1, "Télécharger (CSV)", lambda: to_csv_bytes(frame), f"{stem}.csv", "text/csv",
                 key=f"{key or stem}_csv")
    files.button(
        c2,
        "Télécharger (XLSX)",
        lambda: to_xlsx_bytes(frame),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key or stem}_xlsx",
    )


def rights_note(scope: Scope) -> None:
    """States, on every page showing contract figures, what the user's rights hide: the small-count rule and, for
    territorial rights, that rankings and medians of contract indicators only cover their own territories."""
    if scope.masks_anything:
        st.caption(rule_text(scope.small_count_max))
    if not scope.all_territories:
        st.caption(
            "**Vos droits** couvrent les retours, cibles et financements de vos territoires seulement : les "
            "classements, médianes et groupes de pairs des indicateurs de contrat ne portent que sur eux ; les "
            "statistiques publiques (INSEE) restent comparables sur toute la France."
        )
