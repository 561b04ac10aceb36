"""The one cell parser of every importer: numbers as people type them, missing-value markers, percents and euros, with
one set of rules; a cell whose meaning is not certain is refused with the reason, never guessed.

Rules (docs/formats.md, « Nombres », states them for users):
- French and English notation. Thousands may be grouped by spaces (also no-break and thin spaces) or apostrophes,
  in groups of exactly three digits; by '.' or ',' when the other one is the decimal separator ('1.234,5',
  '1,234.5') or when the same separator groups several times ('1.234.567', '1,234,567').
- A lone '.' followed by exactly three digits after one to three digits ('5.412', '480.000') is ambiguous: the
  column decides. French notation elsewhere in it (a decimal comma '12,5', or '.' grouping '1.234.567') makes it a
  thousands separator; English notation elsewhere ('12.55', '3.5', '1,234,567') makes it the decimal point; no
  evidence or both notations: the cell is refused. A lone ',' before three digits ('5,412') is the French decimal
  comma, unless the column shows English notation, then it is refused. In a column of the catalogue unit '%' (rates
  and shares, at most 100) or of coordinates, a lone separator is always decimal (no thousands there).
- A minus may be written '-', '−' (U+2212) or another dash before the digits; '+' is allowed.
- '€', 'EUR', 'euros' before or after the number: only for an amount (unit '€' or unknown). Multipliers ('k€',
  'M€', 'milliers') are refused rather than guessed.
- A trailing '%' (or an Excel percentage cell, type 'p') marks a percentage: refused unless the unit is '%'.
- Missing-value markers are stored as missing with their reason (s, nd, nc, so), never as zero: see
  MISSING_MARKERS.
- A formula without a cached value, an Excel error (#DIV/0!), a date or a boolean is refused, naming it.
- Infinite or overflowing numbers ('1e400', 'inf') are refused.
- Typed Excel numbers (types 'n', 'p') are read as they are and are never ambiguous; they give no evidence about
  the column's notation either (their text is Excel's, not the person's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from levier.ingest.readers import shorten

# Missing-value markers, compared after lower-casing and collapsing spaces; the store knows four reasons
# (s secret statistique, nd non disponible, nc non communiqué, so sans objet: analysis.positions.MISSING_LABELS).
# « nr » (non renseigné) is what a département writes for a figure it did not send: stored as « nc ». A dash is
# « nd » (we cannot tell a zero from an absence); « / » is INSEE's « sans objet ».
MISSING_MARKERS: dict[str, str] = {
    **dict.fromkeys(("s", "(s)", "secret", "secret statistique", "s."), "s"),
    **dict.fromkeys(("nd", "n.d.", "n.d", "n/d", "non disponible", "-", "--", "–", "—", "−", '="-"', "…", "..."), "nd"),
    **dict.fromkeys(("nc", "n.c.", "n.c", "non communiqué", "non communique", "nr", "n.r.", "n.r", "non renseigné",
                     "non renseigne"), "nc"),
    **dict.fromkeys(("so", "s.o.", "s.o", "sans objet", "/", "//", "///"), "so"),
}

_MARKER_SPELLINGS = pa.array(list(MISSING_MARKERS), type=pa.string())
_MARKER_REASONS = np.array(list(MISSING_MARKERS.values()), dtype=object)

PERCENT_UNIT = "%"
DEGREES_UNIT = "°"  # coordinates: a lone separator is always the decimal one
EURO_UNIT = "€"

FRACTIONS_NOTE = ("toutes les valeurs sont entre 0 et 1 : des fractions ? Levier attend des pourcentages (12,3 pour "
                  "12,3 %) ; si ce sont bien des pourcentages inférieurs à 1 %, écrivez-les avec le signe % (0,5 %)")
FORMULA_REASON = ("formule sans valeur calculée : ouvrez le fichier dans Excel ou LibreOffice, enregistrez-le, puis "
                  "importez-le de nouveau")


@dataclass
class ParsedColumn:
    values: np.ndarray  # float64; NaN for blank, missing marker or refused cell
    reason: pd.Series  # missing reason ('s', 'nd', 'nc', 'so') or None, aligned on the input index
    bad: np.ndarray  # bool: refused cell
    why: pd.Series  # French reason for each refused cell ('' otherwise), quoting the cell
    percent: np.ndarray  # bool: the cell said it is a percentage ('12,3 %' typed, or type 'p')
    notes: list[str] = field(default_factory=list)  # column-level French messages (fractions in a percent column)


# --------------------------------------------------------------------------------------------------------------------
# One text cell

_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'"})
_DASHES = "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63\uff0d"
_MINUS = str.maketrans({d: "-" for d in _DASHES})
_CELL = re.compile(
    r"(?P<s1>[-+])? ?(?P<c1>€|eur(?![a-z]))? ?(?P<s2>[-+])? ?"
    r"(?P<body>[0-9](?:[0-9.,' ]*[0-9])?|[.,][0-9]+)(?P<exp>e[-+]?[0-9]+)?"
    r" ?(?P<suffix>%|€|eur|euros?)?",
    re.IGNORECASE,
)
_MULTIPLIER = re.compile(r"[0-9] ?(?:k|m|md|mds|mrd|milliers?|millions?|milliards?) ?(?:€|eur|euros?)?$", re.IGNORECASE)
_EXCEL_ERROR = re.compile(r"#(?:N/A|[A-Z][A-Z0-9/_]*[!?])", re.IGNORECASE)
_SEPARATORS = re.compile(r"([.,' ])")

# What one cell says. Kinds:
_BLANK, _MARKER, _NUMBER, _AMBIG_DOT, _AMBIG_COMMA, _BAD = range(6)
# Flags: the cell is a percentage, an amount in euros, shows French notation, shows English notation.
_PCT, _EUR, _FR, _EN = 1, 2, 4, 8


def _groups_ok(groups: list[str]) -> bool:
    """Digits grouped by thousands: 1 to 3 digits first, then groups of exactly 3."""
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _body(body: str) -> tuple[int, float, float, int]:
    """(kind, value, thousands reading for an ambiguous cell, notation flags) of the digits and separators."""
    if body[0] in ".,":  # ',5' or '.5'
        return _NUMBER, float("0." + body[1:]), np.nan, _FR if body[0] == "," else _EN
    parts = _SEPARATORS.split(body)
    digits, seps = parts[0::2], parts[1::2]
    if not seps:
        return _NUMBER, float(body), np.nan, 0
    marks = [s for s in seps if s in ".,"]
    kinds = set(marks)
    if not marks:  # '1 234 567', "1'234"
        return (_NUMBER, float("".join(digits)), np.nan, 0) if _groups_ok(digits) else (_BAD, np.nan, np.nan, 0)
    if len(kinds) == 1 and len(marks) > 1:  # '1.234.567': the separator groups thousands, there is no decimal part
        if set(seps) != kinds or not _groups_ok(digits):
            return _BAD, np.nan, np.nan, 0
        return _NUMBER, float("".join(digits)), np.nan, _FR if marks[0] == "." else _EN
    decimal = seps[-1]
    if decimal not in ".," or marks.count(decimal) != 1:
        return _BAD, np.nan, np.nan, 0
    whole, frac, grouping = digits[:-1], digits[-1], set(seps[:-1])
    if len(kinds) == 2:  # '1.234,5' / '1,234.5': the other mark groups thousands
        if grouping != kinds - {decimal} or not _groups_ok(whole):
            return _BAD, np.nan, np.nan, 0
    elif grouping:  # '1 234,5': spaces group, the mark is the decimal one
        if not grouping <= {" ", "'"} or not _groups_ok(whole):
            return _BAD, np.nan, np.nan, 0
    value = float("".join(whole) + "." + frac)
    if not grouping and len(frac) == 3 and 1 <= len(whole[0]) <= 3 and whole[0][0] != "0":
        return (_AMBIG_DOT if decimal == "." else _AMBIG_COMMA), value, float(whole[0] + frac), 0
    return _NUMBER, value, np.nan, _FR if decimal == "," else _EN


def _read_text(raw: str) -> tuple[int, float, float, int, str]:
    """(kind, value, thousands reading, flags, missing reason or French refusal) of one text cell."""
    text = _SPACES.sub(" ", raw.strip())
    if not text:
        return _BLANK, np.nan, np.nan, 0, ""
    marker = MISSING_MARKERS.get(text.lower())
    if marker:
        return _MARKER, np.nan, np.nan, 0, marker
    quoted = f"« {shorten(raw.strip())} »"
    if text.startswith("="):
        return _BAD, np.nan, np.nan, 0, f"{quoted} : {FORMULA_REASON}"
    if _EXCEL_ERROR.fullmatch(text):
        return _BAD, np.nan, np.nan, 0, f"{quoted} : erreur de calcul du tableur ({text.upper()}) ; corrigez la " \
                                         "formule ou laissez la cellule vide"
    t = text.translate(_MINUS).translate(_APOSTROPHES)
    if t.startswith("'") and not t.startswith("''"):  # the spreadsheet's « keep as text » prefix
        t = t[1:].lstrip()
    multiplied = _MULTIPLIER.search(t)
    if multiplied and _CELL.fullmatch(t[: multiplied.start() + 1]):
        return _BAD, np.nan, np.nan, 0, (f"{quoted} : multiplicateur d'unité (k, M, milliers…) : écrivez le nombre "
                                         "en entier, sans abréviation (12 500 et non 12,5 k€)")
    m = _CELL.fullmatch(t)
    if m is None or (m["s1"] and m["s2"]):
        return _BAD, np.nan, np.nan, 0, f"{quoted} n'est pas un nombre"
    suffix = (m["suffix"] or "").lower()
    flags = _PCT if suffix == "%" else 0
    if m["c1"] or suffix.startswith(("€", "eur")):
        if m["c1"] and suffix:
            return _BAD, np.nan, np.nan, 0, f"{quoted} n'est pas un nombre"
        flags |= _EUR
    sign = -1.0 if "-" in ((m["s1"] or "") + (m["s2"] or "")) else 1.0
    body = m["body"]
    if m["exp"]:  # scientific notation: a plain decimal number only
        if not re.fullmatch(r"[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+", body):
            return _BAD, np.nan, np.nan, 0, f"{quoted} n'est pas un nombre"
        kind, value, alt = _NUMBER, float(body.replace(",", ".") + m["exp"]), np.nan
        flags |= _FR if "," in body else _EN if "." in body else 0
    else:
        kind, value, alt, notation = _body(body)
        flags |= notation
        if kind == _BAD:
            return _BAD, np.nan, np.nan, 0, (f"{quoted} n'est pas un nombre (séparateurs mal placés : les milliers "
                                             "se groupent par trois chiffres)")
    if not np.isfinite(value):
        return _BAD, np.nan, np.nan, 0, f"{quoted} : nombre hors limites"
    return kind, sign * value, sign * alt, flags, ""


# --------------------------------------------------------------------------------------------------------------------
# A column


def fraction_note(values: np.ndarray, percent: np.ndarray) -> str | None:
    """FRACTIONS_NOTE when every value given for a percentage without saying so looks like a fraction: the values not
    marked as percentages ('%' typed, Excel percent cell) are all within [-1, 1] and one at least is strictly between
    0 and 1 in absolute value. One value suffices: a single 0,45 for a rate is flagged; a real 0,45 % is written
    « 0,45 % »; a lone 1 or 0 is not flagged (1 % or 0 % as much as a fraction)."""
    given = ~np.isnan(values) & ~np.asarray(percent, dtype=bool)
    if not given.any():
        return None
    v = np.abs(values[given])
    return FRACTIONS_NOTE if (v <= 1).all() and ((v > 0) & (v < 1)).any() else None


def _unit_name(unit: str) -> str:
    return {"€": "euros", "%": "pourcentage", "nombre": "nombre", DEGREES_UNIT: "degrés"}.get(unit, unit)


_SP = r"[ \x{00a0}\x{202f}]"
_PLAIN_RE = r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
_FRENCH_RE = rf"^[-+\x{{2212}}]?(?:[0-9]{{1,3}}(?:{_SP}[0-9]{{3}})*|[0-9]+)(?:,[0-9]+)?(?:{_SP}?[%€])?$"
_GROUPED_RE = {  # '1,234,567.5' (English) and '1.234.567,5' (French): unambiguous with two groups or a decimal part
    _EN: r"^[-+]?[0-9]{1,3}(?:(?:,[0-9]{3}){2,}(?:\.[0-9]+)?|(?:,[0-9]{3})+\.[0-9]+)$",
    _FR: r"^[-+]?[0-9]{1,3}(?:(?:\.[0-9]{3}){2,}(?:,[0-9]+)?|(?:\.[0-9]{3})+,[0-9]+)$",
}
_AMBIG_DOT_RE = r"^[-+]?[1-9][0-9]{0,2}\.[0-9]{3}$"
# A character no number carries (markers, formulas and Excel errors are told apart before): anything but digits,
# separators, signs and dashes, spaces, '%', '€' and the letters of units, multipliers and exponents (e, EUR, euros,
# k, M, Md, milliers, millions, milliards).
_NOT_A_NUMBER = r"[^0-9adeiklmnorsuADEIKLMNORSU.,'’ʼ+\-%€\p{Zs}\t\x{2010}-\x{2015}\x{2212}\x{fe63}\x{ff0d}]"
_AMBIG_COMMA_RE = rf"^[-+\x{{2212}}]?[1-9][0-9]{{0,2}},[0-9]{{3}}(?:{_SP}?[%€])?$"


def _matches(strings: pa.Array, pattern: str) -> np.ndarray:
    return pc.match_substring_regex(strings, pattern).to_numpy(zero_copy_only=False).astype(bool)


def _floats(strings: pa.Array) -> np.ndarray:
    """Strings already checked against _PLAIN_RE, as floats (Arrow's cast: C speed, no Python loop)."""
    return pc.cast(strings, pa.float64()).to_numpy(zero_copy_only=False).astype(float)


def _as_arrow(cells: np.ndarray) -> pa.Array:
    try:
        strings = pa.array(cells, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers or other objects in the column: their text
        strings = pa.array([c if isinstance(c, str) else "" if c is None or c != c else str(c) for c in cells],
                           type=pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(strings, ""))


def parse_column(text: pd.Series, types: pd.Series | None = None, *,
                 unit: str | pd.Series | None = None) -> ParsedColumn:
    """Every cell of one column of a file, parsed with the rules of this module (see its docstring).

    `types` holds readers.Sheet.types codes aligned on `text` (None for a CSV: everything is text). `unit` is the
    catalogue unit of the column ('%', 'personnes', '€', '°' for coordinates…), or one unit per cell (a long
    returns file mixes indicators); None when unknown. The fractions check (`notes`) runs for a single unit '%' only:
    a caller with one unit per cell groups by indicator and calls fraction_note itself.

    Speed: the usual shapes ('5412', '-12.5', '1 234,5', '12,3 %', '12 500 €') are matched and converted by Arrow
    in C; every other distinct text once in Python (700,000 cells: measured in tests/unit/ingest/test_cells.py)."""
    index = text.index
    n = len(text)
    raw = text.to_numpy(dtype=object)
    strings = _as_arrow(raw)
    values = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    percent = np.zeros(n, dtype=bool)
    euro = np.zeros(n, dtype=bool)
    reason = np.full(n, None, dtype=object)
    why = np.full(n, "", dtype=object)
    blank = (pc.equal(strings, "")).to_numpy(zero_copy_only=False).astype(bool)
    codes = None if types is None else types.fillna("").astype(str).to_numpy(dtype=object)

    def shown(i: int) -> str:
        return shorten(str(raw[i]).strip())

    textual = ~blank
    if codes is not None:
        typed = ((codes == "n") | (codes == "p")) & ~blank
        if typed.any():
            pos = np.flatnonzero(typed)
            sub = strings.take(pa.array(pos))
            ok = _matches(sub, _PLAIN_RE)
            values[pos[ok]] = _floats(sub.filter(pa.array(ok)))
            bad[pos[~ok]] = True
            percent[typed & (codes == "p")] = True
        labels = {"d": "date, pas un nombre", "b": "valeur logique (vrai/faux), pas un nombre", "f": FORMULA_REASON}
        for i in np.flatnonzero(np.isin(codes, ["d", "b", "f", "e"]) & ~blank):
            bad[i] = True
            why[i] = (f"« {shown(i)} » : erreur de calcul du tableur ({shown(i)}) ; corrigez la formule ou laissez la "
                      "cellule vide" if codes[i] == "e" else f"« {shown(i)} » : {labels[codes[i]]}")
        unreadable = typed & (bad | ~np.isfinite(values))
        bad |= unreadable
        for i in np.flatnonzero(unreadable):
            why[i] = f"« {shown(i)} » " + (": nombre hors limites" if np.isinf(values[i]) else "n'est pas un nombre")
        textual &= ~(typed | bad)

    english = french = False
    ambiguous_dot = np.zeros(n, dtype=bool)
    ambiguous_comma = np.zeros(n, dtype=bool)
    alt = np.full(n, np.nan)
    slow = np.zeros(n, dtype=bool)
    if textual.any():
        pos = np.flatnonzero(textual)
        sub = strings.take(pa.array(pos))
        # Fast path 1: plain numbers ('5412', '-12.5', '1e5').
        plain = _matches(sub, _PLAIN_RE)
        if plain.any():
            p_pos, p_sub = pos[plain], sub.filter(pa.array(plain))
            v = _floats(p_sub)
            finite = np.isfinite(v)
            values[p_pos[finite]] = v[finite]
            slow[p_pos[~finite]] = True  # '1e400': refused below with its reason
            amb = _matches(p_sub, _AMBIG_DOT_RE) & finite
            dotted = pc.match_substring(p_sub, ".").to_numpy(zero_copy_only=False).astype(bool)
            english = bool((dotted & ~amb & finite).any())
            if amb.any():
                ambiguous_dot[p_pos[amb]] = True
                alt[p_pos[amb]] = _floats(pc.replace_substring(p_sub.filter(pa.array(amb)), ".", ""))
        # Fast path 2: French notation ('1 234,5', '−12,5', '12,3 %', '12 500 €').
        rest = ~plain
        if rest.any():
            r_pos, r_sub = pos[rest], sub.filter(pa.array(rest))
            fr = _matches(r_sub, _FRENCH_RE)
            if fr.any():
                f_pos, f_sub = r_pos[fr], r_sub.filter(pa.array(fr))
                percent[f_pos] = pc.ends_with(f_sub, "%").to_numpy(zero_copy_only=False).astype(bool)
                euro[f_pos] = pc.ends_with(f_sub, "€").to_numpy(zero_copy_only=False).astype(bool)
                clean = pc.replace_substring_regex(f_sub, r"[ \x{00a0}\x{202f}%€]", "")
                clean = pc.replace_substring(pc.replace_substring(clean, ",", "."), "\u2212", "-")
                values[f_pos] = _floats(clean)
                ambc = _matches(f_sub, _AMBIG_COMMA_RE)
                ambiguous_comma[f_pos[ambc]] = True
                commas = pc.match_substring(f_sub, ",").to_numpy(zero_copy_only=False).astype(bool)
                french = bool((commas & ~ambc).any())
            rest_pos, rest_sub = r_pos[~fr], r_sub.filter(pa.array(~fr))
            for notation, pattern in _GROUPED_RE.items():
                grouped = _matches(rest_sub, pattern) if len(rest_pos) else np.zeros(0, dtype=bool)
                if grouped.any():
                    g_sub = rest_sub.filter(pa.array(grouped))
                    thousands, decimal = (",", ".") if notation == _EN else (".", ",")
                    values[rest_pos[grouped]] = _floats(pc.replace_substring(pc.replace_substring(
                        g_sub, thousands, ""), decimal, "."))
                    english = english or notation == _EN
                    french = french or notation == _FR
                    rest_pos, rest_sub = rest_pos[~grouped], rest_sub.filter(pa.array(~grouped))
            slow[rest_pos] = True
    s_pos = np.flatnonzero(slow)
    if len(s_pos):
        # Markers, then text that cannot be a number (no digit, or a letter no number, unit or multiplier carries):
        # refused without a closer look, so that 700,000 distinct wrong cells cost seconds, not minutes.
        sub = strings.take(pa.array(s_pos))
        spelled = pc.utf8_lower(pc.replace_substring_regex(sub, r"[\s\p{Zs}]+", " "))
        found = pc.index_in(spelled, value_set=_MARKER_SPELLINGS).to_numpy(zero_copy_only=False)
        is_marker = ~np.isnan(found.astype(float))
        reason[s_pos[is_marker]] = _MARKER_REASONS[found[is_marker].astype(int)]
        special = (pc.starts_with(sub, "=").to_numpy(zero_copy_only=False)
                   | pc.starts_with(sub, "#").to_numpy(zero_copy_only=False)).astype(bool)
        hopeless = (~_matches(sub, "[0-9]") | _matches(sub, _NOT_A_NUMBER)) & ~special & ~is_marker
        if hopeless.any():
            keys, uniques = pd.factorize(pd.Series(raw[s_pos[hopeless]], dtype=object).astype(str))
            why[s_pos[hopeless]] = np.array([f"« {shorten(u.strip())} » n'est pas un nombre" for u in uniques],
                                            dtype=object)[keys]
        bad[s_pos[hopeless]] = True
        s_pos = s_pos[~hopeless & ~is_marker]
    if len(s_pos):
        # Everything else, each distinct text once: '1.234,5', '€12', '12 k€', '1e400', refusals with their reason.
        keys, uniques = pd.factorize(pd.Series(raw[s_pos], dtype=object).astype(str))
        read = [_read_text(u) for u in uniques]
        kinds = np.array([r[0] for r in read], dtype=int)[keys]
        flags = np.array([r[3] for r in read], dtype=int)[keys]
        values[s_pos] = np.array([r[1] for r in read], dtype=float)[keys]
        alt[s_pos] = np.array([r[2] for r in read], dtype=float)[keys]
        said = np.array([r[4] for r in read], dtype=object)[keys]
        marker = kinds == _MARKER
        reason[s_pos[marker]] = said[marker]
        refused = kinds == _BAD
        bad[s_pos[refused]] = True
        why[s_pos[refused]] = said[refused]
        percent[s_pos] |= (flags & _PCT) > 0
        euro[s_pos] |= (flags & _EUR) > 0
        french = french or bool((flags & _FR).any())
        english = english or bool((flags & _EN).any())
        ambiguous_dot[s_pos[kinds == _AMBIG_DOT]] = True
        ambiguous_comma[s_pos[kinds == _AMBIG_COMMA]] = True

    if isinstance(unit, pd.Series):
        units = unit.to_numpy(dtype=object)
        known = ~pd.isna(units)
        is_pct, is_eur, is_deg = units == PERCENT_UNIT, units == EURO_UNIT, units == DEGREES_UNIT
    else:
        units = np.full(n, unit, dtype=object) if unit is not None else None
        known = np.full(n, unit is not None)
        is_pct, is_eur, is_deg = (np.full(n, unit == u) for u in (PERCENT_UNIT, EURO_UNIT, DEGREES_UNIT))
    # '5.412': thousands when the column writes French, decimal when it writes English, else refused. A rate of the
    # catalogue (unit '%', at most 100) or a coordinate has no thousands: there the separator is the decimal one.
    open_dot = ambiguous_dot & ~(is_pct | is_deg)
    if french and not english:
        values[open_dot] = alt[open_dot]
    refused = (open_dot if french == english else np.zeros(n, dtype=bool)) | (
        ambiguous_comma & ~(is_pct | is_deg) if english else np.zeros(n, dtype=bool))
    for i in np.flatnonzero(refused):
        t = str(raw[i]).strip()
        mixed = " (la colonne mélange les notations française et anglaise)" if french and english else ""
        why[i] = (f"« {shorten(t)} » : séparateur de milliers ou décimale ?{mixed} Écrivez "
                  f"{_digits(t).replace('.', '').replace(',', '')} ou {_digits(t).replace('.', ',')}")
    bad |= refused

    # A unit the cell states must be the column's.
    wrong_pct = percent & known & ~is_pct & ~bad
    for i in np.flatnonzero(wrong_pct):
        cell = shown(i) if codes is None or codes[i] != "p" else shown(i).replace(".", ",") + " %"
        why[i] = f"« {cell} » : pourcentage pour un indicateur en {_unit_name(units[i])}"
    wrong_eur = euro & known & ~is_eur & ~bad & ~wrong_pct
    for i in np.flatnonzero(wrong_eur):
        why[i] = f"« {shown(i)} » : montant en euros pour un indicateur en {_unit_name(units[i])}"
    bad |= wrong_pct | wrong_eur
    values[bad] = np.nan

    notes: list[str] = []
    if isinstance(unit, str) and unit == PERCENT_UNIT:
        note = fraction_note(values, percent)
        if note:
            notes.append(note)
    return ParsedColumn(values=values, reason=pd.Series(reason, index=index, dtype=object), bad=bad,
                        why=pd.Series(why, index=index, dtype=object), percent=percent, notes=notes)


def _digits(text: str) -> str:
    """'−5.412 €' -> '-5.412': the number of a refused ambiguous cell, for the message's suggestions."""
    m = re.search(r"[0-9]+[.,][0-9]+", text)
    sign = "-" if text.translate(_MINUS).lstrip().startswith("-") else ""
    return sign + (m.group(0) if m else text)


def parse_text(text: str, *, unit: str | None = None) -> tuple[float, str | None, str]:
    """One cell on its own (a year cell, a header): (value or NaN, missing reason or None, French refusal or '')."""
    parsed = parse_column(pd.Series([text], dtype=object), unit=unit)
    return float(parsed.values[0]), parsed.reason.iat[0], parsed.why.iat[0]
