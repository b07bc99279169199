"""Contract 1, the classic RPC endpoint: ``POST /dynamodbmanager`` with ``{"operation", "payload"}``.

The payload takes DynamoDB's own parameter names with plain JSON values, as boto3's Table resource does, or,
with ``"format": "dynamodb"`` beside ``operation``, with DynamoDB JSON values, as the AWS CLI and the
low-level SDKs do (then the answer's items and keys are typed too). Each operation accepts exactly the
parameters that make sense for it; the operations over many items live in :mod:`dynamodbmanager.api.rpc_many`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dynamodbmanager.api import formats
from dynamodbmanager.api.body import RPC_TYPES, json_object
from dynamodbmanager.api.idempotency import HEADER as IDEMPOTENCY_KEY
from dynamodbmanager.api.parameters import common, required
from dynamodbmanager.api.rpc_many import MANY_ITEM_PARAMETERS, ManyItems
from dynamodbmanager.errors import BadRequest, Conflict
from dynamodbmanager.http.response import Response, json_response
from dynamodbmanager.schema import VERSION_ATTRIBUTE
from dynamodbmanager.store import expressions
from dynamodbmanager.store.attributes import check_item
from dynamodbmanager.store.table import ConditionFailed

if TYPE_CHECKING:
    from dynamodbmanager.api.idempotency import IdempotentCreation
    from dynamodbmanager.http.request import Request
    from dynamodbmanager.http.routing import Router
    from dynamodbmanager.store.table import ItemTable

PATH = "/dynamodbmanager"

_EXPRESSION_MAPS = ("ExpressionAttributeNames", "ExpressionAttributeValues")
#: The parameters each operation accepts; anything else (``TableName`` first of all) is refused.
ALLOWED_PARAMETERS: dict[str, frozenset[str]] = {
    "create": frozenset({"Item", "ConditionExpression", "ReturnValues", *_EXPRESSION_MAPS}),
    "read": frozenset({"Key", "ProjectionExpression", "ExpressionAttributeNames", "ConsistentRead"}),
    "update": frozenset(
        {"Key", "AttributeUpdates", "UpdateExpression", "ConditionExpression", "ReturnValues", *_EXPRESSION_MAPS}
    ),
    "delete": frozenset({"Key", "ConditionExpression", "ReturnValues", *_EXPRESSION_MAPS}),
    **MANY_ITEM_PARAMETERS,
}
#: Response members holding items or keys, turned back from DynamoDB's typed form into plain JSON.
_TYPED_MEMBERS = ("Item", "Attributes", "LastEvaluatedKey")


class RpcApi:
    """The operations of the classic endpoint, each one DynamoDB call (or one batch) on the configured table."""

    def __init__(self, table: ItemTable, idempotency: IdempotentCreation | None = None) -> None:
        self._table = table
        self._keys = table.keys
        self._idempotency = idempotency
        many = ManyItems(table)
        self._operations: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
            "create": self.create,
            "read": self.read,
            "update": self.update,
            "delete": self.delete,
            "list": many.list,
            "query": many.query,
            "batch_get": many.batch_get,
            "transact_write": many.transact_write,
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

    def _key(self, payload: dict[str, Any], form: str) -> dict[str, Any]:
        return self._keys.from_request(required(payload, "Key"), "Key", typed=form == formats.DYNAMODB)

    def create(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """PutItem of a whole item, as the next version of its key."""
        item = required(payload, "Item")
        if not isinstance(item, dict):
            raise BadRequest("Item must be a JSON object.")
        item = {name: value for name, value in item.items() if name != VERSION_ATTRIBUTE}
        typed = formats.values_in(item, form, "Item")
        typed.update(self._keys.of_item(typed))
        check_item(typed, "Item")
        params = common("create", payload, form)
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
        return self._table.call("get_item", Key=self._key(payload, form), **common("read", payload, form))

    def update(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """UpdateItem from an UpdateExpression or legacy AttributeUpdates; the version is bumped too."""
        has_legacy, has_expression = "AttributeUpdates" in payload, "UpdateExpression" in payload
        if has_legacy == has_expression:
            raise BadRequest("update needs exactly one of AttributeUpdates and UpdateExpression.")
        params = {"Key": self._key(payload, form), **common("update", payload, form)}
        if has_legacy:
            expression, names, values = expressions.from_attribute_updates(
                payload["AttributeUpdates"], form == formats.DYNAMODB, self._table.shape.key_names
            )
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
        try:
            return self._table.call("delete_item", Key=self._key(payload, form), **common("delete", payload, form))
        except ConditionFailed:
            raise Conflict("The condition of the request does not hold.") from None
