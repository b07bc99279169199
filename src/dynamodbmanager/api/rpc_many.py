"""The RPC operations over many items: ``list`` (Scan), ``query``, ``batch_get`` and ``transact_write``.

Each takes DynamoDB's own parameter names and is checked against the table's shape before DynamoDB sees it: a
key of the wrong type, an index that does not exist, a key condition on an attribute that is not a key, or a
consistent read of a global index is a 400 that says what the table expects.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dynamodbmanager.api import formats
from dynamodbmanager.api.parameters import boolean, common, limit, required
from dynamodbmanager.errors import BadRequest
from dynamodbmanager.schema import VERSION_ATTRIBUTE
from dynamodbmanager.store import batches, expressions
from dynamodbmanager.store.attributes import check_item

if TYPE_CHECKING:
    from dynamodbmanager.schema import Index
    from dynamodbmanager.store.table import ItemTable, TypedItem

_MAPS = ("ExpressionAttributeNames", "ExpressionAttributeValues")
_READS = ("FilterExpression", "ProjectionExpression", "ConsistentRead", "Limit", "ExclusiveStartKey", "Select")
MANY_ITEM_PARAMETERS: dict[str, frozenset[str]] = {
    "list": frozenset({*_READS, *_MAPS, "IndexName", "Segment", "TotalSegments"}),
    "query": frozenset({*_READS, *_MAPS, "KeyConditionExpression", "IndexName", "ScanIndexForward"}),
    "batch_get": frozenset({"Keys", "ProjectionExpression", "ExpressionAttributeNames", "ConsistentRead"}),
    "transact_write": frozenset({"TransactItems"}),
}
_SELECT = ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT")
#: What each transaction action accepts, and what it cannot do without.
_ACTION_PARAMETERS = {
    "Put": ({"Item", "ConditionExpression", *_MAPS}, ("Item",)),
    "Update": ({"Key", "UpdateExpression", "ConditionExpression", *_MAPS}, ("Key", "UpdateExpression")),
    "Delete": ({"Key", "ConditionExpression", *_MAPS}, ("Key",)),
    "ConditionCheck": ({"Key", "ConditionExpression", *_MAPS}, ("Key", "ConditionExpression")),
}
_KEY_CONDITION_TOKEN = re.compile(r"#\w+|:\w+|[A-Za-z_]\w*")
_KEY_CONDITION_WORDS = frozenset({"and", "between", "begins_with"})
#: DynamoDB's limit on a parallel scan's segments.
MAX_TOTAL_SEGMENTS = 1_000_000


def key_condition_attributes(expression: str, names: dict[str, str] | None) -> set[str]:
    """The attribute names a KeyConditionExpression tests, placeholders resolved."""
    found: set[str] = set()
    for token in _KEY_CONDITION_TOKEN.findall(expression):
        if token.startswith(":") or token.lower() in _KEY_CONDITION_WORDS:
            continue
        found.add((names or {}).get(token, token) if token.startswith("#") else token)
    return found


class ManyItems:
    """Scan, Query, BatchGetItem and TransactWriteItems on the configured table."""

    def __init__(self, table: ItemTable) -> None:
        self._table = table
        self._shape = table.shape
        self._keys = table.keys

    def _index(self, payload: dict[str, Any], params: dict[str, Any]) -> Index | None:
        """The index the read names, checked: it exists, and a global one is not read consistently."""
        if "IndexName" not in payload:
            return None
        if not isinstance(payload["IndexName"], str):
            raise BadRequest("IndexName must be the name of one of the table's indexes.")
        index = self._shape.index(payload["IndexName"])
        if index.kind == "GSI" and params.get("ConsistentRead"):
            raise BadRequest(f"Index '{index.name}' is global: DynamoDB reads global indexes eventually consistent.")
        params["IndexName"] = index.name
        return index

    def _reads(self, payload: dict[str, Any], form: str, operation: str) -> tuple[dict[str, Any], Index | None]:
        """The parameters Scan and Query share: expressions, index, limit, start key, Select."""
        params = common(operation, payload, form)
        index = self._index(payload, params)
        if (count := limit(payload)) is not None:
            params["Limit"] = count
        if "ExclusiveStartKey" in payload:
            typed = form == formats.DYNAMODB
            params["ExclusiveStartKey"] = self._keys.from_request(
                payload["ExclusiveStartKey"], "ExclusiveStartKey", typed=typed, index=index
            )
        if "Select" in payload:
            select = payload["Select"]
            if select not in _SELECT:
                raise BadRequest(f"Select must be one of {', '.join(_SELECT)}.")
            if select == "ALL_PROJECTED_ATTRIBUTES" and index is None:
                raise BadRequest("Select ALL_PROJECTED_ATTRIBUTES needs IndexName.")
            if (select == "SPECIFIC_ATTRIBUTES") != ("ProjectionExpression" in params):
                raise BadRequest("ProjectionExpression goes with Select SPECIFIC_ATTRIBUTES, and only with it.")
            params["Select"] = select
        return params, index

    def list(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """Scan of the table or of an index: one page, or one segment's page of a parallel scan."""
        params, _ = self._reads(payload, form, "list")
        if ("Segment" in payload) != ("TotalSegments" in payload):
            raise BadRequest("Segment and TotalSegments go together (a parallel scan).")
        if "TotalSegments" in payload:
            total, segment = payload["TotalSegments"], payload["Segment"]
            valid = all(isinstance(v, int) and not isinstance(v, bool) for v in (total, segment))
            if not valid or not 1 <= total <= MAX_TOTAL_SEGMENTS or not 0 <= segment < total:
                raise BadRequest(f"TotalSegments must be 1 to {MAX_TOTAL_SEGMENTS} and Segment 0 to TotalSegments - 1.")
            params.update(Segment=segment, TotalSegments=total)
        return self._table.call("scan", **params)

    def query(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """Query of one partition of the table or of an index, with an optional sort key condition."""
        required(payload, "KeyConditionExpression")
        params, index = self._reads(payload, form, "query")
        key = index.key if index is not None else self._shape.key
        where = f"index '{index.name}'" if index is not None else "the table"
        tested = key_condition_attributes(params["KeyConditionExpression"], params.get("ExpressionAttributeNames"))
        names = {attribute.name for attribute in key}
        if unknown := sorted(tested - names):
            expected = ", ".join(attribute.describe() for attribute in key)
            sort_note = "" if len(key) > 1 else " It has no sort key."
            raise BadRequest(
                f"KeyConditionExpression tests {', '.join(unknown)}, which is not a key of {where}: its key is "
                f"{expected}.{sort_note}",
                code="InvalidKeyCondition",
            )
        if key[0].name not in tested:
            raise BadRequest(
                f"KeyConditionExpression must test the partition key {key[0].describe()} of {where} with =.",
                code="InvalidKeyCondition",
            )
        if (forward := boolean(payload, "ScanIndexForward")) is not None:
            params["ScanIndexForward"] = forward
        return self._table.call("query", **params)

    def batch_get(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """BatchGetItem of up to 100 keys; what DynamoDB leaves unprocessed is read again with backoff."""
        keys = required(payload, "Keys")
        if not isinstance(keys, list) or not 1 <= len(keys) <= batches.MAX_BATCH_GET_KEYS:
            raise BadRequest(f"Keys must be a list of 1 to {batches.MAX_BATCH_GET_KEYS} keys.")
        typed = form == formats.DYNAMODB
        parsed = [self._keys.from_request(key, f"Keys[{index}]", typed=typed) for index, key in enumerate(keys)]
        seen: set[str] = set()
        for index, key in enumerate(parsed):
            if (identity := repr(sorted(key.items()))) in seen:
                raise BadRequest(f"Keys[{index}] repeats a key; DynamoDB reads each key once per batch.")
            seen.add(identity)
        params = common("batch_get", payload, form)
        return {"Items": batches.batch_get(self._table, parsed, params)}

    def transact_write(self, payload: dict[str, Any], form: str = formats.PLAIN) -> dict[str, Any]:
        """TransactWriteItems: up to 100 Put, Update, Delete and ConditionCheck actions, all or nothing."""
        entries = required(payload, "TransactItems")
        if not isinstance(entries, list) or not 1 <= len(entries) <= batches.MAX_TRANSACTION_ACTIONS:
            raise BadRequest(f"TransactItems must be a list of 1 to {batches.MAX_TRANSACTION_ACTIONS} actions.")
        actions = [self._action(entry, index, form) for index, entry in enumerate(entries)]
        seen: set[str] = set()
        for index, (operation, action) in enumerate(actions):
            key = action["Item"] if operation == "Put" else action["Key"]
            identity = repr(sorted((name, key[name]) for name in self._shape.key_names))
            if identity in seen:
                raise BadRequest(f"TransactItems[{index}] acts on an item another action does; DynamoDB refuses it.")
            seen.add(identity)
        batches.transact_write(self._table, actions)
        return {}

    def _action(self, entry: Any, index: int, form: str) -> tuple[str, dict[str, Any]]:
        """One transaction action, checked and typed."""
        where = f"TransactItems[{index}]"
        if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in _ACTION_PARAMETERS:
            raise BadRequest(f"{where} must be an object with one of {', '.join(_ACTION_PARAMETERS)}.")
        ((operation, body),) = entry.items()
        allowed, needed = _ACTION_PARAMETERS[operation]
        if not isinstance(body, dict):
            raise BadRequest(f"{where}.{operation} must be an object.")
        if refused := sorted(set(body) - allowed):
            raise BadRequest(f"{where}.{operation} does not accept '{refused[0]}'.", code="UnknownParameter")
        for name in needed:
            if name not in body:
                raise BadRequest(f"{where}.{operation} needs '{name}'.", code="MissingParameter")
        action = common(operation.lower(), body, form, f"{where}.{operation}.")
        typed = form == formats.DYNAMODB
        if operation == "Put":
            if not isinstance(body["Item"], dict):
                raise BadRequest(f"{where}.Put.Item must be an object.")
            item: TypedItem = formats.values_in(
                {name: value for name, value in body["Item"].items() if name != VERSION_ATTRIBUTE},
                form,
                f"{where}.Put.Item",
            )
            item.update(self._keys.of_item(item))
            check_item(item, f"{where}.Put.Item")
            action["Item"] = item
        else:
            action["Key"] = self._keys.from_request(body["Key"], f"{where}.{operation}.Key", typed=typed)
        if operation == "Update":
            expressions.refuse_managed_attributes(action["UpdateExpression"], action.get("ExpressionAttributeNames"))
        return operation, action
