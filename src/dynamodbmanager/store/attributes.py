"""Items between plain JSON values and DynamoDB's typed attribute values, checked against its limits."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any

from dynamodbmanager.errors import BadRequest, PayloadTooLarge

#: DynamoDB's limits (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
MAX_ITEM_BYTES = 400 * 1024
MAX_PARTITION_KEY_BYTES = 2048
MAX_NESTING_DEPTH = 32

#: DynamoDB's numbers: 38 significant digits, magnitudes 1E-130 to 1E+125; anything else traps (as in boto3).
NUMBER_CONTEXT = decimal.Context(
    Emin=-128,
    Emax=126,
    prec=38,
    traps=[decimal.Clamped, decimal.Overflow, decimal.Inexact, decimal.Rounded, decimal.Underflow],
)
#: Integers below this magnitude have at most 38 digits, so their decimal text is DynamoDB's as it is.
_EXACT_INT_LIMIT = 10**38


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


def _number_text(value: int | Decimal) -> str:
    if type(value) is int and -_EXACT_INT_LIMIT < value < _EXACT_INT_LIMIT:
        return str(value)
    number = NUMBER_CONTEXT.create_decimal(value)
    if not number.is_finite():
        raise TypeError("Infinity and NaN not supported")
    return str(number)


def _typed_set(values: AbstractSet[Any]) -> dict[str, Any]:
    if all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in values):
        return {"NS": [_number_text(v) for v in values]}
    if all(isinstance(v, str) for v in values):
        return {"SS": list(values)}
    if all(isinstance(v, bytes | bytearray) for v in values):
        return {"BS": list(values)}
    raise TypeError(f"A set must hold only numbers, only strings or only bytes: {values!r}")


def _typed(value: Any) -> dict[str, Any]:
    """The typed form of one value, with the types JSON gives tried first (exact types are the fast path)."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is dict:
        return {"M": {name: _typed(item) for name, item in value.items()}}
    if kind is int or kind is Decimal:
        return {"N": _number_text(value)}
    if kind is bool:
        return {"BOOL": value}
    if kind is list:
        return {"L": [_typed(item) for item in value]}
    if value is None:
        return {"NULL": True}
    # Subclasses and the types JSON never produces, in the order boto3's TypeSerializer tries them.
    if isinstance(value, bool):
        return {"BOOL": bool(value)}
    if isinstance(value, int | Decimal):
        return {"N": _number_text(value)}
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    if isinstance(value, str):
        return {"S": str(value)}
    if isinstance(value, bytes | bytearray):
        return {"B": value}
    if isinstance(value, AbstractSet):
        return _typed_set(value)
    if isinstance(value, Mapping):
        return {"M": {name: _typed(item) for name, item in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [_typed(item) for item in value]}
    raise TypeError(f'Unsupported type "{kind}" for value "{value}"')


def _plain(typed: Mapping[str, Any]) -> Any:
    """The plain form of one typed value (numbers as exact ``Decimal``, binary as ``bytes``)."""
    for kind, value in typed.items():
        decode = _DECODERS.get(kind)
        if decode is None:
            raise TypeError(f"DynamoDB type {kind} is not supported")
        return decode(value)
    raise TypeError('A typed value must be a one-member object such as {"S": "text"}.')


#: Numbers are read exactly, outside NUMBER_CONTEXT: DynamoDB answers 1E+40 as 41 digits, which that context
#: would refuse as rounded although no significant digit is lost.
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "S": str,
    "N": Decimal,
    "BOOL": bool,
    "M": lambda value: {name: _plain(item) for name, item in value.items()},
    "L": lambda value: [_plain(item) for item in value],
    "NULL": lambda _value: None,
    "SS": set,
    "NS": lambda value: set(map(Decimal, value)),
    "B": bytes,
    "BS": lambda value: set(map(bytes, value)),
}


def serialize_value(value: Any, where: str) -> dict[str, Any]:
    """One plain value as a typed attribute value; 39-digit and out-of-range numbers are refused."""
    try:
        serialized = _typed(value)
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
    return {name: _plain(value) for name, value in values.items()}
