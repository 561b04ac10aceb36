"""Everything that turns a file into rows: readers, one module per file kind, reference, catalogue."""
