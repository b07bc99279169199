"""JSON Merge Patch (RFC 7386): how ``PATCH /items/{id}`` changes an item, and nothing it does not name.

The patch is merged into the item's typed attribute values, so every attribute the patch leaves alone keeps
its exact type and value (a string set stays a string set, binary stays binary), however the client writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamodbmanager.store import dynamodb_json
from dynamodbmanager.store.attributes import serialize_value

TypedItem = dict[str, dict[str, Any]]


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


def _merge_plain(target: Mapping[str, Any] | None, patch: Any, where: str) -> dict[str, Any]:
    """A plain patch value merged into one typed value: an object merges into a map, the rest replaces."""
    if not isinstance(patch, dict):
        return serialize_value(patch, where)
    members = dict(target["M"]) if target is not None and "M" in target else {}
    for name, value in patch.items():
        if value is None:
            members.pop(name, None)
        else:
            members[name] = _merge_plain(members.get(name), value, f"{where}.{name}")
    return {"M": members}


def apply_plain(item: Mapping[str, dict[str, Any]], patch: Mapping[str, Any]) -> TypedItem:
    """A plain-JSON merge patch applied to a typed item (RFC 7386 on the values plain JSON can say)."""
    result = dict(item)
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = _merge_plain(result.get(name), value, f"The merge patch.{name}")
    return result


def apply_typed(item: Mapping[str, dict[str, Any]], patch: Mapping[str, Any]) -> TypedItem:
    """A DynamoDB-JSON merge patch applied to a typed item: each typed value sets its attribute, ``null`` removes."""
    result = dict(item)
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = dynamodb_json.value(value, f"The merge patch.{name}")
    return result
