"""The reference geography the rights layer needs, read from the database: each département's région."""

from __future__ import annotations

from levier.rights.access import Geography
from levier.store.db import Database, Query


def departement_regions(db: Database) -> dict[str, str]:
    """Département code -> région code ("" when the reference has none), latest geography vintage."""
    frame = db.read(Query.DEPARTEMENTS_OF_REGIONS)
    return {str(d): (str(r) if r is not None else "") for d, r in zip(frame["dep"], frame["reg"], strict=True)}


def load_geography(db: Database) -> Geography:
    return Geography(region_of=departement_regions(db))
