"""Opaque, URL-safe list cursors: DynamoDB's LastEvaluatedKey, signed so a garbled one is refused."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from dynamodbmanager.errors import BadRequest
from dynamodbmanager.schema import KEY_ATTRIBUTE

_MAX_CURSOR_LENGTH = 4096
_SIGNATURE_BYTES = 16


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes, key: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def encode(last_evaluated_key: dict[str, Any], key: bytes) -> str:
    """The cursor for the page after ``last_evaluated_key`` (DynamoDB's typed key)."""
    payload = json.dumps(last_evaluated_key, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64encode(payload)}.{_b64encode(_sign(payload, key))}"


def decode(cursor: str, key: bytes) -> dict[str, Any]:
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
        start_key = json.loads(payload)
    except ValueError:
        raise invalid from None
    if (
        not isinstance(start_key, dict)
        or set(start_key) != {KEY_ATTRIBUTE}
        or not isinstance(start_key[KEY_ATTRIBUTE], dict)
        or set(start_key[KEY_ATTRIBUTE]) != {"S"}
        or not isinstance(start_key[KEY_ATTRIBUTE]["S"], str)
    ):
        raise invalid
    return start_key
