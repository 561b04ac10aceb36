"""The publication step: every derived table computed from the data as stored, written in one transaction.

Called after every write that changes what pages show (an import, the demo build, the reference load) by the faces
that write (levier.cli, the Importer page) and by the tests' database builders. Each builder reads the whole
database (full rights: the derived tables carry what levier_sees_derived needs to filter per user) and returns its
tables as frames (or blocks of frames), named after their queries/derived/insert_*.sql."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pandas as pd

from levier.store.db import Database
from levier.store.derived import TABLES, clear_derived, mark_derived, write_derived
from levier.views import gating, indicateurs, mi_parcours, qualite, services, t0

Builder = Callable[..., Mapping[str, pd.DataFrame | Iterable[pd.DataFrame]]]

# One builder per family of derived tables; each reads the stored data only, and may be called on its own.
BUILDERS: tuple[Builder, ...] = (
    gating.build_derived, t0.derive_t0, services.build_derived, qualite.build_derived, indicateurs.build_derived,
    mi_parcours.derived_tables,
)
# The builders that rank values gate them with every level's quality gates: in the publication step they are handed
# the frame gating.build_derived (first above) has just computed, so the quality checks run once instead of once per
# builder, level and comparison set (most of the step's time at ×10).
GATES_TABLE = "quality_gates"
RANKING_BUILDERS = (t0.derive_t0, mi_parcours.derived_tables)


def refresh(db: Database) -> dict[str, int]:
    """Computes every derived table for the data as stored now and writes them all in one transaction (all or
    nothing). Returns the rows written per table.

    Each builder's tables are written as soon as it returns, and dropped before the next builder runs (a table
    given in blocks is written block by block): the step holds one builder's frames at a time, not all of them
    (7.3 GB at ×10 when they were all held until the end). The builders run inside the write transaction, so they
    read the version it started from and no other writer can publish in between: the tables marked current are
    those of the data they were computed from."""
    reader_db = Database(db.path, db.lock_wait)  # everything stored, whoever the writer is
    written = dict.fromkeys(TABLES, 0)
    gates: pd.DataFrame | None = None
    with db.transaction() as w:
        clear_derived(w)
        for build in BUILDERS:
            if build in RANKING_BUILDERS and gates is not None:
                tables = build(reader_db, gate_rows=gates)
            else:
                tables = build(reader_db)
            for name, table in tables.items():
                written[name] = write_derived(w, name, table)
            if GATES_TABLE in tables:
                gates = tables[GATES_TABLE]
            del tables
        mark_derived(w)
    return written
