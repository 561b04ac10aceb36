"""Widgets whose value lives in the URL query string, so that a shared link reopens exactly the same view; a value of
the link that does not exist here is ignored with a French message saying what is shown instead.

How it works: the first time a widget is drawn in a session, it takes its value from its URL parameter when the link
the session was opened with holds a valid one; after every drawing, the widget's value is written back to the URL.
Only the opening link is read, once per parameter: a widget drawn anew later (another programme's periods, another
indicator's years) takes the page's own default, as before, and a value left in the URL by the user's own choices
is never reported as a mistake. The widget's key stays the page's own (tests and other pages read it); the parameter
is a short French word (`indicateur`, `annee`, `programme`, `onglet`, `classes`, `distance`…).
Parsing and checking are pure (levier.views.links, levier.views.selection)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from levier.views import links

_ORIGIN = "url_origin"  # the query string the session was opened with
_REPORTED = "url_reported"  # (parameter, value) already said ignored in this session
_READ = "url_read"  # parameters of the opening link already read by their widget
_KEPT = "url_kept"  # tab group's key -> keys of the widgets drawn in its tabs (kept while their tab is closed)
_local = threading.local()  # this run's notice area (each session's script runs in its own thread)
PLACEHOLDER = "Choisissez…"  # instead of Streamlit's English « Choose an option » / « Choose options »


def open_session(notice_area) -> None:
    """app.py, every run, before any widget: remember the link the session was opened with (first run only), and the
    place at the top of the page where ignored values are said (a placeholder: one box for all of them)."""
    if _ORIGIN not in st.session_state:
        st.session_state[_ORIGIN] = {k: st.query_params.get(k) for k in st.query_params}
    _local.area = notice_area
    _local.said = []
    _local.group = None  # the tab group whose tabs this run draws into (tabs)
    _local.preset = set()  # widget keys whose value was carried over by tabs, not drawn in the last run


def from_link(param: str) -> bool:
    """Whether the URL's current value of `param` is the one of the link the session was opened with, not yet read."""
    origin = st.session_state.get(_ORIGIN, {})
    read = st.session_state.get(_READ, set())
    return param in origin and param not in read and origin[param] == st.query_params.get(param)


def _mark_read(param: str) -> None:
    st.session_state.setdefault(_READ, set()).add(param)


def notify(message: str, key: tuple[str, str] | None = None) -> None:
    """Say, once per session (per `key`), at the top of the page, what the link asked for that was ignored: every
    such sentence of the run in one box, so that the page's title stays on the screen."""
    reported = st.session_state.setdefault(_REPORTED, set())
    if key is not None:
        if key in reported:
            return
        reported.add(key)
    area = getattr(_local, "area", None)
    said = getattr(_local, "said", [])
    said.append(message)
    _local.said = said
    text = ("**Lien partagé** : " + said[0]) if len(said) == 1 else (
        "**Lien partagé** : ce qui suit a été ignoré.\n" + "\n".join(f"- {m}" for m in said))
    (area if area is not None else st).warning(text, icon=":material/link_off:")


def write(param: str, value: Any) -> None:
    """Put a value into the URL (only when it changed, so that the browser's history is not flooded)."""
    text = links.encode(value)
    if st.query_params.get(param) != text:
        st.query_params[param] = text


def _restore(key: str, param: str, parse: Callable[[str], tuple[bool, Any]]) -> tuple[bool, str | None]:
    """Before a widget is drawn: its value from the URL when it has none yet. (restored, raw value to say ignored).
    A value carried over while its tab was closed counts as restored: it is set through the Session State API."""
    keep(key)
    if key in getattr(_local, "preset", ()):
        return True, None
    if key in st.session_state or not from_link(param):
        return False, None
    _mark_read(param)
    raw = st.query_params.get(param)
    ok, value = parse(raw)
    if ok:
        st.session_state[key] = value
        return True, None
    return False, raw


def _bound(draw: Callable[..., Any], label: str, key: str, param: str, parse, defaults: tuple[str, ...],
           format_func=None, **kwargs) -> Any:
    restored, bad = _restore(key, param, parse)
    if restored:  # a value set through the Session State API must not come with a default too (Streamlit warns)
        for name in defaults:
            kwargs.pop(name, None)
    if format_func is not None:
        kwargs["format_func"] = format_func
    value = draw(label, key=key, **kwargs)
    if bad is not None:
        notify(links.ignored_message(label, bad, links.shown_text(value, format_func)), (param, bad))
    if value is not None:
        write(param, value)
    return value


def selectbox(container, label: str, options: Sequence[Any], *, key: str, param: str, **kwargs) -> Any:
    """st.selectbox bound to the URL parameter `param`."""
    options = list(options)
    kwargs.setdefault("placeholder", PLACEHOLDER)
    return _bound(lambda lab, **kw: container.selectbox(lab, options, **kw), label, key, param,
                  lambda raw: links.choice(raw, options), ("index",), **kwargs)


def radio(container, label: str, options: Sequence[Any], *, key: str, param: str, **kwargs) -> Any:
    """st.radio bound to the URL parameter `param`."""
    options = list(options)
    return _bound(lambda lab, **kw: container.radio(lab, options, **kw), label, key, param,
                  lambda raw: links.choice(raw, options), ("index",), **kwargs)


