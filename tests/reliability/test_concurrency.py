"""Concurrent writers on one item: every write applied or refused, none lost; one create wins."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from tests.httpclient import call

if TYPE_CHECKING:
    from tests.conftest import RunningStack

pytestmark = pytest.mark.integration
REQUESTS = 200
THREADS = 20


def _run(task: Any) -> list[Any]:
    """``task(i)`` for i in 0..REQUESTS-1 on THREADS threads, results in order."""
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(task, range(REQUESTS)))


def test_if_match_patches_are_applied_or_refused_never_lost(reliability_stack: RunningStack) -> None:
    url = f"{reliability_stack.url}/items/patched-{uuid.uuid4()}"
    assert call("PUT", url, {"name": "counter"}).status == 201

    def patch(index: int) -> tuple[int, str]:
        read = call("GET", url)
        etag = read.header("ETag")
        assert read.status == 200
        assert etag is not None
        reply = call(
            "PATCH",
            url,
            {f"w{index}": index},
            {"Content-Type": "application/merge-patch+json", "If-Match": etag},
        )
        return reply.status, f"w{index}"

    outcomes = _run(patch)
    statuses = Counter(status for status, _ in outcomes)
    assert set(statuses) <= {200, 412}, statuses
    applied = {name for status, name in outcomes if status == 200}
    assert applied
    final = call("GET", url).json()
    assert final["_version"] == 1 + len(applied)
    # No lost update: every applied patch is in the item, and no refused one.
    assert {name for name in final if name.startswith("w")} == applied


def test_rpc_updates_conditional_on_the_version_are_applied_or_refused_never_lost(
    reliability_stack: RunningStack,
) -> None:
    endpoint = f"{reliability_stack.url}/dynamodbmanager"
    key = {"id": f"rpc-counter-{uuid.uuid4()}"}
    created = call("POST", endpoint, {"operation": "create", "payload": {"Item": {**key, "hits": 0}}})
    assert created.status == 200

    def update(_index: int) -> int:
        read = call("POST", endpoint, {"operation": "read", "payload": {"Key": key, "ConsistentRead": True}})
        version = read.json()["Item"]["_version"]
        payload = {
            "Key": key,
            "UpdateExpression": "ADD hits :one",
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": "_version"},
            "ExpressionAttributeValues": {":one": 1, ":v": version},
        }
        reply = call("POST", endpoint, {"operation": "update", "payload": payload})
        if reply.status == 409:
            assert reply.json()["error"]["code"] == "ConditionalCheckFailed"
        return reply.status

    statuses = Counter(_run(update))
    assert set(statuses) <= {200, 409}, statuses
    assert statuses[200] >= 1
    final = call("POST", endpoint, {"operation": "read", "payload": {"Key": key, "ConsistentRead": True}})
    item = final.json()["Item"]
    assert item["_version"] == 1 + statuses[200]
    assert item["hits"] == statuses[200]


def test_concurrent_creates_of_one_id_have_exactly_one_winner(reliability_stack: RunningStack) -> None:
    item_id = f"raced-{uuid.uuid4()}"

    def create(index: int) -> tuple[int, str]:
        reply = call("POST", f"{reliability_stack.url}/items", {"id": item_id, "writer": index})
        code = reply.json()["error"]["code"] if reply.status != 201 else ""
        return reply.status, code

    outcomes = Counter(_run(create))
    assert outcomes == Counter({(201, ""): 1, (409, "ItemExists"): REQUESTS - 1})
    stored = call("GET", f"{reliability_stack.url}/items/{item_id}").json()
    assert stored["_version"] == 1
