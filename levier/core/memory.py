"""The process's allocator for Arrow buffers (pandas' text columns): the system's, which gives freed memory back."""

from __future__ import annotations

import pyarrow as pa


def use_system_allocator() -> str:
    """Arrow's default pool (mimalloc) keeps the memory it freed for its own reuse, so a process that parsed a file
    then opened DuckDB (whose allocator is its own) held both at once: about 50 MB more at the peak of a national
    import than with the system pool (bench/bench_import.py, 2026-12-05). Called once when levier is imported;
    returns the pool's name."""
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name
