"""The keys of the configured table: built from plain values, DynamoDB JSON or URL path text, and checked.

A key has exactly the table's key attributes, each of its declared type: a non-empty string or binary, or a
number, within DynamoDB's 2,048 bytes for a partition key and 1,024 for a sort key. In a URL path a string is
itself, a number its decimal text, and binary URL-safe base64, so every key has one path form.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dynamodbmanager.errors import BadRequest
from dynamodbmanager.store import dynamodb_json
from dynamodbmanager.store.attributes import MAX_PARTITION_KEY_BYTES, serialize_value

if TYPE_CHECKING:
    from dynamodbmanager.schema import Index, KeyAttribute, TableShape

#: DynamoDB's limits on key values (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html).
MAX_SORT_KEY_BYTES = 1024
TypedItem = dict[str, dict[str, Any]]
_EXAMPLES = {"S": '{"S": "..."}', "N": '{"N": "..."}', "B": '{"B": "<base64>"}'}
_NAMES = {"S": "a string", "N": "a number", "B": "binary"}


def _invalid(message: str) -> BadRequest:
    return BadRequest(message, code="InvalidKey")


class Keys:
    """Key values of one table shape, in every form the API meets them."""

    def __init__(self, shape: TableShape) -> None:
        self.shape = shape

    def check(self, attribute: KeyAttribute, typed: Any, *, sort: bool) -> dict[str, Any]:
        """``typed`` when it is a valid value of ``attribute``; a 400 that says what the table expects otherwise."""
        if not isinstance(typed, dict) or set(typed) != {attribute.type}:
            raise _invalid(f"The key attribute {attribute.describe()} must be {_NAMES[attribute.type]}.")
        value = typed[attribute.type]
        if attribute.type == "N":
            return {"N": dynamodb_json.number(value, f"The key attribute '{attribute.name}'")}
        try:
            size = len(value.encode("utf-8")) if attribute.type == "S" else len(value)
        except UnicodeEncodeError:
            raise BadRequest(
                f"The key attribute '{attribute.name}' contains a lone surrogate; strings must be valid Unicode."
            ) from None
        if not size:
            raise _invalid(f"The key attribute '{attribute.name}' must not be empty.")
        limit = MAX_SORT_KEY_BYTES if sort else MAX_PARTITION_KEY_BYTES
        if size > limit:
            raise _invalid(f"The key attribute '{attribute.name}' is longer than DynamoDB's {limit} bytes.")
        return typed

    def _attributes(self, index: Index | None) -> tuple[tuple[KeyAttribute, bool], ...]:
        key = self.shape.key if index is None else index.key
        return tuple((attribute, position == 1) for position, attribute in enumerate(key))

    def plain_value(self, attribute: KeyAttribute, value: Any, where: str) -> dict[str, Any]:
        """A plain key value (``"a"``, ``42``) as its typed value; binary cannot be plain JSON."""
        if attribute.type == "B":
            raise _invalid(f"{where}: the key attribute {attribute.describe()} is binary: send DynamoDB JSON.")
        if attribute.type == "S" and not isinstance(value, str):
            raise _invalid(f"The key attribute {attribute.describe()} must be a string.")
        if attribute.type == "N" and (isinstance(value, bool) or not isinstance(value, int | Decimal)):
            raise _invalid(f"The key attribute {attribute.describe()} must be a number.")
        return serialize_value(value, f"The key attribute '{attribute.name}'")

    def of_item(self, item: Mapping[str, Any]) -> TypedItem:
        """The typed key of a typed item, checked; a 400 naming the missing or mistyped attribute."""
        key: TypedItem = {}
        for attribute, sort in self._attributes(None):
            if attribute.name not in item:
                raise _invalid(f"The item needs the key attribute {attribute.describe()}.")
            key[attribute.name] = self.check(attribute, item[attribute.name], sort=sort)
        return key

    def from_request(self, value: Any, where: str, *, typed: bool, index: Index | None = None) -> TypedItem:
        """A ``Key`` (or ``ExclusiveStartKey``) object of a request: exactly the key attributes, each checked."""
        attributes = self._attributes(index)
        names = {attribute.name for attribute, _ in attributes}
        if index is not None:
            names |= set(self.shape.key_names)
        if not isinstance(value, dict) or set(value) != names:
            expected = ", ".join(f"'{name}'" for name in sorted(names))
            raise _invalid(f"{where} must be an object with exactly the key attributes {expected}.")
        key: TypedItem = {}
        for name in value:
            attribute, sort = self._lookup(name, index)
            raw = value[name]
            typed_value = (
                dynamodb_json.value(raw, f"{where}.{name}") if typed else self.plain_value(attribute, raw, where)
            )
            key[name] = self.check(attribute, typed_value, sort=sort)
        return key

    def _lookup(self, name: str, index: Index | None) -> tuple[KeyAttribute, bool]:
        for attributes in (self._attributes(index), self._attributes(None)):
            for attribute, sort in attributes:
                if attribute.name == name:
                    return attribute, sort
        raise _invalid(f"'{name}' is not a key attribute.")

    def path_value(self, attribute: KeyAttribute, text: str, *, sort: bool) -> dict[str, Any]:
        """A key value from its URL path text: a string as it is, a number's decimal text, URL-safe base64."""
        if attribute.type == "S":
            return self.check(attribute, {"S": text}, sort=sort)
        if attribute.type == "N":
            return self.check(attribute, {"N": text}, sort=sort)
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise _invalid(f"The key attribute {attribute.describe()} is URL-safe base64 in a path.") from None
        return self.check(attribute, {"B": raw}, sort=sort)

    def from_path(self, *texts: str, index: Index | None = None) -> TypedItem:
        """The typed key (or the index's partition and sort values) named by path segments."""
        return {
            attribute.name: self.path_value(attribute, text, sort=sort)
            for (attribute, sort), text in zip(self._attributes(index), texts, strict=False)
        }

    def path_text(self, attribute: KeyAttribute, typed: Mapping[str, Any]) -> str:
        """A key value's URL path segment, percent-encoded."""
        value = typed[attribute.type]
        if attribute.type == "B":
            return base64.urlsafe_b64encode(bytes(value)).rstrip(b"=").decode("ascii")
        return quote(str(value), safe="")

    def path(self, key: Mapping[str, Any]) -> str:
        """The member path of an item: ``/items/{pk}`` or ``/items/{pk}/{sk}``."""
        return "/items/" + "/".join(self.path_text(attribute, key[attribute.name]) for attribute in self.shape.key)

    def describe(self, key: Mapping[str, Any]) -> str:
        """How messages name an item: ``id 'a'`` or ``PK 'a', SK 'b'``."""
        parts = []
        for attribute in self.shape.key:
            value = key.get(attribute.name, {}).get(attribute.type, "")
            shown = base64.b64encode(bytes(value)).decode() if attribute.type == "B" else value
            parts.append(f"{attribute.name} '{shown}'")
        return ", ".join(parts)


def addressable(text: str) -> bool:
    """Whether a string key value can be one URL path segment (no ``/``, not ``.`` or ``..``)."""
    return "/" not in text and text not in (".", "..")
