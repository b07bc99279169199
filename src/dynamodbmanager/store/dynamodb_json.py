"""DynamoDB JSON, the typed form of the AWS CLI and the low-level SDKs: validated as DynamoDB validates it.

A client's ``{"S": "text"}``, ``{"N": "42"}``, ``{"B": "<base64>"}``, ``{"SS": [...]}``... becomes the typed
value botocore sends (binary as ``bytes``); what DynamoDB would refuse (an empty set, a duplicate member, a
number it cannot hold, invalid base64) is a 400 that names the attribute. The way out needs no code: a typed
item from DynamoDB is already DynamoDB JSON once :mod:`dynamodbmanager.jsoncodec` writes bytes as base64.
"""

from __future__ import annotations

import base64
import binascii
import decimal
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from dynamodbmanager.errors import BadRequest
from dynamodbmanager.store.attributes import MAX_NESTING_DEPTH, NUMBER_CONTEXT, check_item

TypedItem = dict[str, dict[str, Any]]

#: A number as DynamoDB reads it: decimal digits, an optional fraction and exponent (no ``NaN``, ``0x``, ``1_0``).
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
#: Standard base64 (RFC 4648 section 4) with its padding, as the AWS CLI and SDKs write binary.
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")


def number(text: Any, where: str) -> str:
    """A number's text as DynamoDB would take it; trailing zeros past 38 digits are dropped, loss is refused."""
    if not isinstance(text, str) or _NUMBER.fullmatch(text) is None:
        raise BadRequest(f'{where} must be a number in a string, such as {{"N": "42"}}.')
    try:
        value = Decimal(text)
    except decimal.InvalidOperation:  # an exponent past what any decimal can hold
        raise BadRequest(f"{where} has a number outside DynamoDB's range (1E-130 to 1E+126).") from None
    if value and not -130 <= value.adjusted() <= 125:
        raise BadRequest(f"{where} has a number outside DynamoDB's range (1E-130 to 1E+126).")
    if len(value.as_tuple().digits) <= NUMBER_CONTEXT.prec:
        return text
    try:
        return str(NUMBER_CONTEXT.create_decimal(value).normalize(NUMBER_CONTEXT))
    except decimal.Inexact:
        raise BadRequest(f"{where} has a number with more than DynamoDB's 38 significant digits.") from None


def binary(text: Any, where: str) -> bytes:
    """Standard base64 as bytes; anything else is a 400 naming the attribute."""
    if not isinstance(text, str) or _BASE64.fullmatch(text) is None:
        raise BadRequest(f'{where} must be binary as standard base64 (with padding), such as {{"B": "AAE="}}.')
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{where} is not valid base64.") from None


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise BadRequest(f'{where} must be a string, such as {{"S": "text"}}.')
    return value


def _members(
    value: Any, where: str, kind: str, member: Callable[[Any, str], Any], unique: Callable[[Any], Any]
) -> list[Any]:
    """A set's members: a non-empty list without duplicates, as DynamoDB requires."""
    if not isinstance(value, list) or not value:
        raise BadRequest(f"{where} must be a non-empty list of members: DynamoDB stores no empty {kind}.")
    members = [member(item, f"{where}[{index}]") for index, item in enumerate(value)]
    seen: set[Any] = set()
    for index, item in enumerate(members):
        identity = unique(item)
        if identity in seen:
            raise BadRequest(f"{where}[{index}] repeats a member; a DynamoDB {kind} holds each member once.")
        seen.add(identity)
    return members


def value(typed: Any, where: str, depth: int = 1) -> dict[str, Any]:
    """One DynamoDB JSON value as botocore's typed value, validated."""
    if depth > MAX_NESTING_DEPTH:
        raise BadRequest(f"{where} is nested deeper than DynamoDB's {MAX_NESTING_DEPTH} levels.")
    if not isinstance(typed, dict) or len(typed) != 1:
        raise BadRequest(f'{where} must be a typed value with one type, such as {{"S": "text"}} or {{"N": "1"}}.')
    ((kind, raw),) = typed.items()
    if kind == "S":
        return {"S": _string(raw, where)}
    if kind == "N":
        return {"N": number(raw, where)}
    if kind == "M":
        if not isinstance(raw, dict):
            raise BadRequest(f"{where} must be an object of typed values.")
        return {"M": {name: value(item, f"{where}.{name}", depth + 1) for name, item in raw.items()}}
    if kind == "L":
        if not isinstance(raw, list):
            raise BadRequest(f"{where} must be a list of typed values.")
        return {"L": [value(item, f"{where}[{index}]", depth + 1) for index, item in enumerate(raw)]}
    if kind == "BOOL":
        if not isinstance(raw, bool):
            raise BadRequest(f"{where} must be true or false.")
        return {"BOOL": raw}
    if kind == "NULL":
        if raw is not True:
            raise BadRequest(f'{where} must be {{"NULL": true}}.')
        return {"NULL": True}
    if kind == "B":
        return {"B": binary(raw, where)}
    if kind == "SS":
        return {"SS": _members(raw, where, "string set", _string, str)}
    if kind == "NS":
        return {"NS": _members(raw, where, "number set", number, Decimal)}
    if kind == "BS":
        return {"BS": _members(raw, where, "binary set", binary, bytes)}
    raise BadRequest(f"{where} has the type {kind!r}; DynamoDB's types are {', '.join(TYPES)}.")


def values(typed: Any, where: str) -> TypedItem:
    """A map of attribute names to DynamoDB JSON values (``ExpressionAttributeValues``, a key), validated."""
    if not isinstance(typed, dict):
        raise BadRequest(f"{where} must be an object of attribute names to typed values.")
    return {name: value(item, f"{where}.{name}") for name, item in typed.items()}


def item(typed: Any, where: str = "The item") -> TypedItem:
    """A whole item in DynamoDB JSON, validated as DynamoDB would (types, sets, sizes, 400 KB)."""
    converted = values(typed, where)
    check_item(converted, where)
    return converted
