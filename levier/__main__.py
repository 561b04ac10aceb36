"""Allows `python -m levier …`."""

from levier.cli import main

raise SystemExit(main())