def segmented_control(container, label: str, options: Sequence[Any], *, key: str, param: str, **kwargs) -> Any:
    """st.segmented_control (one choice) bound to the URL parameter `param`."""
    options = list(options)
    return _bound(lambda lab, **kw: container.segmented_control(lab, options, **kw), label, key, param,
                  lambda raw: links.choice(raw, options), ("default",), **kwargs)


def multiselect(container, label: str, options: Sequence[Any], *, key: str, param: str, **kwargs) -> list:
    """st.multiselect bound to the URL parameter `param` (values joined by commas); unknown values are said ignored,
    the known ones kept."""
    options = list(options)
    kwargs.setdefault("placeholder", PLACEHOLDER)
    unknown: list[str] = []

    def parse(raw: str) -> tuple[bool, Any]:
        found, missing = links.choices(raw, options)
        unknown.extend(missing)
        return (bool(found) or not raw or not missing), found

    restored, bad = _restore(key, param, parse)
    if restored:
        kwargs.pop("default", None)
    value = container.multiselect(label, options, key=key, **kwargs)
    if bad is not None or unknown:
        raw = bad if bad is not None else links.SEPARATOR.join(unknown)
        notify(links.ignored_message(label, raw, links.shown_text(value, kwargs.get("format_func"))), (param, raw))
    write(param, value)
    return value


def slider(container, label: str, low: float, high: float, value: float, *, key: str, param: str,
           step: float = 1, **kwargs) -> Any:
    """st.slider (one number) bound to the URL parameter `param`."""
    restored, bad = _restore(key, param, lambda raw: links.number(raw, low, high, step))
    shown = container.slider(label, low, high, None if restored else value, step=step, key=key, **kwargs)
    if bad is not None:
        notify(links.ignored_message(label, bad, links.shown_text(shown)), (param, bad))
    write(param, shown)
    return shown


def select_slider(container, label: str, options: Sequence[Any], *, key: str, param: str, **kwargs) -> Any:
    """st.select_slider (one option, or a range when `value` is a pair) bound to the URL parameter `param`."""
    options = list(options)
    pair = isinstance(kwargs.get("value"), (tuple, list))
    parse = (lambda raw: links.span(raw, options)) if pair else (lambda raw: links.choice(raw, options))
    return _bound(lambda lab, **kw: container.select_slider(lab, options=options, **kw), label, key, param, parse,
                  ("value",), **kwargs)


def toggle(container, label: str, *, key: str, param: str, **kwargs) -> bool:
    """st.toggle bound to the URL parameter `param` (1 or 0)."""
    return _bound(lambda lab, **kw: container.toggle(lab, **kw), label, key, param, links.flag, ("value",), **kwargs)


def checkbox(container, label: str, *, key: str, param: str, **kwargs) -> bool:
    """st.checkbox bound to the URL parameter `param` (1 or 0)."""
    return _bound(lambda lab, **kw: container.checkbox(lab, **kw), label, key, param, links.flag, ("value",), **kwargs)


def tabs(labels: Sequence[str], *, key: str, param: str = "onglet") -> Sequence:
    """st.tabs whose chosen tab is in the URL (`?onglet=evolution-entre-deux-annees`): Streamlit's tabs track their
    state (on_change="rerun") so the chosen tab is known to Python, written to the URL and restored from a link.

    Only the chosen tab is computed: a page draws a tab's content under `if tab.open:` (each tab is a view of its own,
    and computing all of them made the page's first view pay for four). Streamlit forgets the value of a widget that
    a run does not draw, so the widgets drawn in this group's tabs (keep) are carried over here, before any tab is
    drawn: a choice made in a tab is still there when the user comes back to it."""
    labels = list(labels)
    by_slug = {links.slug(lab): lab for lab in labels}
    default = None
    if key not in st.session_state and from_link(param):
        _mark_read(param)
        raw = st.query_params.get(param)
        default = by_slug.get(raw)
        if default is None:
            notify(links.ignored_message("Onglet", raw, labels[0]), (param, raw))
    _local.group = key
    _local.preset = set()
    for widget in sorted(st.session_state.get(_KEPT, {}).get(key, ())):
        if widget in st.session_state:
            st.session_state[widget] = st.session_state[widget]  # Streamlit's way to keep an undrawn widget's value
            _local.preset.add(widget)
    containers = st.tabs(labels, default=default, key=key, on_change="rerun")
    chosen = st.session_state.get(key) or default or labels[0]
    write(param, links.slug(chosen))
    return containers


def keep(key: str) -> None:
    """The widget `key` (drawn after tabs, in one of its tabs) keeps its value while its tab is closed. The URL-bound
    widgets of this module call it themselves; a page calls it for a plain Streamlit widget drawn in a tab."""
    group = getattr(_local, "group", None)
    if group is not None:
        st.session_state.setdefault(_KEPT, {}).setdefault(group, set()).add(key)


def territory_map(fig, *, key: str, config: dict, on_pick: Callable[[str], None]) -> None:
    """A plotly map whose territories can be clicked: the clicked territory's code (the choropleth's location) goes
    to `on_pick` before the rerun, as the sidebar's choice would."""

    def picked() -> None:
        points = (st.session_state.get(key) or {}).get("selection", {}).get("points", [])
        codes = [str(p["location"]) for p in points if p.get("location") is not None]
        if codes:
            on_pick(codes[0])

    st.plotly_chart(fig, width="stretch", config=config, key=key, on_select=picked, selection_mode="points")
