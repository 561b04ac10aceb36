"""One module per page: what the page shows, as plain dataclasses and DataFrames ready to render."""
