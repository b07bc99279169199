"""Contract 1, the classic RPC endpoint: ``POST /dynamodbmanager`` with ``{"operation", "payload"}``.

The payload takes DynamoDB's own parameter names with plain JSON values, as boto3's Table resource does, or,
with ``"format": "dynamodb"`` beside ``operation``, with DynamoDB JSON values, as the AWS CLI and the
low-level SDKs do (then the answer's items and keys are typed too). Each operation accepts exactly the
parameters that make sense for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dynamodbmanager.api import formats
from dynamodbmanager.api.body import RPC_TYPES, json_object
from dynamodbmanager.api.idempotency import HEADER as IDEMPOTENCY_KEY
from dynamodbmanager.errors import BadRequest, Conflict
from dynamodbmanager.http.response import Response, json_response
from dynamodbmanager.schema import KEY_ATTRIBUTE, KEY_TYPE, VERSION_ATTRIBUTE
from dynamodbmanager.store import expressions
from dynamodbmanager.store.attributes import check_key_value, check_typed_key
from dynamodbmanager.store.table import ConditionFailed, key_of

if TYPE_CHECKING:
    from dynamodbmanager.api.idempotency import IdempotentCreation
    from dynamodbmanager.http.request import Request
    from dynamodbmanager.http.routing import Router
    from dynamodbmanager.store.table import ItemTable

PATH = "/dynamodbmanager"
MAX_LIST_LIMIT = 1000

_EXPRESSION_MAPS = ("ExpressionAttributeNames", "ExpressionAttributeValues")
#: The parameters each operation accepts; anything else (``TableName`` first of all) is refused.
ALLOWED_PARAMETERS: dict[str, frozenset[str]] = {
    "create": frozenset({"Item", "ConditionExpression", "ReturnValues", *_EXPRESSION_MAPS}),
    "read": frozenset({"Key", "ProjectionExpression", "ExpressionAttributeNames", "ConsistentRead"}),
    "update": frozenset(
        {"Key", "AttributeUpdates", "UpdateExpression", "ConditionExpression", "ReturnValues", *_EXPRESSION_MAPS}
    ),
    "delete": frozenset({"Key", "ConditionExpression", "ReturnValues", *_EXPRESSION_MAPS}),
    "list": frozenset(
        {"Limit", "ExclusiveStartKey", "FilterExpression", "ProjectionExpression", "ConsistentRead", *_EXPRESSION_MAPS}
    ),
}
_RETURN_VALUES = {
    "create": ("NONE", "ALL_OLD"),
    "update": ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"),
    "delete": ("NONE", "ALL_OLD"),
}
_EXPRESSIONS = ("ConditionExpression", "UpdateExpression", "FilterExpression", "ProjectionExpression")
#: Response members holding items or keys, turned back from DynamoDB's typed form into plain JSON.
_TYPED_MEMBERS = ("Item", "Attributes", "LastEvaluatedKey")


def _key(payload: dict[str, Any], name: str, form: str) -> dict[str, Any]:
    key = payload[name]
    if not isinstance(key, dict) or set(key) != {KEY_ATTRIBUTE}:
        raise BadRequest(
            f"{name} must be an object with exactly the key attribute '{KEY_ATTRIBUTE}'.",
            code="InvalidKey",
        )
    if form == formats.DYNAMODB:
        return {
            KEY_ATTRIBUTE: check_typed_key(formats.values_in(key, form, name)[KEY_ATTRIBUTE], KEY_ATTRIBUTE, KEY_TYPE)
        }
    return key_of(check_key_value(key[KEY_ATTRIBUTE], KEY_ATTRIBUTE, KEY_TYPE))


def _common(operation: str, payload: dict[str, Any], form: str) -> dict[str, Any]:
    """Type-check and convert the parameters every operation shares."""
    params: dict[str, Any] = {}
    for name in _EXPRESSIONS:
        if name in payload:
            if not isinstance(payload[name], str) or not payload[name].strip():
                raise BadRequest(f"{name} must be a non-empty string.")
            params[name] = payload[name]
    names = payload.get("ExpressionAttributeNames")
    if names is not None:
        if not isinstance(names, dict) or not all(isinstance(v, str) and v for v in names.values()):
            raise BadRequest("ExpressionAttributeNames must map each #placeholder to an attribute name.")
        params["ExpressionAttributeNames"] = names
    values = payload.get("ExpressionAttributeValues")
    if values is not None:
        if not isinstance(values, dict):
            raise BadRequest("ExpressionAttributeValues must map each :placeholder to a value.")
        params["ExpressionAttributeValues"] = formats.values_in(values, form, "ExpressionAttributeValues")
    expressions.check_limits({name: params[name] for name in _EXPRESSIONS if name in params}, names, values)
    expressions.check_placeholders((payload.get(e) for e in _EXPRESSIONS), names, values)
    if "ReturnValues" in payload:
        allowed = _RETURN_VALUES[operation]
        if payload["ReturnValues"] not in allowed:
            raise BadRequest(f"ReturnValues must be one of {', '.join(allowed)} for {operation}.")
        params["ReturnValues"] = payload["ReturnValues"]
    if "ConsistentRead" in payload:
        if not isinstance(payload["ConsistentRead"], bool):
            raise BadRequest("ConsistentRead must be true or false.")
        params["ConsistentRead"] = payload["ConsistentRead"]
    return params


class RpcApi:
    """The five operations of the classic endpoint, each one DynamoDB call on the configured table."""

    def __init__(self, table: ItemTable, idempotency: IdempotentCreation | None = None) -> None:
        self._table = table
        self._idempotency = idempotency
        self._operations: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
            "create": self.create,
            "read": self.read,
            "update": self.update,
            "delete": self.delete,
            "list": self.list,
        }

    def register(self, router: Router[Callable[[Request, dict[str, str]], Response]]) -> None:
        """Add the endpoint's route."""
        router.add("POST", PATH, self.handle)

    def handle(self, request: Request, _params: dict[str, str]) -> Response:
        """Validate the envelope and the payload, run the operation, answer DynamoDB's response."""
        body = json_object(request, RPC_TYPES)
        unknown = sorted(set(body) - {"operation", "payload", "format"})
        if unknown:
            raise BadRequest(f"Unknown member '{unknown[0]}'; the body has only 'operation', 'payload' and 'format'.")
        form = formats.parse(body.get("format"), "format")
        operation = body.get("operation")
        if not isinstance(operation, str) or operation not in self._operations:
            raise BadRequest(f"operation must be one of {', '.join(self._operations)}.", code="UnknownOperation")
        request.operation = f"rpc.{operation}"
        payload = body.get("payload", {})
        if not isinstance(payload, dict):
            raise BadRequest("payload must be a JSON object of DynamoDB parameters.")
        refused = sorted(set(payload) - ALLOWED_PARAMETERS[operation])
        if refused:
            raise BadRequest(
                f"Parameter '{refused[0]}' is not accepted by {operation}; it accepts "
                f"{', '.join(sorted(ALLOWED_PARAMETERS[operation]))}.",
                code="UnknownParameter",
            )
        key = request.header(IDEMPOTENCY_KEY) if operation == "create" else None
        if key is not None and self._idempotency is not None:
            return self._idempotency.run(
                key,
                request.operation,
                request.body,
                lambda: self._run(operation, payload, form),
                caller=request.caller,
                lambda_context=request.lambda_context,
            )
        return self._run(operation, payload, form)

    def _run(self, operation: str, payload: dict[str, Any], form: str) -> Response:
        """Run the operation and answer DynamoDB's response with items in the request's format."""
        response = self._operations[operation](payload, form)
        for member in _TYPED_MEMBERS:
            if member in response:
                response[member] = formats.item_out(response[member], form)
        if "Items" in response:
            response["Items"] = [formats.item_out(item, form) for item in response["Items"]]
        return json_response(200, response)

    def create(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """PutItem of a whole item, as the next version of its key."""
        item = _required(payload, "Item")
        if not isinstance(item, dict):
            raise BadRequest("Item must be a JSON object.")
        if KEY_ATTRIBUTE not in item:
            raise BadRequest(f"Item needs the key attribute '{KEY_ATTRIBUTE}'.", code="InvalidKey")
        item = {name: value for name, value in item.items() if name != VERSION_ATTRIBUTE}
        typed = formats.item_in(item, form, "Item")
        check_typed_key(typed[KEY_ATTRIBUTE], KEY_ATTRIBUTE, KEY_TYPE)
        params = _common("create", payload, form)
        response, _ = self._table.put_versioned(
            typed,
            condition=params.get("ConditionExpression"),
            names=params.get("ExpressionAttributeNames"),
            values=params.get("ExpressionAttributeValues"),
            return_values=params.get("ReturnValues"),
        )
        return response

    def read(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """GetItem."""
        _required(payload, "Key")
        return self._table.call("get_item", Key=_key(payload, "Key", form), **_common("read", payload, form))

    def update(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """UpdateItem from an UpdateExpression or legacy AttributeUpdates; the version is bumped too."""
        _required(payload, "Key")
        has_legacy, has_expression = "AttributeUpdates" in payload, "UpdateExpression" in payload
        if has_legacy == has_expression:
            raise BadRequest("update needs exactly one of AttributeUpdates and UpdateExpression.")
        params = {"Key": _key(payload, "Key", form), **_common("update", payload, form)}
        if has_legacy:
            typed_values = form == formats.DYNAMODB
            expression, names, values = expressions.from_attribute_updates(payload["AttributeUpdates"], typed_values)
            params["UpdateExpression"] = expression
            params["ExpressionAttributeNames"] = {**params.get("ExpressionAttributeNames", {}), **names}
            if values:
                typed = formats.values_in(values, form, "AttributeUpdates")
                params["ExpressionAttributeValues"] = {**params.get("ExpressionAttributeValues", {}), **typed}
        else:
            expressions.refuse_managed_attributes(params["UpdateExpression"], params.get("ExpressionAttributeNames"))
        return self._table.update_versioned(params)

    def delete(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """DeleteItem; 409 when the caller's ConditionExpression does not hold."""
        _required(payload, "Key")
        try:
            return self._table.call("delete_item", Key=_key(payload, "Key", form), **_common("delete", payload, form))
        except ConditionFailed:
            raise Conflict("The condition of the request does not hold.") from None

    def list(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """Scan: one page, continued with the LastEvaluatedKey of the previous one."""
        params = _common("list", payload, form)
        if "Limit" in payload:
            limit = payload["Limit"]
            if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIST_LIMIT:
                raise BadRequest(f"Limit must be an integer from 1 to {MAX_LIST_LIMIT}.")
            params["Limit"] = limit
        if "ExclusiveStartKey" in payload:
            params["ExclusiveStartKey"] = _key(payload, "ExclusiveStartKey", form)
        return self._table.call("scan", **params)


def _required(payload: dict[str, Any], name: str) -> Any:
    if name not in payload:
        raise BadRequest(f"The payload needs '{name}'.", code="MissingParameter")
    return payload[name]
