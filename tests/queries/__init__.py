"""Queries only tests run (row counts, value and variant histories, what a user's rights let through), kept out of
the shipped registry: `db.read(ProbeQuery.TABLE_ROW_COUNTS)` works like a `Query` member."""

from __future__ import annotations

from pathlib import Path

from levier.store.queries import query_registry

ProbeQuery = query_registry("ProbeQuery", Path(__file__).parent, module=__name__)
