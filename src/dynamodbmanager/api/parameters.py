"""The DynamoDB parameters the RPC endpoint takes: type-checked, converted to typed values, and within limits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dynamodbmanager.api import formats
from dynamodbmanager.errors import BadRequest
from dynamodbmanager.store import expressions

#: The expression parameters an operation may carry, checked for DynamoDB's limits and placeholders.
EXPRESSIONS = (
    "ConditionExpression",
    "UpdateExpression",
    "FilterExpression",
    "ProjectionExpression",
    "KeyConditionExpression",
)
RETURN_VALUES = {
    "create": ("NONE", "ALL_OLD"),
    "update": ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"),
    "delete": ("NONE", "ALL_OLD"),
}
MAX_LIMIT = 1000


def required(payload: dict[str, Any], name: str) -> Any:
    """A parameter the operation cannot do without; a 400 naming it when absent."""
    if name not in payload:
        raise BadRequest(f"The payload needs '{name}'.", code="MissingParameter")
    return payload[name]


def boolean(payload: dict[str, Any], name: str) -> bool | None:
    """A true/false parameter, None when absent."""
    if name not in payload:
        return None
    if not isinstance(payload[name], bool):
        raise BadRequest(f"{name} must be true or false.")
    return bool(payload[name])


def limit(payload: dict[str, Any], maximum: int = MAX_LIMIT) -> int | None:
    """``Limit``: an integer from 1 to ``maximum``, None when absent."""
    if "Limit" not in payload:
        return None
    value = payload["Limit"]
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise BadRequest(f"Limit must be an integer from 1 to {maximum}.")
    return value


def common(operation: str, payload: dict[str, Any], form: str, where: str = "") -> dict[str, Any]:
    """Type-check and convert the parameters operations share: expressions, their maps, ReturnValues, reads."""
    params: dict[str, Any] = {}
    for name in EXPRESSIONS:
        if name in payload:
            if not isinstance(payload[name], str) or not payload[name].strip():
                raise BadRequest(f"{where}{name} must be a non-empty string.")
            params[name] = payload[name]
    names = payload.get("ExpressionAttributeNames")
    if names is not None:
        if not isinstance(names, dict) or not all(isinstance(v, str) and v for v in names.values()):
            raise BadRequest(f"{where}ExpressionAttributeNames must map each #placeholder to an attribute name.")
        params["ExpressionAttributeNames"] = names
    values = payload.get("ExpressionAttributeValues")
    if values is not None:
        if not isinstance(values, dict):
            raise BadRequest(f"{where}ExpressionAttributeValues must map each :placeholder to a value.")
        params["ExpressionAttributeValues"] = formats.values_in(values, form, f"{where}ExpressionAttributeValues")
    expressions.check_limits({name: params[name] for name in EXPRESSIONS if name in params}, names, values)
    expressions.check_placeholders(_present(payload, EXPRESSIONS), names, values)
    if "ReturnValues" in payload:
        allowed = RETURN_VALUES.get(operation, ())
        if payload["ReturnValues"] not in allowed:
            raise BadRequest(f"ReturnValues must be one of {', '.join(allowed)} for {operation}.")
        params["ReturnValues"] = payload["ReturnValues"]
    if (consistent := boolean(payload, "ConsistentRead")) is not None:
        params["ConsistentRead"] = consistent
    return params


def _present(payload: dict[str, Any], names: Iterable[str]) -> Iterable[str | None]:
    return (payload.get(name) for name in names)
