"""JSON in and out with numbers kept exact: DynamoDB's 38-digit numbers never pass through a float."""

from __future__ import annotations

import base64
import decimal
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from dynamodbmanager.errors import BadRequest


def _refuse_constant(name: str) -> Any:
    raise BadRequest(f"{name} is not a valid JSON number; DynamoDB stores only finite numbers.")


def loads(text: str | bytes) -> Any:
    """Parse a request body: decimals as ``Decimal``, integers as ``int``, ``NaN``/``Infinity`` refused."""
    try:
        # JSON between systems is UTF-8 (RFC 8259); json.loads would also guess UTF-16 and UTF-32 from bytes.
        return json.loads(
            text.decode("utf-8") if isinstance(text, bytes) else text,
            parse_float=Decimal,
            parse_constant=_refuse_constant,
        )
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.", code="InvalidJson") from None
    except UnicodeDecodeError:
        raise BadRequest("The body is not valid UTF-8.", code="InvalidJson") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
            code="InvalidJson",
        ) from None
    except decimal.InvalidOperation:
        raise BadRequest("The body has a number outside DynamoDB's range (1E-130 to 1E+126).") from None
    except ValueError:
        # Python refuses to parse an integer of over 4,300 digits; DynamoDB keeps 38 anyway.
        raise BadRequest("The body has a number with more digits than DynamoDB's 38.") from None


class _NeedsExactEncoder(Exception):
    """A number cannot be written through a float without changing it."""


#: Integers longer than DynamoDB's 38 digits are written in exponent form (``1E+100``): spelled out, they
#: would read back as more significant digits than DynamoDB (and boto3) accept.
_MAX_SPELLED_OUT_EXPONENT = 37


def _as_json_number(number: Decimal) -> int | float:
    if number == number.to_integral_value():
        if number.adjusted() > _MAX_SPELLED_OUT_EXPONENT:
            raise _NeedsExactEncoder
        return int(number)
    as_float = float(number)
    if Decimal(repr(as_float)) != number:
        raise _NeedsExactEncoder
    return as_float


def _fast_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _as_json_number(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    binary = getattr(value, "value", value)
    if isinstance(binary, bytes | bytearray):
        return base64.b64encode(binary).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    """Serialise a response body: integers and decimals exactly as DynamoDB holds them, compact."""
    try:
        return json.dumps(value, default=_fast_default, ensure_ascii=False, separators=(",", ":"))
    except _NeedsExactEncoder:
        return "".join(_encode_exact(value))


def _encode_exact(value: Any) -> Iterable[str]:
    """The rare slow path: a decimal with more digits than a float holds is written digit for digit."""
    if isinstance(value, Decimal):
        try:
            yield json.dumps(_as_json_number(value))
        except _NeedsExactEncoder:
            yield str(value)
    elif isinstance(value, dict):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            yield ("," if index else "") + json.dumps(key, ensure_ascii=False) + ":"
            yield from _encode_exact(item)
        yield "}"
    elif isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        yield "["
        for index, item in enumerate(items):
            if index:
                yield ","
            yield from _encode_exact(item)
        yield "]"
    else:
        yield json.dumps(value, default=_fast_default, ensure_ascii=False)
