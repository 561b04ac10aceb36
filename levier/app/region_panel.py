"""The région block of the pages about one territory (T0, Mi-parcours, Effet levier, Qualité): with a région selected,
its départements and métropoles, each a button opening the page on it, instead of a refusal."""

from __future__ import annotations

import streamlit as st

from levier.app import cache, menu
from levier.app import widgets as ui
from levier.store.db import Database
from levier.views import mi_parcours, region
from levier.views.selection import Selection

PROGRAMME = region.PROGRAMMES[0]  # the contract in force (Pacte des solidarités)


def region_columns() -> dict:
    """The territory column of the région's tables: wide enough for a métropole's name, kept in view when the
    table scrolls sideways."""
    return {"Territoire": st.column_config.TextColumn(width="medium", pinned=True)}


def territory_buttons(db: Database, reg: str, key: str, page: str | None = None) -> None:
    """One button per territory of the région (départements, then métropoles): a click selects it and, with `page`
    (a script of pages/), opens that page on it; without, the current page shows it."""
    terr = cache.region_territories(db, reg)
    cols = st.columns(3)
    for i, (label, r, dep, epci) in enumerate(region.territory_links(terr)):
        clicked = cols[i % 3].button(label, key=f"{key}_{epci or dep}", on_click=ui.select, args=(r, dep, epci),
                                     width="stretch", icon=":material/location_city:" if epci else None)
        if clicked and page:
            st.switch_page(menu.page_file(page))


def render(db: Database, sel: Selection, page: str, *, detail: str | None = None, compact: bool = False) -> None:
    """The block: what the région holds, an optional summary (`detail`: "statuses" or "t0"), the link to the région
    view and the buttons opening `page` on each territory. `compact`: for a page that goes on with the région's own
    figures (Effet levier, Qualité), one line and the buttons folded."""
    name = cache.territory_options().name("region", sel.reg)
    title = f"{name} : ses départements et métropoles"
    link = dict(label=f"Ouvrir la vue régionale — {name}", icon=":material/travel_explore:",
                query_params={"reg": sel.reg})
    if compact:
        st.markdown(f"**{title}** : ouvrez cette page sur l'un d'eux ci-dessous (ou dans le panneau de gauche) ; "
                    "la suite de la page porte sur l'ensemble de la région.")
        c1, c2 = st.columns([1, 2])
        c1.page_link(menu.page_file("region.py"), **{**link, "label": "Ouvrir la vue régionale"})
        with c2.expander("Choisir un département ou une métropole"):
            territory_buttons(db, sel.reg, key=f"rp_{page.removesuffix('.py')}")
        return
    st.subheader(title)
    st.info("Cette page porte sur un territoire : choisissez ci-dessous un département ou une métropole de la région "
            "(ou dans le panneau de gauche). La vue régionale les montre côte à côte.", icon=":material/info:")
    st.page_link(menu.page_file("region.py"), **link)
    if detail == "statuses":
        view = cache.region_view(db, sel.reg, PROGRAMME, name)
        st.markdown(f"**Cibles et trajectoires — {mi_parcours.PROGRAMME_LABELS[PROGRAMME]}** (nombre d'indicateurs à "
                    "cible par statut ; données fictives de démonstration)")
        st.dataframe(view.statuses, hide_index=True, width="stretch", height=region.table_height(len(view.statuses)),
                     column_config=region_columns())
        st.caption(region.STATUS_NOTE)
    elif detail == "t0":
        key = cache.region_key_view(db, sel.reg, region.KEY_INDICATORS[0])
        st.markdown(f"**{key.label}** face à la médiane nationale")
        st.dataframe(key.table, hide_index=True, width="stretch", height=region.table_height(len(key.table)),
                     column_config=region_columns())
        st.caption(key.caption)
    territory_buttons(db, sel.reg, key=f"rp_{page.removesuffix('.py')}")
