"""Where Levier finds its database, the reference data and its limits (environment-overridable)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUERIES_DIR = PROJECT_ROOT / "queries"
SCHEMA_DIR = QUERIES_DIR / "schema"
DATA_DIR = PROJECT_ROOT / "data"
CATALOGUE_DIR = DATA_DIR / "catalogue"

# Environment variables a user may set (documented in README.md).
ENV_DB = "LEVIER_DB"
ENV_REFERENCE_DIR = "LEVIER_REFERENCE_DIR"
ENV_MAX_FILE_MB = "LEVIER_MAX_FILE_MB"
ENV_LOCK_WAIT = "LEVIER_LOCK_WAIT_SECONDS"


@dataclass(frozen=True)
class Settings:
    db_path: Path
    reference_dir: Path
    max_file_bytes: int
    lock_wait_seconds: float


def settings() -> Settings:
    """Read the settings afresh, so tests and the CLI can change the environment between calls."""
    db = Path(os.environ.get(ENV_DB, DATA_DIR / "levier.duckdb"))
    ref = Path(os.environ.get(ENV_REFERENCE_DIR, PROJECT_ROOT.parent / "shared" / "data"))
    max_mb = float(os.environ.get(ENV_MAX_FILE_MB, "20"))
    wait = float(os.environ.get(ENV_LOCK_WAIT, "30"))
    return Settings(
        db_path=db.expanduser().parent.resolve() / db.name,  # not resolved: a pointer to versions
        reference_dir=ref.expanduser().resolve(),
        max_file_bytes=int(max_mb * 1024 * 1024),
        lock_wait_seconds=wait,
    )
