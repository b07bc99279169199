"""Items between plain JSON values and DynamoDB's typed attribute values, checked against its limits."""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from dynamodbmanager.errors import BadRequest, PayloadTooLarge

#: DynamoDB's limits (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
MAX_ITEM_BYTES = 400 * 1024
MAX_PARTITION_KEY_BYTES = 2048
MAX_NESTING_DEPTH = 32

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _utf8_length(text: str, where: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise BadRequest(f"{where} contains a lone surrogate; strings must be valid Unicode.") from None


def _number_size(number: int | Decimal) -> int:
    digits = len(Decimal(number).as_tuple().digits)
    return (digits + 1) // 2 + 1


def _value_size(value: Any, where: str, depth: int) -> int:
    """DynamoDB's size of one value in bytes; refuses what DynamoDB cannot store."""
    if depth > MAX_NESTING_DEPTH:
        raise BadRequest(f"{where} is nested deeper than DynamoDB's {MAX_NESTING_DEPTH} levels.")
    if isinstance(value, str):
        return _utf8_length(value, where)
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | Decimal):
        return _number_size(value)
    if isinstance(value, Mapping):
        size = 3
        for key, item in value.items():
            if not isinstance(key, str) or not key:
                raise BadRequest(f"{where} has an empty attribute name.")
            size += 1 + _utf8_length(key, where) + _value_size(item, f"{where}.{key}", depth + 1)
        return size
    if isinstance(value, list):
        return 3 + sum(1 + _value_size(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
    raise BadRequest(f"{where} has a value of type {type(value).__name__}, which DynamoDB cannot store.")


def item_size(item: Mapping[str, Any], where: str = "The item") -> int:
    """Validate an item's values and return its size as DynamoDB counts it, refusing one over 400 KB."""
    size = _value_size(item, where, 0) - 3
    if size > MAX_ITEM_BYTES:
        raise PayloadTooLarge(
            f"{where} is {size} bytes; DynamoDB's item size limit is {MAX_ITEM_BYTES} bytes (400 KB).",
            code="ItemTooLarge",
        )
    return size


def check_key_value(value: Any, name: str) -> str:
    """Refuse a partition key that is not a non-empty string of at most 2,048 bytes."""
    if not isinstance(value, str):
        raise BadRequest(f"The key attribute '{name}' must be a string.", code="InvalidKey")
    if not value:
        raise BadRequest(f"The key attribute '{name}' must not be empty.", code="InvalidKey")
    if _utf8_length(value, f"The key attribute '{name}'") > MAX_PARTITION_KEY_BYTES:
        raise BadRequest(
            f"The key attribute '{name}' is longer than DynamoDB's {MAX_PARTITION_KEY_BYTES} bytes.",
            code="InvalidKey",
        )
    return value


def _out_of_range(value: Any) -> bool:
    """Whether a number (anywhere inside ``value``) lies outside DynamoDB's magnitude range."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | Decimal):
        number = Decimal(value)
        return number != 0 and not -130 <= number.adjusted() <= 125
    if isinstance(value, Mapping):
        return any(_out_of_range(item) for item in value.values())
    if isinstance(value, list | set | frozenset):
        return any(_out_of_range(item) for item in value)
    return False


def serialize_value(value: Any, where: str) -> dict[str, Any]:
    """One plain value as a typed attribute value; 39-digit and out-of-range numbers are refused."""
    try:
        serialized: dict[str, Any] = _serializer.serialize(value)
    except (decimal.Inexact, decimal.Rounded, decimal.Overflow, decimal.Underflow, decimal.Clamped) as exc:
        if isinstance(exc, decimal.Overflow | decimal.Underflow | decimal.Clamped) or _out_of_range(value):
            raise BadRequest(f"{where} has a number outside DynamoDB's range (1E-130 to 1E+126).") from None
        raise BadRequest(f"{where} has a number with more than DynamoDB's 38 significant digits.") from None
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"{where} cannot be stored: {exc}") from None
    return serialized


def serialize(values: Mapping[str, Any], where: str = "The item") -> dict[str, dict[str, Any]]:
    """A map of plain values as typed attribute values, validated as DynamoDB would."""
    item_size(values, where)
    return {name: serialize_value(value, f"{where}.{name}") for name, value in values.items()}


def deserialize(values: Mapping[str, Any]) -> dict[str, Any]:
    """Typed attribute values as plain values (numbers as ``Decimal``, exact)."""
    return {name: _deserializer.deserialize(value) for name, value in values.items()}
