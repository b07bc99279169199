"""The two JSON forms a client can choose: plain JSON (the default) and DynamoDB JSON (``format=dynamodb``).

Plain JSON has six types and shows a set as a sorted list and binary as base64 text; DynamoDB JSON has all
ten and says each value's type, so it carries every item exactly, in the form of the AWS CLI and the SDKs.
Inside the service items are always typed; only the edges convert.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynamodbmanager.errors import BadRequest
from dynamodbmanager.store import dynamodb_json
from dynamodbmanager.store.attributes import check_item, check_values, deserialize, serialize_values

PLAIN = "json"
DYNAMODB = "dynamodb"
FORMATS = (PLAIN, DYNAMODB)

TypedItem = dict[str, dict[str, Any]]


def parse(raw: Any, where: str = "format") -> str:
    """The format a request names (plain JSON when it names none); anything else is a 400."""
    if raw is None or raw == PLAIN:
        return PLAIN
    if raw == DYNAMODB:
        return DYNAMODB
    raise BadRequest(f"{where} must be {PLAIN!r} (plain JSON, the default) or {DYNAMODB!r} (DynamoDB JSON).")


def item_in(value: Mapping[str, Any], form: str, where: str = "The item") -> TypedItem:
    """A client's item as typed attribute values, validated as DynamoDB would."""
    if form == DYNAMODB:
        return dynamodb_json.item(value, where)
    typed = serialize_values(value, where)
    check_item(typed, where)
    return typed


def values_in(value: Mapping[str, Any], form: str, where: str) -> TypedItem:
    """A client's map of typed or plain values (``ExpressionAttributeValues``, ``Key``), validated."""
    if form == DYNAMODB:
        return dynamodb_json.values(value, where)
    typed = serialize_values(value, where)
    check_values(typed, where)
    return typed


def item_out(typed: Mapping[str, Any], form: str) -> dict[str, Any]:
    """A typed item as the client asked for it: plain values, or DynamoDB JSON as it is."""
    return dict(typed) if form == DYNAMODB else deserialize(typed)
