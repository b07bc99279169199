"""JSON Merge Patch (RFC 7386): how ``PATCH /items/{id}`` changes an item."""

from __future__ import annotations

from typing import Any


def apply(target: Any, patch: Any) -> Any:
    """``target`` with ``patch`` merged in: objects merge recursively, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = apply(result.get(name), value)
    return result
