"""Derived tables: computed once per data version by the publication step (levier.views.derived), read by lookup.

A derived table `t` is created by a migration with an access view `visible_t` (macro levier_sees_derived of 011)
and comes with two statements in queries/derived/: `clear_t.sql` and `insert_t.sql` (reading `incoming`), named in
TABLES."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from levier.store.db import Database, Reader, Writer
from levier.store.queries import Query

# Every derived table: its name (the key of the frame its builder returns) -> (clear, insert) statements.
TABLES: dict[str, tuple[Query, Query]] = {
    "t0_values": (Query.CLEAR_T0_VALUES, Query.INSERT_T0_VALUES),
    "t0_values_by_code": (Query.CLEAR_T0_VALUES_BY_CODE, Query.INSERT_T0_VALUES_BY_CODE),
    "t0_stats": (Query.CLEAR_T0_STATS, Query.INSERT_T0_STATS),
    "coverage": (Query.CLEAR_COVERAGE, Query.INSERT_COVERAGE),
    "coverage_place": (Query.CLEAR_COVERAGE_PLACE, Query.INSERT_COVERAGE_PLACE),
    "coverage_list": (Query.CLEAR_COVERAGE_LIST, Query.INSERT_COVERAGE_LIST),
    "quality_gates": (Query.CLEAR_QUALITY_GATES, Query.INSERT_QUALITY_GATES),
    "quality_cells": (Query.CLEAR_QUALITY_CELLS, Query.INSERT_QUALITY_CELLS),
    "quality_findings": (Query.CLEAR_QUALITY_FINDINGS, Query.INSERT_QUALITY_FINDINGS),
    "quality_frames": (Query.CLEAR_QUALITY_FRAMES, Query.INSERT_QUALITY_FRAMES),
    "indicator_catalogue": (Query.CLEAR_INDICATOR_CATALOGUE, Query.INSERT_INDICATOR_CATALOGUE),
    "indicator_coverage": (Query.CLEAR_INDICATOR_COVERAGE, Query.INSERT_INDICATOR_COVERAGE),
    "midterm_value": (Query.CLEAR_MIDTERM_VALUE, Query.INSERT_MIDTERM_VALUE),
    "target_status": (Query.CLEAR_TARGET_STATUS, Query.INSERT_TARGET_STATUS),
    "peer_group": (Query.CLEAR_PEER_GROUP, Query.INSERT_PEER_GROUP),
    "t0_tables": (Query.CLEAR_T0_TABLES, Query.INSERT_T0_TABLES),
}


def is_current(reader: Reader) -> bool:
    """True when the derived tables were computed for the data as it is now (no write since)."""
    rows = reader.once(Query.DATA_STATE_EXISTS)
    if not rows or not rows[0][0]:
        return False
    version, derived_for = reader.once(Query.DATA_STATE)[0]
    return derived_for is not None and int(derived_for) == int(version)


Table = pd.DataFrame | Iterable[pd.DataFrame]  # a derived table's rows: one frame, or frames made one after the other


def clear_derived(w: Writer) -> None:
    """Empties every derived table, inside the caller's transaction: a table the caller then writes nothing into
    stays empty, so nothing stale is left marked current."""
    for clear, _ in TABLES.values():
        w.execute(clear)


def write_derived(w: Writer, name: str, table: Table) -> int:
    """Appends a derived table's rows (a frame, or frames consumed one at a time: a block is written, then dropped,
    before the next is made) inside the caller's transaction. Returns the rows written."""
    if name not in TABLES:
        raise ValueError(f"Table dérivée inconnue : {name}")
    insert = TABLES[name][1]
    frames = [table] if isinstance(table, pd.DataFrame) else table
    return sum(w.insert(insert, frame) for frame in frames)


def mark_derived(w: Writer) -> None:
    """The derived tables written in this transaction are those of its data version."""
    w.execute(Query.MARK_DERIVED)


def reads_everything(db: Database) -> bool:
    """The user reads every territory's contract data with no small count masked: positions, medians and statuses
    computed from everything stored are theirs to read."""
    return db.scope.all_territories and not db.scope.masks_anything and db.exists()


def available(db: Database) -> bool:
    """Whether this user's views may be served from the derived tables: they are current, and the user reads
    everything stored unmasked (anyone else is served by the live computation over the rows they may read)."""
    if not reads_everything(db):
        return False
    with db.reader() as r:
        return is_current(r)
