"""Levier: territorial poverty diagnostics and State–département contracts, stored in DuckDB."""

__version__ = "0.1.0"
