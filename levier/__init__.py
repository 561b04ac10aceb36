"""Levier: territorial poverty diagnostics and State–département contracts, stored in DuckDB."""

from levier.core.memory import use_system_allocator

__version__ = "0.1.0"

# Before any table is read: every process (app, CLI, tests, benches) allocates Arrow buffers the same way.
use_system_allocator()
