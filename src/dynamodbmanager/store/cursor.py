"""Opaque, URL-safe list cursors: DynamoDB's LastEvaluatedKey, packed compactly and signed.

Each key attribute is packed as its name, its type (S, N or B) and its raw bytes (UTF-8, the number's text,
or the binary itself), then base64url-encoded once, so a cursor stays short whatever the key holds: the
largest key DynamoDB allows (2,048 bytes of partition key, 1,024 of sort key) fits well within the limit.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Mapping
from typing import Any

from dynamodbmanager.errors import BadRequest
from dynamodbmanager.schema import KEY_ATTRIBUTE, KEY_TYPE

_MAX_CURSOR_LENGTH = 8192
_SIGNATURE_BYTES = 16
_LENGTH = struct.Struct(">H")
_TYPES = {"S": b"S", "N": b"N", "B": b"B"}
#: The key schema of the items table: attribute name to type.
DEFAULT_KEY_SCHEMA: Mapping[str, str] = {KEY_ATTRIBUTE: KEY_TYPE}


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes, key: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _pack(last_evaluated_key: Mapping[str, Mapping[str, Any]]) -> bytes:
    parts: list[bytes] = []
    for name in sorted(last_evaluated_key):
        ((kind, value),) = last_evaluated_key[name].items()
        raw = bytes(value) if kind == "B" else str(value).encode("utf-8")
        encoded_name = name.encode("utf-8")
        parts += [_LENGTH.pack(len(encoded_name)), encoded_name, _TYPES[kind], _LENGTH.pack(len(raw)), raw]
    return b"".join(parts)


def _unpack(payload: bytes) -> dict[str, dict[str, Any]]:
    """The typed key packed in ``payload``; raises ValueError (or struct.error) when it is not one."""
    key: dict[str, dict[str, Any]] = {}
    offset = 0
    while offset < len(payload):
        (name_length,) = _LENGTH.unpack_from(payload, offset)
        name = payload[offset + 2 : offset + 2 + name_length].decode("utf-8")
        offset += 2 + name_length
        kind = payload[offset : offset + 1].decode("ascii")
        (value_length,) = _LENGTH.unpack_from(payload, offset + 1)
        raw = payload[offset + 3 : offset + 3 + value_length]
        if len(raw) != value_length or len(name.encode("utf-8")) != name_length or name in key:
            raise ValueError("truncated or repeated")
        offset += 3 + value_length
        key[name] = {kind: raw if kind == "B" else raw.decode("utf-8")}
    return key


def encode(last_evaluated_key: Mapping[str, Mapping[str, Any]], key: bytes) -> str:
    """The cursor for the page after ``last_evaluated_key`` (DynamoDB's typed key)."""
    payload = _pack(last_evaluated_key)
    return f"{_b64encode(payload)}.{_b64encode(_sign(payload, key))}"


def decode(cursor: str, key: bytes, key_schema: Mapping[str, str] = DEFAULT_KEY_SCHEMA) -> dict[str, Any]:
    """The typed ExclusiveStartKey inside ``cursor``; a garbled, truncated or tampered one is a 400."""
    invalid = BadRequest("The cursor is not one this API issued; start again without it.", code="InvalidCursor")
    if len(cursor) > _MAX_CURSOR_LENGTH or cursor.count(".") != 1:
        raise invalid
    encoded_payload, encoded_signature = cursor.split(".")
    try:
        payload = _b64decode(encoded_payload)
        signature = _b64decode(encoded_signature)
    except (binascii.Error, ValueError):
        raise invalid from None
    if not hmac.compare_digest(signature, _sign(payload, key)):
        raise invalid
    try:
        start_key = _unpack(payload)
    except (ValueError, struct.error):
        raise invalid from None
    if {name: next(iter(typed)) for name, typed in start_key.items()} != dict(key_schema):
        raise invalid
    return start_key
