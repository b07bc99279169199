"""Reads and writes of many items at once: BatchGetItem with its unprocessed keys retried, and transactions that
keep the service's version on every item they write.

An unconditional BatchWriteItem is deliberately absent: it cannot check or bump versions, so it would let two
writers overwrite each other silently. ``transact_write`` (all or nothing, versioned) and ``import`` cover it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from dynamodbmanager.errors import Conflict, ServiceUnavailable
from dynamodbmanager.schema import VERSION_ATTRIBUTE
from dynamodbmanager.store import expressions
from dynamodbmanager.store.table import TransactionCanceled, version_condition, version_of

if TYPE_CHECKING:
    from dynamodbmanager.store.table import ItemTable, TypedItem

#: DynamoDB's limits (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html).
MAX_BATCH_GET_KEYS = 100
MAX_TRANSACTION_ACTIONS = 100
#: Rounds of BatchGetItem for the keys DynamoDB left unprocessed, and the first pause between them.
BATCH_GET_ROUNDS = 5
BACKOFF_SECONDS = 0.05
#: Attempts of a transaction that meets a concurrent writer of one of its items before the caller is told.
TRANSACTION_ATTEMPTS = 3
ACTIONS = ("Put", "Update", "Delete", "ConditionCheck")


def batch_get(
    table: ItemTable, keys: list[TypedItem], extra: Mapping[str, Any], sleep: Callable[[float], None] = time.sleep
) -> list[TypedItem]:
    """Every item found under ``keys``, retrying what DynamoDB leaves unprocessed with backoff.

    Keys still unprocessed after the last round are a 503 whose body lists them, so the caller can retry those.
    """
    request: dict[str, Any] = {"Keys": keys, **extra}
    found: list[TypedItem] = []
    for round_ in range(BATCH_GET_ROUNDS):
        response = table.send("batch_get_item", RequestItems={table.table_name: request})
        found.extend(response.get("Responses", {}).get(table.table_name, []))
        unprocessed = response.get("UnprocessedKeys", {}).get(table.table_name)
        if not unprocessed or not unprocessed.get("Keys"):
            return found
        request = {**request, "Keys": unprocessed["Keys"]}
        if round_ + 1 < BATCH_GET_ROUNDS:
            sleep(BACKOFF_SECONDS * 2**round_)
    raise ServiceUnavailable(
        f"DynamoDB left {len(request['Keys'])} of the keys unread; retry them after the delay in Retry-After.",
        code="Throttled",
        details={"UnprocessedKeys": request["Keys"]},
    )


def _with_placeholders(action: dict[str, Any], names: Mapping[str, str], values: Mapping[str, Any]) -> None:
    """Add the service's placeholders to one action's maps (DynamoDB refuses empty maps, so only when needed)."""
    if names:
        action["ExpressionAttributeNames"] = {**action.get("ExpressionAttributeNames", {}), **names}
    if values:
        action["ExpressionAttributeValues"] = {**action.get("ExpressionAttributeValues", {}), **values}


def _versioned(
    table: ItemTable, operation: str, action: dict[str, Any], versions: Mapping[tuple[Any, ...], int | None]
) -> dict[str, Any]:
    """One action as sent: a put writes the next version over the one read, an update bumps it."""
    action = {**action, "TableName": table.table_name}
    partition = table.shape.partition.name
    if operation == "Put":
        current = versions[_identity(table, action["Item"])]
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        if current is None:
            names[expressions.KEY_NAME] = partition
            own = f"attribute_not_exists({expressions.KEY_NAME})"
        else:
            own = version_condition(current, names, values, partition)
        action["Item"] = {**action["Item"], VERSION_ATTRIBUTE: {"N": str((current or 0) + 1)}}
        condition = action.get("ConditionExpression")
        action["ConditionExpression"] = f"({condition}) AND {own}" if condition else own
        action["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        _with_placeholders(action, names, values)
    elif operation == "Update":
        expression, names, values = expressions.with_version_increment(action["UpdateExpression"])
        action["UpdateExpression"] = expression
        _with_placeholders(action, names, values)
    return action


def _identity(table: ItemTable, item: Mapping[str, Any]) -> tuple[Any, ...]:
    """A hashable identity of an item's key, to tell two actions on one item apart."""
    return tuple(
        (name, kind, bytes(value) if kind in ("B",) else value)
        for name in table.shape.key_names
        for kind, value in item[name].items()
    )


def transact_write(table: ItemTable, actions: list[tuple[str, dict[str, Any]]]) -> None:
    """Write all ``actions`` (``("Put", {...})``, ...) or none, each put and update keeping the version rule.

    The versions of the items a put replaces are read first and each put is conditioned on them, so a writer
    that slips in between cancels the transaction: it is tried again, up to :data:`TRANSACTION_ATTEMPTS`.
    A cancellation for the caller's own conditions is a 409 naming each action that failed and why.
    """
    puts = [action["Item"] for operation, action in actions if operation == "Put"]
    for _ in range(TRANSACTION_ATTEMPTS):
        versions = _versions(table, puts)
        items = [{operation: _versioned(table, operation, action, versions)} for operation, action in actions]
        try:
            table.send("transact_write_items", TransactItems=items)
            return
        except TransactionCanceled as cancelled:
            if _raced(table, actions, cancelled.reasons, versions):
                continue
            raise Conflict(
                "The transaction was cancelled; nothing was written. 'reasons' says which action failed and why.",
                code="TransactionCanceled",
                details={"reasons": _reasons(actions, cancelled.reasons)},
            ) from None
    raise Conflict("The items kept changing under concurrent writes; retry.", code="ConcurrentModification")


def _versions(table: ItemTable, items: list[Mapping[str, Any]]) -> dict[tuple[Any, ...], int | None]:
    """The current version of each item a put will replace (None when absent), read consistently."""
    if not items:
        return {}
    keys = [{name: item[name] for name in table.shape.key_names} for item in items]
    found = batch_get(table, keys, {"ConsistentRead": True})
    versions: dict[tuple[Any, ...], int | None] = {_identity(table, item): None for item in items}
    for item in found:
        versions[_identity(table, item)] = version_of(item)
    return versions


def _raced(
    table: ItemTable,
    actions: list[tuple[str, dict[str, Any]]],
    reasons: list[dict[str, Any]],
    versions: Mapping[tuple[Any, ...], int | None],
) -> bool:
    """Whether a put failed only because another writer changed its item after the versions were read."""
    raced = False
    for (operation, action), reason in zip(actions, reasons, strict=False):
        if reason.get("Code") in (None, "None"):
            continue
        if operation != "Put" or reason.get("Code") != "ConditionalCheckFailed":
            return False
        read = versions[_identity(table, action["Item"])]
        now = version_of(reason.get("Item")) if reason.get("Item") is not None else None
        if "Item" not in reason or now == read:
            return False
        raced = True
    return raced


def _reasons(actions: list[tuple[str, dict[str, Any]]], reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """DynamoDB's CancellationReasons of the actions that failed, with the action's index and operation."""
    failed = []
    for index, ((operation, _), reason) in enumerate(zip(actions, reasons, strict=False)):
        code = reason.get("Code")
        if code in (None, "None"):
            continue
        message = reason.get("Message") or {
            "ConditionalCheckFailed": "The action's condition does not hold.",
            "TransactionConflict": "Another transaction is writing the item; retry.",
            "ItemCollectionSizeLimitExceeded": "The item collection is over 10 GB.",
            "ValidationError": "DynamoDB refused the action's parameters.",
        }.get(str(code), str(code))
        failed.append({"action": index, "operation": operation, "code": code, "message": message})
    return failed
