"""The quality findings stored once per data version (derived_quality_findings): a frame written as rows of JSON
payloads, keyed by territory, indicator and year, and read back with its columns, order and types."""

from __future__ import annotations

import json

import pandas as pd

from levier.analysis import quality

_LEVEL_CODES = {label: code for code, label in quality.LEVEL_LABELS.items()}  # 'métropole' -> 'epci'


def _json_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"valeur non sérialisable : {value!r}")


def frame_rows(part: str, frame: pd.DataFrame, meta: dict | None = None) -> pd.DataFrame:
    """A frame as rows of derived_quality_findings: a schema row (row_no -1: columns, types, `meta`) then one row per
    row, its values a JSON list (floats written exactly), keyed by territory, indicator and year where it has them."""
    columns = [str(c) for c in frame.columns]
    schema = json.dumps({"columns": columns, "dtypes": [str(t) for t in frame.dtypes], "meta": meta or {}})
    values = zip(*(frame[c].astype(object).tolist() for c in frame.columns)) if len(frame.columns) else iter(())
    payloads = [json.dumps(list(row), default=_json_value, ensure_ascii=False) for row in values]

    def key(*names: str) -> list[object]:
        for name in names:
            if name in frame.columns:
                return [None if pd.isna(v) else v for v in frame[name].astype(object)]
        return [None] * len(frame)

    level = [_LEVEL_CODES.get(v, v) if v is not None else None for v in key("territory_level", "Niveau")]
    period = key("period", "Année", "Année déclarée", "Dernière année")
    return pd.DataFrame({
        "part": part,
        "row_no": [-1] + list(range(len(frame))),
        "territory_level": [None] + level,
        "territory_code": [None] + [None if v is None else str(v) for v in key("territory_code", "Code territoire",
                                                                              "code")],
        "indicator": [None] + [None if v is None else str(v) for v in key("indicator", "Indicateur")],
        "period": pd.array([None] + [None if v is None else int(v) for v in period], dtype="Int64"),
        "severity": [None] + [None if v is None else str(v) for v in key("severity")],
        "payload": [schema] + payloads,
        "is_public": False,  # every part is computed from the territories' returns
    })


def frames_of(rows: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, dict]]:
    """frame_rows() read back: part -> (the frame, same columns, order and types; its meta)."""
    out = {}
    for part, g in rows.groupby("part", sort=False):
        payloads = g["payload"].tolist()
        schema = json.loads(payloads[0])
        records = json.loads("[" + ",".join(payloads[1:]) + "]")
        columns = list(zip(*records)) if records else [()] * len(schema["columns"])
        # Each column built with its stored type (the constructor would read a column of texts as str).
        frame = pd.DataFrame({c: pd.Series(list(v), dtype=t)
                              for c, v, t in zip(schema["columns"], columns, schema["dtypes"])})
        out[str(part)] = (frame, schema["meta"])
    return out
