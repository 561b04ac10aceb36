"""The « Séries dans le temps » section shared by the T0 and Panorama pages: choose the series, draw two per row."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from levier.app import cache, urlstate
from levier.app import widgets as ui
from levier.store.db import Database
from levier.views import series

COLUMNS = 2  # two small charts per row: readable on a projected 1280×720 screen


def render(db: Database, target: series.SeriesTarget, programmes: Sequence[str], key: str,
           public_only: bool = False, from_t0: bool = False) -> None:
    """The section: a multiselect of the series with two years or more (default: public statistics first, then the
    chosen programmes'; with public_only, public statistics only), then one chart per series with its medians,
    breaks and provisional points marked. from_t0: the T0 page of a département, whose ranked values are reused."""
    st.subheader("Séries dans le temps")
    choices = cache.series_choices(db, target.code)
    if public_only:
        choices = choices[choices["programme"] == series.STAT]
    if choices.empty:
        st.info("Aucun indicateur n'a au moins deux années de valeurs pour ce territoire.")
        return
    labels = {h: f"{lab} ({h})" for h, lab in zip(choices["head"].tolist(), choices["label"].tolist())}
    default = series.default_choices(choices, programmes, series.DEFAULT_STAT if public_only else series.DEFAULT_MAX)
    heads = urlstate.multiselect(
        st, "Indicateurs suivis dans le temps", choices["head"].tolist(), default=default, format_func=labels.get,
        # One choice per territory: another territory has other series to offer.
        key=f"{key}_series_{target.code or target.reg or 'FR'}", param="series", placeholder="Choisissez des indicateurs",
        help="Les indicateurs publiés ou transmis au moins deux années. Un effectif est tracé rapporté à son "
             "dénominateur, comme dans les classements ; une rupture de série coupe la courbe.",
    )
    if target.note:
        st.caption(target.note)
    if not heads:
        return
    panels = cache.series_panels(db, tuple(heads), target, from_t0)
    for start in range(0, len(panels), COLUMNS):
        cols = st.columns(COLUMNS)
        for col, (head, fig) in zip(cols, panels[start:start + COLUMNS]):
            with col:
                ui.chart(fig, f"serie_{head}_{target.code or target.reg or 'france'}", key=f"{key}_chart_{head}")
