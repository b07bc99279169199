"""Faults of the dependency: throttling, latency, refused connections and a killed emulator, through a proxy.

The function's budget (``config.Settings``): connect 1 s, read 2 s, 3 attempts in botocore's standard
retry mode, well under the 10 s function timeout the local stack enforces as Lambda does (a function
past it gets API Gateway's 502); so a 503 answer also proves the request finished within the budget.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dynamodbmanager.config import Settings
from dynamodbmanager.local.emulator import Emulator, start_emulator
from tests.conftest import RunningStack, start_stack
from tests.httpclient import Reply, call
from tests.reliability.faultproxy import THROTTLING, Fault, FaultProxy

pytestmark = pytest.mark.integration
TABLE = "reliability_faults"
ATTEMPTS = Settings().max_attempts


@pytest.fixture(scope="module")
def proxy(emulator: Emulator) -> Iterator[FaultProxy]:
    """The fault-injecting proxy in front of the session's emulator."""
    running = FaultProxy(emulator.url)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def proxied(
    lambda_zip: Path, emulator: Emulator, proxy: FaultProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """A local stack whose function reaches DynamoDB only through the proxy."""
    log = tmp_path_factory.mktemp("faults") / "local.log"
    running = start_stack(lambda_zip, emulator, TABLE, log, "--emulator-url", proxy.url)
    try:
        yield running
    finally:
        running.process.stop()


@pytest.fixture(autouse=True)
def _clean_proxy(proxy: FaultProxy) -> Iterator[None]:
    proxy.reset()
    yield
    proxy.reset()
    if not proxy.listening:
        proxy.listen()


def _stored(stack: RunningStack, item_id: str) -> dict[str, Any] | None:
    """The item as the emulator holds it (typed), bypassing the proxy; None when absent."""
    item: dict[str, Any] | None = (
        stack.emulator.client("dynamodb")
        .get_item(TableName=stack.table_name, Key={"id": {"S": item_id}}, ConsistentRead=True)
        .get("Item")
    )
    return item


def _assert_unavailable(reply: Reply, code: str) -> None:
    assert reply.status == 503, reply.body
    assert reply.json()["error"]["code"] == code
    retry_after = reply.header("Retry-After")
    assert retry_after is not None
    assert int(retry_after) >= 1


@pytest.mark.parametrize("error", sorted(THROTTLING))
def test_throttled_writes_are_retried_a_bounded_number_of_times_then_503(
    proxied: RunningStack, proxy: FaultProxy, error: str
) -> None:
    item_id = f"throttled-{uuid.uuid4()}"
    proxy.inject(Fault("PutItem", throttle=error))
    reply = call("POST", f"{proxied.url}/items", {"id": item_id, "name": "lamp"})
    _assert_unavailable(reply, "Throttled")
    assert proxy.seen["PutItem"] == ATTEMPTS
    assert _stored(proxied, item_id) is None


@pytest.mark.parametrize("error", sorted(THROTTLING))
def test_a_throttled_rpc_update_changes_nothing(proxied: RunningStack, proxy: FaultProxy, error: str) -> None:
    item_id = f"throttled-{uuid.uuid4()}"
    assert call("POST", f"{proxied.url}/items", {"id": item_id, "n": 1}).status == 201
    before = _stored(proxied, item_id)
    proxy.inject(Fault("UpdateItem", throttle=error))
    payload = {
        "Key": {"id": item_id},
        "UpdateExpression": "SET n = n + :one",
        "ConditionExpression": "#v = :v",
        "ExpressionAttributeNames": {"#v": "_version"},
        "ExpressionAttributeValues": {":one": 1, ":v": 1},
    }
    reply = call("POST", f"{proxied.url}/dynamodbmanager", {"operation": "update", "payload": payload})
    _assert_unavailable(reply, "Throttled")
    assert proxy.seen["UpdateItem"] == ATTEMPTS
    assert _stored(proxied, item_id) == before


def test_throttling_that_clears_within_the_retries_writes_once(proxied: RunningStack, proxy: FaultProxy) -> None:
    item_id = f"throttled-{uuid.uuid4()}"
    proxy.inject(Fault("PutItem", throttle="ThrottlingException", times=ATTEMPTS - 1))
    reply = call("POST", f"{proxied.url}/items", {"id": item_id, "name": "lamp"})
    assert reply.status == 201, reply.body
    assert proxy.seen["PutItem"] == ATTEMPTS
    assert _stored(proxied, item_id) == {"id": {"S": item_id}, "name": {"S": "lamp"}, "_version": {"N": "1"}}


def test_latency_under_the_read_timeout_only_slows_requests(proxied: RunningStack, proxy: FaultProxy) -> None:
    item_id = f"slow-{uuid.uuid4()}"
    proxy.inject(Fault(None, delay=Settings().read_timeout / 4))
    assert call("POST", f"{proxied.url}/items", {"id": item_id}).status == 201
    assert call("GET", f"{proxied.url}/items/{item_id}").status == 200
    assert proxy.seen["PutItem"] == 1
    assert proxy.seen["GetItem"] == 1


def test_latency_past_the_read_timeout_is_a_503_within_the_function_timeout(
    proxied: RunningStack, proxy: FaultProxy
) -> None:
    proxy.inject(Fault("GetItem", delay=Settings().read_timeout + 1))
    reply = call("GET", f"{proxied.url}/items/slow-{uuid.uuid4()}")
    # Not the gateway's 502 for a function past its timeout: the function gave up on DynamoDB first.
    _assert_unavailable(reply, "Unreachable")
    assert proxy.seen["GetItem"] == ATTEMPTS


def test_refused_connections_are_a_503_and_service_resumes_when_they_are_accepted(
    proxied: RunningStack, proxy: FaultProxy
) -> None:
    item_id = f"refused-{uuid.uuid4()}"
    proxy.refuse()
    _assert_unavailable(call("POST", f"{proxied.url}/items", {"id": item_id}), "Unreachable")
    proxy.listen()
    assert call("POST", f"{proxied.url}/items", {"id": item_id}).status == 201


def test_an_emulator_killed_mid_run_is_a_503_and_the_stack_recovers_without_restart(
    lambda_zip: Path, tmp_path: Path
) -> None:
    emulator = start_emulator()
    port = emulator.port
    stack = start_stack(lambda_zip, emulator, "killed", tmp_path / "local.log")
    try:
        assert call("POST", f"{stack.url}/items", {"id": "before"}).status == 201
        emulator.stop()
        _assert_unavailable(call("GET", f"{stack.url}/items/before"), "Unreachable")
        _assert_unavailable(call("POST", f"{stack.url}/items", {"id": "during"}), "Unreachable")
        # Back on the same port (moto keeps nothing across a restart, so the table is created anew).
        emulator = Emulator(port=port).start()
        emulator.ensure_table("killed")
        assert call("POST", f"{stack.url}/items", {"id": "after"}).status == 201
        assert call("GET", f"{stack.url}/items/after").status == 200
    finally:
        stack.process.stop()
        emulator.stop()


def test_a_throttled_idempotent_create_is_a_503_and_its_retry_writes_once(
    proxied: RunningStack, proxy: FaultProxy
) -> None:
    item_id, key = f"throttled-{uuid.uuid4()}", {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    proxy.inject(Fault("PutItem", throttle="ProvisionedThroughputExceededException"))
    reply = call("POST", f"{proxied.url}/items", {"id": item_id}, key)
    # The idempotency record is written first: its throttling stops the request before the item is.
    _assert_unavailable(reply, "IdempotencyUnavailable")
    assert _stored(proxied, item_id) is None
    proxy.reset()
    first = call("POST", f"{proxied.url}/items", {"id": item_id}, key)
    again = call("POST", f"{proxied.url}/items", {"id": item_id}, key)
    assert (first.status, again.status, again.body) == (201, 201, first.body)
    assert _stored(proxied, item_id) == {"id": {"S": item_id}, "_version": {"N": "1"}}


def test_a_create_cut_short_by_the_function_timeout_can_be_retried_with_its_key(
    lambda_zip: Path,
    emulator: Emulator,
    proxy: FaultProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # DynamoDB slower than the function's timeout: the function dies holding its idempotency record in progress.
    monkeypatch.setenv("DYNAMODB_READ_TIMEOUT", "10")
    stack = start_stack(
        lambda_zip, emulator, TABLE, tmp_path / "local.log", "--emulator-url", proxy.url, "--function-timeout", "3"
    )
    try:
        item_id, key = f"timed-out-{uuid.uuid4()}", {"Idempotency-Key": f"key-{uuid.uuid4()}"}
        proxy.inject(Fault("PutItem", delay=4.5, times=1))
        assert call("POST", f"{stack.url}/items", {"id": item_id}, key).status == 502
        time.sleep(2.5)  # the held PutItem reaches DynamoDB: the record is in progress, with the invocation's expiry
        retried = call("POST", f"{stack.url}/items", {"id": item_id}, key)
        assert retried.status == 201, retried.body
        assert _stored(stack, item_id) == {"id": {"S": item_id}, "_version": {"N": "1"}}
    finally:
        stack.process.stop()
