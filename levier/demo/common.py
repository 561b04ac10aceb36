"""What both demo generators share: the seed, seeded random streams, file names and workbooks, the CDPPE waves."""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from levier.core.config import settings

DEMO_SEED = 2019
FICTION_NOTE = "Données fictives de démonstration — Levier"

PUBLIC_WAVE_FILE = Path("programmes") / "cdppe_vague1_2020_liste_partielle.csv"
WAVE_SOURCE_PUBLIC = "liste publique"
WAVE_SOURCE_GENERATED = "complété par le générateur"
CDPPE_WAVE_YEARS = (2020, 2021, 2022)
CDPPE_WAVE_SIZES = (30, 40)  # 2020 and 2021 waves; every other département signs in 2022
# SOURCES.md: the Seine-Saint-Denis did not apply for the 2020 wave, so the generator never draws it into 2020.
NOT_IN_FIRST_WAVE = ("93",)


def seeded_rng(seed: int, *parts: str) -> np.random.Generator:
    """One stream per (purpose, territory, indicator): a territory's values do not depend on which others exist."""
    return np.random.default_rng([seed, *(zlib.crc32(p.encode("utf-8")) for p in parts)])


def slug(text: str) -> str:
    """'Côte-d'Or' -> 'cote-d-or', for file names."""
    s = unicodedata.normalize("NFKD", text)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def sheet_name(code: str, name: str) -> str:
    """'38 - Isère': a worksheet name Excel accepts (31 characters, none of []:*?/\\)."""
    clean = re.sub(r"[\[\]:*?/\\]", " ", name)
    return f"{code} - {clean}"[:31].rstrip(" '")


def workbook(path: Path, title: str, created: datetime) -> xlsxwriter.Workbook:
    """A workbook marked as fiction, with fixed metadata so that two runs give the same bytes."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": title, "author": "Levier", "comments": FICTION_NOTE, "created": created})
    return wb


# ---------------------------------------------------------------------------------------------------------------
# CDPPE waves: one source for the returns, the funding and the contract table


def public_first_wave(reference_dir: Path | None = None) -> list[str]:
    """Départements of the 2020 wave named by public sources (partial list; « 2A|2B » is the Corse's two codes)."""
    path = Path(reference_dir or settings().reference_dir) / PUBLIC_WAVE_FILE
    if not path.exists():
        return []
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame[frame["vague"].str.strip() == "2020"]
    return sorted({c.strip() for v in frame["code_dep"] for c in v.split("|") if c.strip()})


def cdppe_wave_table(dep_codes: Iterable[str], seed: int = DEMO_SEED, reference_dir: Path | None = None,
                     known: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Year each département signs its CDPPE: the public 2020 list, completed to 30 by a seeded draw (never the
    Seine-Saint-Denis), 40 more in 2021, every other département in 2022. Columns: code, signed_year, wave,
    wave_source."""
    codes = sorted({str(c) for c in dep_codes})
    years: dict[str, int] = {}
    source: dict[str, str] = {}
    for c in public_first_wave(reference_dir):
        if c in codes:
            years[c], source[c] = 2020, WAVE_SOURCE_PUBLIC
    for c, y in (known or {}).items():
        if c in codes and c not in years:
            years[c], source[c] = int(y), WAVE_SOURCE_PUBLIC
    rest = [c for c in codes if c not in years]
    order = seeded_rng(seed, "cdppe-waves").permutation(len(rest))
    slots = {
        2020: max(0, CDPPE_WAVE_SIZES[0] - sum(1 for v in years.values() if v == 2020)),
        2021: max(0, CDPPE_WAVE_SIZES[1] - sum(1 for v in years.values() if v == 2021)),
    }
    for idx in order:
        c = rest[int(idx)]
        if slots[2020] and c not in NOT_IN_FIRST_WAVE:
            year = 2020
        elif slots[2021]:
            year = 2021
        else:
            year = 2022
        if year in slots:
            slots[year] -= 1
        years[c], source[c] = year, WAVE_SOURCE_GENERATED
    table = pd.DataFrame({"code": codes, "signed_year": [years[c] for c in codes],
                          "wave_source": [source[c] for c in codes]})
    table["wave"] = table["signed_year"].map({y: k + 1 for k, y in enumerate(CDPPE_WAVE_YEARS)}).astype("int64")
    return table[["code", "signed_year", "wave", "wave_source"]]


def cdppe_wave_years(dep_codes: Iterable[str], seed: int = DEMO_SEED, known: Mapping[str, int] | None = None,
                     reference_dir: Path | None = None) -> dict[str, int]:
    table = cdppe_wave_table(dep_codes, seed, reference_dir, known)
    return dict(zip(table["code"], table["signed_year"].astype(int)))
