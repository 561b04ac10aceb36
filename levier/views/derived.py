"""The publication step: every derived table computed from the data as stored, written in one transaction.

Called after every write that changes what pages show (an import, the demo build, the reference load) by the faces
that write (levier.cli, the Importer page) and by the tests' database builders. Each builder reads the whole
database (full rights: the derived tables carry what levier_sees_derived needs to filter per user) and returns its
tables as frames, named after their queries/derived/insert_*.sql."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from levier.store.db import Database
from levier.store.derived import replace_derived
from levier.views import gating, indicateurs, mi_parcours, qualite, services, t0

Builder = Callable[[Database], Mapping[str, pd.DataFrame]]

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
    nothing). Returns the rows written per table."""
    reader_db = Database(db.path, db.lock_wait)  # everything stored, whoever the writer is
    frames: dict[str, pd.DataFrame] = {}
    for build in BUILDERS:
        gates = frames.get(GATES_TABLE)
        if build in RANKING_BUILDERS and gates is not None:
            frames.update(build(reader_db, gate_rows=gates))
        else:
            frames.update(build(reader_db))
    with db.transaction() as w:
        return replace_derived(w, frames)
