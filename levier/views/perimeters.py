"""EPCI values computed on an older perimeter: flagged with their geography year and kept out of rankings."""

from __future__ import annotations

import pandas as pd

from levier.analysis.positions import LEVEL_EPCI, keep_first_reason
from levier.ingest.public_stats import KIND_STAT
from levier.store.db import Database, Query

PERIMETER_RULE = (
    "L'INSEE publie les valeurs par EPCI dans la géographie de leur année de publication (Filosofi 2019 : périmètres "
    "de 2021). Un EPCI dont les communes ont changé depuis garde sa valeur, notée « périmètre 2021 de l'EPCI, modifié "
    "depuis » : elle est montrée mais n'est classée ni comparée aux médianes des périmètres actuels. Un changement "
    "est repéré en comparant les listes de communes membres connues de Levier (2023 et 2026), les fusions de "
    "communes à l'intérieur d'un même EPCI n'étant pas des changements ; un changement antérieur à 2023 n'est pas "
    "visible."
)


def perimeter_values(db: Database, values: pd.DataFrame, level: str = LEVEL_EPCI) -> pd.DataFrame:
    """`values` (code, indicator, period, value[, unranked_reason]) with `perimeter_note` and, for a value computed
    on an EPCI perimeter changed since its geography year, `unranked_reason` = that note (an existing reason kept).
    Other levels are returned with an empty note."""
    out = values.copy()
    if "unranked_reason" not in out.columns:
        out["unranked_reason"] = None
    out["perimeter_note"] = None
    if level != LEVEL_EPCI or out.empty:
        return out
    codes = sorted(set(out["indicator"].unique()))  # the distinct codes, not a Python set built from every row
    notes = db.read(Query.PERIMETER_NOTES, {"level": level, "codes": codes, "kind": KIND_STAT})
    if notes.empty:
        return out
    key = ["code", "indicator", "period"]
    notes = notes.assign(period=notes["period"].astype("int64"))
    merged = out.drop(columns="perimeter_note").merge(notes, on=key, how="left")
    merged.index = out.index
    flagged = merged["perimeter_note"].notna() & merged["value"].notna()
    merged["perimeter_note"] = merged["perimeter_note"].astype(object).where(flagged, None)
    merged["unranked_reason"] = keep_first_reason(merged["unranked_reason"], merged["perimeter_note"])
    return merged
