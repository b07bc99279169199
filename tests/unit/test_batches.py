"""Batch reads retry what DynamoDB leaves unprocessed; transactions keep versions and name what failed."""

from __future__ import annotations

from typing import Any

import pytest

from dynamodbmanager.errors import Conflict, ServiceUnavailable
from dynamodbmanager.store import batches
from dynamodbmanager.store.failures import DynamoDBError
from dynamodbmanager.store.table import ItemTable


def _key(n: int) -> dict[str, dict[str, str]]:
    return {"id": {"S": str(n)}}


class Unprocessing:
    """A BatchGetItem that answers ``per_call`` keys a call and leaves the rest unprocessed."""

    def __init__(self, per_call: int) -> None:
        self.per_call = per_call
        self.calls = 0

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        ((table, request),) = RequestItems.items()
        keys = request["Keys"]
        answer: dict[str, Any] = {"Responses": {table: [dict(k, v={"N": "1"}) for k in keys[: self.per_call]]}}
        if keys[self.per_call :]:
            answer["UnprocessedKeys"] = {table: {**request, "Keys": keys[self.per_call :]}}
        return answer


def test_unprocessed_keys_are_read_again_until_none_is_left() -> None:
    client = Unprocessing(per_call=30)
    pauses: list[float] = []
    found = batches.batch_get(ItemTable(client, "t"), [_key(n) for n in range(100)], {}, pauses.append)
    assert sorted(int(item["id"]["S"]) for item in found) == list(range(100))
    assert client.calls == 4
    assert pauses == [0.05, 0.1, 0.2]


def test_keys_still_unprocessed_after_the_last_round_are_a_503_that_lists_them() -> None:
    client = Unprocessing(per_call=1)
    with pytest.raises(ServiceUnavailable) as refused:
        batches.batch_get(ItemTable(client, "t"), [_key(n) for n in range(10)], {}, lambda _: None)
    assert refused.value.headers()["Retry-After"] == "1"
    assert refused.value.details["UnprocessedKeys"] == [_key(n) for n in range(5, 10)]


class Cancelling:
    """TransactWriteItems cancelled with ``reasons``; BatchGetItem finds the items at ``version``."""

    def __init__(self, reasons: list[dict[str, Any]], version: int = 3) -> None:
        self.reasons = reasons
        self.version = version
        self.sent: list[list[dict[str, Any]]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        ((table, request),) = RequestItems.items()
        return {"Responses": {table: [dict(k, _version={"N": str(self.version)}) for k in request["Keys"]]}}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        self.sent.append(TransactItems)
        error = {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}}
        raise DynamoDBError("TransactionCanceledException", "cancelled", {**error, "CancellationReasons": self.reasons})


def test_a_put_writes_the_next_version_over_the_one_read() -> None:
    client = Cancelling([{"Code": "None"}, {"Code": "ConditionalCheckFailed"}])
    actions = [("Put", {"Item": {"id": {"S": "a"}, "x": {"N": "1"}}}), ("Delete", {"Key": {"id": {"S": "b"}}})]
    with pytest.raises(Conflict) as refused:
        batches.transact_write(ItemTable(client, "t"), actions)
    put = client.sent[0][0]["Put"]
    assert put["Item"]["_version"] == {"N": "4"}
    assert put["ExpressionAttributeValues"][":dm_expected"] == {"N": "3"}
    assert refused.value.code == "TransactionCanceled"
    assert refused.value.details["reasons"] == [
        {
            "action": 1,
            "operation": "Delete",
            "code": "ConditionalCheckFailed",
            "message": "The action's condition does not hold.",
        }
    ]


def test_a_writer_that_slips_in_between_is_retried_then_told() -> None:
    moved = {"Code": "ConditionalCheckFailed", "Item": {"id": {"S": "a"}, "_version": {"N": "9"}}}
    client = Cancelling([moved])
    with pytest.raises(Conflict) as refused:
        batches.transact_write(ItemTable(client, "t"), [("Put", {"Item": {"id": {"S": "a"}}})])
    assert len(client.sent) == batches.TRANSACTION_ATTEMPTS
    assert refused.value.code == "ConcurrentModification"
