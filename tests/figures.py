"""Reading chart texts the way a user sees them: from the decoded figure, whatever escaping the serialiser chose."""

from __future__ import annotations


def strings(node) -> list[str]:
    """Every text of a decoded figure (titles, annotations, labels, hover templates)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []
