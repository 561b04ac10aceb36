"""Territory codes as producers write them (DREES, INSEE) read into the COG's levels and codes, by rule."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

LEVEL_FRANCE = "france"
LEVEL_REGION = "region"
LEVEL_DEPARTEMENT = "departement"
# The COG's « collectivités territoriales ayant les compétences départementales » that are not départements: the
# Rhône (69D) and the Métropole de Lyon (69M) since 2015. Stored at their own level, so that a median or a total over
# départements never counts them next to département 69 (their sum).
LEVEL_COLLECTIVITE = "collectivite"
FRANCE_CODE = "FR"
CORSE_REGION = "94"
LYON_PARTS = ("69D", "69M")

# DREES writes the DROM régions with the old codes 101–106.
_DROM_REGIONS = {"101": "01", "102": "02", "103": "03", "104": "04", "106": "06"}
_DEP = re.compile(r"^(0?[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-6])$")
_CORSE_PARTS = {"20A": "2A", "20B": "2B"}
_LEADING_CODE = re.compile(r"^\s*([0-9]{1,3}[ABDM]?|2[AB])\s*[-–—:]\s*\S")  # « 01-Ain », « 2A - Corse-du-Sud »


@dataclass(frozen=True)
class Territory:
    level: str
    code: str


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float):
        if raw != raw:
            return ""
        if raw.is_integer():
            raw = int(raw)
    return unicodedata.normalize("NFC", str(raw)).replace("\u00a0", " ").strip()


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def national_row(label: object) -> bool | None:
    """True for a « France entière » total, False for a partial national total (métropole, DROM) that no territory
    of the COG holds, None for anything else."""
    text = _fold(_text(label))
    words = text.split()
    overseas = "drom" in text or "dom" in words
    if words and words[0] in ("dom", "drom"):  # a « DOM » subtotal line (minima sociaux)
        return False
    if "france" not in text and "total" not in text and "ensemble" not in text:
        return None
    # « France métropolitaine et DROM » (staff tables, Mayotte included) is the whole of France.
    if "metropol" in text and overseas and "hors" not in text:
        return True
    if "metropol" in text or overseas or "hors" in text and "mayotte" not in text:
        return False
    return "france" in text or text in {"total", "ensemble"}


def departement(raw: object) -> Territory | None:
    """A département code as written (1, '01', 971, '2A', '20A', '69D', '01-Ain') → its COG level and code; None when
    the cell is not a département code. `20` is the whole of Corse (région 94); 69D and 69M are collectivités."""
    text = _text(raw).upper()
    if not text:
        return None
    m = _LEADING_CODE.match(text)
    if m:
        text = m.group(1)
    if text in _CORSE_PARTS:
        return Territory(LEVEL_DEPARTEMENT, _CORSE_PARTS[text])
    if text == "20":
        return Territory(LEVEL_REGION, CORSE_REGION)
    if text in LYON_PARTS:
        return Territory(LEVEL_COLLECTIVITE, text)
    if _DEP.match(text):
        return Territory(LEVEL_DEPARTEMENT, text.zfill(2))
    return None


def region(raw: object) -> Territory | None:
    """A région code as written (84, '01', 101 for Guadeloupe) → its COG code; None otherwise."""
    text = _text(raw)
    if text in _DROM_REGIONS:
        return Territory(LEVEL_REGION, _DROM_REGIONS[text])
    if re.fullmatch(r"[0-9]{1,2}", text):
        return Territory(LEVEL_REGION, text.zfill(2))
    return None
