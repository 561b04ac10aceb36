"""Text normalisation shared by importers: labels and headers compared without accents, case or spacing."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PUNCT = re.compile(r"[’'`´\"«»()\[\]:;,.!?\-–—_/]+")


def normalise(text: object) -> str:
    """'  Nouveaux   entrants (RSA) ' and 'nouveaux entrants rsa' compare equal."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = _PUNCT.sub(" ", s)
    return _SPACES.sub(" ", s).strip()
