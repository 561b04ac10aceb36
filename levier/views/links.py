"""Shared links: how a view's choices are written into the URL query string and read back, checked against what exists."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from levier.core.fmt import fmt_number
from levier.views.selection import quoted

SEPARATOR = ","  # between the values of a multiple choice or a range: « ?annees=2020,2023 »


def encode(value: Any) -> str:
    """The text of a value in the URL: codes and years as they are, a range or a list joined by commas, a switch 1/0."""
    if isinstance(value, (list, tuple)):
        return SEPARATOR.join(encode(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def slug(label: str) -> str:
    """A tab's label as a readable URL word: « Évolution entre deux années » → evolution-entre-deux-annees."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text).split()
    return "-".join(words)


def choice(raw: str, options: Sequence[Any]) -> tuple[bool, Any]:
    """(True, the option written `raw` in the URL), or (False, None) when no option is written so."""
    for option in options:
        if encode(option) == raw:
            return True, option
    return False, None


def choices(raw: str, options: Sequence[Any]) -> tuple[list[Any], list[str]]:
    """A multiple choice: the options found, in the link's order, and the values of the link that match none."""
    found, unknown = [], []
    for part in (p for p in raw.split(SEPARATOR) if p) if raw else ():
        ok, option = choice(part, options)
        if ok and option not in found:
            found.append(option)
        elif not ok:
            unknown.append(part)
    return found, unknown


def span(raw: str, options: Sequence[Any]) -> tuple[bool, Any]:
    """A range of two options (first ≤ last in the options' order), e.g. the years 2020,2023 of a range slider."""
    parts = raw.split(SEPARATOR)
    if len(parts) != 2:
        return False, None
    (ok1, first), (ok2, last) = choice(parts[0], options), choice(parts[1], options)
    if not (ok1 and ok2) or list(options).index(first) > list(options).index(last):
        return False, None
    return True, (first, last)


def number(raw: str, low: float, high: float, step: float = 1) -> tuple[bool, Any]:
    """A number of a slider: within its bounds and on its steps (an integer slider reads back an integer)."""
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return False, None
    if not low <= value <= high or abs((value - low) / step - round((value - low) / step)) > 1e-9:
        return False, None
    whole = all(float(x).is_integer() for x in (low, high, step))
    return True, int(value) if whole else value


def flag(raw: str) -> tuple[bool, Any]:
    """A switch: 1 or 0."""
    return (True, raw == "1") if raw in ("0", "1") else (False, None)


def shown_text(value: Any, format_func=None) -> str:
    """What a widget shows for a value, as the French message names it."""
    if isinstance(value, (list, tuple)):
        return ", ".join(shown_text(v, format_func) for v in value) or "aucun"
    if format_func is not None:
        return str(format_func(value))
    if isinstance(value, float):
        return fmt_number(value)
    return str(value)


def ignored_message(label: str, raw: str, shown: str) -> str:
    """« « 2031 » n'est pas une valeur possible de « Année » ici ; ignoré. Affiché à la place : 2021. »"""
    return (f"{quoted(raw)} n'est pas une valeur possible de « {label} » ici ; ignoré. "
            f"Affiché à la place : {shown}.")
