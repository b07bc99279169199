"""Items as the data tools move them: typed, in one canonical DynamoDB JSON form, plain only where nothing is lost.

Export reads every item typed (the API's ``?format=dynamodb``, or a scan's own answer), so the file format
alone decides what is kept. DynamoDB JSON keeps all ten types. Plain JSON (JSON Lines, CSV) has no sets and
no binary: written there, a set would read back as a list and binary as a string, so such a value stops the
export with an error naming the item, the attribute and the format that keeps it, unless the loss is
accepted (``--allow-lossy``). Numbers are kept digit for digit in every format.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dynamodbmanager.schema import DEFAULT_SHAPE

if TYPE_CHECKING:
    from dynamodbmanager.client import ApiClient
    from dynamodbmanager.schema import KeyAttribute

#: The API's name for DynamoDB JSON (``?format=dynamodb``), which carries every type.
API_ITEM_FORMAT = "dynamodb"
#: The file format that keeps every type: the line format of DynamoDB's export to S3.
LOSSLESS_FORMAT = "dynamodb-json"
#: The types plain JSON cannot hold, what they are, and what their plain form reads back as.
_LOSSY_TYPES = {
    "B": ("binary (B)", "a string (S) of base64"),
    "SS": ("a string set (SS)", "a list (L)"),
    "NS": ("a number set (NS)", "a list (L)"),
    "BS": ("a binary set (BS)", "a list (L) of base64 strings"),
}


class LossyValue(Exception):
    """An item holds a value the chosen file format would read back as another type (a set, binary)."""

    def __init__(self, key: str, attribute: str, kind: str, fmt: str) -> None:
        what, becomes = _LOSSY_TYPES[kind]
        super().__init__(
            f"item {key}: attribute {attribute!r} is {what}, which {fmt} cannot keep (it would read back as "
            f"{becomes}); export with --format {LOSSLESS_FORMAT} to keep every type, or add --allow-lossy "
            "to accept the loss"
        )
        self.key = key
        self.attribute = attribute
        self.kind = kind


def typed_client(client: ApiClient) -> ApiClient:
    """``client`` set to send and receive items as DynamoDB JSON, the only form of the API that loses no type."""
    if client.item_format == API_ITEM_FORMAT:
        return client
    return dataclasses.replace(client, item_format=API_ITEM_FORMAT)


def _base64(member: Any) -> str:
    """Binary as standard base64: bytes from a scan are encoded, the API's base64 text is kept."""
    if isinstance(member, bytes | bytearray):
        return base64.b64encode(member).decode("ascii")
    return str(member)


def canonical_value(typed: Mapping[str, Any]) -> dict[str, Any]:
    """One typed value as DynamoDB JSON with maps and set members sorted, so equal values give equal bytes."""
    ((kind, raw),) = typed.items()
    if kind == "M":
        return {"M": {name: canonical_value(raw[name]) for name in sorted(raw)}}
    if kind == "L":
        return {"L": [canonical_value(member) for member in raw]}
    if kind == "B":
        return {"B": _base64(raw)}
    if kind == "SS":
        return {"SS": sorted(raw)}
    if kind == "NS":
        return {"NS": sorted(raw, key=lambda text: (Decimal(text), text))}
    if kind == "BS":
        return {"BS": sorted(_base64(member) for member in raw)}
    return {kind: raw}


def in_order(item: Mapping[str, Any], key_names: Sequence[str]) -> list[str]:
    """The item's attribute names in export order: the table's key (partition, then sort), then the rest by name."""
    first = [name for name in key_names if name in item]
    return first + sorted(name for name in item if name not in key_names)


def canonical_item(
    typed: Mapping[str, Mapping[str, Any]], key_names: Sequence[str] = DEFAULT_SHAPE.key_names
) -> dict[str, dict[str, Any]]:
    """A typed item as DynamoDB JSON: the key first, then the attributes by name, each value canonical."""
    return {name: canonical_value(typed[name]) for name in in_order(typed, key_names)}


def describe_key(typed: Mapping[str, Any], key: Sequence[KeyAttribute] = DEFAULT_SHAPE.key) -> str:
    """How messages name an item: ``id 'a'`` or ``PK 'a', SK 'b'`` (binary in base64)."""
    parts = []
    for attribute in key:
        value = typed.get(attribute.name)
        if isinstance(value, Mapping) and len(value) == 1:
            parts.append(f"{attribute.name} '{next(iter(canonical_value(value).values()))}'")
    return ", ".join(parts) or "without its key"


class PlainConverter:
    """Turns typed items into plain values for ``fmt``; counts (``allow_lossy``) or refuses what that loses."""

    def __init__(self, fmt: str, *, key: Sequence[KeyAttribute] = DEFAULT_SHAPE.key, allow_lossy: bool = False) -> None:
        self.fmt = fmt
        self.key = tuple(key)
        self.key_names = tuple(attribute.name for attribute in key)
        self.allow_lossy = allow_lossy
        #: Values written in a form that reads back as another type (only with ``allow_lossy``).
        self.lossy = 0

    def item(self, typed: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """The item's plain values; raises :class:`LossyValue` for a set or binary unless the loss is allowed."""
        key = describe_key(typed, self.key)
        return {name: self._value(typed[name], key, name) for name in in_order(typed, self.key_names)}

    def _value(self, typed: Mapping[str, Any], key: str, path: str) -> Any:
        """One typed value as a plain one; ``path`` names it (``m.list[2]``) when it cannot be kept."""
        ((kind, raw),) = typed.items()
        if kind == "S":
            return raw
        if kind == "N":
            return Decimal(raw)
        if kind == "M":
            return {name: self._value(raw[name], key, f"{path}.{name}") for name in sorted(raw)}
        if kind == "L":
            return [self._value(member, key, f"{path}[{index}]") for index, member in enumerate(raw)]
        if kind == "BOOL":
            return bool(raw)
        if kind == "NULL":
            return None
        if not self.allow_lossy:
            raise LossyValue(key, path, kind, self.fmt)
        self.lossy += 1
        members = canonical_value(typed)[kind]
        return [Decimal(text) for text in members] if kind == "NS" else members
